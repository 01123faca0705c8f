"""Float scans (f16, bf16, f32, f64) against an oracle in Python's exact
arithmetic: files numpy wrote in both byte orders, with NaN, infinities,
-0.0, subnormals, cancelling giants and halfway cases; the same bits
whatever the threads, backend and kernel; .npy files, structured fields,
memmaps, scan_buffer, and merging.

The oracle: count, NaN count; min and max over the values that are not NaN
with -0.0 below 0.0 (checked against numpy's nanmin and nanmax too); the
exact sum as a Fraction, from each value's as_integer_ratio; sum and mean
that Fraction rounded once (float(Fraction) rounds correctly: CPython
divides the two ints exactly), checked against math.fsum where it has an
answer. Floats are compared by their bits."""

import json
import math
import os
import struct
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import mapscan

FLOAT_CODES = ["<f2", ">f2", "<f4", ">f4", "<f8", ">f8"]
TYPE_OF = {"f2": "f16", "f4": "f32", "f8": "f64"}
KERNELS = [k for k in ("scalar", "avx2", "avx512") if mapscan._lib.lib.mapscan_kernel_available(k.encode())]
UNIT = 2**1074


def bits(x):
    """A float as equality should see it here: its bits, every NaN alike; None stays None."""
    if x is None:
        return None
    return "nan" if math.isnan(x) else struct.pack("<d", x).hex()


def rounded(q):
    """q rounded once to binary64, to nearest, ties to even, past the range to an infinity."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def order_key(x):
    return (x, math.copysign(1.0, x) > 0)       # -0.0 below 0.0


def oracle(values):
    """What a float scan of values must find: (count, nan, min, max, sum, mean, exact_sum)."""
    with np.errstate(invalid="ignore"):     # a signalling NaN is quieted: NaN all the same
        v = np.asarray(values).astype(np.float64).ravel()       # every f16, bf16, f32 value exactly
    counted = v[~np.isnan(v)].tolist()
    nan = v.size - len(counted)
    pos_inf, neg_inf = math.inf in counted, -math.inf in counted
    units = 0
    for x in counted:
        if math.isfinite(x):
            n, d = x.as_integer_ratio()
            units += n * (UNIT // d)
    exact = Fraction(units, UNIT)
    if pos_inf or neg_inf:
        exact_sum = math.nan if pos_inf and neg_inf else (math.inf if pos_inf else -math.inf)
    else:
        exact_sum = exact
    if not counted:
        return (v.size, nan, None, None, 0.0, None, exact_sum)
    if isinstance(exact_sum, float):
        total, mean = exact_sum, exact_sum
    elif exact == 0:
        # an exact zero: -0.0 only when every counted value is -0.0
        all_negative_zero = all(math.copysign(1.0, x) < 0 for x in counted)
        total = mean = -0.0 if all_negative_zero else 0.0
    else:
        # a quotient too small for a float keeps its sign, as IEEE rounds it: -2**-1076 is -0.0
        total, mean = rounded(exact), float(exact / len(counted))
        try:
            assert math.fsum(x for x in counted) == total
        except OverflowError:
            pass                    # fsum's intermediate overflow: it has no answer here
    lo, hi = min(counted, key=order_key), max(counted, key=order_key)
    with np.errstate(invalid="ignore"):
        assert np.nanmin(v) == lo and np.nanmax(v) == hi
    return (v.size, nan, lo, hi, total, mean, exact_sum)


def seen(r):
    """A Result in the oracle's terms (floats by their bits)."""
    return (r.count, r.nan, bits(r.min), bits(r.max), bits(r.sum), bits(r.mean),
            "nan" if isinstance(r.exact_sum, float) and math.isnan(r.exact_sum) else r.exact_sum)


def expected(values):
    count, nan, lo, hi, total, mean, exact_sum = oracle(values)
    return (count, nan, bits(lo), bits(hi), bits(total), bits(mean),
            "nan" if isinstance(exact_sum, float) and math.isnan(exact_sum) else exact_sum)


def special_values(code):
    """The edges of a float type: zeros of both signs, the least subnormal and the greatest, the least
    normal, the greatest finite, infinities, NaN with another payload and sign."""
    t = np.dtype(code).newbyteorder("=")
    info, u = np.finfo(t), f"u{t.itemsize}"

    def of_bits(n):
        return np.array(n, dtype=u).view(t)[()]

    def bits_of(x):
        return int(np.array(x, dtype=t).view(u))
    tiny_sub = of_bits(1)
    big_sub = of_bits(bits_of(info.tiny) - 1)
    odd_nan = of_bits(bits_of(np.nan) | 1 | 1 << (8 * t.itemsize - 1))      # another payload, the sign set
    return np.array([0.0, -0.0, tiny_sub, -tiny_sub, big_sub, info.tiny, -info.tiny, info.max, -info.max, 1.0, -1.0,
                     np.inf, -np.inf, np.nan, odd_nan], dtype=t)


def mixed_array(code, n, seed):
    """n values: random magnitudes across the type's range, random bit patterns (NaN, subnormals and
    infinities among them for f16), the special values sprinkled through, cancelling giants."""
    t = np.dtype(code).newbyteorder("=")
    rng = np.random.default_rng(seed)
    info = np.finfo(t)
    with np.errstate(over="ignore", under="ignore"):
        a = (rng.standard_normal(n) * np.exp2(rng.integers(info.minexp, info.maxexp - 1, n))).astype(t)
    patterns = rng.integers(0, 2**(8 * t.itemsize), n // 4, dtype=f"u{t.itemsize}", endpoint=False).view(t)
    a[: n // 4] = patterns
    rng.shuffle(a)
    specials = special_values(t)
    where = rng.choice(n, size=3 * specials.size, replace=False)
    a[where] = np.tile(specials, 3)
    a[n // 2: n // 2 + 3] = np.array([info.max, 1.0, -info.max], dtype=t)
    return a


def no_nan_no_inf(a):
    return np.where(np.isfinite(a), a, np.zeros_like(a)).astype(a.dtype)     # where() answers in native order


def scan_everywhere(path, dtype, oracle_answer, monkeypatch, **kwargs):
    """path scanned with 1 and 2 threads, every backend and every kernel: each gives oracle_answer, and
    each Result equals the others."""
    results = []
    for kernel in KERNELS:
        monkeypatch.setenv("MAPSCAN_KERNEL", kernel)
        for backend in ("mmap", "read", "direct"):
            for threads in (1, 2):
                r = mapscan.scan(path, dtype=dtype, backend=backend, threads=threads, **kwargs)
                assert seen(r) == oracle_answer, (kernel, backend, threads)
                assert r.kernel == kernel and r.threads <= threads
                results.append(r)
    monkeypatch.delenv("MAPSCAN_KERNEL")
    assert all(r == results[0] and hash(r) == hash(results[0]) for r in results)
    return results[0]


@pytest.mark.parametrize("code", FLOAT_CODES)
def test_each_float_type_and_byte_order_is_exact_on_every_path(tmp_path, monkeypatch, code):
    a = mixed_array(code, 60013, FLOAT_CODES.index(code)).astype(code)
    a.tofile(tmp_path / "a.bin")
    want = expected(a)
    r = scan_everywhere(tmp_path / "a.bin", code, want, monkeypatch)
    assert r.type == TYPE_OF[code[1:]] and r.endian == ("big" if code[0] == ">" else "little")
    assert r.bytes == a.nbytes and r.format == "raw"
    # the same values without NaN and infinities: a finite exact sum, a Fraction
    b = no_nan_no_inf(a)
    b.tofile(tmp_path / "b.bin")
    rb = scan_everywhere(tmp_path / "b.bin", np.dtype(code), expected(b), monkeypatch)
    assert isinstance(rb.exact_sum, Fraction) and rb.nan == 0
    assert rb.sum == rounded(rb.exact_sum)


def test_every_binary16_bit_pattern(tmp_path, monkeypatch):
    a = np.arange(2**16, dtype=np.uint16).view(np.float16)
    for code in ("<f2", ">f2"):
        a.astype(code).tofile(tmp_path / "all.bin")
        want = expected(a)
        assert want[1] == 2 * (2**10 - 1)       # every NaN pattern, both signs
        scan_everywhere(tmp_path / "all.bin", code, want, monkeypatch)
        finite = a[np.isfinite(a)]
        finite.astype(code).tofile(tmp_path / "finite.bin")
        r = mapscan.scan(tmp_path / "finite.bin", dtype=code, threads=2)
        assert seen(r) == expected(finite) and r.exact_sum == 0 and bits(r.sum) == bits(0.0)


def test_bfloat16_is_the_top_half_of_float32(tmp_path, monkeypatch):
    f = np.concatenate([mixed_array("<f4", 40000, 7), special_values("<f4")])
    top = (f.view("<u4") >> 16).astype("<u2")
    values = (top.astype("<u4") << 16).view("<f4")        # what bf16 holds: float32 with the low half cut
    want = expected(values)
    for order, dtype in (("<", "bf16"), (">", ">bfloat16")):
        top.astype(order + "u2").tofile(tmp_path / "bf.bin")
        r = scan_everywhere(tmp_path / "bf.bin", dtype, want, monkeypatch)
        assert r.type == "bf16" and r.endian == ("big" if order == ">" else "little")
    r = mapscan.scan_buffer(top.tobytes(), dtype="<bf16")
    assert seen(r) == want and r.type == "bf16"


HALFWAY = [
    # 1 + 2**-53 is halfway between 1 and the next float: to even, 1.0
    ("<f8", [1.0, 2.0**-53]),
    # a hair above halfway: up, where adding in order would give 1.0
    ("<f8", [1.0, 2.0**-53, 2.0**-105]),
    # halfway from an odd neighbour: up to the even one
    ("<f8", [1.0 + 2.0**-52, 2.0**-53]),
    # the mean halfway: (1 + (1 + 2**-52)) / 2 = 1 + 2**-53, to even: 1.0
    ("<f8", [1.0, 1.0 + 2.0**-52]),
    # the mean of two neighbours of 3 (odd last bit below): ties to even
    (">f8", [3.0, 3.0 + 2.0**-51]),
    # cancelling giants: the 1 survives only in exact arithmetic
    ("<f8", [1e308, 1.0, -1e308]),
    (">f8", [1e308, 1e308, 1.0, -1e308, -1e308, 2.0**-1074]),
    ("<f4", [3e38, 1.0, -3e38]),
    (">f2", [65504.0, 1.0, -65504.0, 2.0**-24]),
    # a sum past binary64's range: infinity, where the mean is still the greatest float
    ("<f8", [sys.float_info.max, sys.float_info.max]),
    # exactly halfway between the greatest float and 2**1024: to even, infinity
    ("<f8", [sys.float_info.max, 2.0**970]),
    # just under that: the greatest float
    ("<f8", [sys.float_info.max, 2.0**969]),
    # a mean under half the least subnormal: zero, of the quotient's sign (-0.0 here)
    ("<f8", [-(2.0**-1074), 0.0, 0.0]),
    ("<f8", [-(2.0**-1074), -0.0]),
    ("<f8", [2.0**-1074, 0.0]),
    # zeros: -0.0 only when every counted value is -0.0
    ("<f8", [-0.0, -0.0, -0.0]),
    ("<f4", [-0.0, np.nan, -0.0]),
    ("<f8", [-0.0, 0.0]),
    ("<f8", [0.0, -0.0]),
    ("<f8", [-1.0, 1.0]),
    # infinities
    ("<f8", [np.inf, 1.0, np.nan]),
    ("<f8", [-np.inf, sys.float_info.max]),
    ("<f2", [np.inf, -np.inf, 1.0]),
    # nothing counted
    ("<f8", [np.nan, np.nan]),
    ("<f4", []),
]


@pytest.mark.parametrize("case", range(len(HALFWAY)))
def test_halfway_cancelling_and_edge_cases_are_rounded_once(tmp_path, case):
    code, values = HALFWAY[case]
    a = np.array(values, dtype=code)
    a.tofile(tmp_path / "h.bin")
    want = expected(a)
    for threads in (1, 2):
        for backend in ("mmap", "read"):
            assert seen(mapscan.scan(tmp_path / "h.bin", dtype=code, threads=threads, backend=backend)) == want
    assert seen(mapscan.scan_buffer(a)) == want
    # spread through a longer buffer of zeros, one value in each thread's part
    z = np.zeros(50000, dtype=code)
    z[::50000 // max(len(values), 1)][:len(values)] = a
    assert seen(mapscan.scan_buffer(z, threads=2)) == expected(z)


def test_the_exact_sum_is_a_fraction_and_the_sum_its_rounding():
    r = mapscan.scan_buffer(np.array([1e308, 1.0, -1e308, 0.1]))
    assert r.exact_sum == 1 + Fraction(0.1) and r.sum == float(r.exact_sum) == 1.1
    assert r.mean == float(r.exact_sum / 4)
    naive = np.array([1e308, 1.0, -1e308, 0.1]).sum()
    assert naive != r.sum                   # numpy's pairwise sum loses the 1
    r = mapscan.scan_buffer(np.array([np.inf, 2.0]))
    assert r.exact_sum == math.inf and r.sum == math.inf and r.mean == math.inf
    r = mapscan.scan_buffer(np.array([np.inf, -np.inf, np.nan]))
    assert math.isnan(r.exact_sum) and math.isnan(r.sum) and math.isnan(r.mean) and r.nan == 1
    assert r.min == -math.inf and r.max == math.inf
    r = mapscan.scan_buffer(np.zeros(0, dtype="<f4"))
    assert (r.count, r.nan, r.min, r.max, r.sum, r.mean, r.exact_sum) == (0, 0, None, None, 0.0, None, 0)
    i = mapscan.scan_buffer(np.arange(10, dtype=np.int32))
    assert i.nan is None and i.exact_sum is None and not i.is_float and isinstance(i.sum, int)


def test_scan_buffer_takes_float_arrays_in_either_byte_order():
    a = mixed_array("<f4", 20011, 11)
    for code in ("<f4", ">f4", "<f8", ">f8", "<f2", ">f2"):
        with np.errstate(over="ignore", invalid="ignore"):
            b = a.astype(code)
        want = expected(b)
        for threads in (1, 2):
            r = mapscan.scan_buffer(b, threads=threads)
            assert seen(r) == want and r.type == TYPE_OF[code[1:]], (code, threads)
            assert r.endian == ("big" if code[0] == ">" else "little")
        # the bytes, with the dtype said
        assert seen(mapscan.scan_buffer(b.tobytes(), dtype=code)) == want
        assert seen(mapscan.scan_buffer(memoryview(b.tobytes()), dtype=np.dtype(code))) == want


def test_numpy_spellings_of_the_float_types(tmp_path):
    a = np.array([1.5, -2.25, 1e-3, np.nan], dtype="<f8")
    a.tofile(tmp_path / "f8.bin")
    for dtype in ("<f8", "f8", "float64", "double", "float", float, np.float64, np.dtype("<f8"), "d", "f64", "=f8"):
        assert seen(mapscan.scan(tmp_path / "f8.bin", dtype=dtype)) == expected(a), dtype
    b = a.astype(">f4")
    b.tofile(tmp_path / "f4.bin")
    for dtype in (">f4", np.dtype(">f4"), ">float32", "!f", ">single"):
        assert seen(mapscan.scan(tmp_path / "f4.bin", dtype=dtype)) == expected(b), dtype
    c = a.astype("<f2")
    c.tofile(tmp_path / "f2.bin")
    for dtype in ("<f2", "f2", "f16", "float16", "half", "e", "<e", np.float16):
        r = mapscan.scan(tmp_path / "f2.bin", dtype=dtype)
        assert seen(r) == expected(c) and r.type == "f16", dtype
    for bad in ("<f16", np.longdouble, "f128", "<f32"):
        with pytest.raises(mapscan.InputError):
            mapscan.scan(tmp_path / "f2.bin", dtype=bad)


def test_npy_float_files_structured_float_fields_and_memmaps(tmp_path):
    for code in FLOAT_CODES:
        a = mixed_array(code, 3000, 21).astype(code).reshape(3, 1000)
        np.save(tmp_path / "a.npy", a)
        r = mapscan.scan(tmp_path / "a.npy", threads=2)
        assert seen(r) == expected(a) and r.format == "npy" and r.shape == (3, 1000), code
        assert r.type == TYPE_OF[code[1:]] and r.endian == ("big" if code[0] == ">" else "little")
        assert seen(mapscan.scan(tmp_path / "a.npy", dtype=code)) == expected(a)
        m = np.load(tmp_path / "a.npy", mmap_mode="r")
        assert seen(mapscan.scan(m)) == expected(a) and seen(mapscan.scan(m[1:])) == expected(a[1:])
    with pytest.raises(mapscan.InputError, match="contradicts"):
        mapscan.scan(tmp_path / "a.npy", dtype="<f4")
    dt = np.dtype([("t", "<u8"), ("x", ">f4"), ("s", [("y", "<f2"), ("z", "<f8")]), ("tag", "S3")])
    s = np.zeros(2000, dtype=dt)
    s["t"] = np.arange(2000)
    s["x"] = mixed_array(">f4", 2000, 5)
    s["s"]["y"] = mixed_array("<f2", 2000, 6)
    s["s"]["z"] = mixed_array("<f8", 2000, 8)
    np.save(tmp_path / "s.npy", s)
    for field, values in (("x", s["x"]), ("s.y", s["s"]["y"]), ("s.z", s["s"]["z"])):
        r = mapscan.scan(tmp_path / "s.npy", field=field, threads=2)
        assert seen(r) == expected(values), field
        m = np.load(tmp_path / "s.npy", mmap_mode="r")
        assert seen(mapscan.scan(m, field=field)) == expected(values)
        assert seen(mapscan.scan(m[100:], field=field)) == expected(values[100:])
    with pytest.raises(mapscan.InputError, match="numeric fields: t, x, s.y, s.z"):
        mapscan.scan(tmp_path / "s.npy")
    # the same records raw, the field found by record and field_offset
    s.tofile(tmp_path / "s.raw")
    r = mapscan.scan(tmp_path / "s.raw", dtype=">f4", record=dt.itemsize, field_offset=dt.fields["x"][1])
    assert seen(r) == expected(s["x"])


def test_halves_merged_equal_the_whole_bit_for_bit(tmp_path):
    a = mixed_array("<f8", 100000, 31)
    a[:10] = [1e308, 1.0, -1e308, -0.0, 2.0**-1074, np.inf, -np.inf, np.nan, 0.5, -0.5]
    for b in (a, no_nan_no_inf(a)):
        b.tofile(tmp_path / "m.bin")
        whole = mapscan.scan(tmp_path / "m.bin", dtype="<f8")
        cut = 8 * 33331
        parts = [mapscan.scan(tmp_path / "m.bin", dtype="<f8", length=cut),
                 mapscan.scan(tmp_path / "m.bin", dtype="<f8", offset=cut, length=8 * 20000),
                 mapscan.scan(tmp_path / "m.bin", dtype="<f8", offset=cut + 8 * 20000)]
        total = mapscan.merge(parts)
        assert seen(total) == seen(whole) == expected(b)
        assert total == parts[0] + parts[1] + parts[2] == sum(parts) and total.file == whole.file
        rs = mapscan.scan([tmp_path / "m.bin"] * 2, dtype="<f8")
        assert rs.total == rs[0] + rs[1] and rs.total.count == 2 * whole.count
        if isinstance(whole.exact_sum, Fraction):
            assert rs.total.exact_sum == 2 * whole.exact_sum


def test_merging_float_results(tmp_path):
    f32 = mapscan.scan_buffer(np.array([1.5, np.nan, -0.0], dtype="<f4"))
    f64 = mapscan.scan_buffer(np.array([2.0**-1074, -3.0], dtype=">f8"))
    m = f32 + f64
    assert m.type is None and m.endian is None and m.count == 5 and m.nan == 1
    assert m.exact_sum == Fraction(3, 2) + Fraction(2.0**-1074) - 3 and m.sum == float(m.exact_sum)
    assert (m.min, m.max) == (-3.0, 1.5) and m.mean == float(m.exact_sum / 4)
    # only NaN and nothing: no min, max or mean, and they do not hide the other part's
    empty = mapscan.scan_buffer(np.array([np.nan, np.nan], dtype="<f8"))
    zero = mapscan.scan_buffer(np.zeros(0, dtype="<f8"))
    t = empty + zero
    assert (t.count, t.nan, t.min, t.max, t.sum, t.mean) == (2, 2, None, None, 0.0, None)
    assert seen(empty + f64 + zero) == (4, 2, bits(-3.0), bits(2.0**-1074), bits(f64.sum), bits(f64.mean),
                                        f64.exact_sum)
    # -0.0 survives a merge only when both sides are all -0.0
    nz = mapscan.scan_buffer(np.array([-0.0], dtype="<f8"))
    pz = mapscan.scan_buffer(np.array([0.0], dtype="<f8"))
    assert bits((nz + nz).sum) == bits(-0.0) and bits((nz + nz).min) == bits(-0.0)
    assert bits((nz + pz).sum) == bits(0.0) and bits((nz + pz).min) == bits(-0.0) and bits((nz + pz).max) == bits(0.0)
    assert bits((nz + empty).sum) == bits(-0.0) and bits((nz + empty).mean) == bits(-0.0)
    # infinities from two sides: NaN
    pinf = mapscan.scan_buffer(np.array([np.inf], dtype="<f2"))
    ninf = mapscan.scan_buffer(np.array([-np.inf, 1.0], dtype="<f2"))
    both = pinf + ninf
    assert math.isnan(both.sum) and math.isnan(both.mean) and math.isnan(both.exact_sum)
    assert both == pinf + ninf and hash(both) == hash(pinf + ninf)     # NaN equal to itself, by bits
    assert nz != pz and (nz + nz) != (pz + pz)                          # -0.0 apart from 0.0
    # integers and floats do not make one total
    ints = mapscan.scan_buffer(np.arange(5, dtype=np.int16))
    with pytest.raises(mapscan.InputError, match="mix integer and floating-point"):
        ints + f32
    np.arange(5, dtype="<i4").tofile(tmp_path / "i.bin")
    np.array([1.0, 2.0], dtype="<f8").tofile(tmp_path / "f.bin")
    np.save(tmp_path / "f.npy", np.array([1.0, 2.0], dtype="<f4"))
    rs = mapscan.scan([tmp_path / "i.bin", tmp_path / "f.npy"])
    assert rs[0].sum == 10 and rs[1].sum == 3.0
    with pytest.raises(mapscan.InputError, match="mix integer and floating-point"):
        rs.total
    rs = mapscan.scan([tmp_path / "f.npy", tmp_path / "f.npy"])
    assert rs.total.sum == 6.0 and rs.total.type == "f32"


def test_results_made_by_hand_merge_through_the_library():
    a = mapscan.Result(file=None, count=3, min=-1.0, max=2.0, sum=1.5, nan=1, exact_sum=Fraction(3, 2))
    assert a.mean == 0.75 and a.is_float
    b = mapscan.Result(file=None, count=1, min=2.0**-1074, max=2.0**-1074, sum=2.0**-1074, nan=0,
                       exact_sum=Fraction(1, 2**1074))
    m = a + b
    assert m.exact_sum == Fraction(3, 2) + Fraction(1, 2**1074) and m.sum == 1.5 and m.count == 4 and m.nan == 1
    assert m.mean == float(m.exact_sum / 3)
    inf = mapscan.Result(file=None, count=1, min=math.inf, max=math.inf, sum=math.inf, nan=0, exact_sum=math.inf)
    assert (a + inf).sum == math.inf and (a + inf).exact_sum == math.inf
    for bad in (dict(exact_sum=Fraction(1, 3)), dict(exact_sum=Fraction(2**3000)), dict(exact_sum="1"),
                dict(nan=5), dict(nan=-1), dict(min=None), dict(sum="x")):
        fields = dict(file=None, count=3, min=-1.0, max=2.0, sum=1.5, nan=1, exact_sum=Fraction(3, 2))
        fields.update(bad)
        with pytest.raises(mapscan.InputError):
            mapscan.merge([mapscan.Result(**fields)])


def test_as_dict_matches_the_command_json_for_floats(tmp_path):
    command = os.environ.get("MAPSCAN")
    if not command:
        pytest.skip("MAPSCAN (the command) not given")
    cases = {"a": np.array([1.5, np.nan, -np.inf, -0.0, 2.0], dtype=">f4"),
             "b": np.array([1e308, 1.0, -1e308, 0.1], dtype="<f8"),
             "c": np.array([np.nan], dtype="<f2"), "d": np.array([np.inf, -np.inf], dtype="<f8")}
    for name, a in cases.items():
        np.save(tmp_path / f"{name}.npy", a)
        d = mapscan.scan(tmp_path / f"{name}.npy").as_dict()
        cli = json.loads(subprocess.run([command, "--json", str(tmp_path / f"{name}.npy")], capture_output=True,
                                        check=True).stdout)
        assert set(d) == set(cli), set(d) ^ set(cli)
        for key in ("file", "format", "shape", "type", "endian", "count", "nan", "bytes"):
            assert d[key] == cli[key], (name, key)
        for key in ("min", "max", "sum", "mean"):
            c = cli[key]
            assert bits(d[key]) == bits(None if c is None else float(c)), (name, key, d[key], c)


def test_float_results_pickle_and_print(tmp_path):
    import pickle
    r = mapscan.scan_buffer(np.array([1e308, 1.0, -1e308, np.nan, -np.inf], dtype=">f8"))
    assert pickle.loads(pickle.dumps(r)) == r
    text = repr(r)
    for part in ("count=5", "nan=1", "min=-inf", "sum=-inf", "type='f64'"):
        assert part in text, text
    nothing = mapscan.scan_buffer(np.array([np.nan], dtype="<f4"))
    assert pickle.loads(pickle.dumps(nothing)) == nothing and "mean=None" in repr(nothing)


@pytest.mark.parametrize("dtype", ["<f2", ">f4", "<f8", "bf16"])
def test_generate_writes_floats_and_its_oracle_is_exact(tmp_path, dtype):
    path = tmp_path / "g.bin"
    g = mapscan.generate(path, dtype=dtype, count=5000, pattern="uniform:-3:5", seed=4, nan_rate=0.01,
                         inf_rate=0.001)
    raw = np.fromfile(path, dtype="<u2" if dtype == "bf16" else dtype)
    values = (raw.astype("<u4") << 16).view("<f4") if dtype == "bf16" else raw
    want = oracle(values)
    assert (g.count, g.nan) == want[:2]
    assert [bits(x) for x in (g.min, g.max, g.sum, g.mean)] == [bits(x) for x in want[2:6]]
    s = mapscan.scan(path, dtype=dtype)
    assert s == g or (bits(s.sum), s.nan, s.exact_sum) == (bits(g.sum), g.nan, g.exact_sum)
    with pytest.raises(mapscan.InputError, match="rates are for the float types"):
        mapscan.generate(tmp_path / "i.bin", dtype="<i4", count=10, nan_rate=0.5)
    assert not os.path.exists(tmp_path / "i.bin")
