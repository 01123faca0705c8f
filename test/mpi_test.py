#!/usr/bin/env python3
"""Tests of mapscan-mpi under mpirun: for K = 1, 2, 3, 5 and 8 ranks its answers
must be mapscan's, byte for byte in every statistic; failures are one message
each, with the status every rank agreed on, and never a hang.

Run: MAPSCAN=build/mapscan MAPSCAN_MPI=build/mapscan-mpi python3 test/mpi_test.py [NAME-SUBSTRING]
Ends with a line 'N passed, N failed'."""

import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (test/harness.py)

MAPSCAN = os.path.abspath(os.environ.get("MAPSCAN", "build/mapscan"))
MAPSCAN_MPI = os.path.abspath(os.environ.get("MAPSCAN_MPI", "build/mapscan-mpi"))
MPIRUN = os.environ.get("MPIRUN", "mpirun")
NUMPY_PYTHON = "/usr/bin/python3"     # Debian's, where python3-numpy installs
RANKS = (1, 2, 3, 5, 8)
WORK = tempfile.mkdtemp(prefix="mapscan-mpi-")
TIMEOUT = 120
# Open MPI refuses root without these; more ranks than cores need --oversubscribe;
# -q keeps mpirun's own notice about a non-zero exit off stderr.
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
# Keys that say how the scan ran, not what it found.
HOW = {"backend", "kernel", "threads", "seconds", "ranks", "io", "rank_seconds", "slowest_rank", "slowest_host",
       "job_seconds"}
SUITE = harness.Suite()
test = SUITE.test


def path(name):
    return os.path.join(WORK, name)


def mpirun_cmd(k, *args, env=ENV, program=None):
    forward = ["-x", "ASAN_OPTIONS"] if "ASAN_OPTIONS" in env else []     # check-asan's build
    return [MPIRUN, "-q", "--oversubscribe", "--bind-to", "none", *forward, "-np", str(k), program or MAPSCAN_MPI,
            *args]


def mpirun(k, *args, env=ENV, program=None, timeout=TIMEOUT):
    """mpirun's result; on a timeout mpirun is sent SIGTERM, which ends its ranks too, and the
    test fails."""
    p = subprocess.Popen(mpirun_cmd(k, *args, env=env, program=program), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.terminate()
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        raise AssertionError(f"mapscan-mpi {' '.join(args)} with {k} ranks: no end after {timeout} s")
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def mapscan(*args):
    return subprocess.run([MAPSCAN, *args], capture_output=True, timeout=TIMEOUT)


def gen(name, *args):
    r = mapscan("gen", "-q", "--force", *args, path(name))
    assert r.returncode == 0, r.stderr.decode()
    return path(name)


def lines(r):
    return [json.loads(x) for x in r.stdout.decode().splitlines()]


def what(objs):
    return [{k: v for k, v in o.items() if k not in HOW} for o in objs]


STAT = re.compile(r'"(count|nan|min|max|sum|mean)":("[^"]*"|[^,}]*)')


def stat_texts(r):
    """The statistics of each JSON line as the program wrote them: the shortest text that reads back
    as the same binary64, so equal texts are equal bits (-0.0 apart from 0.0, which JSON's readers
    take as equal)."""
    return [STAT.findall(x.split(',"seconds":')[0]) for x in r.stdout.decode().splitlines()]    # not rank_seconds


def same_as_mapscan(args, ranks=RANKS, extra=()):
    """mapscan-mpi with K ranks prints what mapscan prints, for every K."""
    want = mapscan("--json", *args)
    assert want.returncode == 0, want.stderr.decode()
    for k in ranks:
        got = mpirun(k, "--json", *extra, *args)
        assert got.returncode == 0, f"K={k}: status {got.returncode}: {got.stderr.decode()}"
        assert got.stderr == b"", f"K={k}: {got.stderr.decode()}"
        objs = lines(got)
        assert what(objs) == what(lines(want)), f"K={k}:\n{what(objs)}\n!=\n{what(lines(want))}"
        assert stat_texts(got) == stat_texts(want), f"K={k}:\n{stat_texts(got)}\n!=\n{stat_texts(want)}"
        assert all(o["ranks"] == k for o in objs), f"K={k}: ranks {[o['ranks'] for o in objs]}"


def type_files():
    """A .npy file of each type and byte order (they carry their type, so one run
    takes all), each over 16 MiB so that ranks cut it, with a count no K divides;
    and a tiny and an empty one."""
    files = []
    for i, t in enumerate(("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")):
        size = {"i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "i64": 8, "u64": 8}[t]
        for order in ("little", "big") if size > 1 else ("little",):
            count = (17 << 20) // size + 2 * 3 * 5 * 7 + 1 + i
            files.append(gen(f"{t}-{order}.npy", "--format", "npy", "-t", t, "-e", order, "-n", str(count),
                             "--seed", str(i)))
    files.append(gen("tiny.npy", "--format", "npy", "-t", "i64", "-n", "3", "-p", "seq"))
    files.append(gen("empty.npy", "--format", "npy", "-t", "u16", "-n", "0"))
    return files


@test
def every_type_and_order_with_a_total_for_every_k():
    same_as_mapscan(type_files())


@test
def mpiio_gives_what_posix_gives():
    same_as_mapscan(type_files(), extra=("--io", "mpiio"))


@test
def offsets_lengths_and_a_tail_no_k_divides():
    f = gen("u16.raw", "-t", "u16", "-e", "big", "-n", str(23_000_017))
    same_as_mapscan(["-t", "u16", "-e", "big", "--offset", "3", "--length", "40000001", "--allow-trailing", f])
    same_as_mapscan(["-t", "i64", "--offset", "8", "--allow-trailing", f], ranks=(3, 8), extra=("--io", "mpiio"))


@test
def records_and_fields():
    f = gen("records.raw", "-t", "u8", "-n", str(12 * 3_000_001))
    same_as_mapscan(["-t", "i32", "--record", "12", "--field-offset", "4", f])
    r = subprocess.run([NUMPY_PYTHON, "-c", f"""
import numpy as np
a = np.zeros(1_500_007, dtype=[('a', '<u2'), ('pad', 'V3'), ('b', '>i8')])
a['a'] = np.arange(a.size) % 65521
a['b'] = (np.arange(a.size, dtype=np.int64) * 2654435761) % 10**12 - 5 * 10**11
np.save({path('struct.npy')!r}, a)
"""], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    same_as_mapscan(["--field", "b", path("struct.npy")], ranks=(1, 3, 8))
    same_as_mapscan(["--field", "a", path("struct.npy")], ranks=(2, 5), extra=("--io", "mpiio"))


FLOAT_WRITER = r"""
import json, math, sys
import numpy as np
work, big, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])     # bytes
sums = {}


def values(code, seed, size, span=30):
    # moderate values, the type's subnormals, NaN and -0.0 spread through, and its greatest finite value
    # at one end, 1.0 in the middle and its negative at the other: ranks apart, cancelling exactly
    t = np.dtype(code).newbyteorder("=")
    info, rng, count = np.finfo(t), np.random.default_rng(seed), size // t.itemsize
    a = (rng.standard_normal(count) * np.exp2(rng.integers(-span, span, count))).astype(t)
    where = rng.choice(count, 96, replace=False)
    a[where[:32]] = np.nan
    a[where[32:64]] = -0.0
    a[where[64:]] = (np.arange(1, 33) * info.smallest_subnormal).astype(t)
    a[0], a[count // 2], a[-1] = info.max, 1.0, -info.max
    return a


def save(name, a, order, fsum=True):
    a = a.astype(a.dtype.newbyteorder(order))
    if name.endswith(".npy"):
        np.save(f"{work}/{name}", a)
    else:
        a.tofile(f"{work}/{name}")
    if fsum:                    # correctly rounded: an oracle
        sums[name] = math.fsum(a[~np.isnan(a)].astype(np.float64).tolist())


def bf16(a):                    # bfloat16: the top half of a float32's bits
    return (a.astype("<f4").view("<u4") >> 16).astype("<u2")


save("f64-little.npy", values("f8", 1, big), "<")
b = values("f8", 2, small)
b[3], b[-3] = np.inf, -np.inf          # both infinities: NaN
save("f64-big.npy", b, ">", fsum=False)
save("f32-little.npy", values("f4", 3, small), "<")
c = values("f4", 4, big)
c[c.size // 3] = np.inf
save("f32-big.npy", c, ">", fsum=False)
save("f16-little.npy", values("f2", 5, big, 6), "<")
save("f16-big.npy", values("f2", 6, small, 6), ">")
for name, size, order in (("bf16-little.raw", small, "<"), ("bf16-big.raw", big, ">")):
    top = bf16(values("f4", 7, 2 * size))
    top.astype(top.dtype.newbyteorder(order)).tofile(f"{work}/{name}")
    f = (top.astype("<u4") << 16).view("<f4")
    sums[name] = math.fsum(f[~np.isnan(f)].astype(np.float64).tolist())
save("negzero.npy", np.full(small // 4, -0.0, dtype="<f4"), "<")     # -0.0 through every merge
z = np.full(big // 4, -0.0, dtype="<f4")
z[-1] = 0.0
save("negzero-then-zero.npy", z, "<")               # one +0.0, on the last rank: the sum is +0.0
save("all-nan.npy", np.full(small // 8, np.nan, dtype="<f8"), "<", fsum=False)
save("tiny.npy", np.array([-1e-45, np.nan, 3.5], dtype=">f4"), ">")
save("empty.npy", np.zeros(0, dtype="<f8"), "<")
print(json.dumps(sums))
"""
FLOATS = {}


def float_files():
    """.npy files of f16, f32 and f64 in both byte orders, with NaN, infinities, -0.0, subnormals and
    giants that cancel: one of each type over 16 MiB, so that ranks cut it and the giants fall to
    different ranks, the others small, each whole on one rank; all -0.0 (and -0.0 but for a last
    +0.0, cut), all NaN, tiny and empty ones; and raw bf16 files in both orders. Written once by
    numpy; FLOATS gets fsum's correctly rounded sum of each file without infinities."""
    if not FLOATS:
        big, small = (16 << 20) + 8 * (2 * 3 * 5 * 7 + 1), 1 << 20
        r = subprocess.run([NUMPY_PYTHON, "-c", FLOAT_WRITER, WORK, str(big), str(small)], capture_output=True,
                           timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr.decode()
        FLOATS.update(json.loads(r.stdout))
    return [path(name) for name in ("f64-little.npy", "f64-big.npy", "f32-little.npy", "f32-big.npy",
                                    "f16-little.npy", "f16-big.npy", "negzero.npy", "negzero-then-zero.npy",
                                    "all-nan.npy", "tiny.npy", "empty.npy")]


@test
def floats_of_every_type_and_order_are_the_same_bits_for_every_k_and_io():
    files = float_files()
    # Under check-asan's build the same code runs with fewer K: the matrix is the normal build's.
    asan = "ASAN_OPTIONS" in os.environ
    same_as_mapscan(files, ranks=(3,) if asan else (1, 2, 3), extra=("--io", "posix"))
    same_as_mapscan(files, ranks=(2,) if asan else (2, 3), extra=("--io", "mpiio"))
    for order in ("little", "big"):
        same_as_mapscan(["-t", "bf16", "-e", order, path(f"bf16-{order}.raw")], ranks=(3,) if asan else (1, 3))
    same_as_mapscan(["-t", "bf16", "-e", "big", path("bf16-big.raw")], ranks=(2,), extra=("--io", "mpiio"))
    # and those answers (mapscan's, so every K's) are the exact ones: fsum's rounding, NaN counted apart,
    # -0.0 kept apart
    r = mapscan("--json", *files)
    got = {os.path.basename(o["file"] or "total"): (o, dict(t)) for o, t in zip(lines(r), stat_texts(r))}
    for order in ("little", "big"):
        r = mapscan("--json", "-t", "bf16", "-e", order, path(f"bf16-{order}.raw"))
        got[f"bf16-{order}.raw"] = (lines(r)[0], dict(stat_texts(r)[0]))
    assert set(FLOATS) <= set(got), set(FLOATS) - set(got)
    for name, fsum in FLOATS.items():
        assert float(got[name][0]["sum"]) == fsum, (name, got[name][0]["sum"], fsum)
    assert all(got[name][0]["nan"] == 32 for name in ("f64-little.npy", "f32-big.npy", "f16-little.npy"))
    assert [got["f64-big.npy"][1][key] for key in ("min", "max", "sum", "mean")] == ['"-inf"', '"inf"', '"nan"',
                                                                                    '"nan"']
    assert [got["f32-big.npy"][1][key] for key in ("max", "sum", "mean")] == ['"inf"'] * 3
    assert [got["negzero.npy"][1][key] for key in ("min", "max", "sum", "mean")] == ["-0.0"] * 4
    assert [got["negzero-then-zero.npy"][1][key] for key in ("min", "max", "sum", "mean")] == \
        ["-0.0", "0.0", "0.0", "0.0"]
    assert [got["all-nan.npy"][1][key] for key in ("min", "max", "sum", "mean")] == ["null", "null", "0.0", "null"]
    assert got["all-nan.npy"][0]["nan"] == got["all-nan.npy"][0]["count"] > 0


@test
def integer_and_float_files_make_no_total():
    ints = gen("mixed-int.npy", "--format", "npy", "-t", "i32", "-n", "1000")
    floats = float_files()[9]
    want = mapscan("--json", ints, floats)
    for k in (1, 2):
        r = mpirun(k, "--json", ints, floats)
        assert r.returncode == want.returncode == 0 and what(lines(r)) == what(lines(want))
        assert len(lines(r)) == 2 and stat_texts(r) == stat_texts(want)
        assert failure_lines(r) == ["mapscan-mpi: total: none: the files mix integer and floating-point data"], \
            r.stderr.decode()


@test
def many_small_files_and_fewer_elements_than_ranks():
    files = [gen(f"small{i}.raw", "-t", "i32", "-n", str(i), "--seed", str(i)) for i in range(12)]
    same_as_mapscan(files)


def failure_lines(r):
    return [x for x in r.stderr.decode().splitlines() if x]


@test
def a_missing_file_among_good_ones_is_reported_once():
    good = gen("good.raw", "-t", "i32", "-n", str(5_000_001))
    want = mapscan("--json", good, path("missing.raw"), good)
    for k in (1, 2, 5):
        r = mpirun(k, "--json", good, path("missing.raw"), good)
        assert r.returncode == want.returncode == 2, (r.returncode, want.returncode)
        msgs = failure_lines(r)
        assert len(msgs) == 1 and "missing.raw: cannot open: No such file" in msgs[0] and " (rank " in msgs[0], msgs
        assert what(lines(r)) == what(lines(want)), "the good files' results, and no total"


@test
def trailing_bytes_are_refused_with_mapscans_status():
    odd = gen("odd.raw", "-t", "u8", "-n", str(20_000_003))
    for k in (1, 3, 8):
        r = mpirun(k, "-t", "i32", odd)
        assert r.returncode == 2, r.returncode
        msgs = failure_lines(r)
        assert len(msgs) == 1 and "3 trailing bytes" in msgs[0] and "--allow-trailing" in msgs[0], msgs
        assert r.stdout == b""


@test
def bad_options_one_message_status_2():
    f = gen("opt.raw", "-n", "100")
    for args, words in ((["--bogus", f], "--bogus: unknown option"), (["--io", "nfs", f], "unknown I/O path"),
                        (["-t", "i7", f], "unknown type"), (["-"], "standard input cannot be split"),
                        (["--io-hint", "novalue", f], "is not KEY=VALUE"), ([], "no FILE given")):
        r = mpirun(3, *args)
        assert r.returncode == 2, (args, r.returncode)
        msgs = failure_lines(r)
        assert len(msgs) == 1 and words in msgs[0] and msgs[0].startswith("mapscan-mpi: "), (args, msgs)


@test
def help_and_version_come_once():
    r = mpirun(3, "--help")
    assert r.returncode == 0 and r.stdout.decode().count("Usage: mpirun") == 1, r.stdout.decode()
    r = mpirun(2, "--version")
    assert r.returncode == 0 and r.stdout.decode().splitlines() == ["mapscan-mpi " + version()], r.stdout


def version():
    return mapscan("--version").stdout.decode().split()[-1]


OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z0-9])(?![\w-])")


@test
def help_and_man_page_name_the_same_options():
    """Every option mapscan-mpi --help names is in man/mapscan-mpi.1, and every option its
    OPTIONS section sets is in mapscan-mpi's or mapscan's --help."""
    helped = set(OPTION.findall(mpirun(1, "--help").stdout.decode().split("Exit status")[0]))
    helped -= {"-np", "-n"}                                   # mpirun's, in the usage line
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "man", "mapscan-mpi.1")) as fh:
        page = fh.read().replace("\\-", "-")
    in_page = set(OPTION.findall(page))
    assert len(helped) >= 15 and not helped - in_page, sorted(helped - in_page)
    section = page[page.index(".SH OPTIONS"):page.index("\n.SH ", page.index(".SH OPTIONS") + 1)]
    set_there = {o for line in section.splitlines() if line.startswith(".B") for o in OPTION.findall(line)}
    known = helped | set(OPTION.findall(mapscan("--help").stdout.decode()))
    assert not set_there - known, sorted(set_there - known)


@test
def singleton_scans_alone_and_warns_when_a_launcher_meant_more():
    f = gen("single.raw", "-t", "i64", "-n", str(1_000_003))
    want = what(lines(mapscan("--json", "-t", "i64", f)))
    env = {k: v for k, v in ENV.items() if not k.startswith(("SLURM_", "PMI_", "PMIX_", "OMPI_COMM_WORLD"))}
    r = subprocess.run([MAPSCAN_MPI, "--json", "-t", "i64", f], capture_output=True, env=env, timeout=TIMEOUT)
    assert r.returncode == 0 and r.stderr == b"" and what(lines(r)) == want, r.stderr.decode()
    r = subprocess.run([MAPSCAN_MPI, "--json", "-t", "i64", f], capture_output=True, timeout=TIMEOUT,
                       env=dict(env, SLURM_NTASKS="4"))
    assert r.returncode == 0 and what(lines(r)) == want
    assert "one rank, but SLURM_NTASKS=4" in r.stderr.decode(), r.stderr.decode()


@test
def threads_per_rank_share_the_node_and_j_overrides():
    f = gen("threads.raw", "-t", "i32", "-n", str(40 << 20 >> 2))
    cores = int(json.loads(mapscan("--json", f).stdout)["threads"])
    for k in (1, 2):
        o = lines(mpirun(k, "--json", f))[0]
        assert o["threads"] == max(1, cores // k), (k, o["threads"], cores)
    o = lines(mpirun(2, "--json", "-j", "3", f))[0]
    assert o["threads"] == 3, o
    o = lines(mpirun(2, "--json", "--verbose", f))[0]
    times = o["rank_seconds"]
    # every rank's clock starts at the same barrier; leaving it takes each rank a few microseconds
    assert times["min"] <= times["median"] <= times["max"] <= o["job_seconds"] + 0.01, (times, o["job_seconds"])



def mpirun_input(k, data, *args):
    """mpirun with data on its standard input, which it forwards to rank 0."""
    p = subprocess.run(mpirun_cmd(k, *args), input=data, capture_output=True, env=ENV, timeout=TIMEOUT)
    return p


@test
def files_from_a_list_or_standard_input_gives_mapscans_answers():
    big = gen("list-big.raw", "-t", "i32", "-n", str(5_000_003), "--seed", "41")     # over 16 MiB: cut
    small = [gen(f"list{i}.raw", "-t", "i32", "-n", str(1000 + i), "--seed", str(i)) for i in range(4)]
    listed = [small[0], big, small[1], small[2]]
    with open(path("list.txt"), "w") as f:
        f.write("\n".join(listed) + "\n")
    want = mapscan("--json", small[3], *listed)
    assert want.returncode == 0, want.stderr.decode()
    nul = "".join(x + "\0" for x in listed).encode()
    for k in (2, 3):
        for r in (mpirun(k, "--json", small[3], "--files-from", path("list.txt")),
                  mpirun_input(k, nul, "--json", "-0", "--files-from", "-", small[3]),
                  mpirun_input(k, "\n".join(listed).encode(), "--json", small[3], "--files-from", "-")):
            assert r.returncode == 0 and r.stderr == b"", (k, r.returncode, r.stderr.decode())
            objs = lines(r)
            assert what(objs) == what(lines(want)), (k, what(objs))
            # each file's seconds: the slowest rank's on it, within that rank's whole time
            for o in objs[:-1]:
                assert 0 < o["seconds"] <= o["rank_seconds"]["max"] + 1e-3, o
            assert objs[-1]["seconds"] == objs[-1]["job_seconds"], objs[-1]
    r = mpirun_input(3, f"{big}\n\n".encode(), "--files-from", "-")
    assert r.returncode == 2 and r.stdout == b"", r.returncode
    assert failure_lines(r) == ["mapscan-mpi: --files-from -: line 2 is empty (one path a line)"], r.stderr.decode()
    r = mpirun(2, "--files-from", path("no-such-list"))
    assert r.returncode == 2 and len(failure_lines(r)) == 1 and "cannot read the list" in r.stderr.decode()


@test
def require_ranks_fails_a_job_of_another_size():
    f = gen("require.raw", "-t", "i32", "-n", "1000")
    r = mpirun(2, "-q", "--require-ranks", "2", f)
    assert r.returncode == 0 and r.stderr == b"" and r.stdout.decode().startswith(f + "\t1000\t"), r
    r = mpirun(3, "-q", "--require-ranks", "2", f)
    assert r.returncode == 2 and r.stdout == b"", r.returncode
    assert failure_lines(r) == ["mapscan-mpi: --require-ranks: the job has 3 ranks, not 2 (check srun -n/--ntasks "
                                "or mpirun -np; under srun, --mpi=pmix)"], r.stderr.decode()
    env = {k: v for k, v in ENV.items() if not k.startswith(("SLURM_", "PMI_", "PMIX_", "OMPI_COMM_WORLD"))}
    for extra, words in (({}, "started without a launcher"), ({"SLURM_NTASKS": "4"}, "SLURM_NTASKS=4 says a launcher")):
        r = subprocess.run([MAPSCAN_MPI, "--require-ranks", "4", f], capture_output=True, timeout=TIMEOUT,
                           env=dict(env, **extra))
        msgs = failure_lines(r)
        assert r.returncode == 2 and r.stdout == b"" and len(msgs) == 1, (r.returncode, msgs)
        assert "the job has 1 rank, not 4" in msgs[0] and words in msgs[0] and "srun --mpi=pmix" in msgs[0], msgs
    r = mpirun(2, "--require-ranks", "0", f)
    assert r.returncode == 2 and "1 or more" in r.stderr.decode(), r.stderr.decode()


@test
def options_that_do_nothing_warn_once():
    f = gen("noop.raw", "-t", "i32", "-n", "1000")
    for args, words in ((["--io-hint", "cb_buffer_size=1048576"], "--io-hint does nothing without --io mpiio"),
                        (["--io", "mpiio", "-b", "direct"], "-b direct does nothing with --io mpiio"),
                        (["--io", "mpiio", "-b", "mmap"], "-b mmap does nothing with --io mpiio"),
                        (["--io", "mpiio", "--io-size", "4M"], "--io-depth and --io-size do nothing")):
        r = mpirun(3, "-q", *args, f)
        assert r.returncode == 0 and r.stdout.decode().startswith(f + "\t1000\t"), (args, r)
        msgs = failure_lines(r)
        assert len(msgs) == 1 and msgs[0].startswith("mapscan-mpi: warning: ") and words in msgs[0], (args, msgs)
    r = mpirun(2, "-q", "--io", "mpiio", "--io-hint", "cb_buffer_size=1048576", "-b", "read", f)
    assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()


# ---- Ranks that disagree: each rank started in a directory of its own, so that the same
# path names another file on one rank, as a stale node-local copy does on a cluster.

def per_rank(name, k, place):
    """Directories rk0 .. rk{k-1} under WORK/name, place(rank, directory) filling each, and a
    wrapper that starts every rank in its own."""
    base = path(name)
    shutil.rmtree(base, ignore_errors=True)
    for r in range(k):
        os.makedirs(os.path.join(base, f"rk{r}"))
        place(r, os.path.join(base, f"rk{r}"))
    wrap = os.path.join(base, "wrap.sh")
    with open(wrap, "w") as f:
        f.write(f'#!/bin/sh\ncd "{base}/rk$OMPI_COMM_WORLD_RANK" && exec "{MAPSCAN_MPI}" "$@"\n')
    os.chmod(wrap, 0o755)
    return wrap


def disagreeing_files():
    """20 MiB of i32 (every K cuts it), another file of the same size, the same with the first's
    time, and a shorter one."""
    n = str(5 << 20)
    good = gen("agreed.raw", "-t", "i32", "-n", n, "--seed", "1")
    other = gen("other.raw", "-t", "i32", "-n", n, "--seed", "2")
    same_time = gen("other-same-time.raw", "-t", "i32", "-n", n, "--seed", "3")
    st = os.stat(good)
    os.utime(same_time, ns=(st.st_atime_ns, st.st_mtime_ns))
    shorter = gen("shorter.raw", "-t", "i32", "-n", str(4 << 20), "--seed", "1")
    return good, other, same_time, shorter


def odd_rank_cases():
    """(case, the path to scan, place(rank, dir) with the last rank the odd one, the words of
    its message). Rank 0 probes the file; the last rank reads a piece of it. Every case is a
    real failure for root too: a path that does not exist, or names a directory, or runs
    through a regular file."""
    good, other, same_time, shorter = disagreeing_files()

    def holding(odd_file):
        return lambda k: lambda r, d: os.link(good if r < k - 1 else odd_file, os.path.join(d, "x.bin"))

    def missing(k):
        return lambda r, d: r < k - 1 and os.link(good, os.path.join(d, "x.bin"))

    def a_directory(k):
        return lambda r, d: os.link(good, os.path.join(d, "x.bin")) if r < k - 1 else os.mkdir(os.path.join(d, "x.bin"))

    def through_a_file(k):
        def place(r, d):
            if r < k - 1:
                os.mkdir(os.path.join(d, "sub"))
                os.link(good, os.path.join(d, "sub", "x.bin"))
            else:
                os.link(good, os.path.join(d, "sub"))       # sub/x.bin: ENOTDIR
        return place

    return [
        ("same size, another time", "x.bin", holding(other), "not the file rank 0 found at this path: modified "),
        ("another size", "x.bin", holding(shorter), f"{4 << 22} bytes here, {5 << 22} there"),
        ("same size and time, other bytes", "x.bin", holding(same_time), "same size and time, but bytes 0-4095 differ"),
        ("missing", "x.bin", missing, "cannot open: No such file or directory, though rank 0 opened it"),
        ("a directory", "x.bin", a_directory, "not a regular file here, though rank 0 found one"),
        ("a path through a file", "sub/x.bin", through_a_file, "cannot open: Not a directory, though rank 0 opened it"),
    ]


@test
def a_rank_with_another_file_or_none_fails_the_job_in_time():
    """Status 1, one line naming the file, the reason and the odd rank, nothing on stdout, within
    20 s: with --io mpiio a file missing on one rank used to hang MPI_File_open for ever, and
    another file at the path went into the sum with status 0."""
    def one(job):
        (case, arg, place, words), k, io, wrap = job
        r = mpirun(k, "--io", io, arg, program=wrap, timeout=20)
        what_ran = f"{case}, K={k}, --io {io}"
        msgs = failure_lines(r)
        assert r.returncode == 1 and r.stdout == b"", (what_ran, r.returncode, r.stdout, msgs)
        assert len(msgs) == 1 and msgs[0].startswith(f"mapscan-mpi: {arg}: ") and words in msgs[0] \
            and f"(rank {k - 1} on " in msgs[0], (what_ran, msgs)

    # Under check-asan's build the same code runs K = 3 alone: the matrix is the normal build's.
    ks = (3,) if "ASAN_OPTIONS" in os.environ else (2, 3, 5)
    jobs = [(c, k, io) for c in odd_rank_cases() for k in ks for io in ("posix", "mpiio")]
    # Every directory made before any run: a new link to a file changes its ctime, which a scan
    # running meanwhile would take for a change. Three runs at a time: a run mostly waits on
    # MPI's start-up, not on the cores.
    jobs = [(*j, per_rank(f"disagree{n}", j[1], j[0][2](j[1]))) for n, j in enumerate(jobs)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(one, jobs))


@test
def ranks_with_copies_that_keep_size_and_time_agree():
    """A copy made with cp -p (another inode, another ctime) is the same file."""
    good = disagreeing_files()[0]
    wrap = per_rank("copies", 3, lambda r, d: shutil.copy2(good, os.path.join(d, "x.bin")))
    want = what(lines(mapscan("--json", good)))
    for io in ("posix", "mpiio"):
        r = mpirun(3, "--json", "--io", io, "x.bin", program=wrap)
        assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()
        got = what(lines(r))
        assert [{**o, "file": "?"} for o in got] == [{**o, "file": "?"} for o in want], (got, want)


# ---- The extra statistics (--stats, --ddof, --quantiles, --histogram, --range, --describe): each
# rank scans its piece and the ranks meet through the library's sync hook after every pass.

EXTRA_WRITER = r"""
import json, sys
import numpy as np
work = sys.argv[1]
rng = np.random.default_rng(19)
facts = {}


def at(a, fractions, value):
    flat = a.reshape(-1, order="F" if a.ndim > 1 and a.flags.f_contiguous else "C")    # the file's order, a view
    for f in fractions:
        flat[int(f * (flat.size - 1))] = value


def fact(name, a, order):
    flat = a.ravel(order=order)
    keep = ~np.isnan(flat) if flat.dtype.kind == "f" else np.ones(flat.size, bool)
    lo = np.flatnonzero(keep & (flat == flat[keep].min()))[0]
    hi = np.flatnonzero(keep & (flat == flat[keep].max()))[0]
    facts[name] = [int(lo), int(hi), [int(x) for x in np.unravel_index(lo, a.shape, order=order)]]


# 2-D i32 over 16 MiB (every K cuts it), C and Fortran order; each extreme on several ranks (the first wins)
c = rng.integers(-999, 999, size=(2600, 1700), dtype=np.int32)
at(c, (0.55, 0.95), -1000)
at(c, (0.30, 0.31, 0.80), 1000)
np.save(f"{work}/ints-c.npy", c)
fact("ints-c.npy", c, "C")
f = np.asfortranarray(rng.integers(-999, 999, size=(2600, 1700), dtype=np.int32))
at(f, (0.45, 0.97), -1000)
at(f, (0.70, 0.20), 1000)
np.save(f"{work}/ints-f.npy", f)
fact("ints-f.npy", f, "F")
u = rng.integers(1, 255, size=17_000_003, dtype=np.uint8)
at(u, (0.7,), 0)
at(u, (0.4, 0.9), 255)
np.save(f"{work}/u8.npy", u)
np.save(f"{work}/small.npy", rng.integers(-5, 5, size=1000, dtype=np.int32))      # whole on one rank
np.save(f"{work}/empty.npy", np.zeros((0, 4), dtype=np.int32))
# floats with NaN (the first element too), -0.0, and repeated extremes
g = rng.standard_normal(4_500_001).astype(np.float32)
g[0] = np.nan
at(g, (0.1, 0.6), np.nan)
at(g, (0.5,), -0.0)
at(g, (0.5, 0.75), -8.0)
at(g, (0.85, 0.2), 8.0)
np.save(f"{work}/f32.npy", g)
fact("f32.npy", g, "C")
h = np.asfortranarray(rng.standard_normal((1500, 1500)))
at(h, (0.33, 0.66), np.nan)
at(h, (0.9, 0.4), -7.5)
at(h, (0.1, 0.99), 7.5)
np.save(f"{work}/f64-f.npy", h)
fact("f64-f.npy", h, "F")
np.save(f"{work}/tiny.npy", np.array([np.nan, -0.0, 2.5]))
# the raw reading of ints-c.npy from element 3 (its 128-byte header and 12 bytes skipped), 4 000 000 of them
fact("raw", c.ravel()[3:3 + 4_000_000], "C")
print(json.dumps(facts))
"""
EXTRA_FACTS = {}
EXTRA_INTS = ("ints-c.npy", "ints-f.npy", "u8.npy", "small.npy", "empty.npy")
EXTRA_FLOATS = ("f32.npy", "f64-f.npy", "tiny.npy")


def extra_files():
    """Written once by numpy (EXTRA_WRITER); EXTRA_FACTS gets numpy's first argmin, argmax and
    the argmin's index of some of them."""
    if not EXTRA_FACTS:
        os.makedirs(path("extra"), exist_ok=True)
        r = subprocess.run([NUMPY_PYTHON, "-c", EXTRA_WRITER, path("extra")], capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr.decode()
        EXTRA_FACTS.update(json.loads(r.stdout))
    return [path(f"extra/{n}") for n in EXTRA_INTS], [path(f"extra/{n}") for n in EXTRA_FLOATS]


def exact(r):
    """Each JSON line but the keys of HOW, with every number as the program wrote it (the
    shortest text that reads back as the same binary64: equal texts, equal bits)."""
    return [{k: v for k, v in json.loads(x, parse_float=str, parse_int=str).items() if k not in HOW}
            for x in r.stdout.decode().splitlines()]


def same_extra_as_mapscan(args, ranks, extra=()):
    """mapscan-mpi prints mapscan's JSON, number for number, for each K; returns mapscan's."""
    want = mapscan("--json", *args)
    assert want.returncode == 0 and want.stderr == b"", want.stderr.decode()
    for k in ranks:
        got = mpirun(k, "--json", *extra, *args)
        said = f"K={k} {' '.join(extra)}"
        assert got.returncode == 0 and got.stderr == b"", (said, got.returncode, got.stderr.decode())
        assert exact(got) == exact(want), f"{said}:\n{exact(got)}\n!=\n{exact(want)}"
    return exact(want)


def asan_or(ranks, fewer):
    """Under check-asan's build the same code runs with fewer K: the matrix is the normal build's."""
    return fewer if "ASAN_OPTIONS" in os.environ else ranks


@test
def extra_statistics_are_mapscans_bits_for_every_k():
    """--describe --histogram 7 --ddof 1 (var and std, argmin and argmax with their .npy index,
    quartiles refined over several passes, a histogram over the data's min and max) over files
    every K cuts, a file whole on one rank and an empty one: the same numbers as mapscan's, and
    the total's var and std over all; argmin and argmax are numpy's."""
    ints, floats = extra_files()
    want = same_extra_as_mapscan([*ints, "--describe", "--histogram", "7", "--ddof", "1"], asan_or((1, 2, 3), (3,)))
    assert want[-1]["file"] is None and "var" in want[-1] and "histogram" not in want[-1], want[-1]
    want += same_extra_as_mapscan([*floats, "--describe", "--histogram", "7"], asan_or((1, 2, 3), (2,)))
    got = {os.path.basename(o["file"]): o for o in want if o["file"]}
    for name in ("ints-c.npy", "ints-f.npy", "f32.npy", "f64-f.npy"):
        lo, hi, index = EXTRA_FACTS[name]
        o = got[name]
        assert (int(o["argmin"]), int(o["argmax"]), [int(x) for x in o["argmin_index"]]) == (lo, hi, index), \
            (name, o["argmin"], o["argmax"], o["argmin_index"], EXTRA_FACTS[name])


@test
def extra_statistics_with_a_range_and_an_offset_for_every_k():
    """A histogram with --range (one pass: below and above, and a total histogram over the
    files), with 5 ranks too; a raw reading from an offset, whose positions count from it."""
    ints, floats = extra_files()
    some = [ints[0], ints[3], ints[4]]      # C order, whole on one rank, empty
    want = same_extra_as_mapscan([*some, "--describe", "--histogram", "7", "--range", "-900:900.5"],
                                 asan_or((5,), (2,)))
    assert "histogram" in want[-1] and "below" in want[-1]["histogram"], want[-1]
    same_extra_as_mapscan([*floats, "--stats", "var,argmax", "--median", "--histogram", "5", "--range", "-3:3"],
                          (2,))
    raw = ["--format", "raw", "-t", "i32", "--offset", "140", "--length", "16000000", ints[0]]
    want = same_extra_as_mapscan([*raw, "--stats", "argmin,argmax", "--quantiles", "0,0.1,1", "--histogram", "3"],
                                 (3,))
    lo, hi, _ = EXTRA_FACTS["raw"]
    assert (int(want[0]["argmin"]), int(want[0]["argmax"])) == (lo, hi), (want[0], EXTRA_FACTS["raw"])


@test
def extra_statistics_through_mpiio():
    """--io mpiio reads each piece once, reducing each 32 MiB round as it comes: what one pass
    answers gives mapscan's numbers (var, std, argmin, argmax, a histogram with --range, the
    quantiles of an 8-bit type); a histogram without --range is bad usage, quantiles of a wider
    type fail that file (status 2), each said in one line."""
    ints, floats = extra_files()
    io = ("--io", "mpiio")
    some = [ints[1], ints[3], ints[4]]      # Fortran order, whole on one rank, empty
    same_extra_as_mapscan([*some, "--stats", "all", "--ddof", "1", "--histogram", "7", "--range", "-900:900.5"],
                          asan_or((1, 2, 3), (2,)), extra=io)
    same_extra_as_mapscan([*floats, "--stats", "all", "--histogram", "7", "--range", "-3:3"], (3,), extra=io)
    same_extra_as_mapscan([ints[2], "--describe", "--histogram", "4", "--range", "0:256"], (2,), extra=io)
    r = mpirun(2, *io, "--histogram", "7", ints[0])
    assert r.returncode == 2 and r.stdout == b"", (r.returncode, r.stdout)
    msgs = failure_lines(r)
    assert len(msgs) == 1 and msgs[0].startswith("mapscan-mpi: --histogram: without --range") and "--io posix" in \
        msgs[0], msgs
    r = mpirun(2, *io, "--json", "--median", ints[0], ints[2])
    assert r.returncode == 2, r.returncode
    msgs = failure_lines(r)
    assert len(msgs) == 1 and msgs[0].startswith(f"mapscan-mpi: {ints[0]}: quantiles of i32 need more than one pass")\
        and "--io posix" in msgs[0], msgs
    assert exact(r) == exact(mapscan("--json", "--median", ints[2])), r.stdout.decode()


@test
def a_failing_rank_meets_the_others_once_and_all_end():
    """With extra statistics every rank meets the others after a file's first pass: a rank that
    reads another file at the path fails it there, and the others stop with it: status 1, one
    line naming that rank, no hang; the other files' results are printed, and a file missing
    everywhere is one line too."""
    ints, _ = extra_files()
    good, other, _, _ = disagreeing_files()
    small = ints[3]
    want = exact(mapscan("--json", "--stats", "all", "--histogram", "7", "--range", "-5:5", small))

    def one(job):
        k, io, wrap, stats = job
        r = mpirun(k, "--json", "--io", io, *stats, "x.bin", small, path("missing.raw"), program=wrap, timeout=30)
        said = f"K={k} --io {io} {' '.join(stats)}"
        msgs = failure_lines(r)
        assert r.returncode == 2, (said, r.returncode, msgs)     # the missing file's status, above the other's 1
        assert len(msgs) == 2 and msgs[0].startswith("mapscan-mpi: x.bin: not the file rank 0 found") \
            and f"(rank {k - 1} on " in msgs[0] and "missing.raw: cannot open" in msgs[1], (said, msgs)
        got = exact(r)
        if "--describe" not in stats:
            assert got == want, (said, got, want)
        else:
            assert len(got) == 1 and got[0]["file"] == small and "quantiles" in got[0], (said, got)

    describe = ("--describe", "--histogram", "7")
    ranged = ("--stats", "all", "--histogram", "7", "--range", "-5:5")
    jobs = [(k, io, stats) for k in asan_or((2, 3), (3,)) for io, stats in
            (("posix", describe), ("posix", ranged), ("mpiio", ranged))]
    jobs = [(k, io, per_rank(f"extra-disagree{n}", k, lambda r, d, k=k: os.link(good if r < k - 1 else other,
                                                                                   os.path.join(d, "x.bin"))), stats)
            for n, (k, io, stats) in enumerate(jobs)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(one, jobs))


# ---- Several columns in one scan: a field list or all, channels, raw columns.

COLUMNS_WRITER = r"""
import sys
import numpy as np
work = sys.argv[1]
rng = np.random.default_rng(7)
# records of 25 bytes, packed: integers and floats of both byte orders, a sub-array, bytes that are no
# number; over 16 MiB (every K cuts it), a count no K divides; NaN, -0.0 and each extreme on several ranks
dt = np.dtype([("id", "<i4"), ("x", "<f8"), ("v", ">u2", (3,)), ("tag", "S2"), ("w", ">f4"), ("b", "i1")])
n = (17 << 20) // dt.itemsize + 211
a = np.zeros(n, dt)
a["id"] = rng.integers(-10**6, 10**6, n)
a["x"] = rng.standard_normal(n)
a["v"] = rng.integers(0, 65535, (n, 3))
a["w"] = rng.standard_normal(n).astype(np.float32)
a["b"] = rng.integers(-127, 127, n)
a["x"][::1009] = np.nan
a["x"][0] = np.nan
a["w"][n // 2] = np.nan
for where in (0.15, 0.55, 0.95):
    i = int(n * where)
    a["id"][i], a["b"][i], a["x"][i + 1], a["w"][i + 2] = -10**6 - 1, -128, 9.5, -0.0
    a["v"][i + 3] = (65535, 0, 65535)
np.save(f"{work}/rec.npy", a)
np.save(f"{work}/rec-small.npy", a[:1000])        # whole on one rank
np.save(f"{work}/rec-empty.npy", a[:0])
b = a.copy()
b["id"] += 1
np.save(f"{work}/rec-other.npy", b)             # another file of the same size
a.tofile(f"{work}/rec.raw")                     # the same records, raw
# channels: the last axis of a 2-D array, C order (rows interleave them) and Fortran (each a run); of one
# type, so that the two have a total
c = rng.integers(-999, 999, size=((17 << 20) // 12 + 7, 3)).astype("<f4")
c[[7, 900_000, 1_400_000], 1] = -1000.0
c[[8, 1_300_000], 0] = np.nan
c[9, 2] = -0.0
np.save(f"{work}/c.npy", c)
f = np.asfortranarray(rng.standard_normal(((17 << 20) // 12 + 5, 3)).astype("<f4"))
f[5, 2] = np.nan
f[[3, 700_000, 1_400_000], 0] = -9.0
f[[11, 1_000_000], 2] = 9.0
np.save(f"{work}/f.npy", f)
"""


def columns_files():
    """Written once by numpy (COLUMNS_WRITER) into WORK/columns; returns the path of name."""
    d = path("columns")
    if not os.path.exists(os.path.join(d, "f.npy")):
        os.makedirs(d, exist_ok=True)
        r = subprocess.run([NUMPY_PYTHON, "-c", COLUMNS_WRITER, d], capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr.decode()
    return lambda name: os.path.join(d, name)


def without_how(o):
    """A JSON value without the keys of HOW at any depth (a column's own time, threads...)."""
    if isinstance(o, dict):
        return {k: without_how(v) for k, v in o.items() if k not in HOW}
    if isinstance(o, list):
        return [without_how(x) for x in o]
    return o


def exact_deep(r):
    """exact(), for results with columns: every number as written, HOW left out at any depth."""
    return [without_how(json.loads(x, parse_float=str, parse_int=str)) for x in r.stdout.decode().splitlines()]


def same_columns_as_mapscan(jobs):
    """Each job (args, K, extra): mapscan-mpi prints mapscan's JSON, number for number, for every
    column; run three at a time."""
    wants = {}
    for args, _, _ in jobs:
        if tuple(args) not in wants:
            want = mapscan("--json", *args)
            assert want.returncode == 0 and want.stderr == b"", (args, want.stderr.decode())
            wants[tuple(args)] = exact_deep(want)
    assert any("column" in o for w in wants.values() for o in w), "no column in mapscan's output"

    def one(job):
        args, k, extra = job
        got = mpirun(k, "--json", *extra, *args)
        said = f"K={k} {' '.join(extra)} {' '.join(args)}"
        assert got.returncode == 0 and got.stderr == b"", (said, got.returncode, got.stderr.decode())
        assert exact_deep(got) == wants[tuple(args)], f"{said}:\n{exact_deep(got)}\n!=\n{wants[tuple(args)]}"

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(one, jobs))


@test
def columns_of_a_structured_npy_for_every_k():
    """--field all (every numeric field, the sub-array as v[0] v[1] v[2], the bytes field left out)
    with --stats all over a file every K cuts, one whole on a rank and an empty one (ranks without a
    piece scan nothing and meet the others), for K = 1, 2, 3, 5, --io posix and mpiio: each
    column's numbers are mapscan's, argmin and argmax of the whole file whichever rank read them;
    and without extra statistics, where rank 0 gathers and merges every rank's share."""
    f = columns_files()
    files = [f("rec.npy"), f("rec-small.npy"), f("rec-empty.npy")]
    every = [(["--field", "all", "--stats", "all", *files], k, io) for k in asan_or((1, 2, 3, 5), (3,))
             for io in ((), ("--io", "mpiio"))]
    same_columns_as_mapscan(every + [(["--field", "all", *files], k, ()) for k in asan_or((5,), ())])


@test
def a_field_list_with_quantiles_and_histograms_per_column():
    """A list of fields, some of a sub-array's elements: quartiles refined over several passes
    and a histogram over each column's own min and max (posix), a histogram with --range, and
    an offset in whole records, whose positions count from it; with --io mpiio, quantiles and
    histograms of several columns fail the file (status 2, one line) and the others go on."""
    f = columns_files()
    files = [f("rec.npy"), f("rec-small.npy"), f("rec-empty.npy")]
    same_columns_as_mapscan([
        *((["--field", "x,b,v[1],w", "--describe", "--histogram", "5", "--ddof", "1", *files], k, ())
          for k in asan_or((2, 5), (2,))),
        (["--field", "id,w,v", "--stats", "argmin,argmax", "--histogram", "4", "--range", "-2:2",
          "--offset", str(25 * 1001), f("rec.npy")], 3, ()),
        (["--field", "v[2],id", "--stats", "all", "--offset", str(25 * 1001), f("rec.npy")], 5, ("--io", "mpiio")),
    ])
    r = mpirun(2, "--io", "mpiio", "--json", "--field", "x,b", "--median", f("rec.npy"), f("rec-empty.npy"))
    msgs = failure_lines(r)
    assert r.returncode == 2 and len(msgs) == 1 and msgs[0].startswith(f"mapscan-mpi: {f('rec.npy')}: quantiles and "
                                                                       "histograms of several columns") \
        and "--io posix" in msgs[0], (r.returncode, msgs)
    assert exact_deep(r) == exact_deep(mapscan("--json", "--field", "x,b", "--median", f("rec-empty.npy")))


@test
def a_failing_rank_with_columns_ends_the_file_not_the_job():
    """The last rank finds another file at the path: with --stats all it meets the others once
    through the sync hook (posix) and all stop; without, and with --io mpiio, its share never
    comes; each time the file is one line naming that rank, status 1, no hang, and the other
    file's columns are mapscan's."""
    f = columns_files()
    cwd = os.path.dirname(f("rec-small.npy"))
    want, want_plain = (exact_deep(subprocess.run([MAPSCAN, "--json", "--field", "all", *stats, "rec-small.npy"],
                                                  capture_output=True, cwd=cwd, timeout=TIMEOUT))
                        for stats in (("--stats", "all"), ()))
    for o in want + want_plain:
        o["file"] = "s.npy"

    def one(job):
        n, io, stats = job
        wrap = per_rank(f"columns-disagree{n}", 3,
                        lambda r, d: (os.link(f("rec.npy") if r < 2 else f("rec-other.npy"), os.path.join(d, "x.npy")),
                                      os.link(f("rec-small.npy"), os.path.join(d, "s.npy"))))
        r = mpirun(3, "--json", "--io", io, "--field", "all", *stats, "x.npy", "s.npy", program=wrap, timeout=30)
        said = f"--io {io} {' '.join(stats)}"
        msgs = failure_lines(r)
        assert r.returncode == 1, (said, r.returncode, msgs)
        assert len(msgs) == 1 and msgs[0].startswith("mapscan-mpi: x.npy: not the file rank 0 found") \
            and "(rank 2 on " in msgs[0], (said, msgs)
        assert exact_deep(r) == (want if stats else want_plain), (said, exact_deep(r))

    jobs = [(0, "posix", ("--stats", "all")), (1, "posix", ()), (2, "mpiio", ("--stats", "all"))]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(one, jobs))


@test
def channels_of_c_and_fortran_order_arrays_for_every_k():
    """--channels auto over 2-D arrays every K cuts: C order (each row's channels interleaved,
    positions in rows from the piece's first, moved to the file's) and Fortran order (each
    channel a run, positions from the run's start on every rank: moved by nothing), for K = 1,
    2, 3, 5, posix and mpiio (which scans a Fortran array a channel's stretch at a time); ranks
    with no piece of a file scan nothing and meet the others; quantiles and histograms per
    channel (posix), and an offset and length in whole rows and elements."""
    f = columns_files()
    files = [f("c.npy"), f("f.npy")]
    window = ["--offset", "36", "--length", "12000000"]     # whole rows of c.npy, whole elements of f.npy
    same_columns_as_mapscan(
        [(["--channels", "auto", "--stats", "all", *files], k, io) for k in asan_or((1, 2, 3, 5), (3,))
         for io in ((), ("--io", "mpiio"))] +
        [(["--channels", "3", "--describe", "--histogram", "4", *window, *files], 3, ()),
         (["--channels", "auto", "--stats", "all", *window, *files], 5, ("--io", "mpiio"))])


@test
def raw_columns_and_raw_channels():
    """--columns NAME:TYPE[@OFF] over the raw records of rec.npy (--record 25), from an offset
    and for a length of whole records, posix and mpiio; --channels N of a raw type (rows of N
    elements) with quantiles per channel."""
    f = columns_files()
    spec = "id:<i4,x:<f8,v0:>u2,v2:>u2@16,w:>f4@20,b:i1"
    raw = ["--format", "raw", "--columns", spec, "--record", "25", "--stats", "all"]
    same_columns_as_mapscan([
        ([*raw, "--offset", "250", "--length", str(25 * 640_007), f("rec.raw")], 2, ()),
        ([*raw, "--offset", "250", "--length", str(25 * 640_007), f("rec.raw")], 3, ("--io", "mpiio")),
        ([*raw, f("rec.raw")], 5, ()),
        (["--format", "raw", "-t", "u8", "--channels", "5", "--stats", "var", "--median", f("rec.raw")], 3, ()),
    ])


@test
def an_offset_keeps_its_origin_when_a_rank_scans_nothing():
    """A .npy's argmin_index adds the offset's elements to the position: the printed origin is the
    probe's, not the merge's (a rank that scans nothing has origin 0)."""
    f = columns_files()
    small = gen("offset-origin.npy", "--format", "npy", "-t", "i32", "-n", "3000", "-p", "mod:17")
    same_columns_as_mapscan([(["--stats", "all", "--offset", "8", small], 2, ()),
                             (["--field", "all", "--stats", "all", "--offset", "250", f("rec-small.npy")], 3, ())])


# ---- Interrupts and --progress, on a sparse file: long to scan, nothing to store.

PROGRESS_LINE = re.compile(r"^mapscan-mpi: [0-9.]+ [KMGT]?i?B of ([0-9.]+ [KMGT]?i?B) \(([0-9]+)%\), [0-9.]+ [MG]B/s$")


def sparse(name, size):
    f = path(name)
    if not os.path.exists(f):
        with open(f, "wb") as out:
            out.truncate(size)
    return f


def start_scanning(cmd, f, ranks, env=ENV):
    """Starts cmd, a scan of f, and returns it once each of its `ranks` ranks has f open (its
    signal handlers are in place by then)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while True:
        pids = ranks_of(p.pid)
        reading = [q for q in pids if holds(q, f)]
        if len(reading) == ranks:
            return p, pids
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            out, err = p.communicate()
            raise AssertionError(f"the ranks never all had {f} open ({p.returncode}): {err!r}")
        time.sleep(0.05)


def holds(pid, f):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == f for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def finish(p, seconds):
    try:
        out, err = p.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"still running {seconds} s after the signal")
    return p.returncode, out, failure_lines(subprocess.CompletedProcess(p.args, p.returncode, out, err))


def ranks_of(pid):
    """The mapscan-mpi processes that are pid or under it (mpirun), by /proc."""
    children = {}
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    if os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(MAPSCAN_MPI):
        found.append(pid)
    while todo:
        for c in children.get(todo.pop(), []):
            todo.append(c)
            try:
                if os.path.realpath(f"/proc/{c}/exe") == os.path.realpath(MAPSCAN_MPI):
                    found.append(c)
            except OSError:
                pass
    return found


@test
def an_interrupted_mpirun_says_it_once_and_prints_no_result():
    """mpirun, sent SIGINT (Ctrl-C) or SIGTERM, sends its ranks SIGTERM a second later: they
    stop, rank 0 says it once, nothing reaches stdout, and mpirun exits 1 (its own status for
    a job it ended)."""
    f = sparse("sparse-64g.raw", 64 << 30)
    for sig in (signal.SIGINT, signal.SIGTERM):
        p, _ = start_scanning(mpirun_cmd(2, "-j", "1", f), f, 2)
        p.send_signal(sig)
        status, out, others = finish(p, 15)
        # mpirun's libevent, ending a job it killed, now and then warns of a descriptor it
        # closed itself (open-mpi/ompi#2004): its words, not a rank's.
        others = [x for x in others if not x.startswith("[warn] Epoll ")]
        assert status == 1 and out == b"", (sig, status, out)
        assert others == ["mapscan-mpi: interrupted by SIGTERM; no results"], (sig, others)


@test
def interrupted_ranks_each_exit_128_plus_the_signal():
    """The signal sent to every rank, as srun and scancel do: every rank exits 130 for SIGINT,
    143 for SIGTERM (a wrapper records each), the message comes once, and so does mpirun's
    status (the ranks' own)."""
    f = sparse("sparse-64g.raw", 64 << 30)
    base = path("statuses")
    os.makedirs(base, exist_ok=True)
    wrap = os.path.join(base, "wrap.sh")
    with open(wrap, "w") as out:      # a trap that runs a command leaves the rank the default action
        out.write(f'#!/bin/bash\ntrap true INT TERM\n"{MAPSCAN_MPI}" "$@"\nrc=$?\n'
                  f'echo $rc > "{base}/rc.$OMPI_COMM_WORLD_RANK"\nexit $rc\n')
    os.chmod(wrap, 0o755)
    for sig in (signal.SIGINT, signal.SIGTERM):
        for old in os.listdir(base):
            if old.startswith("rc."):
                os.unlink(os.path.join(base, old))
        p, ranks = start_scanning(mpirun_cmd(3, "-j", "1", f, program=wrap), f, 3)
        for r in ranks:
            os.kill(r, sig)
        status, out, others = finish(p, 15)
        name = signal.Signals(sig).name
        assert status == 128 + sig and out == b"", (name, status, out)
        assert others == [f"mapscan-mpi: interrupted by {name}; no results"], (name, others)
        recorded = sorted(open(os.path.join(base, f"rc.{r}")).read().strip() for r in range(3))
        assert recorded == [str(128 + sig)] * 3, (name, recorded)


@test
def a_rank_started_alone_exits_128_plus_the_signal():
    f = sparse("sparse-64g.raw", 64 << 30)
    env = {k: v for k, v in ENV.items() if not k.startswith(("SLURM_", "PMI_", "PMIX_", "OMPI_COMM_WORLD"))}
    for sig in (signal.SIGINT, signal.SIGTERM):
        p, _ = start_scanning([MAPSCAN_MPI, "-j", "1", f], f, 1, env=env)
        p.send_signal(sig)
        status, out, others = finish(p, 15)
        name = signal.Signals(sig).name
        assert status == 128 + sig and out == b"", (name, status, out)
        assert others == [f"mapscan-mpi: interrupted by {name}; no results"], (name, others)


@test
def progress_shows_the_bytes_of_all_ranks():
    """Rank 0's lines (stderr is not a terminal) count every rank's bytes: they rise to the
    whole, at most two a second, and the result is the scan's. The first comes once the scan
    has run 0.5 s, so a job whose scan took 1 s (job_seconds, mpirun's start-up left out) must
    show some. Holes, read with pread (-b read: no drop-behind, which would cost more than the
    read), run at 2-8 GB/s a rank here; MPI-IO is far slower."""
    for k, io, size, backend in ((2, "posix", 4 << 30, "read"), (2, "mpiio", 1 << 30, "auto")):
        f = sparse(f"sparse-{size >> 30}g.raw", size)
        r = mpirun(k, "--json", "--progress", "-j", "1", "-b", backend, "--io", io, f)
        assert r.returncode == 0, r.stderr.decode()
        got = lines(r)
        assert [o["count"] for o in got] == [size // 4], r.stdout
        took = got[0]["job_seconds"]
        shown = [PROGRESS_LINE.match(x) for x in r.stderr.decode().splitlines()]
        assert all(shown) and (shown or took < 1), (took, r.stderr.decode())
        percents = [int(m.group(2)) for m in shown]
        assert percents == sorted(percents) and all(p <= 100 for p in percents), percents
        assert all(m.group(1) == f"{size >> 30}.00 GiB" for m in shown), r.stderr.decode()
        assert len(shown) <= 2 * took + 1, (len(shown), took)
        if took > 2:        # a rank's share alone would stop at 1/k
            assert percents[-1] > 100 // k + 10, (k, io, percents)


@test
def progress_counts_the_passes_of_the_extra_statistics():
    """A histogram over the data's min and max takes a second pass: each rank shows its piece's
    bytes as the share of its passes done, so the lines still rise to the whole, never back."""
    size = 1 << 30
    f = sparse("sparse-1g.raw", size)
    r = mpirun(2, "--json", "--progress", "-j", "1", "-b", "read", "--histogram", "5", f)
    assert r.returncode == 0, r.stderr.decode()
    got = lines(r)
    assert [o["count"] for o in got] == [size // 4] and got[0]["histogram"]["counts"][2] == size // 4, r.stdout
    shown = [PROGRESS_LINE.match(x) for x in r.stderr.decode().splitlines()]
    assert all(shown) and (shown or got[0]["job_seconds"] < 1), r.stderr.decode()
    percents = [int(m.group(2)) for m in shown]
    assert percents == sorted(percents) and all(p <= 100 for p in percents), percents
    assert all(m.group(1) == "1.00 GiB" for m in shown), r.stderr.decode()


if __name__ == "__main__":
    sys.exit(SUITE.main(WORK))
