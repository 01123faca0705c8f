#!/usr/bin/env python3
"""make bench-mpi: mapscan against mapscan-mpi with the same cores, on one file.

Configurations that fill this machine: mapscan with all cores, and mapscan-mpi
as K ranks x T threads for every K*T = cores with T dividing evenly. Each
round runs every configuration once, in turn (starting one further along each
round), cached and then cold (evicted
with POSIX_FADV_DONTNEED before each cold run), so that drift in the machine's
speed touches all alike. Two figures per run: the whole process (mpirun's
start-up included) and the time inside the program (mapscan: the JSON's
`seconds`, the scan; mapscan-mpi: its `job_seconds`, from the end of MPI_Init
to the result on rank 0, its `seconds` being the slowest rank's on the file). Ratios are medians of the per-round ratios against mapscan. Every
answer is checked against the statistics `mapscan gen` reported.

Environment: BENCH_SIZE (default 4G), BENCH_REPEAT (rounds, default 5), BENCH_DIR.
Usage: bench/mpi.py MAPSCAN MAPSCAN_MPI. Writes bench/results/mpi.txt and mpi.csv."""

import csv
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import evict  # noqa: E402  (bench/common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAPSCAN = os.path.abspath(sys.argv[1])
MAPSCAN_MPI = os.path.abspath(sys.argv[2])
RESULTS = os.path.join(ROOT, "bench", "results")
DATA_DIR = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
SIZE = os.environ.get("BENCH_SIZE", "4G")
ROUNDS = int(os.environ.get("BENCH_REPEAT", "5"))
FILE = os.path.join(DATA_DIR, f"bench-mpi-{SIZE}.i32")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
KEYS = ("count", "min", "max", "sum")


def mpirun(ranks, *extra):
    # One rank: not bound to one core (mpirun's default for -np 1 and 2), so its threads get them all.
    bind = ["--bind-to", "none"] if ranks == 1 else []
    return ["mpirun", "-q", *bind, "-np", str(ranks), *extra]


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=ENV)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench-mpi: {' '.join(cmd)}: status {r.returncode}: {r.stderr.decode().strip()}")
    return wall, json.loads(r.stdout)


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    gen = subprocess.run([MAPSCAN, "gen", "--json", "-q", "--force", "-t", "i32", "-s", SIZE, "--seed", "7", FILE],
                         capture_output=True, check=True)
    oracle = json.loads(gen.stdout)
    cores = len(os.sched_getaffinity(0))
    configs = [(f"mapscan -j {cores}", [MAPSCAN, "--json", "-j", str(cores), FILE])]
    for ranks in range(1, cores + 1):
        if cores % ranks == 0:
            threads = cores // ranks
            configs.append((f"mapscan-mpi {ranks} x {threads}",
                            mpirun(ranks) + [MAPSCAN_MPI, "--json", "-j", str(threads), FILE]))
    startup = {k: [] for k in (1, cores)}
    runs = {(name, state): [] for name, _ in configs for state in ("cached", "cold")}
    for rnd in range(ROUNDS):
        for state in ("cached", "cold"):
            if state == "cached":
                subprocess.run(["cat", FILE], stdout=subprocess.DEVNULL, check=True)
            # each round starts with another configuration: the first run after a change of
            # state measured differently from the rest here, whichever it was
            for name, cmd in configs[rnd % len(configs):] + configs[:rnd % len(configs)]:
                if state == "cold":
                    evict(FILE)
                wall, obj = timed(cmd)
                for key in KEYS:
                    if obj[key] != oracle[key]:
                        sys.exit(f"bench-mpi: {name}: {key} {obj[key]} is not gen's {oracle[key]}")
                runs[(name, state)].append((wall, obj.get("job_seconds", obj["seconds"])))
        for k in startup:
            t0 = time.perf_counter()
            subprocess.run(mpirun(k) + ["true"], check=True, env=ENV)
            startup[k].append(time.perf_counter() - t0)
        print(f"round {rnd + 1}/{ROUNDS} done", flush=True)

    nbytes = oracle["bytes"]
    base = configs[0][0]
    rows = []
    for state in ("cached", "cold"):
        for name, _ in configs:
            r = runs[(name, state)]
            ref = runs[(base, state)]
            rows.append({
                "state": state, "command": name,
                "whole_s": statistics.median(w for w, _ in r),
                "inside_s": statistics.median(s for _, s in r),
                "whole_gbs": nbytes / statistics.median(w for w, _ in r) / 1e9,
                "inside_gbs": nbytes / statistics.median(s for _, s in r) / 1e9,
                # throughput ratio = mapscan's time / this one's, per round
                "ratio_inside": statistics.median(b[1] / a[1] for a, b in zip(r, ref)),
                "ratio_whole": statistics.median(b[0] / a[0] for a, b in zip(r, ref)),
            })
    with open(os.path.join(RESULTS, "mpi.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = [f"bench-mpi: {SIZE} random i32, {cores} cores, {ROUNDS} rounds alternating, medians; "
             f"ratio = mapscan's time / this command's, per round, median",
             f"{'state':7} {'command':22} {'inside s':>9} {'GB/s':>7} {'ratio':>6}   {'whole s':>8} {'GB/s':>7} {'ratio':>6}"]
    for r in rows:
        lines.append(f"{r['state']:7} {r['command']:22} {r['inside_s']:9.3f} {r['inside_gbs']:7.2f} "
                     f"{r['ratio_inside']:6.2f}   {r['whole_s']:8.3f} {r['whole_gbs']:7.2f} {r['ratio_whole']:6.2f}")
    for name, _ in configs[1:]:
        fixed = [w - s for state in ("cached", "cold") for w, s in runs[(name, state)]]
        lines.append(f"start-up and finish of {name} (whole - inside): {statistics.median(fixed):.3f} s "
                     f"(median of {len(fixed)})")
    for k, times in startup.items():
        lines.append(f"mpirun -np {k} true (the launcher alone): {statistics.median(times):.3f} s")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "mpi.txt"), "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
