"""Several columns in one pass (field= as a list or "all", channels=,
columns=): a Columns of one Result per column, each checked against exact
references and numpy (test_extra's) on files numpy wrote: structured .npy of
many types (align=True padding, nested fields, big-endian fields,
sub-arrays, fields mapscan does not scan), N x C arrays in C and Fortran
order, raw interleaved channels, raw records with offsets and padding, mixed
integer and float columns; memmaps and arrays in memory the same; every
backend, 1 to 3 threads and every kernel alike; merges column by column;
the library's messages for bad requests; and the library's memory for the
columns freed after each scan."""

import gc
import json
import math
import os
import pickle
import subprocess
import sys
import zlib

import numpy as np
import pytest

import mapscan
from test_extra import BACKENDS, BINS, KERNELS, QS, check_against_reference, float_data, int_data


def data_for(dtype, n, rng):
    """n random values of a scalar dtype (test_extra's: repeats, the type's limits, NaN for floats)."""
    dtype = np.dtype(dtype)
    return float_data(dtype.str, n, rng) if dtype.kind == "f" else int_data(dtype.str, n, rng)


def fill(a, rng):
    """Every numeric leaf of a structured array filled with random values, in place."""
    def walk(view):
        for name in view.dtype.names:
            sub = view[name]
            base = sub.dtype.base if sub.dtype.subdtype is None else sub.dtype.subdtype[0]
            if sub.dtype.names is not None:
                walk(sub)
            elif base.kind in "iuf":
                sub[...] = data_for(sub.dtype, sub.size, rng).reshape(sub.shape)
    walk(a)


def column_values(a, name, order="C"):
    """The values of a library-named column of structured array a ('n.x', 'v[4]'), in the file's order."""
    index = None
    if name.endswith("]"):
        name, index = name[:-1].split("[")
        index = int(index)
    view = a
    for part in name.replace("\\.", "\0").split("."):
        view = view[part.replace("\0", ".")]
    if index is not None:
        view = view.reshape(view.shape[:a.ndim] + (-1,))[..., index]
    return np.ravel(view, order=order)


def check_columns(r, values, ddof=0, qs=QS, bins=BINS):
    """Each column of r against check_against_reference over values[name] (the file's order)."""
    assert list(r) == list(values)
    for name, v in values.items():
        assert r[name].column == name
        check_against_reference(r[name], v, ddof, qs, bins)


def same_statistics(a, b, index=True):
    """Two Columns found the same (names, types, every statistic), whatever the source's file and format;
    index: their argmin_index and argmax_index too (a raw file has none, a buffer's are flat)."""
    assert list(a) == list(b)
    for name in a:
        x, y = a[name], b[name]
        for field in ("count", "nan", "min", "max", "sum", "exact_sum", "type", "endian", "ddof", "var", "std",
                      "argmin", "argmax", "quantiles", "histogram", "column"):
            assert getattr(x, field) == getattr(y, field), (name, field, getattr(x, field), getattr(y, field))
        if index:
            assert x.argmin_index == y.argmin_index and x.argmax_index == y.argmax_index, name


# ---- a structured .npy ----

STRUCTURED = np.dtype([
    ("i1", "|i1"), ("u2be", ">u2"), ("i4", "<i4"), ("f2", "<f2"), ("u8", "<u8"), ("i8be", ">i8"),
    ("f4be", ">f4"), ("f8", "<f8"), ("v", "<i2", (2, 3)), ("s", "S5"), ("ok", "?"),
    ("n", [("x", ">u4"), ("y", "<f4"), ("deep", [("z", "|u1")])]),
    ("arr", [("p", "<i2")], (2,)),          # fields inside a sub-array of structs: not columns
    ("a.b", "<i4"), ("c", "<c8"),
], align=True)
STRUCTURED_COLUMNS = ["i1", "u2be", "i4", "f2", "u8", "i8be", "f4be", "f8"] + [f"v[{i}]" for i in range(6)] + \
    ["n.x", "n.y", "n.deep.z", "a\\.b"]


def structured(shape, seed, order="C"):
    a = np.zeros(shape, dtype=STRUCTURED, order=order)
    fill(a, np.random.default_rng(seed))
    return a


def test_a_structured_npy_every_numeric_field_against_exact_references(tmp_path):
    a = structured((40, 50), 1)
    assert STRUCTURED.itemsize > sum(STRUCTURED.fields[n][0].itemsize for n in STRUCTURED.names)  # padding
    np.save(tmp_path / "s.npy", a)
    r = mapscan.scan(tmp_path / "s.npy", field="all", stats="all", quantiles=QS, histogram=BINS, threads=2)
    assert isinstance(r, mapscan.Columns) and list(r) == STRUCTURED_COLUMNS
    check_columns(r, {name: column_values(a, name) for name in STRUCTURED_COLUMNS})
    assert (r.file, r.format, r.shape, r.record, r.rows) == (str(tmp_path / "s.npy"), "npy", (40, 50),
                                                            STRUCTURED.itemsize, 2000)
    assert r.bytes == a.nbytes and r["u2be"].endian == "big" and r["f4be"].type == "f32"
    assert [r[n].type for n in ("i1", "u8", "f2", "n.deep.z", "v[5]")] == ["i8", "u64", "f16", "u8", "i16"]
    for name in ("i4", "f8", "v[3]", "n.y"):
        want = np.unravel_index(r[name].argmin, a.shape)
        assert r[name].argmin_index == tuple(map(int, want)) and r[name].shape == (40, 50), name
        assert r[name].bytes == r.bytes and r[name].threads == r.threads and r[name].backend == r.backend
    # the same columns, named alike, from a memmap of the file (and a slice of it), the array in memory,
    # and the raw records described by the dtype
    same_statistics(r, mapscan.scan(np.load(tmp_path / "s.npy", mmap_mode="r"), field="all", stats="all",
                                    quantiles=QS, histogram=BINS))
    same_statistics(r, mapscan.scan_buffer(a, field="all", stats="all", quantiles=QS, histogram=BINS))
    a.tofile(tmp_path / "s.bin")
    raw = mapscan.scan(tmp_path / "s.bin", columns=STRUCTURED, stats="all", quantiles=QS, histogram=BINS)
    assert raw.format == "raw" and raw.record == STRUCTURED.itemsize and raw.shape is None
    assert [raw[n].argmin for n in raw] == [r[n].argmin for n in r] and raw["i4"].argmin_index is None
    part = mapscan.scan(np.load(tmp_path / "s.npy", mmap_mode="r")[7:], field=["f8", "v[4]"], stats="all")
    check_columns(part, {n: column_values(a[7:], n) for n in ("f8", "v[4]")}, qs=None, bins=None)
    assert part["f8"].argmin_index == tuple(map(int, np.unravel_index(part["f8"].argmin, (33, 50))))


def test_a_fortran_order_structured_npy_counts_positions_in_its_order(tmp_path):
    a = structured((30, 20), 2, order="F")
    np.save(tmp_path / "f.npy", a)
    r = mapscan.scan(tmp_path / "f.npy", field="i4,f4be,v[1]", stats="all", quantiles=QS, histogram=BINS)
    check_columns(r, {n: column_values(a, n, order="F") for n in ("i4", "f4be", "v[1]")})
    for name in r:
        want = np.unravel_index(r[name].argmax, a.shape, order="F")
        assert r[name].argmax_index == tuple(map(int, want))
    same_statistics(r, mapscan.scan(np.load(tmp_path / "f.npy", mmap_mode="r"), field="i4,f4be,v[1]",
                                    stats="all", quantiles=QS, histogram=BINS))


def test_field_lists_choose_and_order_the_columns(tmp_path):
    a = structured((300,), 3)
    np.save(tmp_path / "s.npy", a)
    path = tmp_path / "s.npy"
    r = mapscan.scan(path, field=["n.y", "v[4]", "i4", "a.b"])
    assert list(r) == ["n.y", "v[4]", "i4", "a\\.b"]
    assert mapscan.scan(path, field="n.y,v[4],i4,a\\.b") == r
    assert mapscan.scan(path, field=("n.y", "v[4]", "i4", "a.b")) == r
    assert r["v[4]"].sum == int(a["v"].reshape(300, 6)[:, 4].sum())
    # one field: a Result as before; a list of one: a Columns of one
    one = mapscan.scan(path, field="i4")
    assert isinstance(one, mapscan.Result) and one.column is None
    listed = mapscan.scan(path, field=["i4"])
    assert isinstance(listed, mapscan.Columns) and list(listed) == ["i4"] and listed["i4"].sum == one.sum
    assert isinstance(mapscan.scan(path, field="v[0]"), mapscan.Columns)
    # a field whose name has a comma: a list escapes it
    c = np.zeros(5, dtype=[("p,q", "<i4"), ("r", "<i2")])
    c["p,q"] = [1, 2, 3, 4, 5]
    np.save(tmp_path / "c.npy", c)
    both = mapscan.scan(tmp_path / "c.npy", field=["p,q", "r"])
    assert list(both) == ["p,q", "r"] and both["p,q"].sum == 15
    assert mapscan.scan(tmp_path / "c.npy", field="p,q").sum == 15      # a name that is itself a field
    assert list(mapscan.scan_buffer(c, field=["p,q", "r"])) == ["p,q", "r"]


# ---- channels ----

@pytest.mark.parametrize("shape, code", [((3001, 3), "<i4"), ((20, 30, 4), ">f8"), ((500, 7), "|u1"),
                                         ((60, 2), "<f2"), ((100, 1), ">i8")])
@pytest.mark.parametrize("order", ["C", "F"])
def test_channels_of_a_npy_array_in_c_and_fortran_order(tmp_path, shape, code, order):
    rng = np.random.default_rng(zlib.crc32(f"{shape} {code} {order}".encode()))
    x = data_for(code, int(np.prod(shape)), rng).reshape(shape)
    x = np.asfortranarray(x) if order == "F" else np.ascontiguousarray(x)
    np.save(tmp_path / "x.npy", x)
    r = mapscan.scan(tmp_path / "x.npy", channels="auto", stats="all", quantiles=QS, histogram=BINS)
    fortran = order == "F" and not x.flags.c_contiguous
    values = {f"ch{i}": np.ravel(x[..., i], order="F" if fortran else "C") for i in range(shape[-1])}
    check_columns(r, values)
    assert r.rows == int(np.prod(shape[:-1])) and r.bytes == x.nbytes
    assert r.record == (None if fortran else shape[-1] * x.itemsize)
    for name in r:
        want = np.unravel_index(r[name].argmin, shape[:-1], order="F" if fortran else "C")
        assert r[name].argmin_index == tuple(map(int, want)) and r[name].shape == shape[:-1]
    assert mapscan.scan(tmp_path / "x.npy", channels=shape[-1]) == mapscan.scan(tmp_path / "x.npy", channels="auto")
    # a memmap of it, and the array in memory: the same columns
    m = np.load(tmp_path / "x.npy", mmap_mode="r")
    same_statistics(r, mapscan.scan(m, channels="auto", stats="all", quantiles=QS, histogram=BINS))
    same_statistics(r, mapscan.scan_buffer(x, channels=shape[-1], stats="all", quantiles=QS, histogram=BINS))


def test_raw_interleaved_channels_offsets_and_lengths_in_whole_rows(tmp_path):
    x = data_for("<u2", 4001 * 5, np.random.default_rng(4)).reshape(4001, 5)
    x.tofile(tmp_path / "x.bin")
    r = mapscan.scan(tmp_path / "x.bin", dtype="<u2", channels=5, stats="all", quantiles=QS, histogram=BINS,
                     threads=3)
    check_columns(r, {f"ch{i}": x[:, i] for i in range(5)})
    assert r.format == "raw" and r.record == 10 and r["ch0"].argmin_index is None
    part = mapscan.scan(tmp_path / "x.bin", dtype="<u2", channels=5, offset=10 * 100, length=10 * 2000,
                        stats="all")
    check_columns(part, {f"ch{i}": x[100:2100, i] for i in range(5)}, qs=None, bins=None)
    # bytes and bytearrays in memory: rows of that many elements
    b = mapscan.scan_buffer(x.tobytes(), dtype="<u2", channels=5, stats="all", quantiles=QS, histogram=BINS)
    same_statistics(r, b, index=False)
    assert b["ch3"].argmin_index == (b["ch3"].argmin,)
    # a memmap of a raw file whose rows do not start at a whole number of rows into it: one scan per column
    (tmp_path / "h.bin").write_bytes(b"header!" + x.tobytes())
    m = np.memmap(tmp_path / "h.bin", dtype="<u2", mode="r", offset=7, shape=(4001, 5))
    rm = mapscan.scan(m, channels=5, stats="all", quantiles=QS, histogram=BINS)
    same_statistics(r, rm, index=False)
    assert rm.file == str(tmp_path / "h.bin") and rm.bytes == x.nbytes and rm["ch2"].argmin_index == \
        (rm["ch2"].argmin,)


# ---- raw records ----

RECORD = np.dtype({"names": ["t", "v", "flag", "w", "e"], "formats": ["<u8", ">f4", "|i1", ">i2", "<f2"],
                   "offsets": [0, 12, 17, 20, 24], "itemsize": 32})
RECORD_SPEC = "t:<u8,v:>f4@12,flag:|i1@17,w:>i2@20,e:<f2@24"
RECORD_TUPLES = [("t", "<u8"), ("v", ">f4", 12), ("flag", "int8", 17), ("w", np.dtype(">i2"), 20), ("e", "f2", 24)]


def records(n, seed):
    a = np.zeros(n, dtype=RECORD)
    fill(a, np.random.default_rng(seed))
    return a


def test_raw_records_of_mixed_types_with_offsets_and_padding(tmp_path):
    a = records(3001, 5)
    a.tofile(tmp_path / "r.bin")
    want = {name: a[name] for name in RECORD.names}
    kw = dict(stats="all", quantiles=QS, histogram=BINS)
    r = mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, **kw)
    check_columns(r, want)
    assert [r[n].type for n in r] == ["u64", "f32", "i8", "i16", "f16"] and r["v"].endian == "big"
    assert r.record == 32 and r.rows == 3001 and r.bytes == a.nbytes
    assert mapscan.scan(tmp_path / "r.bin", columns=RECORD_TUPLES, record=32, **kw) == r
    assert mapscan.scan(tmp_path / "r.bin", columns=RECORD, **kw) == r
    assert mapscan.scan(tmp_path / "r.bin", columns=RECORD, record=32, **kw) == r
    # in memory: the structured array, or its bytes with the spec
    same_statistics(r, mapscan.scan_buffer(a, field="all", **kw), index=False)
    same_statistics(r, mapscan.scan_buffer(a.tobytes(), columns=RECORD_SPEC, record=32, **kw), index=False)
    # columns end to end without offsets; the record is where the last ends
    packed = np.zeros(777, dtype=[("a", "<i4"), ("b", "<f8"), ("c", "|u1")])
    fill(packed, np.random.default_rng(6))
    packed.tofile(tmp_path / "p.bin")
    p = mapscan.scan(tmp_path / "p.bin", columns="a:<i4,b:<f8,c:u1", **kw)
    check_columns(p, {n: packed[n] for n in "abc"})
    assert p.record == 13
    # offset and length in whole records
    part = mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, offset=32 * 1000, length=32 * 5,
                        stats="all")
    check_columns(part, {n: a[n][1000:1005] for n in RECORD.names}, qs=None, bins=None)


# ---- every backend, thread count and kernel ----

def test_every_backend_thread_count_and_kernel_finds_the_same(tmp_path, monkeypatch):
    np.save(tmp_path / "s.npy", structured((700,), 7))
    x = data_for("<f4", 900 * 3, np.random.default_rng(8)).reshape(900, 3)
    np.save(tmp_path / "c.npy", x)
    np.save(tmp_path / "f.npy", np.asfortranarray(x))
    records(900, 9).tofile(tmp_path / "r.bin")
    sources = [(tmp_path / "s.npy", dict(field="i1,u2be,f2,i8be,f4be,v[5],n.x")),
               (tmp_path / "c.npy", dict(channels="auto")), (tmp_path / "f.npy", dict(channels=3)),
               (tmp_path / "r.bin", dict(columns=RECORD_SPEC, record=32))]
    for path, layout in sources:
        # every kernel, backend and thread count: the statistics of the one pass (stats='all')
        first = None
        for kernel in KERNELS:
            monkeypatch.setenv("MAPSCAN_KERNEL", kernel)
            for backend in BACKENDS:
                for threads in (1, 2, 3):
                    r = mapscan.scan(path, stats="all", threads=threads, backend=backend, **layout)
                    assert r.kernel == kernel and all(c.kernel == kernel for c in r.values())
                    assert 1 <= r.threads <= threads
                    first = first or r
                    assert r == first and hash(r) == hash(first), (path.name, kernel, backend, threads)
        monkeypatch.delenv("MAPSCAN_KERNEL")
        # quantiles and histograms take passes of their own, per column (and the direct backend's setup
        # each time, some 80 ms here): every backend on the channels, mmap and read on the others
        again = None
        for backend in BACKENDS if path.name == "f.npy" else ("mmap", "read"):
            for threads in (1, 3):
                r = mapscan.scan(path, quantiles=[0.25, 0.999], histogram=BINS, threads=threads, backend=backend,
                                 **layout)
                again = again or r
                assert r == again, (path.name, backend, threads)
    # the C and Fortran files hold the same array: the same columns, but positions in each file's order
    c, f = mapscan.scan(tmp_path / "c.npy", channels="auto", stats="all"), \
        mapscan.scan(tmp_path / "f.npy", channels="auto", stats="all")
    assert [c[n].sum for n in c] == [f[n].sum for n in f] and [c[n].argmin_index for n in c] == \
        [f[n].argmin_index for n in f]


# ---- merges ----

def test_columns_merge_column_by_column(tmp_path):
    a = records(2000, 10)
    a.tofile(tmp_path / "r.bin")
    kw = dict(columns=RECORD_SPEC, record=32, stats="all", histogram=BINS, range=(-100, 100))
    whole = mapscan.scan(tmp_path / "r.bin", **kw)
    first = mapscan.scan(tmp_path / "r.bin", length=32 * 700, **kw)
    rest = mapscan.scan(tmp_path / "r.bin", offset=32 * 700, **kw)
    for total in (first + rest, mapscan.merge([first, rest]), sum([first, rest])):
        assert isinstance(total, mapscan.Columns) and list(total) == list(whole)
        assert total.bytes == whole.bytes and total.rows == whole.rows
        for name in whole:
            t, w = total[name], whole[name]
            assert (t.count, t.nan, t.min, t.max, t.sum, t.exact_sum, t.var, t.std, t.argmin, t.argmax,
                    t.histogram) == (w.count, w.nan, w.min, w.max, w.sum, w.exact_sum, w.var, w.std, w.argmin,
                                     w.argmax, w.histogram), name
    # a list of files: a Columns each, and their total
    a[:1000].tofile(tmp_path / "r1.bin")
    a[1000:].tofile(tmp_path / "r2.bin")
    rs = mapscan.scan([tmp_path / "r1.bin", tmp_path / "r2.bin"], **kw)
    assert all(isinstance(p, mapscan.Columns) for p in rs)
    assert [rs.total[n].sum for n in rs.total] == [whole[n].sum for n in whole]
    # columns that differ do not merge
    other = mapscan.scan(tmp_path / "r.bin", columns="t:<u8,v:>f4@12", record=32)
    with pytest.raises(mapscan.InputError, match="the columns differ"):
        first + other
    retyped = mapscan.scan(tmp_path / "r.bin", columns="t:<i8,v:>f4@12,flag:|i1@17,w:>i2@20,e:<f2@24", record=32)
    with pytest.raises(ValueError, match="the columns differ"):
        mapscan.merge([first, retyped])
    with pytest.raises(mapscan.InputError, match="do not merge"):
        mapscan.merge([first, mapscan.scan(tmp_path / "r.bin", dtype="<u8", record=32)])
    with pytest.raises(TypeError):
        first + mapscan.scan(tmp_path / "r.bin", dtype="<u8", record=32)
    mixed = mapscan.scan([tmp_path / "r1.bin", tmp_path / "r.bin"], columns=RECORD_SPEC, record=32)
    assert "total=" in repr(mixed)
    differs = mapscan.scan([tmp_path / "r1.bin"], columns=RECORD_SPEC, record=32)
    assert differs.total["t"].sum == int(a["t"][:1000].sum())


# ---- the Columns object ----

def test_columns_is_a_read_only_mapping_with_the_scans_facts(tmp_path):
    a = records(50, 11)
    a.tofile(tmp_path / "r.bin")
    r = mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, describe=True, histogram=3)
    assert len(r) == 5 and list(r) == list(RECORD.names) and "t" in r and "nope" not in r
    assert list(r.keys()) == list(r) and [k for k, _ in r.items()] == list(r) and r.get("nope") is None
    assert all(isinstance(v, mapscan.Result) for v in r.values())
    with pytest.raises(KeyError):
        r["nope"]
    with pytest.raises(AttributeError):
        r.bytes = 0
    with pytest.raises(TypeError):
        r["t"] = r["v"]
    assert pickle.loads(pickle.dumps(r)) == r and hash(pickle.loads(pickle.dumps(r))) == hash(r)
    assert r == mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, describe=True, histogram=3,
                             backend="read")
    assert r != mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32)
    text = repr(r)
    assert text.startswith("mapscan.Columns(") and "'flag': mapscan.Result(" in text and "column='flag'" in text
    table = r.table()
    assert list(table) == list(r) and table["v"]["50%"] == r["v"].quantiles[0.5]
    assert table["t"]["count"] == 50 and "nan" in table["v"] and "nan" not in table["t"]
    assert table["w"]["var"] == r["w"].var and table["w"]["argmax"] == r["w"].argmax
    d = r.as_dict()
    json.dumps(d)
    assert d["rows"] == 50 and d["record"] == 32 and d["columns"]["e"]["column"] == "e"
    assert d["columns"]["e"]["histogram"]["counts"] == r["e"].histogram.counts.tolist()
    assert (r.backend, r.threads, r.kernel) == (r["t"].backend, r["t"].threads, r["t"].kernel)
    assert r.seconds > 0 and r.format == "raw" and r.file == str(tmp_path / "r.bin")
    seen = []
    mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (a.nbytes, a.nbytes)

    def stop(done, total):
        raise RuntimeError("enough")
    with pytest.raises(RuntimeError, match="enough"):
        mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, progress=stop)


# ---- bad requests: the library's messages ----

@pytest.fixture
def files(tmp_path):
    np.save(tmp_path / "s.npy", structured((10,), 12))
    np.save(tmp_path / "x.npy", np.zeros((4, 3), dtype="<i2"))
    np.save(tmp_path / "v.npy", np.zeros(6, dtype="<i2"))
    records(4, 13).tofile(tmp_path / "r.bin")
    return tmp_path


@pytest.mark.parametrize("name, kwargs, match", [
    ("s.npy", dict(field="i4,nope"), r"no field 'nope' \(numeric fields: "),
    ("s.npy", dict(field="i4,,f8"), "an empty name in the field list 'i4,,f8'"),
    ("s.npy", dict(field="v[6]"), "field 'v' holds 6 elements: no element 6"),
    ("s.npy", dict(field="i4[0]"), "field 'i4' is not a sub-array: no element 0"),
    ("s.npy", dict(field="i4,s"), "field 's' is '|S5', not a number mapscan scans"),
    ("s.npy", dict(field=["i4", "i4"]), "column 'i4' is named twice"),
    ("s.npy", dict(channels="auto"), "a structured dtype has fields, not channels"),
    ("s.npy", dict(columns="a:<i4"), "columns describe a raw file's records"),
    ("x.npy", dict(channels=4), "the last axis holds 3 channels, not 4"),
    ("x.npy", dict(field="all"), "has no fields"),
    ("v.npy", dict(channels="auto"), "channels are the last axis of an array of 2 or more dimensions, and this "
                                     "one has 1"),
    ("r.bin", dict(channels="auto"), "channels 'auto' need a .npy header's shape: give their number"),
    ("r.bin", dict(channels=5000, dtype="u1"), "5000 columns: at most 4096"),
    ("r.bin", dict(field="a,b"), "field 'a,b' given, but a raw file has no header naming fields"),
    ("r.bin", dict(columns="t:<u8,v:>f4@4"), "columns 't' and 'v' overlap"),
    ("r.bin", dict(columns="t:<u8@30", record=32), r"column 't' \(u64 at byte 30\) does not fit in a record of 32"),
    ("r.bin", dict(columns="t:q8"), "column 't:q8': unknown type 'q8'"),
    ("r.bin", dict(columns="t"), "column 't' is not NAME:TYPE or NAME:TYPE@OFFSET"),
    ("r.bin", dict(columns="t:<u8@x"), "'x' is not a byte offset"),
    ("r.bin", dict(columns="t:<u8,"), "an empty column in 't:<u8,'"),
    ("r.bin", dict(columns="t:<u8", channels=2), "channels and columns both given: choose one"),
    ("r.bin", dict(columns="t:<u8", field_offset=8, record=32), "a field offset with several columns"),
    ("s.npy", dict(field="all", offset=3), "offset 3 is not a whole number of"),
    ("r.bin", dict(columns="x" * 300 + ":<i4"), "a column name of 300 bytes: at most 255"),
    ("r.bin", dict(columns=RECORD_SPEC, record=16), r"column 'flag' \(i8 at byte 17\) does not fit"),
    ("r.bin", dict(columns="t:<u8", record=48), "not a multiple of the 48-byte record"),
    # what the package checks before the library
    ("r.bin", dict(columns=RECORD_SPEC, dtype="<i4"), "dtype= with columns="),
    ("r.bin", dict(columns=[("a,b", "<i4")]), "cannot hold a comma"),
    ("r.bin", dict(columns=[("a", "c8")]), "not a type mapscan scans"),
    ("r.bin", dict(columns=[("a",)]), r"is not \(name, type\)"),
    ("r.bin", dict(columns=[]), "give at least one column"),
    ("r.bin", dict(columns=np.dtype("<i4")), "a structured dtype"),
    ("r.bin", dict(columns=RECORD, record=16), "the dtype's records are 32 bytes"),
    ("r.bin", dict(columns=np.dtype([("s", "S8")])), "no numeric fields"),
    ("r.bin", dict(channels=0), "channels 0: a whole number from 1"),
    ("r.bin", dict(channels=True), "not a bool"),
    ("r.bin", dict(channels="all"), "'auto' or a number of channels"),
    ("s.npy", dict(field=[]), "name at least one field"),
    ("s.npy", dict(field=["i4", 3]), "a str, or a list of str"),
])
def test_bad_requests_raise_input_error_with_the_librarys_message(files, name, kwargs, match):
    with pytest.raises(mapscan.InputError, match=match):
        mapscan.scan(files / name, **kwargs)


def test_memmaps_and_buffers_refuse_what_their_layout_contradicts(tmp_path):
    a = structured((10,), 14)
    np.save(tmp_path / "s.npy", a)
    m = np.load(tmp_path / "s.npy", mmap_mode="r")
    for kwargs, match in ((dict(field="all", dtype="<i4"), "cannot change them"),
                          (dict(field="all", columns="a:<i4"), "cannot change them"),
                          (dict(channels=2), "fields, not channels"), (dict(field="i4,nope"), "no field 'nope'"),
                          (dict(field="v[9]"), "no element 9")):
        with pytest.raises(mapscan.InputError, match=match):
            mapscan.scan(m, **kwargs)
    for kwargs, match in ((dict(), "field= names"), (dict(channels=2), "fields, not channels"),
                          (dict(field="all", dtype="<i4"), "dtype= with field="),
                          (dict(field="i4,nope"), "no field 'nope'")):
        with pytest.raises(mapscan.InputError, match=match):
            mapscan.scan_buffer(a, **kwargs)
    x = np.zeros((4, 3), dtype="<i2")
    for kwargs, match in ((dict(channels=4), "holds 3 channels, not 4"), (dict(field="all"), "no fields"),
                          (dict(channels=3, record=6), "record= with channels=")):
        with pytest.raises(mapscan.InputError, match=match):
            mapscan.scan_buffer(x, **kwargs)
    with pytest.raises(mapscan.InputError, match="channels 'auto' need an array's last axis"):
        mapscan.scan_buffer(x.tobytes(), dtype="<i2", channels="auto")
    with pytest.raises(mapscan.InputError, match="2 or more dimensions"):
        mapscan.scan_buffer(np.zeros(6, dtype="<i2"), channels="auto")


def test_structured_memmaps_of_raw_files_anywhere_in_them(tmp_path):
    """A raw file's records at any offset: the library's several columns where the offset is a whole number
    of records, else one scan per column (the library counts a raw scan's offset of several columns in whole
    records)."""
    a = structured((500,), 15)
    for head in (0, 7, STRUCTURED.itemsize * 3):
        (tmp_path / "s.bin").write_bytes(b"\x01" * head + a.tobytes())
        m = np.memmap(tmp_path / "s.bin", dtype=STRUCTURED, mode="r", offset=head, shape=(500,))
        r = mapscan.scan(m, field="all", stats="all", histogram=BINS)
        check_columns(r, {name: column_values(a, name) for name in STRUCTURED_COLUMNS}, qs=None)
        assert r.bytes == a.nbytes and r.record == STRUCTURED.itemsize
        picked = mapscan.scan(m[100:], field="f8,v[2]", quantiles=QS)
        assert picked["f8"].quantiles[0.5] == np.nanquantile(a["f8"][100:], 0.5)


# ---- the library's memory ----

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_two_hundred_scans_leave_no_memory_behind(tmp_path):
    """Each scan's columns and their histograms' counts (4 columns x 16384 bins: 512 KiB of the library's
    per scan, 100 MiB if never freed) are copied and freed by the package."""
    a = records(100, 16)
    a.tofile(tmp_path / "r.bin")
    kw = dict(stats="all", histogram=16384, range=(-1000, 1000))

    def once(i):
        if i % 4:
            mapscan.scan(tmp_path / "r.bin", columns="t:<u8,v:>f4@12,w:>i2@20,e:<f2@24", record=32, **kw)
        else:
            mapscan.scan_buffer(a, field=["t", "v", "w", "e"], **kw)
    for i in range(20):
        once(i)
    gc.collect()
    before = rss()
    for i in range(200):
        once(i)
    gc.collect()
    grown = rss() - before
    assert grown < 16 << 20, f"RSS grew by {grown / 2**20:.1f} MiB over 200 scans"


def test_a_failed_scan_of_several_columns_leaves_nothing(tmp_path):
    records(10, 18).tofile(tmp_path / "r.bin")
    with pytest.raises(mapscan.InputError):
        mapscan.scan(tmp_path / "r.bin", columns=RECORD_SPEC, record=32, histogram=4, quantiles=[0.5],
                     length=33)
    # a float column's histogram without a range over an infinity: the first pass ends in an error
    b = np.zeros(5, dtype=[("a", "<i4"), ("f", "<f8")])
    b["f"] = [1, 2, math.inf, 3, 4]
    np.save(tmp_path / "inf.npy", b)
    with pytest.raises(mapscan.InputError):
        mapscan.scan(tmp_path / "inf.npy", field="all", histogram=4)
    r = mapscan.scan(tmp_path / "inf.npy", field="all", histogram=4, range=(0, 5))
    assert r["f"].histogram.above == 1 and r["a"].histogram.counts.tolist() == [5, 0, 0, 0]


# ---- streams ----

STREAM_CHILD = """
import os, sys, numpy as np, mapscan
x = np.arange(3000, dtype="<i2").reshape(1000, 3)
r, w = os.pipe()
os.write(w, x.tobytes())
os.close(w)
kind = sys.argv[1]
path = {"pipe": f"/proc/self/fd/{r}", "empty": sys.argv[2], "procfs": "/proc/self/stat"}[kind]
dtype = "<i2" if kind != "procfs" else "|u1"
for kwargs in (dict(histogram=4, range=(0, 10)), dict(quantiles=0.5), dict(histogram=4)):
    try:
        mapscan.scan(path, dtype=dtype, channels=3 if kind != "procfs" else 1, **kwargs)
        print("scanned", kwargs)
    except mapscan.InputError as e:
        print("refused", "read once" in str(e))
"""


@pytest.mark.parametrize("kind", ["pipe", "empty", "procfs"])
def test_several_columns_quantiles_and_histograms_of_a_stream(tmp_path, kind):
    """In a child interpreter (a crash must not take the suite down): what is read once answers what the
    first pass counts and refuses, before reading, what needs another pass; an empty file has empty answers."""
    (tmp_path / "empty.bin").write_bytes(b"")
    p = subprocess.run([sys.executable, "-c", STREAM_CHILD, kind, str(tmp_path / "empty.bin")],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    # the first pass counts a ranged histogram and 8- or 16-bit quantiles: only a range-less histogram
    # needs another pass (an empty file has nothing to count)
    got = p.stdout.split("\n")[:3]
    assert [line.split(" ")[0] for line in got] == ["scanned"] * 3 if kind == "empty" else \
        ["scanned", "scanned", "refused"], p.stdout
    assert kind == "empty" or got[2] == "refused True", p.stdout
    # what one pass answers is scanned
    r, w = os.pipe()
    os.write(w, np.arange(30, dtype="<i2").tobytes())
    os.close(w)
    try:
        c = mapscan.scan(f"/proc/self/fd/{r}", dtype="<i2", channels=3, stats="all")
    finally:
        os.close(r)
    assert c.rows == 10 and c["ch1"].sum == sum(range(1, 30, 3)) and c["ch1"].argmax == 9


LIBRARY_CHILD = """
import ctypes, os, sys
from mapscan import _lib, _options
r, w = os.pipe()
os.write(w, bytes(60))
os.close(w)
o = _options.scan_options("<i4", 0, None, None, "auto", False, None, None, 0, "raw", channels=3)
q = (ctypes.c_double * 1)(0.5)
o.nquantiles, o.quantiles = 1, ctypes.cast(q, ctypes.POINTER(ctypes.c_double))
result, error = _lib.Result(), _lib.Error()
status = _lib.lib.mapscan_scan_path(f"/proc/self/fd/{r}".encode(), ctypes.byref(o), ctypes.byref(result),
                                    ctypes.byref(error))
_lib.lib.mapscan_result_free(ctypes.byref(result))
print(status, error.message.decode())
"""


def test_the_library_refuses_several_columns_quantiles_of_a_stream_itself():
    """Through the library's own structures, without the package's keywords."""
    p = subprocess.run([sys.executable, "-c", LIBRARY_CHILD], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert p.returncode == 0 and "read once" in p.stdout, (p.returncode, p.stdout, p.stderr[-1000:])
