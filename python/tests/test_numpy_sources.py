"""scan() on what numpy users hold: paths of every kind, numpy.memmap and
np.load(..., mmap_mode='r') arrays through their file (memory flat), lists
of files, numpy integers, and field= as one str or a list."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mapscan


def got(r):
    return (r.count, r.min, r.max, r.sum)


def exact(a):
    v = [int(x) for x in np.asarray(a).ravel()]
    return (len(v), min(v) if v else None, max(v) if v else None, sum(v))


def test_a_path_as_str_bytes_and_pathlib(tmp_path):
    a = np.arange(-300, 700, dtype="<i4")
    a.tofile(tmp_path / "p.bin")
    for source in (str(tmp_path / "p.bin"), os.fsencode(tmp_path / "p.bin"), pathlib.Path(tmp_path / "p.bin")):
        r = mapscan.scan(source)
        assert got(r) == exact(a) and r.file == str(tmp_path / "p.bin"), source
    for bad in (3, None, object()):
        with pytest.raises(mapscan.InputError, match="a path"):
            mapscan.scan(bad)


def test_memmaps_and_np_load_are_scanned_through_their_file(tmp_path):
    a = np.arange(-5000, 70000, dtype=">i8").reshape(75, 1000)
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    r = mapscan.scan(m)
    assert got(r) == exact(a) and r.file == str(tmp_path / "a.npy") and r.type == "i64" and r.endian == "big"
    assert r.backend != "memory"
    # slices keep their parent's .offset: the place in the file comes from the address
    for part in (m[7:40], m[74:], m[3], m[:, :]):
        assert got(mapscan.scan(part)) == exact(part)
    # Fortran order (the elements are all there), and a raw memmap at an offset
    f = np.asfortranarray(np.arange(600, dtype="<u2").reshape(20, 30))
    np.save(tmp_path / "f.npy", f)
    assert got(mapscan.scan(np.load(tmp_path / "f.npy", mmap_mode="r"))) == exact(f)
    (tmp_path / "raw.bin").write_bytes(b"x" * 4099 + np.arange(1000, dtype="<i2").tobytes())
    raw = np.memmap(tmp_path / "raw.bin", dtype="<i2", mode="r", offset=4099, shape=(1000,))
    assert got(mapscan.scan(raw)) == exact(raw) and got(mapscan.scan(raw[500:])) == exact(raw[500:])
    assert got(mapscan.scan(raw.T, dtype="<i2", threads=np.int64(2))) == exact(raw)
    # what cannot be read right through the file is refused, never misread
    for bad, message in ((m[:, ::2], "gaps"), (np.arange(10), "scan_buffer"),
                         (np.load(tmp_path / "a.npy", mmap_mode="c"), "copy-on-write")):
        with pytest.raises(mapscan.InputError, match=message):
            mapscan.scan(bad)
    for kwargs in ({"offset": 8}, {"length": 8}, {"dtype": "<i8"}, {"record": 16}, {"format": "npy"}):
        with pytest.raises(mapscan.InputError, match="memmap brings its own"):
            mapscan.scan(m, **kwargs)
    cx = np.memmap(tmp_path / "cx.bin", dtype="<c8", mode="w+", shape=(10,))
    with pytest.raises(mapscan.InputError, match="not a type mapscan scans"):
        mapscan.scan(cx)


def test_a_structured_memmap_by_field(tmp_path):
    dt = np.dtype([("t", "<u8"), ("s", [("id", "u1"), ("v", ">i2")])])
    s = np.zeros(999, dtype=dt)
    s["s"]["v"] = np.arange(999) - 400
    s["t"] = np.arange(999) * 2**40
    np.save(tmp_path / "s.npy", s)
    m = np.load(tmp_path / "s.npy", mmap_mode="r")
    assert got(mapscan.scan(m, field="s.v")) == exact(s["s"]["v"])
    assert got(mapscan.scan(m[100:], field="t")) == exact(s["t"][100:])
    with pytest.raises(mapscan.InputError, match="field="):
        mapscan.scan(m)
    with pytest.raises(mapscan.InputError, match="not in"):
        mapscan.scan(m, field="nope")
    # a list: several columns in one pass (test_columns.py has the rest)
    both = mapscan.scan(m, field=["t", "s.v"])
    assert isinstance(both, mapscan.Columns) and list(both) == ["t", "s.v"]
    assert got(both["s.v"]) == exact(s["s"]["v"]) and got(both["t"]) == exact(s["t"])


def test_field_takes_one_str_or_a_list_for_several_columns(tmp_path):
    s = np.zeros(3, dtype=[("t", "<i4"), ("v", "<i2")])
    s["t"], s["v"] = [1, 2, 3], [-4, 5, -6]
    np.save(tmp_path / "s.npy", s)
    assert isinstance(mapscan.scan(tmp_path / "s.npy", field="t"), mapscan.Result)
    for fields in (["t", "v"], ("t",), ["t"], "t,v", "all"):
        r = mapscan.scan(tmp_path / "s.npy", field=fields)
        assert isinstance(r, mapscan.Columns), fields
        assert [got(c) for c in r.values()] == [exact(s[n]) for n in r], fields
    for bad in (3, ["t", None], []):
        with pytest.raises(mapscan.InputError, match="field"):
            mapscan.scan(tmp_path / "s.npy", field=bad)


RSS_CHILD = """
    import sys, numpy as np, mapscan
    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
    m = np.load(sys.argv[1], mmap_mode="r")
    before = hwm()
    r = getattr(mapscan, sys.argv[2])(m)
    print(hwm() - before, r.count)
"""


def test_scan_of_a_memmap_keeps_memory_flat_where_scan_buffer_faults_it_in(tmp_path):
    size = 256 << 20
    mapscan.generate(tmp_path / "big.npy", dtype="<i4", size=size, format="npy", pattern="mod:1000")
    grown = {}
    for how in ("scan", "scan_buffer"):
        out = subprocess.run([sys.executable, "-c", textwrap.dedent(RSS_CHILD), str(tmp_path / "big.npy"), how],
                             capture_output=True, check=True, timeout=120,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)))
        grown[how], count = map(int, out.stdout.split())
        assert count == size // 4
    print({k: f"{v / 2**20:.1f} MiB" for k, v in grown.items()})
    assert grown["scan"] < size // 4, grown        # peak growth: a few chunks (18 MiB; 32 under ASan), not the file
    assert grown["scan_buffer"] > size // 2, grown         # the measure sees a faulted-in array


def test_a_list_of_files_gives_each_result_and_their_exact_total(tmp_path):
    a = np.arange(-100, 900, dtype="<i8")
    b = np.full(5000, 2**62, dtype="<i8")
    a.tofile(tmp_path / "a.bin")
    np.save(tmp_path / "b.npy", b)
    c = np.load(tmp_path / "b.npy", mmap_mode="r")[10:20]
    paths = [tmp_path / "a.bin", str(tmp_path / "b.npy"), c]
    rs = mapscan.scan(paths, dtype="<i8", threads=np.uint8(2))
    assert isinstance(rs, mapscan.Results) and isinstance(rs, tuple) and len(rs) == 3
    assert [got(r) for r in rs] == [exact(a), exact(b), exact(c)]
    assert [r.file for r in rs] == [str(tmp_path / "a.bin"), str(tmp_path / "b.npy"), str(tmp_path / "b.npy")]
    everything = np.concatenate([a, b, c])
    assert got(rs.total) == exact(everything) and rs.total.sum == int(a.sum()) + 5010 * 2**62
    assert rs.total.bytes == everything.nbytes and rs.total.file is None and rs.total.type == "i64"
    assert got(mapscan.scan(tuple(paths[:2]), dtype="<i8").total) == exact(np.concatenate([a, b]))
    with pytest.raises(mapscan.InputError, match="empty"):
        mapscan.scan([])
    with pytest.raises(FileNotFoundError):
        mapscan.scan([tmp_path / "a.bin", tmp_path / "missing"], dtype="<i8")
    calls = []
    mapscan.scan(paths, dtype="<i8", progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (everything.nbytes, everything.nbytes)
    assert all(d <= t for d, t in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_numpy_integers_wherever_an_integer_is_taken(tmp_path):
    a = np.arange(4000, dtype="<i4")
    a.tofile(tmp_path / "n.bin")
    ints = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
    for t in ints:
        r = mapscan.scan(tmp_path / "n.bin", offset=t(8), length=t(80), threads=t(2), record=t(8),
                         field_offset=t(4), backend="direct", io_depth=t(2),
                         io_size=t(4096) if np.iinfo(t).max >= 4096 else None)
        assert got(r) == exact(a[2:22][1::2]), t
        assert got(mapscan.scan_buffer(a, threads=t(3))) == exact(a)
        g = mapscan.generate(tmp_path / f"g{t.__name__}.bin", count=t(100), seed=t(5), threads=t(2))
        assert g.count == 100
        assert mapscan.generate(tmp_path / f"s{t.__name__}.bin", size=t(40)).count == 10
    for bad in (np.float64(8), np.True_, np.int64(-8)):
        with pytest.raises(mapscan.InputError):
            mapscan.scan(tmp_path / "n.bin", offset=bad)
