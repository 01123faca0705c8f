"""The extra statistics (stats=, ddof=, quantiles=, histogram=, range=,
describe=) against exact references and numpy, on files numpy wrote (np.save
and raw tofile), every integer type and float16/32/64 in both byte orders,
every backend and 1 and 2 threads; edge cases (empty, one element,
constants, NaN, infinities, -0.0, int64's limits); argmin_index for C and
Fortran order .npy files, memmaps and buffers; streams; merges; and the
keywords' checks.

The references, in Python's exact arithmetic: every counted value (not NaN)
as an integer X in units of 2**-S (S = 1074 for floats, 0 for integers);
var = (n * sum(X**2) - sum(X)**2) / (n * (n - ddof)) / 2**(2 S), a Fraction
rounded once to a float (float(Fraction) rounds correctly); std =
math.sqrt of that float (the library's definition: sqrt(var) as IEEE rounds
it); numpy's 'linear' quantile: h = q * (n - 1) with q the exact Fraction of
the float asked, x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] -
x[floor(h)]) over the sorted values, rounded once. numpy's own var and
quantile are not exact: they are checked to be close (rtol 1e-12)."""

import ctypes
import json
import math
import os
import pickle
import struct
import sys
import zlib
from fractions import Fraction

import numpy as np
import pytest

import mapscan
from mapscan import _lib

INT_CODES = ["|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8"]
FLOAT_CODES = ["<f2", ">f2", "<f4", ">f4", "<f8", ">f8"]
QS = [0.0, 0.1, 0.25, 1 / 3, 0.5, 0.9, 0.999, 1.0]
BACKENDS = ("mmap", "read", "direct")
BINS = 13


# ---- the references ----

def units_of(values, is_float):
    """The counted values as exact ints in units of 2**-S, S (1074 for floats, 0 for ints); infinities and
    NaN left out (the caller checks for infinities)."""
    if not is_float:
        return [int(v) for v in values], 0
    out = []
    for x in values:
        x = float(x)
        if math.isfinite(x):
            p, q = x.as_integer_ratio()
            out.append(p * (2**1074 // q))
    return out, 1074


def rounded(q):
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def var_ref(X, S, ddof):
    """The exact variance rounded once, and std = sqrt of it; (None, None) when n <= ddof."""
    n = len(X)
    if n <= ddof:
        return None, None
    s1, s2 = sum(X), sum(x * x for x in X)
    var = rounded(Fraction(n * s2 - s1 * s1, n * (n - ddof) * 2**(2 * S)))
    return var, math.sqrt(var)


def quantile_ref(sorted_X, S, q):
    """numpy's linear method in exact arithmetic, rounded once."""
    n = len(sorted_X)
    h = Fraction(q) * (n - 1)
    lo = math.floor(h)
    value = Fraction(sorted_X[lo])
    if lo + 1 < n:
        value += (h - lo) * (sorted_X[lo + 1] - sorted_X[lo])
    return rounded(value / 2**S)


def counted_of(a):
    """The values that are not NaN, as float64 (exact for every type here but 64-bit ints past 2**53)."""
    f = np.asarray(a).astype(np.float64).ravel()
    return f[~np.isnan(f)]


def python_values(a):
    """The values that are not NaN as Python numbers (ints exactly)."""
    flat = np.asarray(a).ravel()
    if flat.dtype.kind in "iu":
        return [int(v) for v in flat.tolist()]
    return [v for v in flat.astype(np.float64).tolist() if not math.isnan(v)]


def bits(x):
    return None if x is None else ("nan" if math.isnan(x) else struct.pack("<d", x).hex())


def check_against_reference(r, a, ddof=0, qs=None, bins=None, range_=None):
    """r (a scan of a with stats='all', ddof, quantiles qs, histogram bins/range_) against the exact
    references and numpy."""
    is_float = a.dtype.kind == "f"
    values = python_values(a)
    X, S = units_of(values, is_float)
    has_inf = is_float and any(math.isinf(v) for v in values)
    n = len(values)
    # var, std (ddof None: not asked)
    assert r.ddof == ddof
    if ddof is None:
        assert r.var is None and r.std is None and r.argmin is None
    elif n <= ddof:
        assert r.var is None and r.std is None
    elif has_inf:
        assert math.isnan(r.var) and math.isnan(r.std)
    else:
        var, std = var_ref(X, S, ddof)
        assert bits(r.var) == bits(var) and bits(r.std) == bits(std), (r.var, var, r.std, std)
        if var != 0 and not (np.dtype(a.dtype).kind in "iu" and np.dtype(a.dtype).itemsize == 8):
            # numpy's var is not exact (0.1 repeated: about 2e-34, not 0): close, where there is a scale
            want = np.var(counted_of(a), ddof=ddof)
            assert r.var == pytest.approx(want, rel=1e-12, abs=0), (r.var, want)
            assert r.std == pytest.approx(np.std(counted_of(a), ddof=ddof), rel=1e-12, abs=0)
    # argmin, argmax
    if ddof is None:
        pass
    elif n == 0:
        assert r.argmin is None and r.argmax is None
    else:
        flat = np.asarray(a).ravel()
        if is_float:
            assert r.argmin == int(np.nanargmin(flat)) and r.argmax == int(np.nanargmax(flat))
        else:
            assert r.argmin == int(np.argmin(flat)) and r.argmax == int(np.argmax(flat))
            assert values[r.argmin] == min(values) and values[r.argmax] == max(values)
    # quantiles
    if qs is not None:
        assert list(r.quantiles) == [float(q) for q in qs]
        if n == 0:
            assert all(v is None for v in r.quantiles.values())
        elif not has_inf:
            sx = sorted(X)
            for q in qs:
                assert r.quantiles[q] == quantile_ref(sx, S, q), (q, r.quantiles[q], quantile_ref(sx, S, q))
            want = np.quantile(counted_of(a), qs)
            got = np.array([r.quantiles[q] for q in qs])
            assert np.allclose(got, want, rtol=1e-12, atol=0), (got, want)
    else:
        assert r.quantiles is None
    # histogram
    if bins is not None:
        h = r.histogram
        assert h.bins == bins and len(h.edges) == bins + 1
        f = counted_of(a)
        if range_ is None:
            if n:
                counts, edges = np.histogram(f, bins=bins)
            else:
                counts, edges = np.zeros(bins, dtype=np.int64), np.linspace(0, 1, bins + 1)
            assert h.below is None and h.above is None and not h.ranged
        else:
            counts, edges = np.histogram(f, bins=bins, range=range_)
            assert h.below == int(np.sum(f < range_[0])) and h.above == int(np.sum(f > range_[1]))
            assert h.ranged and h.range == (float(range_[0]), float(range_[1]))
        assert np.array_equal(h.counts, counts), (h.counts, counts)
        assert np.asarray(h.edges, dtype=np.float64).tobytes() == edges.tobytes(), (h.edges, edges)
        lo, hi = h.range
        assert edges.tobytes() == np.linspace(lo, hi, bins + 1).tobytes()
    else:
        assert r.histogram is None


# ---- data ----

def int_data(code, n, rng):
    dt = np.dtype(code)
    info = np.iinfo(dt)
    lo, hi = max(int(info.min), -2**53), min(int(info.max), 2**53)     # histograms exact in float64
    a = rng.integers(lo, hi, size=n, endpoint=True, dtype=np.int64 if dt.kind == "i" else np.uint64)
    a[rng.choice(n, size=n // 4)] = a[rng.choice(n, size=n // 4)]         # repeats
    a[rng.choice(n)] = lo
    a[rng.choice(n)] = hi
    return a.astype(dt)


def float_data(code, n, rng, nan=True):
    dt = np.dtype(code)
    scale = {2: 100.0, 4: 1e6, 8: 1e12}[dt.itemsize]
    a = (rng.standard_normal(n) * scale + scale / 7).astype(dt)
    a[rng.choice(n, size=n // 4)] = a[rng.choice(n, size=n // 4)]         # repeats
    if nan:
        a[rng.choice(n, size=5)] = np.nan
    a[a == 0] = 0.0          # no -0.0: numpy's argmin takes -0.0 == 0.0, mapscan orders -0.0 below
    return a


def write(tmp_path, name, a, kind):
    if kind == "npy":
        path = tmp_path / f"{name}.npy"
        np.save(path, a)
    else:
        path = tmp_path / f"{name}.bin"
        a.tofile(path)
    return path


def scan(path, a, kind, **kwargs):
    if kind == "raw":
        kwargs.setdefault("dtype", a.dtype.str)
    return mapscan.scan(path, **kwargs)


# ---- every type against the references ----

@pytest.mark.parametrize("kind", ["raw", "npy"])
@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES)
def test_every_type_against_exact_references_and_numpy(tmp_path, code, kind):
    rng = np.random.default_rng(zlib.crc32(f"{code} {kind}".encode()))
    n = 3001
    a = float_data(code, n, rng) if np.dtype(code).kind == "f" else int_data(code, n, rng)
    path = write(tmp_path, "d", a, kind)
    r = scan(path, a, kind, stats="all", quantiles=QS, histogram=BINS, threads=2)
    check_against_reference(r, a, 0, QS, BINS)
    assert r.type == {"f2": "f16", "f4": "f32", "f8": "f64"}.get(code[1:], r.type)
    # ddof 1, a histogram over a range inside the data's, std only (var comes with it)
    f = counted_of(a)
    lo, hi = float(np.quantile(f, 0.2)), float(np.quantile(f, 0.7))
    if lo == hi:
        hi = lo + 1
    r1 = scan(path, a, kind, stats=["std", "argmin", "argmax"], ddof=1, quantiles=0.5, histogram=7,
              range=(lo, hi), threads=2)
    check_against_reference(r1, a, 1, [0.5], 7, (lo, hi))
    # every backend and thread count finds the same (two quantiles: each pass costs the direct backend
    # some milliseconds of setup)
    first = None
    for backend in BACKENDS:
        for threads in (1, 2):
            again = scan(path, a, kind, stats="all", quantiles=[0.999, 0.25], histogram=BINS, threads=threads,
                         backend=backend)
            assert (again.var, again.std, again.argmin, again.argmax, again.histogram) == \
                (r.var, r.std, r.argmin, r.argmax, r.histogram), (backend, threads)
            assert again.quantiles == {q: r.quantiles[q] for q in (0.999, 0.25)}, (backend, threads)
            first = first or again
            assert again == first and hash(again) == hash(first), (backend, threads)
    assert r != scan(path, a, kind)      # the extra statistics are part of what was found


def test_describe_is_stats_all_and_the_quartiles(tmp_path):
    a = np.arange(101, dtype="<i4")[::-1].copy()
    a.tofile(tmp_path / "d.bin")
    r = mapscan.scan(tmp_path / "d.bin", describe=True)
    assert r.quantiles == {0.25: 25.0, 0.5: 50.0, 0.75: 75.0}
    assert (r.argmin, r.argmax, r.ddof) == (100, 0, 0) and r.var == 850.0 and r.std == math.sqrt(850.0)
    assert r.histogram is None
    r = mapscan.scan(tmp_path / "d.bin", describe=True, quantiles=[0.1], ddof=1, histogram=2)
    assert r.quantiles == {0.1: 10.0} and r.var == 858.5 and r.histogram.counts.tolist() == [50, 51]


# ---- edge cases ----

@pytest.mark.parametrize("code", ["<i4", "<u8", "<f4", ">f8", "<f2"])
def test_constants_one_element_and_empty(tmp_path, code):
    dt = np.dtype(code)
    value = dt.type(7 if dt.kind in "iu" else 0.1)
    for n in (1, 2, 1000):
        a = np.full(n, value, dtype=dt)
        for kind in ("raw", "npy"):
            path = write(tmp_path, f"c{n}", a, kind)
            for ddof in (0, 1):
                r = scan(path, a, kind, stats="all", ddof=ddof, quantiles=QS, histogram=5)
                check_against_reference(r, a, ddof, QS, 5)
                if n > ddof:
                    assert bits(r.var) == bits(0.0) and bits(r.std) == bits(0.0)
                else:
                    assert r.var is None and r.std is None
                assert set(r.quantiles.values()) == {float(value)}
                # numpy's rule for equal min and max: 0.5 either way
                assert r.histogram.range == (float(value) - 0.5, float(value) + 0.5)
                assert r.histogram.counts.tolist() == [0, 0, n, 0, 0]
                assert (r.argmin, r.argmax) == (0, 0)
    # empty: a .npy of shape (0,) and (3, 0); a raw file of no bytes below
    for a, kind in ((np.zeros(0, dtype=dt), "npy"), (np.zeros((3, 0), dtype=dt), "npy")):
        path = write(tmp_path, "e", a, kind)
        r = scan(path, a, kind, stats="all", quantiles=[0.5, 0.1], histogram=4)
        assert r.count == 0 and r.var is None and r.std is None and r.argmin is None and r.argmax is None
        assert r.argmin_index is None
        assert r.quantiles == {0.5: None, 0.1: None}
        assert r.histogram.counts.tolist() == [0] * 4
        assert r.histogram.edges.tobytes() == np.histogram(np.zeros(0), bins=4)[1].tobytes()
        r = scan(path, a, kind, histogram=4, range=(-1, 1))
        assert r.histogram.counts.tolist() == [0] * 4 and (r.histogram.below, r.histogram.above) == (0, 0)


def test_an_empty_raw_file_has_no_values_but_its_statistics(tmp_path):
    (tmp_path / "e.bin").write_bytes(b"")
    for code in ("<i2", "<i4", ">f8"):
        r = mapscan.scan(tmp_path / "e.bin", dtype=code, stats="all", histogram=4, range=(-1, 1))
        assert (r.count, r.var, r.argmin, r.argmax) == (0, None, None, None)
        assert r.histogram.counts.tolist() == [0] * 4 and (r.histogram.below, r.histogram.above) == (0, 0)
    assert mapscan.scan(tmp_path / "e.bin", dtype="<i2", quantiles=0.5).quantiles == {0.5: None}


@pytest.mark.parametrize("code, kwargs", [("<i4", dict(quantiles=0.5)), ("<f8", dict(quantiles=0.5)),
                                          ("<i2", dict(histogram=4))])
def test_an_empty_raw_file_answers_quantiles_and_a_histogram_without_range(tmp_path, code, kwargs):
    """A regular file of size 0 is read as a stream (it may be procfs'): it refuses no second pass, as it held
    no value that would need one."""
    (tmp_path / "e.bin").write_bytes(b"")
    r = mapscan.scan(tmp_path / "e.bin", dtype=code, **kwargs)
    assert r.count == 0
    if "quantiles" in kwargs:
        assert r.quantiles == {0.5: None}
    else:
        assert r.histogram.counts.tolist() == [0] * 4 and r.histogram.range == (0.0, 1.0)


def test_nan_is_left_out_and_all_nan_is_nothing_counted(tmp_path):
    a = np.array([np.nan, 3.0, np.nan, -1.0, 2.0, np.nan], dtype="<f8")
    a.tofile(tmp_path / "n.bin")
    r = mapscan.scan(tmp_path / "n.bin", dtype="<f8", stats="all", quantiles=QS, histogram=3)
    check_against_reference(r, a, 0, QS, 3)
    assert (r.argmin, r.argmax, r.nan) == (3, 1, 3)
    assert r.var == np.nanvar(a) and r.quantiles[0.5] == np.nanquantile(a, 0.5) == 2.0
    assert np.allclose([r.quantiles[q] for q in QS], np.nanquantile(a, QS), rtol=1e-15, atol=0)
    b = np.full(9, np.nan, dtype="<f4")
    b.tofile(tmp_path / "allnan.bin")
    r = mapscan.scan(tmp_path / "allnan.bin", dtype="<f4", stats="all", quantiles=0.5, histogram=2)
    assert (r.count, r.nan, r.var, r.argmin, r.argmax, r.quantiles) == (9, 9, None, None, None, {0.5: None})
    assert r.histogram.counts.tolist() == [0, 0] and r.histogram.range == (0.0, 1.0)


def test_infinities_negative_zero_and_the_order_of_positions(tmp_path):
    a = np.array([1.0, np.inf, -2.0, np.inf, -np.inf, 5.0, -np.inf], dtype=">f4")
    a.tofile(tmp_path / "i.bin")
    r = mapscan.scan(tmp_path / "i.bin", dtype=">f4", stats="all", histogram=4, range=(-3, 6))
    assert math.isnan(r.var) and math.isnan(r.std)      # an infinity: no variance
    assert (r.argmin, r.argmax) == (4, 1) == (np.argmin(a), np.argmax(a))
    # edges -3, -0.75, 1.5, 3.75, 6: -2 | 1 | - | 5
    assert r.histogram.counts.tolist() == [1, 1, 0, 1] and (r.histogram.below, r.histogram.above) == (2, 2)
    with pytest.raises(mapscan.InputError, match="range"):
        mapscan.scan(tmp_path / "i.bin", dtype=">f4", histogram=4)     # the data's range is not finite
    # quantiles among infinities (sorted: -inf -inf -2 1 5 inf inf): at a whole rank, or between equal
    # values, that value (numpy's lerp gives nan for q = 0, 0.1 and 1 here: -inf + t * (-inf - -inf));
    # between -inf and -2, the formula as IEEE evaluates it: nan, as numpy's
    r = mapscan.scan(tmp_path / "i.bin", dtype=">f4", quantiles=[0.0, 1.0, 0.5, 0.1, 0.2])
    assert list(r.quantiles.values())[:4] == [-math.inf, math.inf, 1.0, -math.inf]
    assert math.isnan(r.quantiles[0.2])
    with np.errstate(invalid="ignore"):
        assert np.quantile(a, 0.5) == 1.0 and math.isnan(np.quantile(a, 0.2))
    # -0.0 orders below 0.0 (as min and max): the first -0.0 is the min, the first 0.0 the max
    z = np.array([0.0, -0.0, 0.0, -0.0], dtype="<f8")
    z.tofile(tmp_path / "z.bin")
    r = mapscan.scan(tmp_path / "z.bin", dtype="<f8", stats="all", quantiles=[0.0, 1.0])
    assert (r.argmin, r.argmax) == (1, 0) and bits(r.min) == bits(-0.0) and bits(r.max) == bits(0.0)
    assert r.var == 0.0 and r.quantiles == {0.0: 0.0, 1.0: 0.0}
    # a one-element variance with an infinity: undefined (n <= ddof) wins over nan
    np.array([np.inf], dtype="<f8").tofile(tmp_path / "inf1.bin")
    r = mapscan.scan(tmp_path / "inf1.bin", dtype="<f8", stats="var", ddof=1)
    assert r.var is None and r.std is None
    r = mapscan.scan(tmp_path / "inf1.bin", dtype="<f8", stats="var")
    assert math.isnan(r.var)


@pytest.mark.parametrize("code", ["<i8", ">i8", "<u8", ">u8"])
def test_64_bit_integers_near_both_limits(tmp_path, code):
    dt = np.dtype(code)
    info = np.iinfo(dt)
    lo, hi = int(info.min), int(info.max)
    rng = np.random.default_rng(64)
    near = [lo, lo + 1, lo + 2, hi, hi - 1, hi - 2, lo + 12345, hi - 99999]
    values = near * 50 + [int(v) for v in rng.integers(lo, hi, size=600, dtype=np.int64 if dt.kind == "i"
                                                        else np.uint64, endpoint=True)]
    rng.shuffle(values)
    a = np.array(values, dtype=dt)
    for kind in ("raw", "npy"):
        path = write(tmp_path, "lim", a, kind)
        r = scan(path, a, kind, stats="all", ddof=1, quantiles=QS + [0.5000000001, 1e-300], histogram=8,
                 threads=2)
        X = sorted(values)
        var, std = var_ref(values, 0, 1)
        assert bits(r.var) == bits(var) and bits(r.std) == bits(std)
        for q in QS + [0.5000000001, 1e-300]:
            assert r.quantiles[q] == quantile_ref(X, 0, q), q
        assert values[r.argmin] == lo and r.argmin == values.index(lo)
        assert values[r.argmax] == hi and r.argmax == values.index(hi)
        assert r.histogram.range == (float(lo), float(hi)) and sum(r.histogram.counts.tolist()) == len(values)
        # the lowest values are in the first bin, the highest in the last
        assert r.histogram.counts[0] >= 150 and r.histogram.counts[-1] >= 150
    # a constant at the limit: var exactly 0
    c = np.full(77, hi, dtype=dt)
    c.tofile(tmp_path / "c.bin")
    r = mapscan.scan(tmp_path / "c.bin", dtype=code, stats="var", quantiles=[0.3])
    assert bits(r.var) == bits(0.0) and r.quantiles == {0.3: float(hi)}


def test_float64_extremes_are_exact(tmp_path):
    big = np.finfo(np.float64).max
    tiny = 5e-324
    a = np.array([big, -big, big, tiny, -tiny, 1.0, 3.0, 2.0**-1000, big / 3], dtype="<f8")
    a.tofile(tmp_path / "x.bin")
    r = mapscan.scan(tmp_path / "x.bin", dtype="<f8", stats="all", quantiles=QS)
    with np.errstate(over="ignore"):        # numpy's own var overflows; the exact one is checked
        check_against_reference(r, a, 0, QS)
    assert r.var == math.inf        # the exact variance is past binary64's range: it rounds to inf
    sub = np.array([tiny, 2 * tiny, 3 * tiny, tiny], dtype="<f8")
    sub.tofile(tmp_path / "s.bin")
    r = mapscan.scan(tmp_path / "s.bin", dtype="<f8", stats="all", quantiles=QS, ddof=1)
    check_against_reference(r, sub, 1, QS)


# ---- positions as indices ----

def unique_array(shape, dtype, rng):
    n = int(np.prod(shape))
    return rng.permutation(n).astype(dtype).reshape(shape)


@pytest.mark.parametrize("shape", [(7,), (5, 9), (4, 3, 6), (2, 1, 3, 4)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_argmin_index_follows_the_files_order(tmp_path, shape, order):
    rng = np.random.default_rng(len(shape))
    for code in ("<i2", ">f8"):
        a = unique_array(shape, code, rng)
        a = np.asfortranarray(a) if order == "F" else np.ascontiguousarray(a)
        np.save(tmp_path / "a.npy", a)
        r = mapscan.scan(tmp_path / "a.npy", stats=["argmin", "argmax"])
        want_min, want_max = np.unravel_index(np.argmin(a), shape), np.unravel_index(np.argmax(a), shape)
        assert r.argmin_index == tuple(map(int, want_min)) and r.argmax_index == tuple(map(int, want_max))
        fortran = order == "F" and len(shape) > 1
        # the positions are in the file's order
        assert r.argmin == np.ravel_multi_index(want_min, shape, order="F" if fortran else "C")
        assert r.argmax == np.ravel_multi_index(want_max, shape, order="F" if fortran else "C")
        # the library's mapscan_unravel agrees
        c = _lib.Result()
        c.ndim, c.fortran_order = len(shape), fortran
        c.format, c.extra.origin_whole = 2, True        # MAPSCAN_FORMAT_NPY, an offset of whole elements
        for i, extent in enumerate(shape):
            c.shape[i] = extent
        index = (ctypes.c_uint64 * 64)()
        assert _lib.lib.mapscan_unravel(ctypes.byref(c), r.argmin, index) == len(shape)
        assert tuple(index[:len(shape)]) == r.argmin_index
        # a memmap of the file: the same index
        m = np.load(tmp_path / "a.npy", mmap_mode="r")
        rm = mapscan.scan(m, stats="all")
        assert (rm.argmin_index, rm.argmax_index) == (r.argmin_index, r.argmax_index)
        # scan_buffer of the C-contiguous array
        rb = mapscan.scan_buffer(np.ascontiguousarray(a), stats="all")
        assert rb.argmin_index == r.argmin_index
        d = r.as_dict()
        assert d["argmin_index"] == list(r.argmin_index) and d["argmin"] == r.argmin
        json.dumps(d)


def test_argmin_index_of_slices_offsets_records_and_raw_files(tmp_path):
    a = unique_array((6, 5), "<i4", np.random.default_rng(3))
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    part = m[2:5]
    r = mapscan.scan(part, stats="all")
    assert r.argmin_index == np.unravel_index(np.argmin(part), part.shape)
    assert r.argmax == np.argmax(part)
    # offset= in a .npy file: positions count from the first element scanned, the index from the array's
    r = mapscan.scan(tmp_path / "a.npy", offset=4 * 7, stats="all")
    rest = a.ravel()[7:]
    assert r.argmin == np.argmin(rest) and r.argmin_index == np.unravel_index(7 + np.argmin(rest), a.shape)
    # an offset that is not whole elements: a position, but no index
    r = mapscan.scan(tmp_path / "a.npy", offset=2, length=8, allow_trailing=True, stats="argmin")
    assert r.argmin is not None and r.argmin_index is None
    # a raw file: positions only
    a.tofile(tmp_path / "a.bin")
    r = mapscan.scan(tmp_path / "a.bin", dtype="<i4", stats="all")
    assert r.argmin == np.argmin(a) and r.argmin_index is None and r.argmax_index is None
    # a structured .npy: positions in records
    rec = np.zeros((3, 4), dtype=[("t", "<f8"), ("v", ">i2")])
    rec["v"] = unique_array((3, 4), ">i2", np.random.default_rng(5))
    np.save(tmp_path / "rec.npy", rec)
    r = mapscan.scan(tmp_path / "rec.npy", field="v", stats="all", quantiles=0.5)
    assert r.argmin_index == np.unravel_index(np.argmin(rec["v"]), (3, 4))
    assert r.argmax == np.argmax(rec["v"]) and r.quantiles[0.5] == np.quantile(rec["v"], 0.5)
    # scan_buffer of bytes read as another type: a flat index
    r = mapscan.scan_buffer(a.tobytes(), dtype="<i4", stats="argmax")
    assert r.argmax_index == (int(np.argmax(a)),)


# ---- streams ----

def scan_pipe(data: bytes, **kwargs):
    r_fd, w_fd = os.pipe()
    os.write(w_fd, data)
    os.close(w_fd)
    try:
        return mapscan.scan(f"/proc/self/fd/{r_fd}", **kwargs)
    finally:
        os.close(r_fd)


def test_streams_answer_what_one_pass_can_and_refuse_the_rest():
    a = np.array([5, -3, 9, 9, 0, -3, 7], dtype="<i2")
    r = scan_pipe(a.tobytes(), dtype="<i2", stats="all", histogram=3, range=(-4, 8))
    check_against_reference(r, a, 0, None, 3, (-4, 8))
    b = a.astype("<i4")
    r = scan_pipe(b.tobytes(), dtype="<i4", stats="all", histogram=3, range=(-4, 8))
    check_against_reference(r, b, 0, None, 3, (-4, 8))
    with pytest.raises(mapscan.InputError, match="once"):
        scan_pipe(b.tobytes(), dtype="<i4", quantiles=0.5)
    with pytest.raises(mapscan.InputError, match="range"):
        scan_pipe(a.tobytes(), dtype="<i2", histogram=3)


@pytest.mark.parametrize("code", ["|i1", "|u1", "<i2", ">u2"])
def test_8_and_16_bit_quantiles_take_one_pass_also_on_a_stream(code):
    a = np.array([5, -3, 9, 9, 0, -3, 7, 100]).astype(code)
    r = scan_pipe(a.tobytes(), dtype=code, stats="all", quantiles=QS, histogram=3, range=(-4, 8))
    check_against_reference(r, a, 0, QS, 3, (-4, 8))


# ---- merges ----

def test_merges_keep_var_positions_in_order_and_histograms_over_the_same_edges(tmp_path):
    rng = np.random.default_rng(11)
    parts = [rng.integers(-1000, 1000, size=n).astype("<i4") for n in (100, 0, 57, 300)]
    parts[2][10] = -5000       # the min, in the third part
    parts[3][0] = 5000         # the max, at the start of the fourth
    parts[3][5] = -5000        # the min again, later
    files = [tmp_path / f"{i}.bin" for i in range(len(parts))]
    for p, f in zip(parts, files):
        p.tofile(f)
    whole = np.concatenate(parts)
    rs = mapscan.scan(files, stats="all", ddof=1, quantiles=0.5, histogram=10, range=(-1000, 1000))
    t = rs.total
    var, std = var_ref([int(v) for v in whole], 0, 1)
    assert (t.var, t.std, t.ddof) == (var, std, 1)
    assert (t.argmin, t.argmax) == (np.argmin(whole), np.argmax(whole)) == (100 + 10, 157)
    counts, _ = np.histogram(whole, bins=10, range=(-1000, 1000))
    assert t.histogram.counts.tolist() == counts.tolist()
    assert (t.histogram.below, t.histogram.above) == (2, 1)
    assert t.quantiles is None and t.argmin_index is None
    assert mapscan.merge(rs) == t and sum(rs) == t
    # one part: itself, quantiles and indices included
    assert mapscan.merge([rs[0]]) == rs[0] and rs[0] + rs[1] == mapscan.merge(rs[:2])
    # one file scanned in pieces (offset, length): the pieces' merge is the whole file's scan
    whole.tofile(tmp_path / "w.bin")
    w = mapscan.scan(tmp_path / "w.bin", stats="all", ddof=1, histogram=10, range=(-1000, 1000))
    pieces = [mapscan.scan(tmp_path / "w.bin", offset=4 * s, length=4 * n, stats="all", ddof=1, histogram=10,
                           range=(-1000, 1000)) for s, n in ((0, 200), (200, 1), (201, 256))]
    m = mapscan.merge(pieces)
    assert (m.var, m.std, m.argmin, m.argmax, m.histogram) == (w.var, w.std, w.argmin, w.argmax, w.histogram)
    # histograms over different edges (each file's own min and max): no total histogram
    rs = mapscan.scan(files, stats="var", histogram=4)
    assert rs[0].histogram is not None and rs.total.histogram is None and rs.total.var is not None
    # what not every part has is not in the total
    a = mapscan.scan(files[0], stats="all")
    b = mapscan.scan(files[2], stats="var")
    assert (a + b).var is not None and (a + b).argmin is None and (a + b).ddof == 0
    assert (a + mapscan.scan(files[2])).var is None
    # the first part's ddof
    c = mapscan.scan(files[2], stats="var", ddof=1)
    assert (b + c).ddof == 0 and (c + b).ddof == 1
    assert (b + c).var == var_ref([int(v) for v in parts[2]] * 2, 0, 0)[0]


def test_float_merges_are_exact(tmp_path):
    rng = np.random.default_rng(12)
    parts = [float_data("<f8", n, rng) for n in (500, 1, 250)]
    files = []
    for i, p in enumerate(parts):
        p.tofile(tmp_path / f"{i}.f8")
        files.append(tmp_path / f"{i}.f8")
    rs = mapscan.scan(files, dtype="<f8", stats="all", histogram=6, range=(-1e12, 1e12))
    whole = np.concatenate(parts)
    check_against_reference(rs.total, whole, 0, None, 6, (-1e12, 1e12))
    # pickled, the Result merges the same
    again = pickle.loads(pickle.dumps(rs[0]))
    assert again == rs[0] and mapscan.merge([again] + list(rs[1:])) == rs.total


# ---- without numpy, the histogram is lists ----

def test_histogram_without_numpy_is_lists(tmp_path, monkeypatch):
    np.array([1, 2, 2, 3, 10], dtype="<i4").tofile(tmp_path / "h.bin")
    with_numpy = mapscan.scan(tmp_path / "h.bin", histogram=3)
    monkeypatch.setitem(sys.modules, "numpy", None)
    r = mapscan.scan(tmp_path / "h.bin", histogram=3, quantiles=(0.5,))
    assert r.histogram.counts == [4, 0, 1] and isinstance(r.histogram.counts, list)
    assert r.histogram.edges == [1.0, 4.0, 7.0, 10.0] and isinstance(r.histogram.edges, list)
    assert r.histogram == with_numpy.histogram and r.quantiles == {0.5: 2.0}
    assert (r + r).histogram.counts == [8, 0, 2]
    assert "counts=[4, 0, 1]" in repr(r)
    json.dumps(r.as_dict())


# ---- what the Result shows ----

def test_repr_as_dict_equality_and_read_only_arrays(tmp_path):
    np.array([4, 1, 3], dtype="<u2").tofile(tmp_path / "r.bin")
    r = mapscan.scan(tmp_path / "r.bin", dtype="<u2", describe=True, histogram=2, range=(0, 4))
    text = repr(r)
    for part in ("var=", "std=", "ddof=0", "argmin=1", "argmax=0", "quantiles={0.25: 2.0, 0.5: 3.0, 0.75: 3.5}",
                 "histogram=mapscan.Histogram(bins=2, lo=0.0, hi=4.0, counts=[1, 2], below=0, above=0)"):
        assert part in text, text
    d = r.as_dict()
    assert d["quantiles"] == {0.25: 2.0, 0.5: 3.0, 0.75: 3.5}
    assert d["histogram"] == {"edges": [0.0, 2.0, 4.0], "counts": [1, 2], "below": 0, "above": 0}
    assert (d["argmin"], d["argmax"], d["ddof"]) == (1, 0, 0) and "argmin_index" not in d
    json.loads(json.dumps(d))
    plain = mapscan.scan(tmp_path / "r.bin", dtype="<u2")
    assert "var" not in plain.as_dict() and "var=" not in repr(plain)
    assert (plain.var, plain.argmin, plain.quantiles, plain.histogram, plain.ddof) == (None,) * 5
    with pytest.raises(ValueError):
        r.histogram.counts[0] = 5
    assert hash(r) == hash(mapscan.scan(tmp_path / "r.bin", dtype="<u2", describe=True, histogram=2,
                                        range=(0, 4)))
    many = mapscan.scan(tmp_path / "r.bin", dtype="<u2", histogram=40)
    assert "..." in repr(many.histogram) and len(repr(many)) < 400
    assert isinstance(r.histogram, mapscan.Histogram) and r.histogram.bins == 2


# ---- the keywords' checks ----

@pytest.mark.parametrize("kwargs, match", [
    (dict(stats="mean"), "unknown statistic 'mean'"),
    (dict(stats=["var", "median"]), "unknown statistic 'median'"),
    (dict(stats=5), "stats 5"),
    (dict(stats=[1]), "unknown statistic 1"),
    (dict(ddof=-1), "ddof"),
    (dict(ddof=1.0), "ddof"),
    (dict(ddof=True), "ddof"),
    (dict(quantiles=1.5), "quantile 1.5"),
    (dict(quantiles=[0.5, -0.1]), "quantile -0.1"),
    (dict(quantiles=float("nan")), "quantile nan"),
    (dict(quantiles="0.5"), "quantiles '0.5'"),
    (dict(quantiles=[0.5] * 65), "at most 64"),
    (dict(quantiles=[]), "at least one"),
    (dict(quantiles=[True]), "quantile True"),
    (dict(quantiles=[None]), "quantile None"),
    (dict(histogram=0), "histogram"),
    (dict(histogram=2**20 + 1), "histogram"),
    (dict(histogram=2.0), "histogram"),
    (dict(histogram=True), "histogram"),
    (dict(range=(0, 1)), "only with histogram"),
    (dict(histogram=3, range=(1, 1)), "lo below hi"),
    (dict(histogram=3, range=(0, float("inf"))), "finite"),
    (dict(histogram=3, range=(2, 1)), "lo below hi"),
    (dict(histogram=3, range=(1,)), "a pair"),
    (dict(histogram=3, range=5), "a pair"),
    (dict(histogram=3, range=("a", 1)), "a number"),
])
def test_bad_keyword_values_are_input_errors(tmp_path, kwargs, match):
    np.arange(4, dtype="<i4").tofile(tmp_path / "k.bin")
    with pytest.raises(mapscan.InputError, match=match):
        mapscan.scan(tmp_path / "k.bin", **kwargs)
    with pytest.raises(mapscan.InputError, match=match):
        mapscan.scan_buffer(np.arange(4), **kwargs)
    with pytest.raises(mapscan.InputError, match=match):
        mapscan.scan([tmp_path / "k.bin"], **kwargs)


def test_keywords_take_numpy_numbers_sets_and_arrays(tmp_path):
    a = np.arange(10, dtype="<i4")
    a.tofile(tmp_path / "k.bin")
    r = mapscan.scan(tmp_path / "k.bin", stats={"argmax", "std"}, ddof=np.int64(1),
                     quantiles=np.array([0.5, np.float32(0.25)]), histogram=np.uint16(2),
                     range=np.array([0, 9]))
    assert r.argmax == 9 and r.argmin is None and r.var == np.var(a, ddof=1)
    assert r.quantiles == {0.5: 4.5, 0.25: 2.25} and r.histogram.counts.tolist() == [5, 5]
    assert mapscan.scan(tmp_path / "k.bin", quantiles=np.float64(0.5)).quantiles == {0.5: 4.5}
    assert mapscan.scan(tmp_path / "k.bin", quantiles=np.array(0.5)).quantiles == {0.5: 4.5}
    assert mapscan.scan(tmp_path / "k.bin", quantiles=Fraction(1, 2)).quantiles == {0.5: 4.5}
    # repeated quantiles: the dict has each once
    assert mapscan.scan(tmp_path / "k.bin", quantiles=[0.5, 0.1, 0.5]).quantiles == {0.5: 4.5, 0.1: 0.9}
    # the most bins
    r = mapscan.scan(tmp_path / "k.bin", histogram=2**20)
    assert r.histogram.bins == 2**20 and r.histogram.counts.sum() == 10
    assert r.histogram.edges.tobytes() == np.linspace(0, 9, 2**20 + 1).tobytes()


def test_memmaps_and_buffers_take_the_keywords(tmp_path):
    rng = np.random.default_rng(7)
    a = float_data("<f4", 2000, rng)
    np.save(tmp_path / "m.npy", a)
    m = np.load(tmp_path / "m.npy", mmap_mode="r")
    r = mapscan.scan(m, stats="all", quantiles=QS, histogram=9)
    check_against_reference(r, a, 0, QS, 9)
    b = mapscan.scan_buffer(a, stats="all", quantiles=QS, histogram=9, threads=2)
    check_against_reference(b, a, 0, QS, 9)
    assert (b.var, b.quantiles, b.histogram, b.argmin) == (r.var, r.quantiles, r.histogram, r.argmin)
    b = mapscan.scan_buffer(a.astype(">f8"), describe=True, histogram=3, range=(-1, 1))
    check_against_reference(b, a.astype(">f8"), 0, [0.25, 0.5, 0.75], 3, (-1, 1))


# ---- every kernel; values on and beside the edges ----

KERNELS = [k for k in ("scalar", "avx2", "avx512") if _lib.lib.mapscan_kernel_available(k.encode())]


@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES)
def test_every_kernel_counts_and_selects_alike(tmp_path, monkeypatch, code):
    rng = np.random.default_rng(zlib.crc32(code.encode()) + 1)
    a = float_data(code, 5003, rng) if np.dtype(code).kind == "f" else int_data(code, 5003, rng)
    a.tofile(tmp_path / "k.bin")
    f = counted_of(a)
    lo, hi = float(np.quantile(f, 0.1)), float(np.quantile(f, 0.95))
    hi = hi if hi > lo else lo + 1
    for kernel in KERNELS:
        monkeypatch.setenv("MAPSCAN_KERNEL", kernel)
        r = mapscan.scan(tmp_path / "k.bin", dtype=code, stats="all", quantiles=QS, histogram=BINS, threads=2)
        assert r.kernel == kernel
        check_against_reference(r, a, 0, QS, BINS)
        r = mapscan.scan(tmp_path / "k.bin", dtype=code, histogram=BINS, range=(lo, hi), threads=2)
        check_against_reference(r, a, None, None, BINS, (lo, hi))


def on_and_beside(edges, dtype):
    """Each edge, rounded to dtype, and its neighbours in dtype."""
    e = np.asarray(edges).astype(dtype)
    with np.errstate(over="ignore"):
        return np.concatenate([e, np.nextafter(e, dtype.type(np.inf)), np.nextafter(e, dtype.type(-np.inf))])


@pytest.mark.parametrize("code", ["<f8", ">f4", "<f2", "<i4", ">i2", "<u8"])
@pytest.mark.parametrize("bins, range_", [(7, (-1.3, 2.7)), (13, (0.1, 0.7)), (10, (0, 100)), (3, (-1e-300, 1e-300)),
                                          (1000, (-5, 5))])
def test_values_on_the_edges_fall_where_numpy_puts_them(tmp_path, monkeypatch, code, bins, range_):
    dt = np.dtype(code)
    edges = np.linspace(range_[0], range_[1], bins + 1)
    if dt.kind == "f":
        a = on_and_beside(edges, dt)
        a = a[np.isfinite(a)]
    else:
        info = np.iinfo(dt)
        a = np.unique(np.clip(np.concatenate([np.floor(edges), np.ceil(edges), np.floor(edges) - 1,
                                              np.ceil(edges) + 1]), max(info.min, -2**53), min(info.max, 2**53)))
        a = a.astype(dt)
    a = np.concatenate([a, a[::-1], a[::3]]).astype(dt)     # concatenate answers in native order
    a.tofile(tmp_path / "e.bin")
    f = a.astype(np.float64)
    want_counts, want_edges = np.histogram(f, bins=bins, range=range_)
    # numpy's placement is the edges' own: edge i <= x < edge i + 1, the last bin closed
    inside = f[(f >= range_[0]) & (f <= range_[1])]
    placed = np.clip(np.searchsorted(want_edges, inside, side="right") - 1, 0, bins - 1)
    assert np.array_equal(np.bincount(placed, minlength=bins), want_counts)
    for kernel in KERNELS:
        monkeypatch.setenv("MAPSCAN_KERNEL", kernel)
        for threads in (1, 2):
            r = mapscan.scan(tmp_path / "e.bin", dtype=code, histogram=bins, range=range_, threads=threads)
            h = r.histogram
            assert h.counts.tolist() == want_counts.tolist(), (kernel, threads)
            assert h.edges.tobytes() == want_edges.tobytes()
            assert (h.below, h.above) == (int(np.sum(f < range_[0])), int(np.sum(f > range_[1])))
        # and over the data's own range
        r = mapscan.scan(tmp_path / "e.bin", dtype=code, histogram=bins)
        counts, edges2 = np.histogram(f, bins=bins)
        assert r.histogram.counts.tolist() == counts.tolist() and r.histogram.edges.tobytes() == edges2.tobytes()
