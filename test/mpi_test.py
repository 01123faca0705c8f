#!/usr/bin/env python3
"""Tests of mapscan-mpi under mpirun: for K = 1, 2, 3, 5 and 8 ranks its answers
must be mapscan's, byte for byte in every statistic; failures are one message
each, with the status every rank agreed on, and never a hang.

Run: MAPSCAN=build/mapscan MAPSCAN_MPI=build/mapscan-mpi python3 test/mpi_test.py [NAME-SUBSTRING]
Ends with a line 'N passed, N failed'."""

import json
import os
import subprocess
import sys
import tempfile

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
HOW = {"backend", "kernel", "threads", "seconds", "ranks", "io", "rank_seconds", "slowest_rank", "slowest_host"}
SUITE = harness.Suite()
test = SUITE.test


def path(name):
    return os.path.join(WORK, name)


def mpirun(k, *args, env=ENV):
    forward = ["-x", "ASAN_OPTIONS"] if "ASAN_OPTIONS" in env else []     # check-asan's build
    cmd = [MPIRUN, "-q", "--oversubscribe", "--bind-to", "none", *forward, "-np", str(k), MAPSCAN_MPI, *args]
    return subprocess.run(cmd, capture_output=True, env=env, timeout=TIMEOUT)


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
    assert times["min"] <= times["median"] <= times["max"] <= o["seconds"] + 0.01, (times, o["seconds"])


if __name__ == "__main__":
    sys.exit(SUITE.main(WORK))
