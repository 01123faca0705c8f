#!/usr/bin/env python3
"""Tests of the mapscan command as a user runs it: exit statuses, messages,
JSON checked against an independent computation in Python.

Run: MAPSCAN=build/mapscan python3 test/cli_test.py [NAME-SUBSTRING]
Ends with a line 'N passed, N failed'."""

import csv
import json
import math
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (test/harness.py)

MAPSCAN = os.path.abspath(os.environ.get("MAPSCAN", "build/mapscan"))
TYPES = {"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I", "i64": "q", "u64": "Q"}
WORK = tempfile.mkdtemp(prefix="mapscan-cli-")
SUITE = harness.Suite()
test = SUITE.test


def run(*args, stdin=None, input_bytes=None, preexec=None, env=None):
    return subprocess.run([MAPSCAN, *args], stdin=stdin, input=input_bytes, capture_output=True,
                          preexec_fn=preexec, env=env, timeout=120)


def path(name):
    return os.path.join(WORK, name)


def drop_to_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def unprivileged_binary():
    """root reads a chmod 000 file and ignores ulimit -u, so such cases run as nobody, from a copy
    of the binary in WORK: the checkout may sit in a directory nobody cannot enter (root's home is
    mode 700)."""
    copy = path("bin/mapscan")
    if not os.path.exists(copy):
        os.makedirs(os.path.dirname(copy))
        shutil.copy2(MAPSCAN, copy)
        os.chmod(os.path.dirname(copy), 0o755)
    os.chmod(WORK, 0o755)
    return copy


def run_unprivileged(*args, shell_prefix=None):
    """As nobody when root (and as ourselves otherwise)."""
    binary = unprivileged_binary() if os.geteuid() == 0 else MAPSCAN
    preexec = drop_to_nobody if os.geteuid() == 0 else None
    if shell_prefix:
        cmd = ["bash", "-c", shell_prefix + ' && exec "$0" "$@"', binary, *args]
    else:
        cmd = [binary, *args]
    return subprocess.run(cmd, capture_output=True, preexec_fn=preexec, timeout=120)


def sh(script, **kw):
    """A bash script with $M set to the binary and $W to the work directory."""
    env = dict(os.environ, M=MAPSCAN, W=WORK)
    return subprocess.run(["bash", "-c", script], capture_output=True, env=env, timeout=120, **kw)


def write_values(name, type_name, values, big=False, header=b"", trailer=b""):
    fmt = (">" if big else "<") + TYPES[type_name] * len(values)
    with open(path(name), "wb") as f:
        f.write(header + struct.pack(fmt, *values) + trailer)
    return path(name)


def random_values(type_name, n, seed):
    rng = random.Random(seed)
    bits = int(type_name[1:])
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if type_name[0] == "i" else (0, (1 << bits) - 1)
    values = [rng.randint(lo, hi) for _ in range(n)]
    values[rng.randrange(n)] = lo     # both extremes present
    values[rng.randrange(n)] = hi
    return values


def expect_stats(obj, values):
    assert obj["count"] == len(values), (obj["count"], len(values))
    if not values:
        assert obj["min"] is None and obj["max"] is None and obj["mean"] is None and obj["sum"] == 0, obj
        return
    assert obj["min"] == min(values), (obj["min"], min(values))
    assert obj["max"] == max(values), (obj["max"], max(values))
    assert obj["sum"] == sum(values), (obj["sum"], sum(values))
    mean = sum(values) / len(values)
    assert abs(obj["mean"] - mean) <= 1e-9 * max(1.0, abs(mean)), (obj["mean"], mean)


def one_json(result):
    assert result.returncode == 0, (result.returncode, result.stderr)
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def expect_error(result, status, *fragments):
    err = result.stderr.decode()
    assert result.returncode == status, (result.returncode, err)
    assert result.stdout == b"", result.stdout
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@test
def help_and_version_exit_zero():
    for args in (["--help"], ["-V"], ["gen", "--help"], ["bench", "--help"]):
        r = run(*args)
        assert r.returncode == 0 and r.stdout, args
    assert b"--allow-trailing" in run("--help").stdout


@test
def every_type_and_byte_order_both_backends_and_thread_counts():
    backends, thread_counts = ("auto", "mmap", "read", "direct"), ("1", "2", "3", "64")
    # Under a sanitizer (ten times slower) each backend once and each thread count once per
    # type and order, in turn, rather than every pair: the pairs are the normal build's.
    sanitized = bool(os.environ.get("MAPSCAN_SANITIZE"))
    for n, type_name in enumerate(TYPES):
        for big in (False, True):
            values = random_values(type_name, 20011, hash((type_name, big)) & 0xffff)
            f = write_values(f"{type_name}{big}.bin", type_name, values, big)
            pairs = [(b, t) for b in backends for t in thread_counts]
            if sanitized:
                turn = 2 * n + big
                pairs = [(b, thread_counts[(i + turn) % 4]) for i, b in enumerate(backends)] + \
                        [(backends[(i + turn + 1) % 4], t) for i, t in enumerate(thread_counts)]
            for backend, threads in pairs:
                obj = one_json(run(f, "--json", "-t", type_name, "-e", "big" if big else "little",
                                   "-b", backend, "-j", threads))
                expect_stats(obj, values)
                assert obj["type"] == type_name and obj["endian"] == ("big" if big else "little")
                assert obj["bytes"] == len(values) * int(type_name[1:]) // 8
                assert obj["backend"] in ("mmap", "read", "mmap+read", "direct", "direct-pread"), obj
                if backend == "direct":     # read where the file system refuses O_DIRECT
                    assert obj["backend"] in ("direct", "direct-pread", "read"), obj
                elif backend != "auto":
                    assert obj["backend"] == backend, obj
                assert set(obj) >= {"file", "type", "endian", "backend", "threads", "bytes", "count",
                                    "min", "max", "sum", "mean", "seconds"}, obj


@test
def direct_reads_in_flight_and_their_size_are_options():
    # 2.4 MB: 586 reads of 4K at depth 1 (under a sanitizer 240 KB, still 59 of them)
    values = random_values("i64", 30011 if os.environ.get("MAPSCAN_SANITIZE") else 300007, 21)
    f = write_values("direct.bin", "i64", values)
    for depth, size in (("1", "4K"), ("3", "12K"), ("64", "1M"), ("8", "64M")):
        obj = one_json(run(f, "--json", "-t", "i64", "-b", "direct", "--io-depth", depth, "--io-size", size, "-j", "3"))
        expect_stats(obj, values)
        assert obj["backend"] in ("direct", "direct-pread", "read"), obj
    for args, words in ((["--io-depth", "0"], "1 to 64"), (["--io-depth", "65"], "1 to 64"),
                        (["--io-depth", "x"], "not a whole number"), (["--io-size", "100"], "4K to 64M"),
                        (["--io-size", "65M"], "4K to 64M"), (["--io-size", "1Q"], "not a size")):
        expect_error(run(f, "-b", "direct", *args), 2, args[0], words)
    # tmpfs refused O_DIRECT before Linux 6.6 (read serves then; test_faults.c injects the refusal)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        shm = tempfile.NamedTemporaryFile(dir="/dev/shm", suffix=".bin")
        shm.write(struct.pack("<%dq" % len(values), *values))
        shm.flush()
        obj = one_json(run(shm.name, "--json", "-t", "i64", "-b", "direct"))
        expect_stats(obj, values)
        assert obj["backend"] in ("direct", "direct-pread", "read"), obj
        shm.close()


@test
def numpy_type_spellings_set_the_byte_order():
    values = random_values("u16", 999, 3)
    f = write_values("np.bin", "u16", values, big=True)
    expect_stats(one_json(run(f, "--json", "-t", ">u2")), values)
    expect_stats(one_json(run(f, "--json", "-t", "uint16", "-e", "big")), values)
    expect_error(run(f, "-t", ">u2", "-e", "little"), 2, "conflicts")
    values = random_values("i64", 999, 4)
    f = write_values("np8.bin", "i64", values)
    expect_stats(one_json(run(f, "--json", "-t", "<i8")), values)
    expect_stats(one_json(run(f, "--json", "-t", "int64")), values)


@test
def sums_are_exact_beyond_64_bits():
    values = [(1 << 64) - 1] * 4099
    f = write_values("bigsum.bin", "u64", values)
    for backend in ("mmap", "read"):
        obj = one_json(run(f, "--json", "-t", "u64", "-b", backend))
        assert obj["sum"] == sum(values), obj["sum"]
    values = [-(1 << 63)] * 5001
    f = write_values("negsum.bin", "i64", values)
    expect_stats(one_json(run(f, "--json", "-t", "i64")), values)


@test
def a_header_that_splits_elements_and_a_length():
    values = random_values("i32", 30001, 5)
    f = write_values("hdr.bin", "i32", values, header=b"HDR")
    expect_stats(one_json(run(f, "--json", "--offset", "3")), values)
    expect_stats(one_json(run(f, "--json", "--offset", "3", "--length", "400")), values[:100])
    values = random_values("u8", 5000, 6)
    f = write_values("k.bin", "u8", values, header=bytes(1024))
    expect_stats(one_json(run(f, "--json", "-t", "u8", "--offset", "1K")), values)
    expect_stats(one_json(run(f, "--json", "-t", "u8", "--offset", "1KiB", "--length", "1KB")), values[:1000])


@test
def empty_file_and_one_element():
    f = write_values("empty.bin", "i32", [])
    obj = one_json(run(f, "--json"))
    expect_stats(obj, [])
    f = write_values("one.bin", "i16", [-7])
    expect_stats(one_json(run(f, "--json", "-t", "i16")), [-7])
    r = run(path("empty.bin"))
    assert r.returncode == 0 and b"count    0" in r.stdout, r.stdout


@test
def trailing_bytes_fail_unless_allowed():
    values = random_values("i32", 100, 7)
    f = write_values("trail.bin", "i32", values, trailer=b"\x01\x02")
    expect_error(run(f, "--json"), 2, f, "2 trailing bytes", "--allow-trailing")
    expect_stats(one_json(run(f, "--json", "--allow-trailing")), values)
    expect_error(run(f, "--json", "--length", "5"), 2, "1 trailing byte")


@test
def offset_past_the_end():
    f = write_values("short.bin", "i32", [1, 2, 3])
    expect_error(run(f, "--offset", "13"), 2, f, "past the end")
    expect_stats(one_json(run(f, "--json", "--offset", "12")), [])


@test
def missing_files_directories_and_unreadable_files():
    missing = path("nope.bin")
    expect_error(run(missing), 2, missing, "No such file")
    expect_error(run(WORK), 2, WORK, "directory")
    secret = write_values("secret.bin", "i32", [1, 2])
    os.chmod(secret, 0)
    expect_error(run_unprivileged(secret), 2, secret, "Permission denied")


@test
def usage_errors_exit_two_with_one_line():
    expect_error(run("--bogus", "x"), 2)
    expect_error(run("-t", "float128", "x"), 2, "unknown type")
    expect_error(run("-t", "<f16", "x"), 2, "unknown type")      # numpy's long double; bare f16 is binary16
    expect_error(run("-e", "middle", "x"), 2, "byte order")
    expect_error(run("-b", "magic", "x"), 2, "backend")
    expect_error(run("-j", "0", "x"), 2, "--threads")
    expect_error(run("--offset", "12Q", "x"), 2, "not a size")
    expect_error(run(), 2, "no FILE")
    expect_error(run("--kernel", "sse9", "x"), 2, "unknown kernel 'sse9'")


@test
def several_files_give_a_total_and_a_failure_does_not_stop_the_rest():
    a = random_values("i32", 1000, 8)
    b = random_values("i32", 3000, 9)
    fa, fb = write_values("a.bin", "i32", a), write_values("b.bin", "i32", b)
    r = run(fa, fb, "--json")
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(objs) == 3
    expect_stats(objs[0], a)
    expect_stats(objs[1], b)
    assert objs[2]["file"] is None and objs[2]["total"] is True
    expect_stats(objs[2], a + b)
    r = run(fa, path("missing.bin"), fb, "--json")
    assert r.returncode == 2, r.returncode
    objs = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [o["file"] for o in objs] == [fa, fb], objs     # no total over a partial set
    assert r.stderr.decode().count("\n") == 1 and "missing.bin" in r.stderr.decode()


def json_lines(result):
    assert result.returncode == 0, (result.returncode, result.stderr)
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


@test
def files_from_a_list_newline_nul_and_standard_input():
    a, b, c = random_values("i16", 999, 31), random_values("i16", 20, 32), random_values("i16", 4097, 33)
    fa, fb, fc = (write_values(n, "i16", v) for n, v in (("la.bin", a), ("l b\tc.bin", b), ("lc.bin", c)))
    with open(path("list.txt"), "w") as f:
        f.write(f"{fb}\n{fc}")        # the last line without its newline
    with open(path("list0"), "wb") as f:
        f.write(f"{fb}\0{fc}\0".encode())
    want = [fa, fb, fc, None]           # the command line's files first, then the list's, then the total
    for r in (run("--json", "-t", "i16", fa, "--files-from", path("list.txt")),
              run("--json", "-t", "i16", "-0", "--files-from", path("list0"), fa),
              run("--json", "-t", "i16", "--null", "--files-from", "-", fa, input_bytes=open(path("list0"), "rb").read()),
              run("--json", "-t", "i16", fa, "--files-from=-", input_bytes=f"{fb}\n{fc}\n".encode())):
        objs = json_lines(r)
        assert [o["file"] for o in objs] == want, objs
        for o, values in zip(objs, (a, b, c, a + b + c)):
            expect_stats(o, values)
        assert all(o["seconds"] > 0 for o in objs), objs    # each file's own time; the total their sum
        assert abs(objs[3]["seconds"] - sum(o["seconds"] for o in objs[:3])) < 1e-5, objs
    # a list alone, without FILE
    assert [o["file"] for o in json_lines(run("--json", "-t", "i16", "--files-from", path("list.txt")))] == [fb, fc, None]


@test
def files_from_errors_say_which_line():
    f = write_values("le.bin", "i32", [1, 2, 3])
    for content, words in ((f"{f}\n\n{f}\n", "line 2 is empty"), (f"\n{f}\n", "line 1 is empty"),
                           ("", "no file in the list"), (f"{f}\0{f}\n", "line 1 holds a NUL byte")):
        with open(path("bad.txt"), "w") as out:
            out.write(content)
        expect_error(run("--files-from", path("bad.txt"), f), 2, "--files-from " + path("bad.txt") + ": ", words)
    with open(path("bad0"), "wb") as out:
        out.write(f"{f}\0\0".encode())
    expect_error(run("-0", "--files-from", path("bad0")), 2, "entry 2 is empty")
    expect_error(run("--files-from", path("no-such-list")), 2, "cannot read the list: No such file or directory")
    expect_error(run("--files-from", WORK), 2, "cannot read the list: Is a directory")
    expect_error(run("--files-from", "-", input_bytes=b"-\n"), 2, "standard input is the list")
    expect_error(run("-0", f), 2, "--null: needs --files-from")
    expect_error(run("bench", "--files-from", path("bad.txt"), f), 2, "unknown option")
    # a missing file named by the list is a scan failure like any other: the rest are scanned
    with open(path("some.txt"), "w") as out:
        out.write(f"{path('missing-in-list.bin')}\n{f}\n")
    r = run("-q", "--files-from", path("some.txt"))
    assert r.returncode == 2 and r.stdout.decode().startswith(f + "\t3\t"), (r.returncode, r.stdout, r.stderr)
    assert "missing-in-list.bin: cannot open" in r.stderr.decode(), r.stderr


@test
def files_from_takes_twenty_thousand_paths():
    """Past the argument list's limit: 20 000 paths, 1 000 small files each named 20 times (100 000
    took 40 s here, nearly all of it 100 000 scans); 250 paths under a sanitizer, where a scan
    of a small file costs ten to fifty times as much."""
    files, times = (50, 5) if os.environ.get("MAPSCAN_SANITIZE") else (1000, 20)
    os.makedirs(path("many"), exist_ok=True)
    names = []
    for i in range(files):
        name = path(f"many/{i}")
        with open(name, "wb") as out:
            out.write(bytes([i % 251]))
        names.append(name)
    with open(path("many.txt"), "w") as out:
        out.write("\n".join(names * times) + "\n")
    r = run("-q", "-t", "u8", "-j", "1", "--files-from", path("many.txt"))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().splitlines()
    assert len(out) == times * files + 1 and out[0].startswith(names[0] + "\t1\t0\t0\t"), (len(out), out[:2])
    total = sum(i % 251 for i in range(files)) * times
    assert out[-1].split("\t")[:5] == ["total", str(times * files), "0", str(max(i % 251 for i in range(files))),
                                        str(total)], out[-1]


@test
def standard_input_pipe_and_redirect():
    values = random_values("u32", 50001, 10)
    f = write_values("stdin.bin", "u32", values)
    data = open(f, "rb").read()
    obj = one_json(run("-", "--json", "-t", "u32", input_bytes=data))
    expect_stats(obj, values)
    assert obj["backend"] == "read" and obj["file"] == "-"
    with open(f, "rb") as fh:       # a redirected regular file is scanned in parallel
        expect_stats(one_json(run("-", "--json", "-t", "u32", stdin=fh)), values)
    expect_error(run("-", "-b", "mmap", input_bytes=data), 2, "cannot be mapped")
    expect_error(run("-", "-t", "u32", input_bytes=data + b"x"), 2, "1 trailing byte")


@test
def kernels_agree():
    values = random_values("i16", 77777, 11)
    f = write_values("kern.bin", "i16", values, big=True)
    for kernel in ("scalar", "avx2", "avx512"):
        r = run(f, "--json", "-t", ">i2", "--kernel", kernel)
        if r.returncode == 2 and b"not available" in r.stderr:
            continue
        obj = one_json(r)
        assert obj["kernel"] == kernel
        expect_stats(obj, values)
    env = dict(os.environ, MAPSCAN_KERNEL="scalar")
    assert one_json(run(f, "--json", "-t", ">i2", env=env))["kernel"] == "scalar"


@test
def table_and_quiet_output():
    f = write_values("tbl.bin", "i32", [5, -3, 10])
    out = run(f).stdout.decode()
    for row in ("file", "type", "backend", "count    3", "min      -3", "max      10", "sum      12", "mean"):
        assert row in out, (row, out)
    quiet = run(f, "-q").stdout.decode().strip().split("\t")
    assert quiet == [f, "3", "-3", "10", "12", "4.000000"], quiet


@test
def gen_reports_what_the_scan_finds():
    for args in (["-t", "i8", "-n", "100003"], ["-t", ">u8", "-n", "70001", "-p", "range:10:1000000"],
                 ["-t", "i16", "-e", "big", "-s", "2M", "-p", "mod:1000"], ["-t", "u64", "-n", "5K", "-p", "seq"],
                 ["-t", "i32", "-n", "1000", "-p", "const:-5"]):
        g = one_json(run("gen", path("g.bin"), "--json", "-f", *args))
        type_args = args[:2] + (["-e", args[args.index("-e") + 1]] if "-e" in args else [])
        s = one_json(run(path("g.bin"), "--json", *type_args))
        for key in ("count", "min", "max", "sum", "bytes"):
            assert g[key] == s[key], (args, key, g[key], s[key])
        assert g["pattern"] and "seed" in g


@test
def gen_refuses_to_replace_and_rejects_bad_patterns():
    f = path("keep.bin")
    open(f, "wb").write(b"precious")
    expect_error(run("gen", f, "-n", "10"), 2, f, "exists", "--force")
    assert open(f, "rb").read() == b"precious"
    for pattern in ("const:300", "range:9:1", "mod:0", "wave"):
        expect_error(run("gen", path("bad.bin"), "-t", "u8", "-n", "10", "-p", pattern), 2, "--pattern")
    expect_error(run("gen", path("bad.bin"), "-t", "i32", "-s", "10"), 2, "not a multiple")
    expect_error(run("gen", path("bad.bin")), 2, "--count or --size")
    assert not os.path.exists(path("bad.bin"))


@test
def bench_times_each_configuration_and_recommends_one():
    values = random_values("i32", 300000, 12)
    f = write_values("bench.bin", "i32", values)
    r = run("bench", f, "-r", "2", "-j", "1,2", "-b", "read,mmap", "--csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(r.stdout.decode().splitlines()))
    assert [(row["backend"], row["threads"]) for row in rows] == [("read", "1"), ("read", "2"), ("mmap", "1"),
                                                                 ("mmap", "2")], rows
    for row in rows:
        assert float(row["best_s"]) <= float(row["median_s"]) and int(row["peak_rss_bytes"]) > 0, row
        assert row["used"] == row["backend"]
    objs = [json.loads(line) for line in run("bench", f, "-r", "1", "-j", "1", "--json").stdout.decode().splitlines()]
    assert {o["backend"] for o in objs} == {"auto", "mmap", "read"} and all(o["bytes"] == 1200000 for o in objs)
    table = run("bench", f, "-r", "1", "-j", "1").stdout.decode()
    assert "recommendation (cached): --backend" in table, table
    expect_error(run("bench", f, "-b", "warp"), 2, "unknown backend")
    expect_error(run("bench", f, "-r", "0"), 2, "--repeat")
    expect_error(run("bench", path("nope.bin")), 2, "nope.bin")


@test
def bench_takes_every_scan_option_through_the_scan_parser():
    values = random_values("i32", 4000, 13)
    records = b"".join(struct.pack("<hi", 7, v) + b"xx" for v in values)     # 8-byte records, the i32 at 2
    f = path("bench.rec")
    with open(f, "wb") as fh:
        fh.write(b"HDR!" + records)
    args = ["--record", "8", "--field-offset", "2", "-t", "<i4", "--offset", "4", "--kernel", "scalar",
            "--io-depth", "2", "--io-size", "8K", "-r", "1", "-j", "1"]
    objs = [json.loads(line) for line in run("bench", f, *args, "-b", "read,direct", "--json").stdout.decode()
            .splitlines()]
    assert [o["backend"] for o in objs] == ["read", "direct"] and all(o["bytes"] == 32000 for o in objs), objs
    expect_error(run("bench", f, "--io-depth", "65"), 2, "--io-depth", "1 to 64")
    expect_error(run("bench", f, "--io-size", "1K"), 2, "--io-size", "4K to 64M")
    expect_error(run("bench", f, "--format", "npy"), 2, "not a .npy file")
    expect_error(run("bench", f, "-q"), 2, "bench prints its own table")
    expect_error(run("bench", f, f), 2, "exactly one FILE")


OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z0-9])(?![\w-])")
MAN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "man")


def help_options(*command):
    """The options --help lists: those at the start of its option lines."""
    text = run(*command, "--help").stdout.decode()
    found = set()
    for line in text.splitlines():
        if line.startswith("  ") and line.strip().startswith("-"):
            for part in re.split(r"\s{3,}", line.strip()):     # option columns, not their prose
                if part.startswith("-"):
                    found.update(OPTION.findall(part))
    return found


def man_text(page):
    with open(os.path.join(MAN_DIR, page)) as fh:
        return fh.read().replace("\\-", "-")


def man_options(page, section):
    """The options a man page's section sets in its own lines (.B, .BR, .BI)."""
    text = man_text(page)
    start = text.index(".SH " + section)
    end = text.find("\n.SH ", start + 1)
    body = text[start:end if end > 0 else len(text)]
    return {o for line in body.splitlines() if line.startswith(".B") for o in OPTION.findall(line)}


@test
def help_and_man_page_name_the_same_options():
    """Every option --help lists is in the man page, and every option the man page's SCAN OPTIONS
    section sets is in scan's --help (gen's and bench's are in their own sections)."""
    page = man_text("mapscan.1")
    for command in (("scan",), ("gen",), ("bench",)):
        listed = help_options(*command)
        assert len(listed) >= 8, (command, listed)
        missing = sorted(o for o in listed if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", page))
        assert not missing, (command, "in --help, not in man/mapscan.1", missing)
    undocumented = sorted(man_options("mapscan.1", "SCAN OPTIONS") - help_options("scan"))
    assert not undocumented, ("in man/mapscan.1's SCAN OPTIONS, not in scan --help", undocumented)
    gen_only = man_options("mapscan.1", "GEN") - help_options("gen")
    assert not gen_only, ("in man/mapscan.1's GEN, not in gen --help", sorted(gen_only))
    bench_only = man_options("mapscan.1", "BENCH") - help_options("bench") - help_options("scan")
    assert not bench_only, ("in man/mapscan.1's BENCH, not in bench --help", sorted(bench_only))
    gen_elsewhere = help_options("gen") - man_options("mapscan.1", "GEN") - help_options("scan")
    assert not gen_elsewhere, ("gen --help options the GEN section does not set", sorted(gen_elsewhere))
    assert not man_options("mapscan.1", "EXIT STATUS"), "options set under EXIT STATUS"


def leftovers(directory):
    return [name for name in os.listdir(directory) if "mapscan-tmp" in name or name == "out.bin"]


@test
def gen_past_a_file_size_limit_leaves_nothing():
    d = tempfile.mkdtemp(dir=WORK)
    r = subprocess.run(["bash", "-c", f'ulimit -f 2048; exec "{MAPSCAN}" gen -n 4M "{d}/out.bin"'],
                       capture_output=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert b"File too large" in r.stderr and b"out.bin" in r.stderr, r.stderr
    assert leftovers(d) == [], os.listdir(d)


@test
def gen_interrupted_leaves_nothing():
    d = tempfile.mkdtemp(dir=WORK)
    p = subprocess.Popen([MAPSCAN, "gen", "-t", "u64", "-n", "1G", os.path.join(d, "out.bin")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, err)
    assert b"interrupted by SIGINT" in err, err
    assert leftovers(d) == [], os.listdir(d)


@test
def gen_refuses_a_file_that_cannot_fit():
    expect_error(run("gen", path("huge.bin"), "-t", "u64", "-n", "100000T"), 1, "needs", "free")
    assert not os.path.exists(path("huge.bin"))


@test
def gen_as_root_uses_the_blocks_reserved_for_root():
    """On ext4, 5% of the blocks are root's: a file that fits only with them is written by root and
    refused, before any write, for another user (it was refused for root too)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
        print("  skipped: needs root and mkfs.ext4 to mount a small ext4")
        return
    image, mnt = path("ext4.img"), path("ext4")
    with open(image, "wb") as fh:
        fh.truncate(64 << 20)
    os.makedirs(mnt)
    subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True, capture_output=True)
    if subprocess.run(["mount", "-o", "loop", image, mnt], capture_output=True).returncode != 0:
        print("  skipped: no loop device to mount a file system")
        return
    try:
        os.chmod(mnt, 0o777)
        fs = os.statvfs(mnt)
        everyone, root_only = fs.f_bavail * fs.f_frsize, fs.f_bfree * fs.f_frsize
        size = (everyone + (root_only - everyone) // 2) // 8 * 8      # fits only with root's blocks
        r = run_unprivileged("gen", "-t", "i64", "--size", str(size), os.path.join(mnt, "user.bin"))
        expect_error(r, 1, "needs %d bytes" % size, "No space left on device")
        assert os.listdir(mnt) == ["lost+found"], os.listdir(mnt)     # no temporary left behind
        g = one_json(run("gen", "--json", "-t", "i64", "--size", str(size), os.path.join(mnt, "root.bin")))
        s = one_json(run(os.path.join(mnt, "root.bin"), "--json", "-t", "i64"))
        assert s["sum"] == g["sum"] and s["count"] == size // 8, (g, s)
    finally:
        subprocess.run(["umount", mnt], capture_output=True)

# ---- hostile input, descriptor states, signals and faults (the hardening issue) ----

def stats_of(values_bytes, type_name, big=False):
    n = len(values_bytes) // (int(type_name[1:]) // 8)
    return list(struct.unpack((">" if big else "<") + TYPES[type_name] * n, values_bytes))


@test
def closed_stderr_never_lets_the_progress_bar_into_the_data():
    f = path("p1.bin")
    r = sh(f'"$M" gen --progress -q --json -t u8 -n 48M --seed 3 "{f}" 2>&-')
    g = json.loads(r.stdout)
    s = one_json(run(f, "--json", "-t", "u8"))
    for key in ("count", "min", "max", "sum"):
        assert g[key] == s[key], (key, g[key], s[key])
    # a closed stdin reads as a closed descriptor, not as an empty file
    r = sh('"$M" -q - <&-')
    assert r.returncode == 1 and b"Bad file descriptor" in r.stderr, (r.returncode, r.stderr)


@test
def files_whose_size_is_not_their_content_are_read_to_the_end():
    want = open("/proc/version", "rb").read()
    obj = one_json(run("/proc/version", "--json", "-t", "u8"))
    assert obj["count"] == len(want) and obj["sum"] == sum(want), (obj, len(want))
    expect_error(run("/proc/version", "-b", "mmap", "-t", "u8"), 2, "cannot be mapped")
    sysfs = "/sys/kernel/mm/transparent_hugepage/enabled"
    if os.path.exists(sysfs):
        want = open(sysfs, "rb").read()
        obj = one_json(run(sysfs, "--json", "-t", "u8"))
        assert obj["count"] == len(want) and obj["sum"] == sum(want), (obj, len(want))


@test
def a_regular_file_on_standard_input_starts_at_its_offset():
    values = random_values("i32", 1001, 21)
    f = write_values("h.bin", "i32", values)
    r = sh(f'{{ dd bs=4 count=1 of=/dev/null status=none; "$M" --json -; }} < "{f}"')
    expect_stats(one_json(r), values[1:])


@test
def results_that_cannot_be_written_are_a_failure():
    f = write_values("out.bin", "i32", [1, 2, 3])
    for script, reason in ((f'"$M" "{f}" > /dev/full', "No space left on device"),
                           (f'"$M" "{f}" >&-', "Bad file descriptor"),
                           ('"$M" gen -f -n 10 "$W/g1.bin" > /dev/full', "No space left on device"),
                           (f'"$M" bench -r 1 -j 1 -b read "{f}" > /dev/full', "No space left on device")):
        r = sh(script)
        lines = r.stderr.decode().strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1 and "write error: " + reason in lines[0], (script, r)


def interrupted_gen(sig, d):
    p = subprocess.Popen([MAPSCAN, "gen", "-t", "u64", "-n", "1G", os.path.join(d, "out.bin")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    return p.returncode, err


@test
def gen_leaves_nothing_for_any_catchable_signal():
    for sig in (signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM):
        d = tempfile.mkdtemp(dir=WORK)
        code, err = interrupted_gen(sig, d)
        assert code == 128 + sig, (sig, code, err)
        assert f"interrupted by {signal.Signals(sig).name}".encode() in err, err
        assert leftovers(d) == [], (sig, os.listdir(d))
    # a progress bar into a pipe that closes: SIGPIPE
    d = tempfile.mkdtemp(dir=WORK)
    r = sh(f'"$M" gen --progress -t u64 -n 1G "{d}/out.bin" 2>&1 | head -c 20 >/dev/null; '
           'echo "${PIPESTATUS[0]}"')
    assert r.stdout.decode().strip() == "141", r
    assert leftovers(d) == [], os.listdir(d)


@test
def sparse_files_are_read_not_mapped_and_allocate_nothing():
    shm = "/dev/shm"
    if not os.path.isdir(shm) or os.statvfs(shm).f_blocks == 0:
        print("  skipped: no tmpfs at /dev/shm")
        return
    f = os.path.join(shm, f"mapscan-sparse-{os.getpid()}.bin")
    try:
        with open(f, "wb") as fh:
            fh.truncate(256 << 20)
            fh.seek((256 << 20) - 8)
            fh.write(struct.pack("<ii", 7, -9))
        blocks = os.stat(f).st_blocks
        for backend in ("mmap", "auto"):
            obj = one_json(run(f, "--json", "-b", backend))
            assert obj["count"] == 64 << 20 and obj["sum"] == -2 and obj["min"] == -9 and obj["max"] == 7, obj
            assert obj["backend"] == "read", obj
        assert os.stat(f).st_blocks == blocks, (blocks, os.stat(f).st_blocks)
    finally:
        os.unlink(f)


@test
def the_affinity_mask_bounds_threads():
    if len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset"):
        print("  skipped: needs two CPUs and taskset")
        return
    cpu = max(os.sched_getaffinity(0))
    f = write_values("aff.bin", "i32", random_values("i32", 1 << 20, 22))
    obj = one_json(sh(f'taskset -c {cpu} "$M" --json "{f}"'))
    assert obj["threads"] == 1, obj
    g = one_json(sh(f'taskset -c {cpu} "$M" gen -f --json -n 8M "$W/aff2.bin"'))
    assert g["threads"] == 1, g


@test
def gen_caps_writers_and_their_memory():
    p = subprocess.Popen([MAPSCAN, "gen", "--json", "-t", "u64", "-n", "64M", "-j", "512", path("many.bin")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    assert p.returncode == 0, p.returncode
    assert json.loads(out)["threads"] <= 4 * os.cpu_count(), out
    # a writer holds one 8 MiB block of u64: 512 of them held 512 MiB here (64 blocks); the
    # sanitizers' shadow memory has a size of its own
    if not os.environ.get("MAPSCAN_SANITIZE"):
        assert usage.ru_maxrss < 256 * 1024, usage.ru_maxrss
    os.unlink(path("many.bin"))


@test
def a_fifo_without_a_writer_is_refused_for_mmap_at_once():
    fifo = path("fifo")
    os.mkfifo(fifo)
    expect_error(run(fifo, "-b", "mmap"), 2, "cannot be mapped")


@test
def names_are_escaped_in_every_output_format():
    raw = os.fsencode(WORK) + b"/odd\xff\tname,\"q\"\n\x1b[31m.bin"
    with open(raw, "wb") as fh:
        fh.write(struct.pack("<3i", 1, 2, 3))
    name = os.fsdecode(raw)
    obj = one_json(run(raw, "--json"))
    assert os.fsencode(obj["file"]) == raw, obj["file"]
    g = one_json(run("gen", "-f", "--json", "-n", "3", "-p", "seq", raw))
    assert os.fsencode(g["file"]) == raw
    q = run(raw, "-q")
    assert q.returncode == 0 and q.stdout.count(b"\n") == 1 and b"\x1b" not in q.stdout, q.stdout
    assert q.stdout.split(b"\t")[0].endswith(b"/odd\\xff\\tname,\"q\"\\n\\x1b[31m.bin"), q.stdout
    table = run(raw).stdout
    assert b"\x1b" not in table and b"\\n\\x1b" in table, table
    missing = raw + b"-missing"
    expect_error(run(missing), 2, "No such file")
    assert b"\x1b" not in run(missing).stderr
    rows = list(csv.DictReader(run("bench", raw, "-r", "1", "-j", "1", "-b", "read", "--csv").stdout.decode(
        "utf-8", "surrogateescape").splitlines(keepends=True)))
    assert len(rows) == 1 and os.fsencode(rows[0]["file"]) == raw, rows
    b = [json.loads(line) for line in run("bench", raw, "-r", "1", "-j", "1", "--json").stdout.splitlines()]
    assert all(os.fsencode(o["file"]) == raw for o in b), b
    del name


@test
def bench_of_an_empty_file_and_of_a_tiny_one_says_only_what_ran():
    f = write_values("bempty.bin", "i32", [])
    for fmt in ([], ["--json"], ["--csv"]):
        r = run("bench", f, "-r", "1", *fmt)
        assert r.returncode == 0 and b"nan" not in r.stdout.lower(), (fmt, r)
    tiny = write_values("btiny.bin", "i32", [1, 2, 3])
    objs = [json.loads(line) for line in run("bench", tiny, "-r", "1", "-j", "1,2,4", "--json").stdout.splitlines()]
    assert {o["threads"] for o in objs} == {1}, objs
    assert len(objs) == 3, objs       # one row per backend: the rest ran the same
    table = run("bench", tiny, "-r", "1", "-j", "1,2,4").stdout.decode()
    assert "--threads 1 " in table, table


@test
def gen_checks_its_target_before_writing():
    d = tempfile.mkdtemp(dir=WORK)
    expect_error(run("gen", "", "-n", "10"), 2, "empty file name")
    for target in (d, d + "/"):
        expect_error(run("gen", "-f", "-n", "64M", target), 2, "directory")
    os.mkfifo(os.path.join(d, "fifo"))
    os.symlink("elsewhere", os.path.join(d, "link"))
    for name, kind in (("fifo", "a FIFO"), ("link", "a symbolic link")):
        expect_error(run("gen", "-f", "-n", "10", os.path.join(d, name)), 2, kind, "regular files")
    assert os.readlink(os.path.join(d, "link")) == "elsewhere"
    expect_error(run("gen", "-f", "-n", "10", "/dev/null"), 2, "a device")
    for length in (237, 250, 255):
        long_name = os.path.join(d, "n" * length)
        g = one_json(run("gen", "--json", "-n", "100", long_name))
        assert g["count"] == 100 and os.path.getsize(long_name) == 400
    r = run("gen", "-n", "10", "/proc/mapscan-test")
    assert r.returncode == 2 and b"free" not in r.stderr, r
    assert leftovers(d) == [], os.listdir(d)


@test
def option_values_are_read_strictly():
    f = write_values("opt.bin", "u8", [1, 200])
    expect_error(run("gen", path("s.bin"), "-n", "1", "--seed", " -1"), 2, "--seed", "not a whole number")
    expect_error(run("-j", " 5", f), 2, "--threads")
    expect_error(run("-j", "5 ", f), 2, "--threads")
    obj = one_json(run(f, "--json", "-t", ">u1", "-e", "little"))
    assert obj["sum"] == 201, obj
    env = dict(os.environ, MAPSCAN_KERNEL="junk")
    assert one_json(run(f, "--json", "-t", "u8", "--kernel", "scalar", env=env))["kernel"] == "scalar"
    expect_error(run(f, "-t", "u8", env=env), 2, "MAPSCAN_KERNEL", "unknown kernel 'junk'")


@test
def bench_names_an_unreadable_file_as_such():
    secret = write_values("bsecret.bin", "i32", [1, 2])
    os.chmod(secret, 0)
    expect_error(run_unprivileged("bench", "--cold", secret), 2, secret, "Permission denied")


@test
def resource_limits_give_runtime_failures_or_still_the_answer():
    values = random_values("i32", 1 << 20, 23)
    f = write_values("lim.bin", "i32", values)
    # address space too small to map: a failure while running, not bad input (the sanitizers
    # reserve terabytes of shadow memory, so only the plain build can run under ulimit -v)
    if os.environ.get("MAPSCAN_SANITIZE"):
        print("  ulimit -v skipped: the sanitizers cannot start under an address-space limit")
    else:
        big = path("lim-big.bin")
        with open(big, "wb") as fh:
            fh.write(bytes(256 << 20))
        r = sh(f'ulimit -v 200000; exec "$M" -b mmap "{big}"')
        lines = r.stderr.decode().strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1 and "cannot map the file" in lines[0], r
        os.unlink(big)
    # no thread can be created (root ignores ulimit -u, so as nobody): the calling thread scans.
    # LeakSanitizer needs a thread of its own at exit, and ThreadSanitizer one from the start.
    sanitize = os.environ.get("MAPSCAN_SANITIZE", "")
    if "thread" in sanitize:
        print("  ulimit -u skipped: ThreadSanitizer cannot start without a thread of its own")
    else:
        os.chmod(f, 0o644)
        prefix = "export ASAN_OPTIONS=detect_leaks=0; ulimit -u 1" if sanitize else "ulimit -u 1"
        r = run_unprivileged(f, "--json", shell_prefix=prefix)
        expect_stats(one_json(r), values)
    # the fewest descriptors a run can have: the three standard ones and the file's
    for script in (f'ulimit -n 4; exec "$M" --json "{f}"', 'ulimit -n 4; exec "$M" gen -q --json -n 1M "$W/few.bin"'):
        r = sh(script)
        assert r.returncode == 0, (script, r)
    expect_stats(one_json(sh(f'ulimit -n 4; exec "$M" --json "{f}"')), values)

# ---- numpy's files and record layouts ----

NUMPY_PYTHON = "/usr/bin/python3"   # Debian's interpreter, where python3-numpy installs numpy
NUMPY_PRELUDE = """
import json, sys
import numpy as np
def stats(a):
    v = [int(x) for x in np.asarray(a).ravel()]
    return {"count": len(v), "min": min(v) if v else None, "max": max(v) if v else None, "sum": sum(v)}
"""


def numpy_run(code):
    """Runs code under numpy; what it prints is read as JSON."""
    r = subprocess.run([NUMPY_PYTHON, "-c", NUMPY_PRELUDE + code], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout) if r.stdout.strip() else None


def expect_numpy_stats(obj, want):
    for key in ("count", "min", "max", "sum"):
        assert obj[key] == want[key], (key, obj[key], want[key])


@test
def npy_files_written_by_numpy_every_dtype_version_and_order():
    want = numpy_run(f"""
out = {{}}
rng = np.random.default_rng(5)
for code in ("|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8"):
    info = np.iinfo(np.dtype(code))
    a = rng.integers(info.min, info.max, size=(37, 11), dtype=np.dtype(code).newbyteorder("="),
                     endpoint=True).astype(np.dtype(code))
    for version in ((1, 0), (2, 0), (3, 0)):
        name = "{WORK}/np-%s-%d.npy" % (code[1:] + ("b" if code[0] == ">" else "l"), version[0])
        with open(name, "wb") as f:
            np.lib.format.write_array(f, a if version != (2, 0) else np.asfortranarray(a), version=version)
        out[name] = stats(a)
print(json.dumps(out))
""")
    for name, stats in want.items():
        obj = one_json(run(name, "--json"))
        expect_numpy_stats(obj, stats)
        assert obj["format"] == "npy" and obj["shape"] == [37, 11], obj
    name = next(iter(want))
    with open(name, "rb") as fh:     # from a pipe: the header is read from the stream
        expect_numpy_stats(one_json(run("-", "--json", input_bytes=fh.read())), want[name])


@test
def npy_zero_d_empty_and_saved_by_np_save():
    want = numpy_run(f"""
np.save("{WORK}/zero_d.npy", np.array(-77, dtype="<i8"))
np.save("{WORK}/empty.npy", np.zeros((3, 0), dtype=">u2"))
a = np.arange(-1000, 5000, dtype="<i4")
np.save("{WORK}/saved.npy", a)
print(json.dumps({{"saved": stats(a), "part": stats(a[3:103])}}))
""")
    obj = one_json(run(path("zero_d.npy"), "--json"))
    assert obj["count"] == 1 and obj["sum"] == -77 and obj["shape"] == [], obj
    obj = one_json(run(path("empty.npy"), "--json"))
    assert obj["count"] == 0 and obj["shape"] == [3, 0], obj
    expect_numpy_stats(one_json(run(path("saved.npy"), "--json")), want["saved"])
    # --offset and --length count from the start of the data; -t/-e may repeat the header
    expect_numpy_stats(one_json(run(path("saved.npy"), "--json", "--offset", "12", "--length", "400", "-t", "<i4")),
                       want["part"])
    expect_error(run(path("saved.npy"), "-t", "i64"), 2, "contradicts the header's i32")
    expect_error(run(path("saved.npy"), "-e", "big"), 2, "byte order big contradicts")
    table = run(path("saved.npy")).stdout.decode()
    assert "format   npy, shape (6000,)" in table, table


@test
def npy_structured_fields_padding_nesting_and_titles():
    want = numpy_run(f"""
dt = np.dtype([("t", "<u8"), ("id", "u1"), (("a title", "v"), ">i4"),
               ("s", [("x", "<i2"), ("f", "<f4")]), ("arr", "<i2", (3,))], align=True)
a = np.zeros(999, dtype=dt)
rng = np.random.default_rng(9)
a["t"] = rng.integers(0, 2**64 - 1, size=999, dtype=np.uint64)
a["id"] = rng.integers(0, 255, size=999)
a["v"] = rng.integers(-2**31, 2**31 - 1, size=999)
a["s"]["x"] = rng.integers(-2**15, 2**15 - 1, size=999)
a["s"]["f"] = rng.standard_normal(999) * 1e3
np.save("{WORK}/rec.npy", a)
a.tofile("{WORK}/rec.raw")
print(json.dumps({{"itemsize": dt.itemsize, "offsets": {{"t": dt.fields["t"][1], "id": dt.fields["id"][1],
                  "v": dt.fields["v"][1], "s.x": dt.fields["s"][1] + dt["s"].fields["x"][1]}},
                  "t": stats(a["t"]), "id": stats(a["id"]), "v": stats(a["v"]), "s.x": stats(a["s"]["x"]),
                  "s.f": [float(x) for x in a["s"]["f"]]}}))
""")
    for field in ("t", "id", "v", "s.x"):
        for backend in ("auto", "mmap", "read"):
            obj = one_json(run(path("rec.npy"), "--json", "--field", field, "-b", backend))
            expect_numpy_stats(obj, want[field])
            assert obj["field"] == field and obj["record"] == want["itemsize"], obj
    expect_error(run(path("rec.npy")), 2, "structured dtype", "numeric fields: t, id, v, s.x, s.f")
    for backend in ("auto", "mmap", "read"):      # a float field scans (since 0.5)
        obj = one_json(run(path("rec.npy"), "--json", "--field", "s.f", "-b", backend))
        assert obj["type"] == "f32" and obj["field"] == "s.f", obj
        expect_float_stats(obj, want["s.f"])
    expect_error(run(path("rec.npy"), "--field", "arr"), 2, "holds 3 '<i2' per record (a sub-array)")
    expect_error(run(path("rec.npy"), "--field", "nope"), 2, "no field 'nope'")
    # the same records as a raw file: --record and --field-offset
    types = {"t": "<u8", "id": "u8", "v": ">i4", "s.x": "<i2"}
    for field, offset in want["offsets"].items():
        for backend in ("auto", "mmap", "read"):
            obj = one_json(run(path("rec.raw"), "--json", "--record", str(want["itemsize"]), "--field-offset",
                               str(offset), "-t", types[field], "-b", backend, "-j", "3"))
            expect_numpy_stats(obj, want[field])
    with open(path("rec.raw"), "rb") as fh:
        data = fh.read()
    obj = one_json(run("-", "--json", "--record", str(want["itemsize"]), "--field-offset", str(want["offsets"]["v"]),
                       "-t", ">i4", input_bytes=data))
    expect_numpy_stats(obj, want["v"])


@test
def records_with_offsets_lengths_and_partial_records():
    itemsize = 13      # not a multiple of any element size
    values = random_values("i32", 5000, 31)
    records = b"".join(b"hdr" + struct.pack("<i", v) + b"padpad" for v in values)
    f = path("odd.rec")
    with open(f, "wb") as fh:
        fh.write(b"HEADER" + records + b"tail")
    base = ["--json", "--record", "13", "--field-offset", "3", "--offset", "6"]
    expect_error(run(f, *base), 2, "not a multiple of the 13-byte record", "4 trailing bytes")
    for backend in ("auto", "mmap", "read"):
        expect_stats(one_json(run(f, *base, "--allow-trailing", "-b", backend)), values)
        expect_stats(one_json(run(f, *base, "--length", str(13 * 100), "-b", backend)), values[:100])
    expect_error(run(f, "--record", "13", "--field-offset", "10"), 2, "does not fit in a record of 13 bytes")
    expect_error(run(f, "--field-offset", "3"), 2, "needs --record")
    expect_error(run(f, "--record", "17M"), 2, "at most 16 MiB")      # buffers stay small (a fuzz finding)
    expect_error(run(f, "--field", "v"), 2, "raw file has no header")
    del itemsize


@test
def npy_headers_and_data_that_do_not_match_are_refused():
    numpy_run(f"""
np.save("{WORK}/f8.npy", np.zeros(10))
np.save("{WORK}/c16.npy", np.zeros(10, dtype="<c16"))
np.save("{WORK}/ld.npy", np.zeros(10, dtype="<f16"))
np.save("{WORK}/short.npy", np.arange(100, dtype="<i4"))
np.save("{WORK}/long.npy", np.arange(100, dtype="<i4"))
""")
    obj = one_json(run(path("f8.npy"), "--json"))     # floats scan since 0.5
    assert obj["type"] == "f64" and obj["count"] == 10 and obj["sum"] == 0.0 and obj["nan"] == 0, obj
    expect_error(run(path("c16.npy")), 2, "dtype '<c16' is not a type mapscan scans")
    expect_error(run(path("ld.npy")), 2, "dtype '<f16' is not a type mapscan scans")
    with open(path("short.npy"), "r+b") as fh:
        fh.truncate(os.path.getsize(path("short.npy")) - 8)
    expect_error(run(path("short.npy")), 2, "holds 392 bytes but its shape needs 400")
    with open(path("long.npy"), "ab") as fh:
        fh.write(b"\0" * 8)
    expect_error(run(path("long.npy")), 2, "8 bytes follow the data", "--allow-trailing")
    obj = one_json(run(path("long.npy"), "--json", "--allow-trailing"))
    assert obj["count"] == 100 and obj["sum"] == sum(range(100)), obj
    with open(path("long.npy"), "rb") as fh:
        expect_error(run("-", input_bytes=fh.read()), 2, "more bytes follow")
    with open(path("short.npy"), "rb") as fh:
        expect_error(run("-", input_bytes=fh.read()), 2, "holds 392 bytes")
    # the format can be forced either way
    raw = write_values("plain.bin", "i32", [1, 2, 3])
    expect_error(run(raw, "--format", "npy"), 2, "not a .npy file")
    obj = one_json(run(path("f8.npy"), "--json", "--format", "raw", "-t", "u8"))
    assert obj["format"] == "raw" and obj["count"] == os.path.getsize(path("f8.npy")), obj
    bad = path("bad.npy")
    with open(bad, "wb") as fh:
        fh.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i4'\n")
    expect_error(run(bad), 2, ".npy header")
    for stream in (b"\x93NUMPY\x01\x00\x01\x00x", b"\x93NUMPY\x01\x00\x00\x00", b"\x93NUMPY\x02\x00\xff"):
        expect_error(run("-", input_bytes=stream), 2, ".npy header")


@test
def npy_fields_in_sub_arrays_are_refused_not_scanned_in_part():
    # a field of a sub-array of structs once scanned only the first element of each sub-array
    numpy_run(f"""
a = np.zeros(5, [('s', [('x', '<i2'), ('y', '>i2')], (2,)), ('b', '>i4')])
a['s']['x'] = [[1, 2]] * 5
np.save("{WORK}/nsub.npy", a)
np.save("{WORK}/isub.npy", np.zeros(3, [('a', '<i4', (3,)), ('one', '<i4', (1,))]))
""")
    expect_error(run(path("nsub.npy"), "--field", "s.x"), 2, "field 's.x' holds 2 '<i2' per record (a sub-array)",
                 "numeric fields: b")
    expect_error(run(path("isub.npy"), "--field", "a"), 2, "field 'a' holds 3 '<i4' per record (a sub-array)")
    obj = one_json(run(path("isub.npy"), "--json", "--field", "one"))     # shape (1,): one element, scanned
    assert obj["count"] == 3 and obj["sum"] == 0, obj


@test
def npy_field_names_are_decoded_as_python_writes_them():
    want = numpy_run(f"""
import io
a = np.zeros(1000, [('\\tb', '<i4'), ('tb', '<i4'), ('\\u00e9', '<i2'), ('\\x41', '<i2'), ('q\\\\', '<u1'),
                    ("it's", '<u1'), ('\\U0001f600', '<u1'), ('\\x00z', '<u1'), ('e\\u0301', '<u1')])
for i, name in enumerate(a.dtype.names):
    a[name] = i + 1
a['\\tb'] = 1000
for version in ((1, 0), (2, 0), (3, 0)):
    # names latin-1 cannot hold need 3.0: 1.0 and 2.0 get the fields that fit
    fit = a if version == (3, 0) else a[[n for n in a.dtype.names if max(map(ord, n)) < 256]]
    with open("{WORK}/esc-%d.npy" % version[0], "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(fit) if version == (3, 0) else np.array(fit.tolist(),
                                  dtype=[(n, a.dtype[n]) for n in fit.dtype.names]), version=version)
b = np.zeros(4, [('\\xe9', '<i2')]); b[:] = 9
np.lib.format.write_array(open("{WORK}/latin1.npy", "wb"), b, version=(1, 0))
print(json.dumps({{"esc-%d.npy" % v: ((1 if v == 3 else 0)) for v in (1, 2, 3)}}))
""")
    with open(path("latin1.npy"), "rb") as fh:
        assert b"'\xe9'" in fh.read(200)       # a 1.0 header holds é as the latin-1 byte
    obj = one_json(run(path("latin1.npy"), "--json", "--field", "\u00e9"))
    assert obj["sum"] == 36 and obj["field"] == "\u00e9", obj
    for name, all_names in want.items():
        f = path(name)
        # a name as typed, and as messages spell it (\t, \\, \x00)
        cases = {"tb": 2 * 1000, "\tb": 1000 * 1000, "\\tb": 1000 * 1000, "\u00e9": 3 * 1000, "A": 4 * 1000,
                 "q\\": 5 * 1000, "q\\\\": 5 * 1000, "it's": 6 * 1000, "\\x00z": 8 * 1000}
        if all_names:
            cases.update({"\U0001f600": 7 * 1000, "e\u0301": 9 * 1000})
        for field, total in cases.items():
            obj = one_json(run(f, "--json", "--field", field))
            assert obj["sum"] == total, (name, field, obj)
        expect_error(run(f), 2, "numeric fields: \\tb, tb, \u00e9, A, q\\\\, it's, ")
        expect_error(run(f, "--field", "u00e9"), 2, "no field 'u00e9'")


@test
def npy_names_that_could_mean_two_fields_are_ambiguous():
    numpy_run(f"""
a = np.zeros(3, [('a.b', '<i4'), ('a', [('b', '<i2')])])
a['a.b'] = 5
a['a']['b'] = 2
np.save("{WORK}/amb.npy", a)
""")
    expect_error(run(path("amb.npy"), "--field", "a.b"), 2, "field name 'a.b' is ambiguous", "'a\\.b' or '\\a.b'")
    assert one_json(run(path("amb.npy"), "--json", "--field", "a\\.b"))["sum"] == 15
    assert one_json(run(path("amb.npy"), "--json", "--field", "\\a.b"))["sum"] == 6
    expect_error(run(path("amb.npy")), 2, "numeric fields: a\\.b, a.b")


@test
def npy_headers_numpy_refuses_or_reads_are_refused_or_read_alike():
    """numpy's one-letter codes and names are types; duplicate names and leading zeros are not."""
    def header(dict_text, version=1):
        text = dict_text.encode("latin-1" if version < 3 else "utf-8")
        prefix = 10 if version == 1 else 12
        pad = (-(prefix + len(text) + 1)) % 64
        body = text + b" " * pad + b"\n"
        size = len(body).to_bytes(2 if version == 1 else 4, "little")
        return b"\x93NUMPY" + bytes([version, 0]) + size + body

    def write(name, dict_text, data, version=1):
        with open(path(name), "wb") as fh:
            fh.write(header(dict_text, version) + data)
        return path(name)

    for code, fmt in (("b", "b"), ("B", "B"), ("<h", "<h"), ("<l", "<q"), ("<q", "<q"), ("<p", "<q"),
                      ("int32", "<i"), ("uint16", "<H"), (">i", ">i"), ("i04", "<i")):
        values = [-3, 5, 7] if fmt.lower() == fmt else [3, 5, 7]
        data = struct.pack(fmt[0] + fmt[-1] * 3 if len(fmt) == 2 else "<" + fmt * 3, *values)
        f = write("code.npy", "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }" % code, data)
        obj = one_json(run(f, "--json"))
        assert obj["sum"] == sum(values) and obj["count"] == 3, (code, obj)
    f = write("int8name.npy", "{'descr': 'b', 'fortran_order': False, 'shape': (1,), }", b"\xff")
    assert one_json(run(f, "--json"))["sum"] == -1
    for dict_text, why in (
            ("{'descr': [('a', '<i4'), ('a', '<i2')], 'fortran_order': False, 'shape': (1,), }", "name already used"),
            ("{'descr': [(('t', 'a'), '<i4'), (('t', 'b'), '<i2')], 'fortran_order': False, 'shape': (1,), }",
             "title already used"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (012,), }", "leading zero"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (3), }", "not a tuple"),
            ("{'descr': '<int32', 'fortran_order': False, 'shape': (3,), }", "a type numpy does not know"),
            ("{'descr': '<i3', 'fortran_order': False, 'shape': (3,), }", "a type numpy does not know"),
            ("{'descr': 'i4,i4', 'fortran_order': False, 'shape': (3,), }", "comma-separated"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (0xa,), }", "numpy never writes"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (3L,), }", "numpy never writes")):
        version = 3 if "3L" in dict_text else 1
        f = write("refused.npy", dict_text, b"\0" * 64, version)
        expect_error(run(f, "--allow-trailing"), 2, why)
    f = write("py2.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (3L,), }", b"\1\0\0\0" * 3)
    assert one_json(run(f, "--json"))["sum"] == 3        # Python 2's long, in a 1.0 header


@test
def npy_messages_escape_as_readme_says():
    numpy_run(f"""np.save("{WORK}/tabf.npy", np.zeros(2, [('\\tb', '<c8')]))""")
    expect_error(run(path("tabf.npy"), "--field", "\tb"), 2, "field '\\tb' is '<c8', not a number mapscan scans")
    r = run("--format", "npy", "-", input_bytes=b"not numpy at all")
    expect_error(r, 2, "no \\x93NUMPY magic")
    assert "\\\\x93" not in r.stderr.decode()


@test
def gen_npy_is_read_back_by_numpy():
    for args in (["-t", "<i8", "-n", "70001"], ["-t", ">u2", "-n", "3000", "-p", "range:7:900"],
                 ["-t", "i8", "-n", "1000", "-p", "seq"], ["-t", "u32", "-n", "0"]):
        g = one_json(run("gen", "-f", "--json", "--format", "npy", *args, path("g.npy")))
        assert g["format"] == "npy", g
        back = numpy_run(f"""a = np.load("{path('g.npy')}"); print(json.dumps(dict(stats(a), dtype=a.dtype.str)))""")
        expect_numpy_stats(back, g)
        s = one_json(run(path("g.npy"), "--json"))
        expect_numpy_stats(s, g)
        # the data part is byte for byte what a raw gen writes
        one_json(run("gen", "-f", "--json", *args, path("g.raw")))
        with open(path("g.npy"), "rb") as a, open(path("g.raw"), "rb") as b:
            npy, raw = a.read(), b.read()
        assert npy.endswith(raw) and (len(npy) - len(raw)) % 64 == 0, (len(npy), len(raw))



FLOAT_EXPECT = """
import math
from fractions import Fraction

def load(name, t, big):
    o = ">" if big else "<"
    if t == "bf16":         # numpy has no bfloat16: binary32's top half
        return (np.fromfile(name, dtype=o + "u2").astype("<u4") << 16).view("<f4").astype(np.float64)
    return np.fromfile(name, dtype=o + {"f16": "f2", "f32": "f4", "f64": "f8"}[t]).astype(np.float64)

def rounded(units, n):
    # units * 2^-1074 / n, rounded once (Python's int division is correctly rounded)
    try:
        return units / (n << 1074)
    except OverflowError:
        return math.inf if units > 0 else -math.inf

def expect(a):
    v = a[~np.isnan(a)]
    out = {"count": len(a), "nan": int(np.isnan(a).sum())}
    if len(v) == 0:
        return dict(out, min=None, max=None, sum=(0.0).hex(), mean=None)
    zeros = v[v == 0]
    lo, hi = float(v.min()), float(v.max())
    if lo == 0:
        lo = -0.0 if np.signbit(zeros).any() else 0.0
    if hi == 0:
        hi = 0.0 if (~np.signbit(zeros)).any() else -0.0
    pos, neg = bool(np.isposinf(v).any()), bool(np.isneginf(v).any())
    finite = v[np.isfinite(v)].tolist()
    units = 0
    for x in finite:
        p, q = x.as_integer_ratio()     # q a power of two, at most 2^1074
        units += p * ((1 << 1074) // q)
    if pos or neg:
        s = m = math.nan if pos and neg else math.inf if pos else -math.inf
    else:
        s, m = rounded(units, 1), rounded(units, len(v))
        if units == 0 and len(zeros) == len(v) and np.signbit(zeros).all():
            s = m = -0.0
        if s == 0 or math.isfinite(s) and abs(s) < 1e300:
            assert math.fsum(finite) == s, (math.fsum(finite), s)     # a second exact sum agrees
        assert Fraction(units, 1 << 1074) == sum(map(Fraction, finite))
    return dict(out, min=lo.hex(), max=hi.hex(), sum=s.hex(), mean=m.hex())
"""


def float_hex(value):
    """A JSON statistic as float.hex() ('inf', '-inf', 'nan' arrive as strings), or None."""
    return None if value is None else float(value).hex()


def strict_json(result):
    """One line of JSON with no NaN or Infinity literals (those are not JSON)."""
    assert result.returncode == 0, (result.returncode, result.stderr)
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1, lines

    def refuse(name):
        raise ValueError("not JSON: " + name)
    return json.loads(lines[0], parse_constant=refuse)


@test
def gen_floats_are_what_numpy_reads():
    """gen's statistics of every float type and byte order against numpy's reading of the file, an exact
    sum of Python integers and math.fsum; and the scan's JSON says the same."""
    cases = [("random",), ("uniform:-1:1", "--nan", "0.1", "--inf", "0.01"), ("const:-0",),
             ("mod:1000", "--inf", "0.001"), ("range:-1e-3:5e4", "--nan", "1"), ("seq",)]
    runs = []
    for t in ("f16", "bf16", "f32", "f64"):
        for big in (False, True):
            for case in cases:
                name = path(f"f{len(runs)}.bin")
                args = ["-t", t, "-e", "big" if big else "little", "-n", "20011", "--seed", "9", "-p", *case]
                g = strict_json(run("gen", "-f", "--json", *args, name))
                rate = float(case[case.index("--nan") + 1]) if "--nan" in case else 0
                kind = case[0].split(":")[0]
                assert g["type"] == t and g["nan_rate"] == rate, (args, g)
                assert g["pattern"].split(":")[0] == {"range": "uniform"}.get(kind, kind), (args, g)
                s = strict_json(run(name, "--json", "-t", t, "-e", "big" if big else "little"))
                for key in ("count", "nan", "min", "max", "sum", "mean", "bytes"):
                    assert float_hex(s[key]) == float_hex(g[key]), (args, key, s[key], g[key])
                runs.append((args, name, t, big, g))
    wants = numpy_run(FLOAT_EXPECT + f"""
print(json.dumps([expect(load(name, t, big)) for name, t, big in {[(r[1], r[2], r[3]) for r in runs]!r}]))""")
    for (args, _, _, _, g), want in zip(runs, wants):
        got = {k: (g[k] if k in ("count", "nan") else float_hex(g[k])) for k in want}
        assert got == want, (args, got, want)


@test
def gen_float_json_and_tables_spell_infinity_nan_and_negative_zero():
    g = strict_json(run("gen", "-f", "--json", "-t", "f32", "-n", "100", "-p", "const:-0", path("z.bin")))
    assert float_hex(g["sum"]) == "-0x0.0p+0" and float_hex(g["min"]) == "-0x0.0p+0" and g["pattern"] == "const:-0", g
    r = run("gen", "-f", "--json", "-t", "f64", "-n", "1000", "--inf", "1", "--seed", "4", path("i.bin"))
    assert b'"sum":"nan"' in r.stdout and b'"min":"-inf"' in r.stdout and b'"max":"inf"' in r.stdout, r.stdout
    g = strict_json(r)
    assert g["inf_rate"] == 1 and g["nan"] == 0, g
    g = strict_json(run("gen", "-f", "--json", "-t", "bf16", "-n", "1000", "--nan", "1", path("n.bin")))
    assert g["nan"] == 1000 and g["min"] is None and g["mean"] is None and g["sum"] == 0, g
    g = strict_json(run("gen", "-f", "--json", "-t", "f16", "-n", "10", "-p", "const:inf", path("c.bin")))
    assert g["sum"] == "inf" and g["pattern"] == "const:inf", g
    g = strict_json(run("gen", "-f", "--json", "-t", "f16", "-n", "10", "-p", "uniform:0.1:0.2", path("u.bin")))
    assert g["pattern"] == "uniform:0.1:0.2", g      # the bounds as given; the values are rounded to f16
    table = run("gen", "-f", "-t", "f32", "-n", "1000", "--nan", "0.5", "-p", "uniform:-2:2", path("t.bin"))
    out = table.stdout.decode()
    assert table.returncode == 0 and "uniform:-2:2" in out and "--nan 0.5 --inf 0" in out, out
    assert re.search(r"^nan +\d+$", out, re.M) and re.search(r"^min +-1\.9", out, re.M), out
    assert run("gen", "-f", "-q", "-t", "f32", "-n", "10", path("q.bin")).stdout == b""


@test
def gen_float_npy_files_are_read_back_by_numpy():
    for t, descr in (("f16", "<f2"), (">f4", ">f4"), ("float64", "<f8")):
        g = strict_json(run("gen", "-f", "--json", "--format", "npy", "-t", t, "-n", "3001", "--nan", "0.01",
                            "-p", "uniform:-5:5", path("g.npy")))
        back = numpy_run(FLOAT_EXPECT + f"""
a = np.load("{path('g.npy')}")
print(json.dumps(dict(expect(a.astype(np.float64)), dtype=a.dtype.str)))""")
        assert back.pop("dtype") == descr, (t, descr)
        assert back == {k: (g[k] if k in ("count", "nan") else float_hex(g[k])) for k in back}, (t, back, g)
        s = strict_json(run(path("g.npy"), "--json"))
        assert s["type"] == g["type"] and s["sum"] == g["sum"] and s["nan"] == g["nan"], (s, g)


@test
def gen_float_options_and_patterns_are_refused_with_one_line():
    target = path("never.bin")
    for args, status, fragments in (
            (["-t", "i32", "--nan", "0.1"], 2, ["--nan", "float types", "i32"]),
            (["-t", "u8", "--inf", "0"], 2, ["--inf", "float types"]),
            (["-t", "f32", "--nan", "1.5"], 2, ["--nan", "'1.5'", "0 to 1"]),
            (["-t", "f32", "--inf", "-0.1"], 2, ["--inf", "0 to 1"]),
            (["-t", "f32", "--nan", "abc"], 2, ["--nan", "0 to 1"]),
            (["-t", "f32", "--nan", ""], 2, ["--nan"]),
            (["-t", "f32", "--nan", "nan"], 2, ["--nan"]),
            (["-t", "f32", "-p", "uniform:1:0"], 2, ["--pattern", "LO greater than HI"]),
            (["-t", "f64", "-p", "uniform:0:inf"], 2, ["--pattern", "finite"]),
            (["-t", "f16", "-p", "uniform:0:70000"], 2, ["--pattern", "f16", "65504"]),
            (["-t", "f32", "-p", "uniform:1"], 2, ["--pattern", "uniform:LO:HI"]),
            (["-t", "f32", "-p", "const:1e39"], 2, ["--pattern", "f32"]),
            (["-t", "f16", "-p", "mod:70000"], 2, ["--pattern", "f16"]),
            (["-t", "f16", "-p", "seq", "-n", "70000"], 2, ["seq", "65520"]),
            (["-t", "bf16", "--format", "npy"], 2, ["bf16", ".npy"]),
    ):
        cmd = ["gen", *args, target] + ([] if "-n" in args else ["-n", "10"])
        expect_error(run(*cmd), status, *fragments)
        assert not os.path.exists(target), cmd
        assert not [n for n in os.listdir(WORK) if "mapscan-tmp" in n], cmd


@test
def gen_floats_are_the_same_bytes_for_any_thread_count():
    digests = set()
    for threads in ("1", "2", "3"):
        one_json(run("gen", "-f", "--json", "-t", "f16", "-n", "3M", "--nan", "0.01", "--inf", "0.01", "-j", threads,
                     path("j.bin")))
        with open(path("j.bin"), "rb") as fh:
            digests.add(hash(fh.read()))
    assert len(digests) == 1, digests
# ---- floats: f16 bf16 f32 f64 ----
# The reference: every value as a Python float (exact for each type), the sum exact as a
# Fraction and rounded once by Python's int division (correctly rounded, ties to even; past
# binary64's range an OverflowError: an infinity), math.fsum as a second opinion where it
# does not overflow in between; NaN counted apart; -0 below +0.

import math  # noqa: E402
from fractions import Fraction  # noqa: E402

FLOAT_KEYS = ("count", "nan", "min", "max", "sum", "mean")


def rounded(fr):
    try:
        return fr.numerator / fr.denominator
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


def float_reference(values):
    numbers = [v for v in values if not math.isnan(v)]
    want = {"count": len(values), "nan": len(values) - len(numbers), "min": None, "max": None, "sum": 0.0,
            "mean": None}
    if not numbers:
        return want
    order = lambda x: (x, math.copysign(1.0, x))    # noqa: E731
    want["min"], want["max"] = min(numbers, key=order), max(numbers, key=order)
    infs = {x for x in numbers if math.isinf(x)}
    if infs:
        want["sum"] = want["mean"] = math.nan if len(infs) == 2 else infs.pop()
    elif all(x == 0 and math.copysign(1.0, x) < 0 for x in numbers):
        want["sum"] = want["mean"] = -0.0
    else:
        exact = sum(Fraction(x) for x in numbers)
        want["sum"], want["mean"] = rounded(exact), rounded(exact / len(numbers))
        try:
            assert math.fsum(numbers) == want["sum"] or math.isinf(want["sum"]), (math.fsum(numbers), want["sum"])
        except OverflowError:
            pass        # an intermediate overflow: fsum cannot say
    return want


def json_float(v):
    """A JSON value as a float: non-finite ones come as strings, finite ones with a point or an exponent."""
    if v is None or isinstance(v, float):
        return v
    assert isinstance(v, str) and v in ("inf", "-inf", "nan"), v
    return float(v)


def same_float(a, b):
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


def float_stats(obj):
    return {k: obj[k] if k in ("count", "nan") else json_float(obj[k]) for k in FLOAT_KEYS}


def expect_float_stats(obj, values):
    got, want = float_stats(obj), float_reference(values)
    for key in FLOAT_KEYS:
        assert same_float(got[key], want[key]) if key not in ("count", "nan") else got[key] == want[key], \
            (key, got[key], want[key], obj)


FLOAT_PRELUDE = """
import math
def bf16(a):
    # float32 values cut to their upper half: bfloat16's bits, and its values as float32
    bits = (np.asarray(a, dtype="<f4").view("<u4") >> 16).astype("<u2")
    return bits, (bits.astype("<u4") << 16).view("<f4")
def hostile(n, rng, dtype):
    info = np.finfo(dtype)
    a = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).astype(dtype)
    specials = np.array([0.0, -0.0, info.max, -info.max, info.tiny, info.smallest_subnormal, -info.smallest_subnormal,
                         np.nan, -np.nan, 1.0, 0.1], dtype=dtype)
    at = rng.integers(0, n, 3 * len(specials))
    a[at] = np.resize(specials, len(at))
    return a
"""


def numpy_floats(code):
    return numpy_run(FLOAT_PRELUDE + code)


@test
def floats_every_type_order_format_backend_threads_and_kernel_agree_with_numpy():
    want = numpy_run(FLOAT_PRELUDE + f"""
rng = np.random.default_rng(17)
out = {{}}
for code in ("<f2", ">f2", "<f4", ">f4", "<f8", ">f8"):
    a = hostile(5003, rng, np.dtype(code).newbyteorder("="))
    if code == ">f4":
        a[7] = np.inf       # an infinity of one sign: the sum is it
    a = a.astype(code)
    tag = code[1:] + ("b" if code[0] == ">" else "l")
    a.tofile("{WORK}/fl-%s.raw" % tag)
    np.save("{WORK}/fl-%s.npy" % tag, a)
    values = [float(x) for x in a]
    numbers = a[~np.isnan(a)]
    out[tag] = dict(values=values, type="f" + str(8 * a.itemsize), big=code[0] == ">",
                    nan=int(np.isnan(a).sum()), nanmin=float(np.nanmin(a)), nanmax=float(np.nanmax(a)))
for big in (False, True):
    bits, values = bf16(hostile(5003, rng, np.float32))
    bits.astype(">u2" if big else "<u2").tofile("{WORK}/fl-bf16%s.raw" % ("b" if big else "l"))
    out["bf16" + ("b" if big else "l")] = dict(values=[float(x) for x in values], type="bf16", big=big,
                                               nan=int(np.isnan(values).sum()), nanmin=float(np.nanmin(values)),
                                               nanmax=float(np.nanmax(values)))
print(json.dumps(out))
""")
    combos = [(b, j, k) for b in ("auto", "mmap", "read", "direct") for j in ("1", "2", "3")
              for k in ("scalar", "avx2", "avx512")]
    kernels_here = {k for k in ("scalar", "avx2", "avx512") if run("--kernel", k, "-t", "f32", "/dev/null").returncode == 0}
    assert "scalar" in kernels_here
    for i, (tag, w) in enumerate(sorted(want.items())):
        files = [path(f"fl-{tag}.raw")] + ([path(f"fl-{tag}.npy")] if not tag.startswith("bf16") else [])
        reference = float_reference(w["values"])
        # numpy's own counts and extremes agree with the reference
        assert reference["nan"] == w["nan"] and reference["min"] == w["nanmin"] and reference["max"] == w["nanmax"]
        for f in files:
            # every backend, thread count and kernel on the first file (under a sanitizer each backend
            # and thread count once, the kernels in turn); three of them (two) on each other one
            sanitized = bool(os.environ.get("MAPSCAN_SANITIZE"))
            if i == 0:
                picked = [c for n, c in enumerate(combos) if not sanitized or n % 3 == (n // 9 + n // 3) % 3]
            else:
                picked = [combos[(i * 7 + 5 * n + len(f)) % len(combos)] for n in range(2 if sanitized else 3)]
            first = None
            for backend, threads, kernel in picked:
                if kernel not in kernels_here:
                    continue
                args = [f, "--json", "-b", backend, "-j", threads]
                if f.endswith(".raw"):
                    args += ["-t", w["type"], "-e", "big" if w["big"] else "little"]
                env = None
                if (i + int(threads)) % 2:
                    args += ["--kernel", kernel]
                else:
                    env = dict(os.environ, MAPSCAN_KERNEL=kernel)
                obj = one_json(run(*args, env=env))
                assert obj["kernel"] == kernel and obj["type"] == w["type"], (obj, kernel)
                stats = float_stats(obj)
                if first is None:
                    expect_float_stats(obj, w["values"])
                    first = stats
                assert all(same_float(stats[k], first[k]) if k not in ("count", "nan") else stats[k] == first[k]
                           for k in FLOAT_KEYS), (f, backend, threads, kernel, stats, first)


@test
def floats_from_pipes_offsets_lengths_and_trailing_bytes():
    want = numpy_floats(f"""
rng = np.random.default_rng(23)
a = hostile(4099, rng, np.float32).astype(">f4")
a.tofile("{WORK}/pipe.f4")
np.save("{WORK}/pipe.npy", a.astype("<f8"))
print(json.dumps([float(x) for x in a]))
""")
    f = path("pipe.f4")
    with open(f, "rb") as fh:
        data = fh.read()
    expect_float_stats(one_json(run("-", "--json", "-t", "f32", "-e", "big", input_bytes=data)), want)
    expect_float_stats(one_json(run("-", "--json", "-t", ">f4", "-j", "3", stdin=open(f, "rb"))), want)
    r = sh('cat "$W/pipe.f4" | "$M" --json -t f32 -e big -')
    expect_float_stats(one_json(r), want)
    r = sh('cat "$W/pipe.npy" | "$M" --json -')        # a .npy header read from the stream
    expect_float_stats(one_json(r), want)
    # --offset by whole elements and by a byte that splits them; --length; --allow-trailing
    for backend in ("auto", "mmap", "read", "direct"):
        obj = one_json(run(f, "--json", "-t", ">f4", "--offset", "40", "--length", "4000", "-b", backend))
        expect_float_stats(obj, want[10:1010])
        obj = one_json(run(f, "--json", "-t", ">f4", "--offset", "3", "--allow-trailing", "-b", backend, "-j", "2"))
        shifted = struct.unpack(">%df" % 4098, data[3:3 + 4 * 4098])
        expect_float_stats(obj, list(shifted))
    expect_error(run(f, "-t", ">f4", "--offset", "3"), 2, "trailing")
    obj = one_json(run("-", "--json", "-t", ">f4", "--offset", "3", "--allow-trailing", input_bytes=data))
    expect_float_stats(obj, list(shifted))


@test
def floats_in_records_raw_and_structured():
    want = numpy_floats(f"""
rng = np.random.default_rng(29)
dt = np.dtype([("id", "<u2"), ("h", "<f2"), ("s", [("f", ">f4"), ("d", "<f8")]), ("c", "<c8")])
a = np.zeros(3001, dtype=dt)
a["id"] = np.arange(3001)
a["h"] = hostile(3001, rng, np.float16)
a["s"]["f"] = hostile(3001, rng, np.float32)
a["s"]["d"] = hostile(3001, rng, np.float64)
np.save("{WORK}/frec.npy", a)
a.tofile("{WORK}/frec.raw")
offsets = {{"h": dt.fields["h"][1], "s.f": dt.fields["s"][1] + dt["s"].fields["f"][1],
           "s.d": dt.fields["s"][1] + dt["s"].fields["d"][1]}}
print(json.dumps(dict(itemsize=dt.itemsize, offsets=offsets, h=[float(x) for x in a["h"]],
                      f=[float(x) for x in a["s"]["f"]], d=[float(x) for x in a["s"]["d"]])))
""")
    fields = {"h": ("<f2", want["h"]), "s.f": (">f4", want["f"]), "s.d": ("<f8", want["d"])}
    for field, (code, values) in fields.items():
        for backend, threads in (("auto", "1"), ("read", "2"), ("mmap", "3")):
            obj = one_json(run(path("frec.npy"), "--json", "--field", field, "-b", backend, "-j", threads))
            assert obj["field"] == field and obj["record"] == want["itemsize"], obj
            expect_float_stats(obj, values)
            obj = one_json(run(path("frec.raw"), "--json", "--record", str(want["itemsize"]), "--field-offset",
                               str(want["offsets"][field]), "-t", code, "-b", backend, "-j", threads))
            expect_float_stats(obj, values)
    expect_error(run(path("frec.npy")), 2, "numeric fields: id, h, s.f, s.d")
    expect_error(run(path("frec.npy"), "--field", "c"), 2, "field 'c' is '<c8', not a number mapscan scans")
    expect_error(run(path("frec.npy"), "--field", "h", "-t", "f32"), 2, "type f32 contradicts the header's f16")


@test
def floats_print_shortest_round_trip_text_and_strict_json():
    cases = {
        "negzero": ([-0.0, -0.0, -0.0], {"min": "-0", "max": "-0", "sum": "-0", "mean": "-0", "nan": "0"}),
        "mixedzero": ([-0.0, 0.0], {"min": "-0", "max": "0", "sum": "0", "mean": "0"}),
        "tenth": ([0.1], {"min": "0.1", "max": "0.1", "sum": "0.1", "mean": "0.1"}),
        "big": ([1e300, 1e300], {"min": "1e+300", "sum": "2e+300"}),
        "inf": ([1.0, math.inf, math.nan], {"max": "inf", "sum": "inf", "mean": "inf", "nan": "1"}),
        "infs": ([math.inf, -math.inf], {"min": "-inf", "max": "inf", "sum": "nan", "mean": "nan"}),
        "nans": ([math.nan, -math.nan], {"min": "-", "max": "-", "sum": "0", "mean": "-", "nan": "2"}),
        "third": ([1.0, 0.0, 0.0], {"mean": "0.3333333333333333", "sum": "1"}),
        "tiny": ([5e-324, 0.0], {"min": "0", "max": "5e-324", "mean": "0"}),     # half a step: to even 0
        "overflow": ([1.7976931348623157e308, 1.7976931348623157e308, -1.7976931348623157e308],
                     {"sum": "1.7976931348623157e+308", "mean": "5.992310449541053e+307"}),
    }
    for name, (values, text) in cases.items():
        f = path(f"out-{name}.f8")
        with open(f, "wb") as fh:
            fh.write(struct.pack("<%dd" % len(values), *values))
        r = run(f, "-t", "f64")
        assert r.returncode == 0, r.stderr
        rows = dict(line.split(None, 1) for line in r.stdout.decode().splitlines() if line.strip())
        for key, shown in text.items():
            assert rows[key] == shown, (name, key, rows[key], shown)
        keys = [line.split()[0] for line in r.stdout.decode().splitlines()]
        assert keys.index("nan") == keys.index("count") + 1, keys      # nan right after count
        line = run(f, "--json", "-t", "f64").stdout.decode()
        obj = json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))    # strict JSON
        expect_float_stats(obj, values)
        for key in ("min", "max", "sum", "mean"):
            v = obj[key]
            assert v is None or isinstance(v, str) or re.search(r'"%s":-?[0-9.]+(e[-+][0-9]+)?[,}]' % key, line), \
                (key, line)
            if isinstance(v, float):
                raw = re.search(r'"%s":([^,}]*)' % key, line).group(1)
                assert "." in raw or "e" in raw, (key, raw)       # a float is never written as an integer
        q = run(f, "-q", "-t", "f64").stdout.decode().rstrip("\n").split("\t")
        assert q[0] == f and len(q) == 7, q                    # file count min max sum mean nan
        assert [q[1], q[6]] == [str(len(values)), str(sum(math.isnan(v) for v in values))], q
        for col, key in zip(q[2:6], ("min", "max", "sum", "mean")):
            if key in text:
                assert col == text[key], (name, key, col)


@test
def floats_total_over_several_files_and_none_when_mixed_with_integers():
    numpy_floats(f"""
np.save("{WORK}/tot-a.npy", np.array([1.5, np.nan, -0.0, 1e308], dtype="<f8"))
np.save("{WORK}/tot-b.npy", np.array([2.5, -1e308, np.inf], dtype=">f4").astype(">f8"))
np.save("{WORK}/tot-c.npy", np.array([0.25, -65504.0], dtype="<f2"))
np.save("{WORK}/tot-i.npy", np.array([1, 2, 3], dtype="<i4"))
np.save("{WORK}/tot-nan.npy", np.array([np.nan], dtype="<f4"))
""")
    a, b, c = [1.5, math.nan, -0.0, 1e308], [2.5, -math.inf, math.inf], [0.25, -65504.0]
    files = [path("tot-a.npy"), path("tot-b.npy"), path("tot-c.npy")]
    objs = json_lines(run(*files, "--json", "-j", "2"))
    assert len(objs) == 4 and objs[3]["total"] is True and objs[3]["file"] is None, objs
    for obj, values in zip(objs, (a, b, c, a + b + c)):
        expect_float_stats(obj, values)
    objs = json_lines(run(files[0], files[2], path("tot-nan.npy"), "--json"))
    expect_float_stats(objs[-1], a + c + [math.nan])
    q = run(*files[::2], "-q").stdout.decode().splitlines()
    assert len(q) == 3 and q[2].split("\t")[0] == "total" and len(q[2].split("\t")) == 7, q
    # integers and floats together: each file, no total, one line on stderr, status 0
    for order in ((files[0], path("tot-i.npy")), (path("tot-i.npy"), files[2], files[0])):
        for form in ("--json", "-q", None):
            r = run(*order, *([form] if form else []))
            assert r.returncode == 0, r.stderr
            err = r.stderr.decode().splitlines()
            assert len(err) == 1 and "mix integer and floating-point" in err[0], err
            out = r.stdout.decode()
            assert "total" not in out, out
            if form == "--json":
                assert len(out.splitlines()) == len(order), out


# ---- the extra statistics (--stats, --quantiles, --histogram): exact references ----

def exact_var(values, ddof):
    from fractions import Fraction
    n = len(values)
    if n <= ddof:
        return None
    xs = [Fraction(v) for v in values]
    mean = sum(xs) / n
    try:
        return float(sum((x - mean) ** 2 for x in xs) / (n - ddof))
    except OverflowError:
        return math.inf


def exact_quantile(values, q):
    """numpy's linear method, exactly, rounded once."""
    from fractions import Fraction
    s = sorted(Fraction(v) for v in values)
    h = Fraction(q) * (len(s) - 1)
    lo = h.numerator // h.denominator
    hi = min(lo + 1, len(s) - 1)
    return float(s[lo] + (h - lo) * (s[hi] - s[lo]))


def linspace_edges(lo, hi, bins):
    """numpy.linspace(lo, hi, bins + 1) in binary64 (Python's floats)."""
    step = (hi - lo) / bins
    edges = [i * step + lo for i in range(bins)] + [hi]
    if step == 0:
        edges = [i / bins * (hi - lo) + lo for i in range(bins)] + [hi]
    return edges


def exact_histogram(values, edges, ranged):
    from fractions import Fraction
    bins = len(edges) - 1
    counts, below, above = [0] * bins, 0, 0
    fe = [Fraction(e) for e in edges]
    for v in values:
        x = Fraction(v)
        if x < fe[0]:
            if ranged:
                below += 1
                continue
            counts[0] += 1
            continue
        if x > fe[-1]:
            if ranged:
                above += 1
                continue
            counts[-1] += 1
            continue
        b = 0
        while b + 1 < bins and x >= fe[b + 1]:
            b += 1
        counts[b] += 1
    return counts, below, above


def first_index(values, want):
    return next(i for i, v in enumerate(values) if v == want)


@test
def extra_statistics_are_exact_for_every_integer_type_order_backend_and_thread_count():
    sanitized = bool(os.environ.get("MAPSCAN_SANITIZE"))
    qs = ["0", "0.1", "0.25", "0.5", ".75", "1"]
    for type_name in TYPES:
        for big in (False, True):
            values = random_values(type_name, 301 if sanitized else 3001, 40 + len(type_name))
            f = write_values(f"x-{type_name}-{int(big)}.bin", type_name, values, big=big)
            lo, hi = float(min(values)), float(max(values))
            edges = linspace_edges(lo, hi, 7)
            counts = exact_histogram(values, edges, False)[0]
            want_var = exact_var(values, 1)
            for backend in ("mmap", "read", "direct"):
                for threads in (("1",) if sanitized else ("1", "3")):
                    obj = one_json(run(f, "-t", type_name, "-e", "big" if big else "little", "-b", backend,
                                       "-j", threads, "--json", "--stats", "all", "--ddof", "1",
                                       "--quantiles", ",".join(qs), "--histogram", "7"))
                    where = (type_name, big, backend, threads)
                    assert obj["var"] == want_var and obj["ddof"] == 1, (where, obj["var"], want_var)
                    assert obj["std"] == math.sqrt(want_var), where
                    assert obj["argmin"] == first_index(values, min(values)), where
                    assert obj["argmax"] == first_index(values, max(values)), where
                    assert list(obj["quantiles"]) == qs, obj["quantiles"]     # keys as written, in order
                    for q in qs:
                        assert obj["quantiles"][q] == exact_quantile(values, float(q)), (where, q)
                    assert obj["histogram"]["edges"] == edges, (where, obj["histogram"]["edges"], edges)
                    assert obj["histogram"]["counts"] == counts, (where, obj["histogram"]["counts"], counts)
                    assert "below" not in obj["histogram"], obj["histogram"]


@test
def extra_statistics_of_floats_leave_nan_out_and_count_infinities_outside_a_range():
    import math as m
    values = [1.5, float("nan"), -0.0, 0.0, 2.25, -7.0, 1e300, -1e300, 2.25, float("nan"), 5e-324]
    f = path("x-f64.bin")
    with open(f, "wb") as out:
        out.write(struct.pack("<%dd" % len(values), *values))
    finite = [v for v in values if not m.isnan(v)]
    obj = one_json(run(f, "-t", "f64", "--json", "--describe", "--histogram", "4", "--range", "-10:10"))
    assert obj["var"] == "inf" and exact_var(finite, 0) == math.inf and obj["std"] == "inf", obj
    assert obj["argmin"] == 7 and obj["argmax"] == 6, obj          # -1e300 at 7, 1e300 at 6
    for q in ("0.25", "0.5", "0.75"):
        assert obj["quantiles"][q] == exact_quantile(finite, float(q)), (q, obj["quantiles"])
    edges = linspace_edges(-10.0, 10.0, 4)
    counts, below, above = exact_histogram(finite, edges, True)
    assert obj["histogram"] == {"edges": edges, "counts": counts, "below": below, "above": above}, obj["histogram"]
    with open(f, "wb") as out:
        out.write(struct.pack("<3d", 1.0, float("inf"), 2.0))
    obj = one_json(run(f, "-t", "f64", "--json", "--stats", "var,std"))
    assert obj["var"] == "nan" and obj["std"] == "nan", obj       # an infinity: no variance
    expect_error(run(f, "-t", "f64", "--histogram", "3"), 2, "not finite", "range")


@test
def extra_statistics_of_npy_give_the_index_in_the_file_order_and_keep_the_default_output():
    numpy_run(f"""
a = np.arange(24, dtype="<i4").reshape(2, 3, 4) % 7
np.save("{WORK}/x-c.npy", a)
np.save("{WORK}/x-f.npy", np.asfortranarray(a))
""")
    for name, order in (("x-c.npy", "C"), ("x-f.npy", "F")):
        obj = one_json(run(path(name), "--json", "--stats", "argmin,argmax"))
        flat = numpy_run(f"""
a = np.load("{path(name)}")
f = a.ravel(order="{order}")
print(json.dumps([int(np.argmin(f)), int(np.argmax(f)), [int(i) for i in np.unravel_index(int(np.argmin(f)), a.shape, order="{order}")],
                  [int(i) for i in np.unravel_index(int(np.argmax(f)), a.shape, order="{order}")]]))
""")
        assert [obj["argmin"], obj["argmax"], obj["argmin_index"], obj["argmax_index"]] == flat, (name, obj, flat)
        assert "var" not in obj and "quantiles" not in obj, obj      # only what was asked for
        text = run(path(name), "--stats", "argmax").stdout.decode()
        row = [line for line in text.splitlines() if line.startswith("argmax")][0]
        assert row.split(None, 1)[1] == "%d (%s)" % (flat[1], ", ".join(map(str, flat[3]))), row
    plain = run(path("x-c.npy")).stdout.decode().splitlines()
    assert not any(line.split()[0] in ("var", "std", "argmin", "histogram") for line in plain if line), plain


@test
def extra_statistics_in_text_and_quiet_forms_and_totals():
    a = write_values("x-a.bin", "i16", [5, -3, 5, 9, 0])
    b = write_values("x-b.bin", "i16", [7, 7, -3])
    r = run(a, b, "-t", "i16", "--describe", "--histogram", "3", "--range", "-4:10")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.decode().split("\n\n")
    assert len(blocks) == 3, blocks
    rows = dict(line.split(None, 1) for line in blocks[0].splitlines() if line and not line.startswith(" "))
    assert rows["argmin"] == "1" and rows["argmax"] == "3" and rows["q0.5"] == "5", rows
    assert rows["var"] == repr(exact_var([5, -3, 5, 9, 0], 0)), rows
    bars = [line for line in blocks[0].splitlines() if line.startswith("  [")]
    assert len(bars) == 3 and all(len(line) <= 80 for line in bars), bars
    assert bars[-1].split()[1].endswith("]"), bars                 # the last bin is closed
    total = dict(line.split(None, 1) for line in blocks[2].splitlines() if line and not line.startswith(" "))
    assert "argmin" not in total and "q0.5" not in total and total["var"] == repr(exact_var([5, -3, 5, 9, 0, 7, 7, -3], 0)), total
    q = run(a, b, "-t", "i16", "-q", "--stats", "std,argmax", "--quantiles", "0.5", "--histogram", "2",
            "--range", "-4:10").stdout.decode().splitlines()
    cols = q[0].split("\t")
    # file count min max sum mean, then std argmax q0.5, then below above and the counts
    assert cols[6:] == [repr(math.sqrt(exact_var([5, -3, 5, 9, 0], 0))), "3", "5", "0", "0", "2", "3"], cols
    assert q[2].split("\t")[:1] == ["total"] and q[2].split("\t")[7:9] == ["-", "-"], q[2]
    assert q[2].split("\t")[9:] == ["0", "0", "3", "5"], q[2]
    objs = json_lines(run(a, b, "-t", "i16", "--json", "--median", "--histogram", "2"))
    assert "quantiles" in objs[0] and "quantiles" not in objs[2] and "histogram" not in objs[2], objs[2]


@test
def extra_statistics_on_streams_need_one_pass_and_bad_values_are_usage_errors():
    f = write_values("x-s.bin", "i16", [4, 1, 3])
    with open(f, "rb") as data:     # a pipe: read once
        obj = one_json(run("-", "-t", "i16", "--json", "--median", "--histogram", "2", "--range", "0:4",
                           input_bytes=data.read()))
    assert obj["quantiles"] == {"0.5": 3.0} and obj["histogram"]["counts"] == [1, 2], obj
    g = write_values("x-s32.bin", "i32", [4, 1, 3])
    for extra in (["--median"], ["--histogram", "3"]):
        with open(g, "rb") as data:
            expect_error(run("-", "-t", "i32", *extra, input_bytes=data.read()), 2, "more than one pass", "read once")
    for bad in (["--stats", "mean"], ["--stats", "var,"], ["--quantiles", "1.5"], ["--quantiles", "x"],
                ["--quantiles", "0.5,"], ["--quantiles", " 0.5"], ["--histogram", "0"], ["--histogram", "-1"],
                ["--range", "0:1"], ["--histogram", "2", "--range", "5:1"], ["--histogram", "2", "--range", "0:nan"],
                ["--histogram", "2", "--range", "1"], ["--ddof", "-1"], ["--histogram", str((1 << 20) + 1)]):
        r = run(f, "-t", "i16", *bad)
        assert r.returncode == 2 and r.stdout == b"" and len(r.stderr.decode().splitlines()) == 1, (bad, r)
    obj = one_json(run(f, "-t", "i16", "--json", "--stats", "var", "--ddof", "3"))
    assert obj["var"] is None, obj          # counted - ddof <= 0: none
    empty = path("x-empty.bin")
    open(empty, "wb").close()
    obj = one_json(run(empty, "--json", "--describe", "--histogram", "2"))
    assert obj["argmin"] is None and obj["quantiles"]["0.5"] is None and obj["histogram"]["counts"] == [0, 0], obj



# ---- several columns in one pass: --field LIST|all, --channels, --columns ----
# Each column's JSON against numpy's values of the files numpy wrote: the default statistics by
# expect_stats and expect_float_stats, the extra ones by the exact references above.

COLUMN_SANITIZED = bool(os.environ.get("MAPSCAN_SANITIZE"))
COLUMN_ROWS = 300 if COLUMN_SANITIZED else 2000
COLUMN_DATA = {}


def column_data():
    """The files every column test reads, written once: their values by column, as numpy reads them."""
    if COLUMN_DATA:
        return COLUMN_DATA
    COLUMN_DATA.update(numpy_run(f"""
rng = np.random.default_rng(71)
n = {COLUMN_ROWS}
def col(a):
    return [float(x) if a.dtype.kind == "f" else int(x) for x in np.asarray(a).ravel()]
out = {{}}
# structured: padding (align), a big-endian sub-array, a nested big-endian float, NaN
dt = np.dtype([("t", "<u8"), ("x", "<i4"), ("v", "<f4"), ("s", ">i2", (3,)),
               ("n", [("a", ">f8"), ("b", "u1")])], align=True)
a = np.zeros(n, dtype=dt)
a["t"] = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
a["x"] = rng.integers(-2**31, 2**31 - 1, n, endpoint=True)
a["v"] = (rng.standard_normal(n) * 1e3).astype(np.float32)
a["v"][[5, n // 2]] = np.nan
a["s"] = rng.integers(-2**15, 2**15 - 1, (n, 3), endpoint=True)
a["n"]["a"] = rng.standard_normal(n) * 1e6
a["n"]["b"] = rng.integers(0, 255, n, endpoint=True)
np.save("{WORK}/cs.npy", a)
b = a.copy()
b["x"] = rng.integers(-1000, 1000, n)
b["v"] = (rng.standard_normal(n) * 10).astype(np.float32)
np.save("{WORK}/cs2.npy", b[: n // 2 + 1])
def offset(path):
    d, o = dt, 0
    for part in path.split("."):
        o += d.fields[part][1]
        d = d.fields[part][0]
    return o
out["struct"] = dict(itemsize=dt.itemsize, n=n,
                     offsets={{k: offset(k) for k in ("t", "x", "v", "s", "n.a", "n.b")}},
                     cols={{"t": col(a["t"]), "x": col(a["x"]), "v": col(a["v"]), "s[0]": col(a["s"][:, 0]),
                           "s[1]": col(a["s"][:, 1]), "s[2]": col(a["s"][:, 2]), "n.a": col(a["n"]["a"]),
                           "n.b": col(a["n"]["b"])}},
                     cols2={{k: col(b[: n // 2 + 1][k]) for k in ("t", "x", "v")}})
# channels: C order, its raw bytes, rows padded to 40 bytes, Fortran order, three dimensions, one
c = rng.integers(-2**15, 2**15 - 1, (n, 16), endpoint=True).astype("<i2")
np.save("{WORK}/ch16.npy", c)
c.tofile("{WORK}/ch16.raw")
padded = np.zeros(n, [("c", "<i2", (16,)), ("pad", "V8")])
padded["c"] = c
padded.tofile("{WORK}/ch16pad.raw")
f = (rng.standard_normal((n, 5)) * 100).astype(">f4")
f[3, 2] = np.nan
np.save("{WORK}/fort.npy", np.asfortranarray(f))
t3 = rng.integers(0, 1000, (4, 5, 3)).astype("<u4")
np.save("{WORK}/t3.npy", t3)
np.save("{WORK}/one.npy", np.arange(10, dtype="<i4"))
out["ch16"] = [col(c[:, i]) for i in range(16)]
out["fort"] = [col(f[:, i]) for i in range(5)]
out["t3"] = [dict(values=col(t3[..., i]), argmin=[int(k) for k in np.unravel_index(int(np.argmin(t3[..., i])), (4, 5))])
             for i in range(3)]
# raw records of mixed types: 20 bytes of columns and 12 of padding; and packed ones
rt = np.dtype([("t", "<u8"), ("x", "<i4"), ("v", "<f4"), ("b", ">i4"), ("pad", "V12")])
r = np.zeros(n, rt)
r["t"] = rng.integers(0, 2**63, n)
r["x"] = rng.integers(-50, 50, n)
r["v"] = rng.standard_normal(n).astype(np.float32)
r["v"][7] = np.nan
r["b"] = rng.integers(-2**31, 2**31 - 1, n, endpoint=True)
r.tofile("{WORK}/rec32.raw")
packed = np.zeros(n, [("t", "<u8"), ("x", "<i4"), ("v", "<f4")])
for k in ("t", "x", "v"):
    packed[k] = r[k]
packed.tofile("{WORK}/rec16.raw")
out["raw"] = {{k: col(r[k]) for k in ("t", "x", "v", "b")}}
print(json.dumps(out))
"""))
    return COLUMN_DATA


STRUCT_COLUMNS = ["t", "x", "v", "s[0]", "s[1]", "s[2]", "n.a", "n.b"]
FLOAT_COLUMNS = {"v", "n.a"}
KEYS_OF_THE_RUN = ("seconds", "backend", "threads", "kernel")


def strict_lines(result):
    """The JSON lines of a run, strictly (no NaN or Infinity literals)."""
    assert result.returncode == 0, (result.returncode, result.stderr)

    def refuse(name):
        raise ValueError("not JSON: " + name)
    return [json.loads(line, parse_constant=refuse) for line in result.stdout.decode().splitlines()]


def without_run_keys(objs):
    return [{k: v for k, v in o.items() if k not in KEYS_OF_THE_RUN} for o in objs]


def counted_of(values):
    return [v for v in values if not (isinstance(v, float) and math.isnan(v))]


def expect_column(obj, name, values, is_float, ddof=None, qs=(), bins=None, value_range=None, total=False):
    """One column's object against its values: the default statistics, and those asked for."""
    assert obj["column"] == name, (obj["column"], name)
    if is_float:
        expect_float_stats(obj, values)
    else:
        expect_stats(obj, values)
    counted = counted_of(values)
    if ddof is not None:
        want = exact_var(counted, ddof)
        assert json_float(obj["var"]) == want and obj["ddof"] == ddof, (name, obj["var"], want)
        if "std" in obj:
            assert json_float(obj["std"]) == (None if want is None else math.sqrt(want)), (name, obj["std"])
    if total:
        assert "argmin" not in obj and "quantiles" not in obj, obj
    elif "argmin" in obj:
        assert obj["argmin"] == first_index(values, min(counted)), (name, obj["argmin"])
        assert obj["argmax"] == first_index(values, max(counted)), (name, obj["argmax"])
    for q in ([] if total else qs):
        assert obj["quantiles"][q] == exact_quantile(counted, float(q)), (name, q, obj["quantiles"][q])
    if bins:
        lo, hi = value_range if value_range else (float(min(counted)), float(max(counted)))
        edges = linspace_edges(lo, hi, bins)
        counts, below, above = exact_histogram(counted, edges, bool(value_range))
        h = obj["histogram"]
        assert h["edges"] == edges and h["counts"] == counts, (name, h, edges, counts)
        if value_range:
            assert (h["below"], h["above"]) == (below, above), (name, h)


@test
def columns_of_structured_npy_padding_nesting_big_endian_and_sub_arrays():
    d = column_data()["struct"]
    f = path("cs.npy")
    objs = strict_lines(run(f, "--json", "--field", "all"))
    assert [o["column"] for o in objs] == STRUCT_COLUMNS, objs
    types = {"t": ("u64", "little"), "x": ("i32", "little"), "v": ("f32", "little"), "s[0]": ("i16", "big"),
             "n.a": ("f64", "big"), "n.b": ("u8", None)}
    for o in objs:
        name = o["column"]
        expect_column(o, name, d["cols"][name], name in FLOAT_COLUMNS)
        base = name.split("[")[0]
        offset = d["offsets"][base] + (2 * int(name[-2]) if "[" in name else 0)
        assert o["record"] == d["itemsize"] and o["field_offset"] == offset, (name, o, offset)
        assert o["file"] == f and o["format"] == "npy" and o["shape"] == [d["n"]] and o["field"] == "all", o
        want_type, want_order = types.get(name, types["s[0]"] if name.startswith("s[") else None)
        assert o["type"] == want_type and (want_order is None or o["endian"] == want_order), (name, o)
    # a list, in its order; an element of a sub-array; a single field is the one-column output
    objs = strict_lines(run(f, "--json", "--field", "n.b,s[1],x"))
    assert [o["column"] for o in objs] == ["n.b", "s[1]", "x"], objs
    for o in objs:
        expect_column(o, o["column"], d["cols"][o["column"]], False)
    obj = one_json(run(f, "--json", "--field", "x"))
    assert "column" not in obj and obj["field"] == "x", obj
    expect_stats(obj, d["cols"]["x"])
    # a name that is itself a field is that field alone; a backslash keeps a comma in a name
    numpy_run(f"""
a = np.zeros(3, [("p,q", "<i2"), ("p", "<i4"), ("q", "<i4")])
a["p,q"], a["p"], a["q"] = 1, 2, 3
np.save("{WORK}/pq.npy", a)
""")
    obj = one_json(run(path("pq.npy"), "--json", "--field", "p,q"))
    assert "column" not in obj and obj["sum"] == 3, obj
    objs = strict_lines(run(path("pq.npy"), "--json", "--field", "q,p\\,q"))
    assert [(o["column"], o["sum"]) for o in objs] == [("q", 9), ("p,q", 3)], objs


@test
def columns_of_channels_c_and_fortran_order_and_raw_rows():
    data = column_data()
    n = COLUMN_ROWS
    names = ["ch%d" % i for i in range(16)]
    runs = {"auto": run(path("ch16.npy"), "--json", "--channels", "auto"),
            "16": run(path("ch16.npy"), "--json", "--channels", "16"),
            "raw": run(path("ch16.raw"), "--json", "--channels", "16", "-t", "i16"),
            "padded": run(path("ch16pad.raw"), "--json", "--channels", "16", "-t", "<i2", "--record", "40")}
    for how, r in runs.items():
        objs = strict_lines(r)
        assert [o["column"] for o in objs] == names, (how, objs)
        for i, o in enumerate(objs):
            expect_column(o, names[i], data["ch16"][i], False)
            assert o["type"] == "i16" and o["endian"] == "little", o
            assert o["record"] == (40 if how == "padded" else 32) and o["field_offset"] == 2 * i, (how, o)
            if how in ("auto", "16"):
                assert o["format"] == "npy" and o["shape"] == [n], o
            else:
                assert o["format"] == "raw", o
    assert without_run_keys(strict_lines(runs["auto"])) == without_run_keys(strict_lines(runs["16"]))
    # Fortran order: each channel one contiguous run (no record), big-endian floats with a NaN
    objs = strict_lines(run(path("fort.npy"), "--json", "--channels", "auto", "-j", "3"))
    assert [o["column"] for o in objs] == ["ch%d" % i for i in range(5)], objs
    for i, o in enumerate(objs):
        expect_column(o, "ch%d" % i, data["fort"][i], True)
        assert o["type"] == "f32" and o["endian"] == "big" and "record" not in o and o["shape"] == [n], o
    # three dimensions: each channel has the shape of the others, and positions index it
    objs = strict_lines(run(path("t3.npy"), "--json", "--channels", "3", "--stats", "argmin,argmax"))
    for i, o in enumerate(objs):
        expect_column(o, "ch%d" % i, data["t3"][i]["values"], False)
        assert o["shape"] == [4, 5] and o["argmin_index"] == data["t3"][i]["argmin"], o


@test
def columns_of_raw_records_offsets_padding_and_mixed_types():
    raw = column_data()["raw"]
    n = COLUMN_ROWS
    f = path("rec32.raw")
    objs = strict_lines(run(f, "--json", "--columns", "t:<u8,x:<i4,v:<f4", "--record", "32"))
    assert [o["column"] for o in objs] == ["t", "x", "v"], objs
    for o, off in zip(objs, (0, 8, 12)):
        expect_column(o, o["column"], raw[o["column"]], o["column"] == "v")
        assert o["record"] == 32 and o["field_offset"] == off and o["format"] == "raw", o
    # offsets out of order, numpy's and mapscan's spellings, a big-endian column
    objs = strict_lines(run(f, "--json", "--columns", "v:float32@12,b:>i4@16,t:u64@0,x:int32", "--record", "32"))
    assert [(o["column"], o["type"], o["endian"], o["field_offset"]) for o in objs] == \
        [("v", "f32", "little", 12), ("b", "i32", "big", 16), ("t", "u64", "little", 0), ("x", "i32", "little", 8)], objs
    for o in objs:
        expect_column(o, o["column"], raw[o["column"]], o["column"] == "v")
    # packed records: each column after the one before, the record their sum
    objs = strict_lines(run(path("rec16.raw"), "--json", "--columns", "t:<u8,x:<i4,v:<f4"))
    assert [o["record"] for o in objs] == [16] * 3, objs
    for o in objs:
        expect_column(o, o["column"], raw[o["column"]], o["column"] == "v")
    # --offset and --length in whole records
    objs = strict_lines(run(f, "--json", "--columns", "x:<i4@8,v:<f4", "--record", "32", "--offset", str(32 * 10),
                            "--length", str(32 * 100)))
    for o in objs:
        expect_column(o, o["column"], raw[o["column"]][10:110], o["column"] == "v")
        assert o["bytes"] == 3200, o
    assert n > 110
    # a header of 7 bytes before the records: --offset skips it, whatever its size
    with open(f, "rb") as src, open(path("rec32-header.raw"), "wb") as dst:
        dst.write(b"HEADER7" + src.read())
    objs = strict_lines(run(path("rec32-header.raw"), "--json", "--columns", "t:<u8,x:<i4,v:<f4", "--record", "32",
                            "--offset", "7"))
    for o in objs:
        expect_column(o, o["column"], raw[o["column"]], o["column"] == "v")


@test
def columns_give_the_same_json_for_every_backend_thread_count_and_kernel():
    column_data()
    kernels_here = [k for k in ("scalar", "avx2", "avx512")
                    if run("--kernel", k, "-t", "f32", "/dev/null").returncode == 0]
    assert "scalar" in kernels_here
    cases = [[path("cs.npy"), "--field", "all"],
             [path("rec32.raw"), "--columns", "t:<u8,x:<i4,v:<f4,b:>i4", "--record", "32"],
             [path("fort.npy"), "--channels", "auto"]]
    # Every backend and thread count, the kernels in turn, from the first pass (--stats all); the
    # columns' own passes (quantiles, histograms: a pass per column and digit, each ~0.1 s with
    # direct here) with fewer: direct once, on the smallest case.
    one_pass = [(b, j, kernels_here[n % len(kernels_here)])
                for n, (b, j) in enumerate((b, j) for b in ("mmap", "read", "direct", "auto") for j in ("1", "2", "3"))]
    passes = [("mmap", "1", kernels_here[-1]), ("read", "3", "scalar"), ("auto", "2", kernels_here[0])]
    for n, case in enumerate(cases):
        for extra, picked in ((["--stats", "all"], one_pass),
                              (["--stats", "all", "--quantiles", "0.25,0.5", "--histogram", "4"],
                               passes + ([("direct", "2", kernels_here[-1])] if n == 2 else []))):
            if COLUMN_SANITIZED:
                picked = picked[n % 2::2]
            first = None
            for backend, threads, kernel in picked:
                objs = strict_lines(run(*case, *extra, "--json", "-b", backend, "-j", threads, "--kernel", kernel))
                assert all(o["kernel"] == kernel for o in objs), objs
                if backend in ("mmap", "read"):
                    assert all(o["backend"] == backend for o in objs), objs
                if first is None:
                    first = without_run_keys(objs)
                assert without_run_keys(objs) == first, (case, extra, backend, threads, kernel)


@test
def columns_extra_statistics_are_exact():
    data = column_data()
    d = data["struct"]
    qs = ["0", "0.1", "0.25", "0.5", ".75", "1"]
    objs = strict_lines(run(path("cs.npy"), "--json", "--field", "all", "--stats", "all", "--ddof", "1",
                            "--quantiles", ",".join(qs), "--histogram", "7", "-j", "2"))
    assert [o["column"] for o in objs] == STRUCT_COLUMNS
    for o in objs:
        name = o["column"]
        assert list(o["quantiles"]) == qs and o["argmin_index"] == [o["argmin"]], o
        expect_column(o, name, d["cols"][name], name in FLOAT_COLUMNS, ddof=1, qs=qs, bins=7)
    # floats with a range: what falls outside is counted apart; a raw file's columns
    objs = strict_lines(run(path("fort.npy"), "--json", "--channels", "5", "--describe", "--histogram", "5",
                            "--range", "-100:100"))
    for i, o in enumerate(objs):
        expect_column(o, "ch%d" % i, data["fort"][i], True, ddof=0, qs=["0.25", "0.5", "0.75"], bins=5,
                      value_range=(-100.0, 100.0))
    objs = strict_lines(run(path("rec32.raw"), "--json", "--columns", "x:<i4@8,b:>i4@16", "--record", "32",
                            "--stats", "var,argmax", "--median", "--histogram", "3"))
    for o in objs:
        expect_column(o, o["column"], data["raw"][o["column"]], False, ddof=0, qs=["0.5"], bins=3)
        assert "std" not in o and "argmin" not in o and o["argmax"] == first_index(data["raw"][o["column"]],
                                                                                   max(data["raw"][o["column"]]))


@test
def columns_from_pipes_in_one_pass_and_their_quantiles_refused():
    column_data()
    f = path("rec32.raw")
    args = ["--columns", "t:<u8,x:<i4,v:<f4,b:>i4", "--record", "32", "--stats", "all", "--histogram", "2"]
    want = without_run_keys(strict_lines(run(f, "--json", *args[:-2])))
    for script in ('cat "$W/rec32.raw" | "$M" - --json ' + " ".join("'%s'" % a for a in args[:-2]),
                   '"$M" - --json ' + " ".join("'%s'" % a for a in args[:-2]) + ' < "$W/rec32.raw"'):
        got = [dict(o, file=f) for o in strict_lines(sh(script))]
        assert without_run_keys(got) == want, (script, got, want)
    # a regular file on standard input is not a stream: its columns' passes run
    objs = strict_lines(sh('"$M" - --json --median ' + " ".join("'%s'" % a for a in args) + ' < "$W/rec32.raw"'))
    assert [o["quantiles"]["0.5"] for o in objs] == [exact_quantile(counted_of(v), 0.5)
                                                     for v in column_data()["raw"].values()], objs
    want = without_run_keys(strict_lines(run(path("cs.npy"), "--json", "--field", "all")))
    got = strict_lines(sh('cat "$W/cs.npy" | "$M" - --json --field all'))     # the header read from the stream
    assert [dict(o, file=None) for o in without_run_keys(got)] == [dict(o, file=None) for o in want]
    # what the first pass counts (16-bit quantiles, a histogram with a range) a stream answers, as the file
    for extra in (["--median"], ["--histogram", "3", "--range", "0:1"]):
        want = without_run_keys(strict_lines(run(path("ch16.npy"), "--json", "--channels", "auto", *extra)))
        got = strict_lines(sh('cat "$W/ch16.npy" | "$M" - --json --channels auto ' + " ".join(extra)))
        assert [dict(o, file=None) for o in without_run_keys(got)] == [dict(o, file=None) for o in want], extra
    # what needs a later pass (wider keys' quantiles, a histogram over the data's range) is refused on a
    # stream (MAPSCAN_E_UNMAPPABLE, bad input: status 2), before anything is printed
    for script in ('cat "$W/rec32.raw" | "$M" - --columns t:u64,x:i32 --record 32 --median',
                   'cat "$W/cs.npy" | "$M" - --json --field x,v --histogram 3'):
        expect_error(sh(script), 2, "-: ", "several columns", "read once")
    # an empty input has nothing to count: no pass, no refusal
    open(path("empty-cols.raw"), "wb").close()
    for script in ('"$M" "$W/empty-cols.raw" --json --columns a:i4,b:f8 --median --histogram 2',
                   'cat "$W/empty-cols.raw" | "$M" - --json --columns a:i4,b:f8 --stats all'):
        objs = strict_lines(sh(script))
        assert [(o["column"], o["count"], o["min"]) for o in objs] == [("a", 0, None), ("b", 0, None)], objs


def parse_tables(text):
    """A text scan of columns: its lines before the table, the tables (each a list of names and a
    list of (label, cells) rows, cells cut at the column ends the header gives), and the rest."""
    lines = text.split("\n")
    assert lines[-1] == "", lines[-1:]
    lines = lines[:-1]
    head_end = next(i for i, line in enumerate(lines) if line.startswith("time "))
    head, body = lines[:head_end + 1], lines[head_end + 1:]
    tables, rest, i = [], [], 0
    while i < len(body) and body[i].startswith(" "):
        header = body[i]
        rows = []
        i += 1
        while i < len(body) and body[i]:
            rows.append(body[i])
            i += 1
        label_width = max(len(r.split()[0]) for r in rows)
        names = header.split()
        ends, at = [], label_width
        for name in names:
            at = header.index(name, at) + len(name)
            ends.append(at)
        parsed = []
        for r in rows:
            assert len(r) == len(header), (r, header)          # right-aligned: every row as long
            starts = [label_width] + ends[:-1]
            parsed.append((r[:label_width].strip(), [r[a:b].strip() for a, b in zip(starts, ends)]))
            assert all(r[a:b].startswith("  ") for a, b in zip(starts, ends)), r
        tables.append((names, parsed, header))
        if i < len(body) and body[i] == "":
            i += 1
    rest = body[i:]
    return head, tables, rest


def greedy_split(label_width, widths, screen):
    """pandas' wrapping: as many columns in each table as fit (at least one)."""
    groups, i = [], 0
    while i < len(widths):
        line, j = label_width + 2 + widths[i], i + 1
        while j < len(widths) and line + 2 + widths[j] <= screen:
            line += 2 + widths[j]
            j += 1
        groups.append(j - i)
        i = j
    return groups


def run_on_a_terminal(args, cols, env):
    """The command with its stdout on a pseudo-terminal of cols columns; what it wrote."""
    import fcntl
    import pty
    import termios
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    attrs = termios.tcgetattr(follower)
    attrs[1] &= ~termios.OPOST      # no \r before \n
    termios.tcsetattr(follower, termios.TCSANOW, attrs)
    p = subprocess.Popen([MAPSCAN, *args], stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert p.wait(timeout=60) == 0, p.stderr.read()
    return out.decode()


@test
def columns_text_tables_wrap_to_the_screen_and_show_what_quiet_shows():
    column_data()
    f = path("ch16.npy")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    quiet = [line.split("\t") for line in run(f, "-q", "--channels", "auto", env=env).stdout.decode().splitlines()]
    names = [q[1] for q in quiet]
    labels = ["type", "count", "min", "max", "sum", "mean"]
    cells = {q[1]: dict(zip(labels, ["i16 little"] + q[2:7])) for q in quiet}
    widths = [max(len(x) for x in [name, *cells[name].values()]) for name in names]
    for screen, out in ((80, run(f, "--channels", "auto", env=env).stdout.decode()),
                        (200, run(f, "--channels", "auto", env=dict(env, COLUMNS="200")).stdout.decode()),
                        (80, run(f, "--channels", "auto", env=dict(env, COLUMNS="x")).stdout.decode()),
                        (117, run_on_a_terminal([f, "--channels", "auto"], 117, env)),
                        (60, run_on_a_terminal([f, "--channels", "auto"], 117, dict(env, COLUMNS="60")))):
        head, tables, rest = parse_tables(out)
        assert [line.split()[0] for line in head] == ["file", "format", "backend", "scanned", "time"], head
        assert "16 columns" in head[1] and not rest, (head, rest)
        assert [len(t[0]) for t in tables] == greedy_split(len("count"), widths, screen), (screen, out)
        assert sum((t[0] for t in tables), []) == names
        assert all(len(line) <= screen for line in out.splitlines()), (screen, out)
        for table_names, rows, _ in tables:
            assert [label for label, _ in rows] == labels, rows
            for label, row in rows:
                assert row == [cells[name][label] for name in table_names], (label, row)
    assert len(greedy_split(5, widths, 80)) > 2 and len(greedy_split(5, widths, 200)) < 3


@test
def columns_text_table_of_mixed_types_extra_rows_and_histograms():
    column_data()
    f = path("cs.npy")
    args = [f, "--field", "all", "--stats", "all", "--quantiles", "0.5,0.9", "--histogram", "3"]
    out = run(*args, env=dict(os.environ, COLUMNS="100000")).stdout.decode()
    head, tables, rest = parse_tables(out)
    assert len(tables) == 1, out
    names, rows, _ = tables[0]
    assert names == STRUCT_COLUMNS
    table = {label: dict(zip(names, row)) for label, row in rows}
    assert [label for label, _ in rows] == ["type", "count", "nan", "min", "max", "sum", "mean", "var", "std",
                                            "argmin", "argmax", "q0.5", "q0.9"], rows
    quiet = {q.split("\t")[1]: q.split("\t") for q in run(*args, "-q").stdout.decode().splitlines()}
    for name in names:
        q = quiet[name]
        is_float = name in FLOAT_COLUMNS
        # -q: file column count min max sum mean [nan] var std argmin argmax q0.5 q0.9 counts...
        stats = q[2:7] + q[8:14] if is_float else q[2:7] + q[7:13]
        shown = [table[label][name] for label in ("count", "min", "max", "sum", "mean", "var", "std")]
        assert shown == stats[:7], (name, shown, stats)
        assert table["argmin"][name] == "%s (%s,)" % (stats[7], stats[7]), (name, table["argmin"][name])
        assert [table["q0.5"][name], table["q0.9"][name]] == stats[9:11], name
        assert table["nan"][name] == (q[7] if is_float else "-"), (name, table["nan"][name])
    # each column's histogram after the table, headed by its name, as the one-column output draws it
    assert rest[0].startswith("histogram of t: 3 bins from "), rest      # a blank line before each
    headings = [line for line in rest if line.startswith("histogram")]
    assert headings == [h for h in headings if h.startswith("histogram of ")] and \
        [h.split(":")[0][len("histogram of "):] for h in headings] == STRUCT_COLUMNS, headings
    one = run(f, "--field", "x", "--histogram", "3").stdout.decode().splitlines()
    bars = [line for line in one if line.startswith("  [")]
    at = rest.index(next(h for h in headings if h.startswith("histogram of x:")))
    assert rest[at + 1:at + 4] == bars, (rest[at + 1:at + 4], bars)


@test
def columns_quiet_lines_and_totals_per_column():
    data = column_data()
    d = data["struct"]
    a, b = path("cs.npy"), path("cs2.npy")
    q = run(a, "-q", "--field", "t,v,x", "--stats", "var").stdout.decode().splitlines()
    assert [line.split("\t")[:2] for line in q] == [[a, "t"], [a, "v"], [a, "x"]], q
    assert [len(line.split("\t")) for line in q] == [8, 9, 8], q     # floats: nan after mean
    # two files: each file's columns, then a total object per column
    objs = strict_lines(run(a, b, "--json", "--field", "t,x,v", "--stats", "all", "--median", "--histogram", "4",
                            "--range", "-1000:1000"))
    assert len(objs) == 9 and [o["file"] for o in objs] == [a] * 3 + [b] * 3 + [None] * 3, objs
    for o in objs[6:]:
        name = o["column"]
        assert o["total"] is True, o
        expect_column(o, name, d["cols"][name] + d["cols2"][name], name == "v", ddof=0, bins=4,
                      value_range=(-1000.0, 1000.0), total=True)
        assert o["bytes"] == objs[0]["bytes"] + objs[3]["bytes"], o
    for o in objs[3:6]:
        expect_column(o, o["column"], d["cols2"][o["column"]], o["column"] == "v", ddof=0, qs=["0.5"])
    objs = strict_lines(run(a, b, "--json", "--field", "t,x", "--histogram", "4"))
    assert "histogram" in objs[0] and all("histogram" not in o for o in objs[4:]), objs    # edges differ
    q = run(a, b, "-q", "--field", "t,v", "--median").stdout.decode().splitlines()
    assert [line.split("\t")[:2] for line in q[4:]] == [["total", "t"], ["total", "v"]], q
    assert q[4].split("\t")[2] == str(len(d["cols"]["t"]) + len(d["cols2"]["t"])) and q[4].endswith("\t-"), q
    text = run(a, b, "--field", "t,v", "--stats", "all").stdout.decode()
    total = text.split("\n\n")[-1]
    assert total.startswith("file     (total)\n") and "argmin" not in total and "\nvar " in total, total
    # columns that differ between files: each file printed, no total, one note, status 0
    numpy_run(f"""
a = np.zeros(4, [("t", "<u8"), ("x", "<i2"), ("v", "<f4")])
np.save("{WORK}/cs-other.npy", a)
b = np.zeros(4, [("t,x", "<i4")])
np.save("{WORK}/cs-one.npy", b)
""")
    for files, fields in (([a, path("cs-other.npy")], "t,x"), ([path("cs-other.npy"), a], "t,v,x"),
                          ([a, path("cs-one.npy")], "t,x"), ([path("cs-one.npy"), a, b], "t,x")):
        for form in (["--json"], ["-q"], []):
            r = run(*files, "--field", fields, *form)
            assert r.returncode == 0, r.stderr
            err = r.stderr.decode().splitlines()
            assert len(err) == 1 and "total: none" in err[0] and "columns differ" in err[0], (files, err)
            out = r.stdout.decode()
            assert "total" not in out, out


@test
def columns_bad_specs_are_usage_errors_with_one_line():
    column_data()
    numpy_run(f"""np.save("{WORK}/nonum.npy", np.zeros(3, [("c", "<c8"), ("s", "S4")]))""")
    raw, npy = path("rec32.raw"), path("cs.npy")
    for args, fragments in (
            ([raw, "--columns", "t:q9"], [raw, "column 't:q9': unknown type 'q9'"]),
            ([raw, "--columns", "t:<u8@28", "--record", "32"], [raw, "column 't'", "does not fit in a record of 32"]),
            ([raw, "--columns", "t:<u8,x:<i4@4", "--record", "32"], [raw, "'t' and 'x' overlap"]),
            ([raw, "--columns", "t:<u8,t:<i4", "--record", "32"], [raw, "column 't' is named twice"]),
            ([raw, "--columns", ""], ["--columns", "empty"]),
            ([raw, "--columns", "t:<u8,,x:<i4"], [raw, "an empty column"]),
            ([raw, "--columns", "t"], [raw, "not NAME:TYPE"]),
            ([raw, "--columns", "t:<u8@x", "--record", "32"], [raw, "not a byte offset"]),
            ([raw, "--channels", "0"], ["--channels", "'0'", "1 to 4096"]),
            ([raw, "--channels", "4097"], ["--channels", "1 to 4096"]),
            ([raw, "--channels", "-3"], ["--channels"]),
            ([raw, "--channels", "many"], ["--channels", "auto"]),
            ([path("ch16.npy"), "--channels", "7"], ["ch16.npy", "holds 16 channels, not 7"]),
            ([path("one.npy"), "--channels", "auto"], ["one.npy", "2 or more dimensions"]),
            ([npy, "--channels", "auto"], ["cs.npy", "structured dtype has fields, not channels"]),
            ([npy, "--field", "nosuch,x"], ["cs.npy", "no field 'nosuch'"]),
            ([npy, "--field", "x,s[3]"], ["cs.npy", "no element 3"]),
            ([npy, "--field", "x,x"], ["cs.npy", "named twice"]),
            ([path("nonum.npy"), "--field", "all"], ["nonum.npy", "no numeric fields"]),
            ([raw, "--channels", "auto"], [raw, "need a .npy header"]),
            ([raw, "--channels", "4", "--columns", "t:<u8"], ["--channels", "--columns", "choose one"]),
            ([npy, "--channels", "4", "--field", "x"], ["--channels", "--field"]),
            ([raw, "--columns", "t:<u8", "--record", "32", "--field-offset", "8"], ["--field-offset"]),
            ([npy, "--field", "all", "--offset", "3", "--allow-trailing"],
             ["cs.npy", "offset 3 is not a whole number of", "rows"]),
            ([raw, "--columns", "t:<u8,x:<i4", "--record", "32", "--offset", "3"], [raw, "trailing"]),
            ([raw, "--columns", "t:<u8", "--record", "32", "--length", "40"], [raw, "trailing"]),
            ([npy, "--field", "all", "-t", "i32"], ["cs.npy", "a type given, but each field has the header's own"]),
            ([npy, "--columns", "t:<u8"], ["cs.npy", "a .npy header gives the layout"])):
        expect_error(run(*args), 2, *fragments)


@test
def columns_names_are_escaped_in_every_form():
    numpy_run(f"""
a = np.zeros(5, [("\\tb", "<i4"), ("q\\\\", "<i2"), ("\\u00e9", "<u1")])
a["\\tb"] = 7
np.save("{WORK}/esc-cols.npy", a)
""")
    f = path("esc-cols.npy")
    # a field's column is named as --field spells it (\t for a tab, \\ for a backslash: the library's
    # names), which JSON gives as it is and the text forms escape as they escape any name
    spelled = ["\\tb", "q\\\\", "\u00e9"]
    objs = strict_lines(run(f, "--json", "--field", "all"))
    assert [o["column"] for o in objs] == spelled and objs[0]["sum"] == 35, objs
    assert one_json(run(f, "--json", "--field", objs[1]["column"]))["field"] == spelled[1]     # it reads back
    texts = [name.replace("\\", "\\\\") for name in spelled]
    q = [line.split("\t")[1] for line in run(f, "-q", "--field", "all").stdout.decode().splitlines()]
    assert q == texts, q
    head, tables, rest = parse_tables(run(f, "--field", "all", "--histogram", "2").stdout.decode())
    assert tables[0][0] == texts, tables
    assert [line for line in rest if line.startswith("histogram of ")][0].startswith("histogram of %s: " % texts[0])



@test
def columns_bench_times_a_scan_of_columns():
    column_data()
    r = run("bench", path("cs.npy"), "--field", "all", "-r", "1", "-j", "1,2", "-b", "mmap", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert rows and all(row["backend"] == "mmap" for row in rows), rows
    expect_error(run("bench", path("cs.npy"), "--field", "nosuch,x"), 2, "no field 'nosuch'")

if __name__ == "__main__":
    sys.exit(SUITE.main(WORK))
