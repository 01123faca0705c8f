#!/usr/bin/env python3
"""Two builds of mapscan on one file, in one session: the speed of a change.

Usage: python3 bench/builds.py OLD_BINARY NEW_BINARY [ROUNDS]   (make bench-builds OLD=...)

Environment: BENCH_SIZE (default 4G), BENCH_DIR (default bench/data).
Generates one file of random i32 with the new build, checks both builds' answers against
what gen reported, then runs ROUNDS alternating rounds (default 5), each starting with the
other build: cached scans (auto, mmap, read: the file in the page cache) and cold scans
(auto, direct: the file evicted with posix_fadvise before each run). Each run is a whole
process, timed by the wall clock. Prints, for each configuration, both builds' median GB/s
and the median of the per-round ratios new/old, and the spread of those ratios (the noise);
writes bench/results/builds.txt."""

import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (bench/common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD, NEW = (os.path.abspath(p) for p in sys.argv[1:3])
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
SIZE = common.parse_size(os.environ.get("BENCH_SIZE", "4G"))
DATA = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
CONFIGS = [("cached", "auto"), ("cached", "mmap"), ("cached", "read"), ("cold", "auto"), ("cold", "direct")]


def scan(binary, path, backend):
    start = time.perf_counter()
    r = subprocess.run([binary, "--json", "-t", "i32", "-b", backend, path], capture_output=True, check=True)
    return time.perf_counter() - start, json.loads(r.stdout)


def main():
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, "builds-i32.bin")
    gen = json.loads(subprocess.run([NEW, "gen", "-f", "--json", "-t", "i32", "-s", str(SIZE), "--seed", "16", path],
                                    capture_output=True, check=True).stdout)
    want = {k: gen[k] for k in ("count", "min", "max", "sum")}
    times = {(state, backend, which): [] for state, backend in CONFIGS for which in ("old", "new")}
    ratios = {(state, backend): [] for state, backend in CONFIGS}
    for rnd in range(ROUNDS):
        order = ("old", "new") if rnd % 2 == 0 else ("new", "old")
        for state, backend in CONFIGS:
            seconds = {}
            for which in order:
                if state == "cold":
                    common.evict(path)
                else:
                    scan(NEW, path, "read")     # make sure it is cached
                t, got = scan(OLD if which == "old" else NEW, path, backend)
                assert {k: got[k] for k in want} == want, (which, backend, got)
                seconds[which] = t
                times[(state, backend, which)].append(t)
            ratios[(state, backend)].append(seconds["old"] / seconds["new"])
    lines = [f"# python3 bench/builds.py {OLD} {NEW} {ROUNDS}   ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{SIZE} bytes of i32, {ROUNDS} alternating rounds, whole processes)",
             f"{'state':7} {'backend':8} {'old GB/s':>9} {'new GB/s':>9} {'new/old':>8}  ratios (speed new/old)"]
    for state, backend in CONFIGS:
        old = SIZE / statistics.median(times[(state, backend, "old")]) / 1e9
        new = SIZE / statistics.median(times[(state, backend, "new")]) / 1e9
        r = ratios[(state, backend)]
        lines.append(f"{state:7} {backend:8} {old:9.2f} {new:9.2f} {statistics.median(r):8.3f}  "
                     + " ".join(f"{x:.3f}" for x in r))
    out = "\n".join(lines) + "\n"
    print(out, end="")
    with open(os.path.join(ROOT, "bench", "results", "builds.txt"), "w") as f:
        f.write(out)
    os.unlink(path)


if __name__ == "__main__":
    main()
