"""The Python package against numpy and the command: exact answers, every
exception class, Ctrl-C, and life without numpy. Run by make check-python
(Debian's python3 with python3-numpy and python3-pytest)."""

import errno
import json
import mmap
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import mapscan

INTEGER_CODES = ["|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8"]


def exact(a):
    v = [int(x) for x in np.asarray(a).ravel()]
    return (len(v), min(v) if v else None, max(v) if v else None, sum(v))


def got(r):
    return (r.count, r.min, r.max, r.sum)


def random_array(code, n, seed):
    info = np.iinfo(np.dtype(code))
    rng = np.random.default_rng(seed)
    a = rng.integers(info.min, info.max, size=n, dtype=np.dtype(code).newbyteorder("="), endpoint=True)
    a[0], a[-1] = info.min, info.max
    return a.astype(np.dtype(code))


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.mark.parametrize("code", INTEGER_CODES)
def test_every_dtype_and_byte_order_is_exact(tmp, code):
    a = random_array(code, 30011, INTEGER_CODES.index(code))
    f = tmp / "a.bin"
    a.tofile(f)
    for dtype in (code, np.dtype(code)):
        for backend in ("auto", "mmap", "read"):
            r = mapscan.scan(f, dtype=dtype, backend=backend, threads=2)
            assert got(r) == exact(a), (dtype, backend)
            assert r.bytes == a.nbytes and r.format == "raw"
    assert got(mapscan.scan_buffer(a)) == exact(a)


def test_direct_backend_with_its_depth_and_read_size(tmp):
    a = random_array("<i8", 400009, 5)
    f = tmp / "d.bin"
    a.tofile(f)
    for depth, size in ((None, None), (1, 4096), (64, 1 << 20)):
        r = mapscan.scan(f, dtype="<i8", backend="direct", threads=3, io_depth=depth, io_size=size)
        assert got(r) == exact(a), (depth, size)
        assert r.backend in ("direct", "direct-pread", "read")    # read where O_DIRECT is refused
    for kwargs in ({"io_depth": 0}, {"io_depth": 65}, {"io_size": 100}, {"io_size": -1}):
        with pytest.raises(mapscan.InputError):
            mapscan.scan(f, backend="direct", **kwargs)


def test_numpy_spellings(tmp):
    a = np.arange(-500, 500, dtype="<i8")
    a.tofile(tmp / "i8.bin")
    for dtype in ("i8", "int64", "<i8", np.int64, "q", "l", int):
        assert got(mapscan.scan(tmp / "i8.bin", dtype=dtype)) == exact(a), dtype
    b = np.arange(300, dtype=">u2")
    b.tofile(tmp / "u2.bin")
    for dtype in (">u2", np.dtype(">u2"), "!H"):
        assert got(mapscan.scan(tmp / "u2.bin", dtype=dtype)) == exact(b), dtype
    for dtype in ("c8", np.complex64, "<f16", np.longdouble, "?", "S2", "float128"):
        with pytest.raises(mapscan.InputError, match="not a type mapscan scans|long double"):
            mapscan.scan(tmp / "u2.bin", dtype=dtype)


def test_npy_files_and_structured_fields(tmp):
    a = np.arange(-1000, 2000, dtype=">i4").reshape(30, 100)
    np.save(tmp / "a.npy", a)
    r = mapscan.scan(tmp / "a.npy")
    assert got(r) == exact(a) and r.format == "npy" and r.shape == (30, 100) and r.type == "i32" and r.endian == "big"
    assert got(mapscan.scan(tmp / "a.npy", dtype=">i4")) == exact(a)
    with pytest.raises(mapscan.InputError, match="contradicts"):
        mapscan.scan(tmp / "a.npy", dtype="<i8")
    dt = np.dtype([("t", "<u8"), ("id", "u1"), ("v", "<i4"), ("s", [("x", ">i2")])], align=True)
    s = np.zeros(777, dtype=dt)
    s["v"] = np.arange(777) * -3
    s["s"]["x"] = np.arange(777) * 5
    np.save(tmp / "s.npy", s)
    assert got(mapscan.scan(tmp / "s.npy", field="v")) == exact(s["v"])
    assert got(mapscan.scan(tmp / "s.npy", field="s.x")) == exact(s["s"]["x"])
    with pytest.raises(mapscan.InputError, match="numeric fields: t, id, v, s.x"):
        mapscan.scan(tmp / "s.npy")
    s.tofile(tmp / "s.raw")
    r = mapscan.scan(tmp / "s.raw", dtype="<i4", record=dt.itemsize, field_offset=dt.fields["v"][1])
    assert got(r) == exact(s["v"])


def test_offsets_lengths_and_trailing_bytes(tmp):
    a = np.arange(1000, dtype="<i4")
    (tmp / "t.bin").write_bytes(b"HDR" + a.tobytes() + b"xy")
    with pytest.raises(mapscan.InputError, match="2 trailing bytes"):
        mapscan.scan(tmp / "t.bin", offset=3)
    assert got(mapscan.scan(tmp / "t.bin", offset=3, allow_trailing=True)) == exact(a)
    assert got(mapscan.scan(tmp / "t.bin", offset=3, length=400)) == exact(a[:100])
    with pytest.raises(mapscan.InputError, match="past the end"):
        mapscan.scan(tmp / "t.bin", offset=10**6)


def test_scan_buffer_exact_where_numpy_wraps():
    a = np.full(1000, 2**62, dtype=np.int64)
    r = mapscan.scan_buffer(a)
    assert r.sum == 1000 * 2**62 and int(a.sum()) != 1000 * 2**62
    assert r.backend == "memory"
    u = np.full(5000, 2**64 - 1, dtype=np.uint64)
    assert mapscan.scan_buffer(u, threads=2).sum == 5000 * (2**64 - 1)
    assert got(mapscan.scan_buffer(b"\x01\x02\xff")) == (3, 1, 255, 258)
    assert got(mapscan.scan_buffer(bytearray(b"\x80\x7f"), dtype="i1")) == (2, -128, 127, -1)
    m = memoryview(np.arange(100, dtype="<u2").tobytes())
    assert got(mapscan.scan_buffer(m, dtype="<u2")) == exact(np.arange(100))
    e = mapscan.scan_buffer(np.zeros(0, dtype=np.int16))
    assert (e.count, e.min, e.max, e.sum, e.mean) == (0, None, None, 0, None)
    with tempfile.TemporaryFile() as f:
        f.write(np.arange(4096, dtype="<i4").tobytes())
        f.flush()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            assert got(mapscan.scan_buffer(mm, dtype="<i4")) == exact(np.arange(4096))


def test_non_contiguous_buffers_are_refused_never_copied():
    a = np.arange(100, dtype=np.int32)
    with pytest.raises(mapscan.InputError, match="C-contiguous"):
        mapscan.scan_buffer(a[::2])
    with pytest.raises(mapscan.InputError, match="C-contiguous"):
        mapscan.scan_buffer(np.arange(12).reshape(3, 4).T)


def test_exceptions_are_in_the_usual_hierarchy(tmp):
    with pytest.raises(FileNotFoundError) as e:
        mapscan.scan(tmp / "missing.bin")
    assert isinstance(e.value, mapscan.Error) and e.value.errno == errno.ENOENT
    assert e.value.filename == str(tmp / "missing.bin")
    with pytest.raises(IsADirectoryError) as e:
        mapscan.scan(tmp)
    assert isinstance(e.value, mapscan.Error)
    with pytest.raises(mapscan.InputError) as e:
        mapscan.scan(tmp / "x", dtype="complex")
    assert isinstance(e.value, ValueError) and isinstance(e.value, mapscan.Error)
    with pytest.raises(mapscan.ScanError) as e:
        mapscan.generate(tmp / "huge.bin", dtype="<u8", count=2**50)
    assert isinstance(e.value, OSError) and e.value.errno == errno.ENOSPC
    (tmp / "keep.bin").write_bytes(b"precious")
    with pytest.raises(mapscan.InputError, match="exists"):
        mapscan.generate(tmp / "keep.bin", count=10)
    assert (tmp / "keep.bin").read_bytes() == b"precious"


def test_permission_error_for_an_unreadable_file(tmp):
    secret = tmp / "secret.bin"
    secret.write_bytes(b"\0" * 8)
    secret.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(PermissionError) as e:
            mapscan.scan(secret)
        assert isinstance(e.value, mapscan.Error) and e.value.errno == errno.EACCES
        return
    # root reads a chmod 000 file: as nobody, from copies it can reach
    work = tempfile.mkdtemp()
    os.chmod(work, 0o755)
    shutil.copytree(os.path.dirname(mapscan.__file__), os.path.join(work, "mapscan"))
    shutil.copy(mapscan._lib.LIBRARY_PATH, os.path.join(work, "libmapscan.so.1"))
    os.chmod(tmp, 0o755)
    os.chmod(tmp.parent, 0o755)
    code = f"""import errno, mapscan
try:
    mapscan.scan({str(secret)!r})
except PermissionError as e:
    print(isinstance(e, mapscan.Error), e.errno == errno.EACCES)"""

    def drop():
        os.setgid(65534)
        os.setuid(65534)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, preexec_fn=drop, timeout=60,
                         env=dict(os.environ, PYTHONPATH=work, MAPSCAN_LIBRARY=os.path.join(work, "libmapscan.so.1")))
    shutil.rmtree(work)
    if b"Permission denied" in out.stderr and b"mapscan" not in out.stdout:
        pytest.skip("nobody cannot reach the test's directory here")
    assert out.stdout.split() == [b"True", b"True"], out


def test_generate_is_read_back_by_numpy(tmp):
    g = mapscan.generate(tmp / "g.npy", dtype=">i8", count=12345, pattern="range:-5:99", seed=3, format="npy")
    a = np.load(tmp / "g.npy")
    assert a.dtype == np.dtype(">i8") and got(g) == exact(a)
    g = mapscan.generate(tmp / "g.raw", dtype="u2", size=2000, pattern="seq")
    assert got(g) == exact(np.fromfile(tmp / "g.raw", dtype="<u2"))
    assert got(mapscan.scan(tmp / "g.raw", dtype="u2")) == got(g)


def test_as_dict_has_the_command_json_keys(tmp):
    np.save(tmp / "k.npy", np.arange(10, dtype="<i2"))
    d = mapscan.scan(tmp / "k.npy").as_dict()
    command = os.environ.get("MAPSCAN")
    if not command:
        pytest.skip("MAPSCAN (the command) not given")
    cli = json.loads(subprocess.run([command, "--json", str(tmp / "k.npy")], capture_output=True,
                                    check=True).stdout)
    assert set(d) == set(cli), set(d) ^ set(cli)
    for key in ("file", "format", "shape", "type", "endian", "count", "min", "max", "sum", "mean", "bytes"):
        assert d[key] == cli[key], key


def test_version_is_the_library_s():
    assert mapscan.__version__ == mapscan._lib.lib.mapscan_version().decode()
    header = os.path.join(os.path.dirname(__file__), "..", "..", "include", "mapscan.h")
    assert f'#define MAPSCAN_VERSION "{mapscan.__version__}"' in open(header).read()


def _child(code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def test_import_and_scan_without_numpy(tmp):
    (tmp / "n.bin").write_bytes(b"\x01\x00\x00\x00\xff\xff\xff\xff")
    p = _child(f"""
        import sys
        sys.modules["numpy"] = None          # import numpy now fails
        import mapscan
        r = mapscan.scan({str(tmp / 'n.bin')!r}, dtype="<i4")
        b = mapscan.scan_buffer(b"\\x05\\x06")
        f = mapscan.scan_buffer(b"\\x00\\x00\\xc0\\x3f\\x00\\x00\\x00\\xc0", dtype="<f4")      # 1.5, -2.0
        print(r.count, r.min, r.max, r.sum, b.sum, f.sum, f.exact_sum, f.min,
              "numpy" in sys.modules and sys.modules["numpy"] is not None)
    """)
    out, err = p.communicate(timeout=60)
    assert out.split() == [b"2", b"-1", b"1", b"0", b"11", b"-0.5", b"-1/2", b"-2.0", b"False"], err


def test_ctrl_c_on_a_slow_pipe_stops_within_half_a_second_and_leaves_no_thread():
    p = _child("""
        import json, os, sys, threading, time
        import mapscan
        r, w = os.pipe()
        ticks = [0]
        def trickle():              # 4 bytes now and then: the scan never ends by itself
            while True:
                os.write(w, b"\\1\\0\\0\\0")
                time.sleep(0.05)
        def count():                # runs while the scan waits: the GIL is released
            while True:
                ticks[0] += 1
                time.sleep(0.01)
        threading.Thread(target=trickle, daemon=True).start()
        threading.Thread(target=count, daemon=True).start()
        calls = []
        tasks = len(os.listdir("/proc/self/task"))
        print("ready", flush=True)
        try:
            mapscan.scan(f"/proc/self/fd/{r}", dtype="<i4",
                         progress=lambda d, t: calls.append(threading.current_thread() is threading.main_thread()))
        except KeyboardInterrupt:
            stopped = time.monotonic()
            left = [t.name for t in threading.enumerate() if t.name == "mapscan" and t.is_alive()]
            for _ in range(100):        # pthread_join returns a few microseconds before the kernel reaps
                if len(os.listdir("/proc/self/task")) <= tasks:
                    break
                time.sleep(0.0005)
            left += ["task"] * (len(os.listdir("/proc/self/task")) - tasks)
            print(json.dumps({"stopped": stopped, "left": left, "ticks": ticks[0], "progress_on_main": all(calls)}))
    """)
    assert p.stdout.readline().strip() == b"ready"
    import time
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    result = json.loads(out)
    assert result["stopped"] - sent < 0.5, result["stopped"] - sent
    assert result["left"] == [] and result["ticks"] > 10 and result["progress_on_main"], (result, err)


def test_integers_past_64_bits_bools_and_negatives_are_refused_numpy_integers_accepted(tmp):
    a = np.arange(1000, dtype="<i8")
    a.tofile(tmp / "w.bin")
    f = tmp / "w.bin"
    # each of these once wrapped modulo 2**64 (or 2**32) inside ctypes and scanned something else
    for kwargs in ({"length": 2**64 + 8}, {"offset": 2**64}, {"record": 2**64 + 8}, {"field_offset": 2**64},
                   {"threads": 2**32 + 1}, {"threads": 65537}, {"io_depth": 2**32 + 8, "backend": "direct"},
                   {"io_size": 2**64 + 4096, "backend": "direct"}, {"offset": -1}, {"length": -8},
                   {"threads": -1}, {"record": -16}, {"field_offset": -1}, {"io_depth": -1}, {"io_size": -4096},
                   {"offset": True}, {"length": True}, {"threads": True}, {"record": False},
                   {"field_offset": True}, {"io_depth": True}, {"io_size": True}, {"offset": 8.0},
                   {"length": "8"}, {"threads": np.True_}):
        with pytest.raises(mapscan.InputError):
            mapscan.scan(f, dtype="<i8", **kwargs)
    with pytest.raises(mapscan.InputError):
        mapscan.scan_buffer(a, threads=2**32 + 1)
    with pytest.raises(mapscan.InputError):
        mapscan.scan_buffer(a, threads=True)
    # numpy integers are whole numbers
    r = mapscan.scan(f, dtype="<i8", offset=np.int64(8), length=np.uint64(80), threads=np.int32(2))
    assert got(r) == exact(a[1:11])
    r = mapscan.scan(f, dtype="<i8", record=np.uint8(16), field_offset=np.int16(8))
    assert got(r) == exact(a[1::2])
    assert got(mapscan.scan_buffer(a, threads=np.int64(3))) == exact(a)
    for kwargs in ({"count": 2**64 + 8}, {"count": -1}, {"count": True}, {"size": 2**64 + 8}, {"size": -8},
                   {"count": 10, "threads": 2**32 + 1}, {"count": 10, "threads": -1}, {"count": 10, "threads": True},
                   {"count": 10, "seed": True}, {"count": 10, "seed": 2**64}, {"count": 10.0}):
        with pytest.raises(mapscan.InputError):
            mapscan.generate(tmp / "g.bin", dtype="<i8", **kwargs)
        assert not os.path.exists(tmp / "g.bin")
    g = mapscan.generate(tmp / "g.bin", dtype="<i8", count=np.int64(10), seed=np.uint64(3), threads=np.int8(2))
    assert g.count == 10


def test_a_nul_byte_in_a_path_a_field_or_a_pattern_is_refused_never_cut_short(tmp):
    np.arange(10, dtype="<i4").tofile(tmp / "pa")
    for path in (str(tmp / "pa") + "\0.bin", os.fsencode(tmp / "pa") + b"\0.bin"):
        with pytest.raises(ValueError, match="null byte") as e:
            mapscan.scan(path)
        assert isinstance(e.value, mapscan.InputError)
        with pytest.raises(ValueError, match="null byte"):
            mapscan.generate(str(tmp / "gen") + "\0x", count=10)
    assert not os.path.exists(tmp / "gen")
    np.save(tmp / "s.npy", np.zeros(3, dtype=[("v", "<i4"), ("w", "<i2")]))
    with pytest.raises(ValueError, match="null byte"):
        mapscan.scan(tmp / "s.npy", field="v\0w")
    with pytest.raises(ValueError, match="null byte"):
        mapscan.generate(tmp / "gen", count=10, pattern="seq\0junk")
    assert not os.path.exists(tmp / "gen")


def test_progress_always_sees_the_finish_and_a_raising_one_takes_effect(tmp):
    a = np.arange(1000, dtype="<i4")
    a.tofile(tmp / "p.bin")
    calls = []
    r = mapscan.scan(tmp / "p.bin", progress=lambda d, t: calls.append((d, t)))      # far under 0.1 s
    assert calls and calls[-1] == (4000, 4000) and got(r) == exact(a)
    calls.clear()
    g = mapscan.generate(tmp / "q.npy", dtype="<i2", count=500, format="npy", progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (1000, 1000) and g.count == 500

    class Stop(Exception):
        pass

    def refuse(done, total):
        raise Stop(done, total)
    with pytest.raises(Stop):
        mapscan.scan(tmp / "p.bin", progress=refuse)
    with pytest.raises(Stop):
        mapscan.generate(tmp / "r.bin", count=10, progress=refuse)
    # the file is complete, and the callback's exception still reached the caller
    assert os.path.getsize(tmp / "r.bin") == 40
    assert not [n for n in os.listdir(tmp) if ".mapscan-tmp." in n]
    # a pipe: its size was unknown during the scan; at the end done == total == the bytes read
    r_fd, w_fd = os.pipe()
    os.write(w_fd, a.tobytes())
    os.close(w_fd)
    calls.clear()
    try:
        r = mapscan.scan(f"/proc/self/fd/{r_fd}", dtype="<i4", progress=lambda d, t: calls.append((d, t)))
    finally:
        os.close(r_fd)
    assert calls[-1] == (4000, 4000) and got(r) == exact(a)
