#!/usr/bin/env python3
"""Cold reads against the disk's ceiling: fio with O_DIRECT and io_uring over a
small sweep of request sizes and depths (the best is the ceiling), cat, and
mapscan's backends, every one on a freshly evicted file (POSIX_FADV_DONTNEED),
in alternating rounds (each round starts one command further along) so that
the disk's drift touches all alike; ratios are medians of the per-round ratios.
Also: mapscan inside a memory cgroup (scripts/memcg.sh) against the same scan
uncapped, the direct backend's peak RSS and the file's resident pages before and
after it (fincore), and the default scan of the cached file. Every mapscan
answer is checked against `mapscan gen`'s.

Usage: bench/direct.py MAPSCAN [FILE]   (make bench-direct; make bench runs it on its file)
Environment: BENCH_SIZE (default 4G), BENCH_REPEAT (rounds, at least 3), BENCH_DIR,
BENCH_CGROUP_LIMIT (default 256M). Writes bench/results/direct.txt, direct.csv and direct.png."""

import csv
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import evict, parse_size  # noqa: E402  (bench/common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
KEYS = ("count", "min", "max", "sum")
FIO_SWEEP = [(bs, depth) for bs in ("1M", "4M", "16M") for depth in (8, 32)]
DIRECT_SWEEP = [(depth, size) for depth, size in ((4, "1M"), (16, "1M"), (8, "2M"), (4, "4M"))]


def resident_bytes(path):
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", path],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


class Bench:
    def __init__(self, mapscan, path, oracle, log):
        self.mapscan, self.path, self.oracle, self.log = mapscan, path, oracle, log
        self.peak_rss = os.path.join(os.path.dirname(mapscan), "bench", "peak_rss")
        self.rss_file = path + ".peak_rss"

    def timed(self, cmd, cgroup=None, output=True):
        """(seconds, peak RSS KiB, stdout) of one whole process; output=False sends stdout to /dev/null."""
        if cgroup:
            cmd = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, *cmd]
        t0 = time.perf_counter()
        r = subprocess.run([self.peak_rss, self.rss_file, *cmd], stderr=subprocess.PIPE,
                           stdout=subprocess.PIPE if output else subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"bench-direct: {' '.join(cmd)}: status {r.returncode}: {r.stderr.decode().strip()}")
        with open(self.rss_file) as f:
            rss = int(f.read().split()[0])
        return wall, rss, r.stdout

    def mapscan_run(self, args, cgroup=None):
        wall, rss, out = self.timed([self.mapscan, "--json", "--no-progress", *args, self.path], cgroup)
        obj = json.loads(out)
        for key in KEYS:
            if obj[key] != self.oracle[key]:
                sys.exit(f"bench-direct: mapscan {' '.join(args)}: {key} {obj[key]} is not gen's {self.oracle[key]}")
        return {"whole": wall, "inside": obj["seconds"], "rss": rss, "backend": obj["backend"]}

    def fio_run(self, bs, depth):
        size = os.path.getsize(self.path) // (16 << 20) * (16 << 20)
        wall, rss, out = self.timed(["fio", "--name=ceiling", f"--filename={self.path}", "--readonly", "--rw=read",
                                     "--direct=1", "--ioengine=io_uring", f"--bs={bs}", f"--iodepth={depth}",
                                     f"--size={size}", "--output-format=json"])
        job = json.loads(out)["jobs"][0]["read"]
        return {"whole": wall, "inside": job["io_bytes"] / job["bw_bytes"], "rss": rss, "bytes": job["io_bytes"]}


def commands(b, cgroup):
    cmds = [(f"fio O_DIRECT io_uring bs={bs} depth={d}", lambda bs=bs, d=d: b.fio_run(bs, d)) for bs, d in FIO_SWEEP]
    cmds.append(("cat", lambda: dict(zip(("whole", "rss"), b.timed(["cat", b.path], output=False)[:2]))))
    cmds += [("mapscan (default: auto)", lambda: b.mapscan_run([])),
             ("mapscan -b read", lambda: b.mapscan_run(["-b", "read"])),
             ("mapscan -b direct", lambda: b.mapscan_run(["-b", "direct"]))]
    cmds += [(f"mapscan -b direct --io-depth {d} --io-size {s}",
              lambda d=d, s=s: b.mapscan_run(["-b", "direct", "--io-depth", str(d), "--io-size", s]))
             for d, s in DIRECT_SWEEP]
    if cgroup:
        cmds.append(("mapscan (default) in the cgroup", lambda: b.mapscan_run([], cgroup)))
        cmds.append(("mapscan -b read in the cgroup", lambda: b.mapscan_run(["-b", "read"], cgroup)))
    return cmds


def cgroup_create(limit, log):
    r = subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "create", "mapscan-direct", str(limit)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"no memory cgroup here ({r.stderr.strip()}): the capped rows are left out")
        return None
    return r.stdout.strip()


def compare(mapscan, path, oracle, rounds=3, log=print):
    rounds = max(rounds, 3)
    size = os.path.getsize(path)
    limit = parse_size(os.environ.get("BENCH_CGROUP_LIMIT", "256M"))
    b = Bench(mapscan, path, oracle, log)
    cgroup = cgroup_create(limit, log)
    try:
        cmds = commands(b, cgroup)
        runs = {name: [] for name, _ in cmds}
        for rnd in range(rounds):
            order = cmds[rnd % len(cmds):] + cmds[:rnd % len(cmds)]
            for name, fn in order:
                evict(path)
                runs[name].append(fn())
            log(f"direct: round {rnd + 1}/{rounds} done")
        # The page cache around a direct scan, and the cached default scan.
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
        evict(path)
        half = subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M", f"count={size // 2 >> 20}"],
                              capture_output=True)
        before = resident_bytes(path)
        direct = b.mapscan_run(["-b", "direct"])
        after = resident_bytes(path)
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
        cached = [b.mapscan_run([]) for _ in range(rounds)]
    finally:
        if cgroup:
            subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "remove", "mapscan-direct"], capture_output=True)

    def rate(r, key="inside"):
        return (r.get("bytes") or size) / r[key] / 1e9

    fio_names = [n for n in runs if n.startswith("fio")]
    # the ceiling of each round: the best fio configuration in that round
    ceiling = [max(rate(runs[n][i]) for n in fio_names) for i in range(rounds)]
    best_fio = max(fio_names, key=lambda n: statistics.median(rate(r) for r in runs[n]))
    rows = []
    for name in runs:
        r = runs[name]
        inside = [rate(x) for x in r] if "inside" in r[0] else [None] * rounds
        whole = [size / x["whole"] / 1e9 for x in r]
        rows.append({
            "command": name,
            "inside_gbs": statistics.median(inside) if inside[0] is not None else "",
            "whole_gbs": statistics.median(whole),
            "of_ceiling_inside": statistics.median(a / c for a, c in zip(inside, ceiling)) if inside[0] else "",
            "of_ceiling_whole": statistics.median(a / c for a, c in zip(whole, ceiling)),
            "peak_rss_mib": max(x["rss"] for x in r) / 1024,
            "backend": r[0].get("backend", ""),
        })
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "direct.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    lines = [f"bench-direct: {size / 2**30:.2f} GiB cold (evicted before every run), {rounds} rounds alternating; "
             f"ceiling = the best fio configuration of each round (median {statistics.median(ceiling):.2f} GB/s; "
             f"best overall: {best_fio}); ratios are medians of per-round ratios",
             f"{'command':48} {'GB/s in':>8} {'of ceil':>8} {'GB/s whole':>10} {'of ceil':>8} {'peak RSS':>9}  backend"]
    for r in rows:
        gin = f"{r['inside_gbs']:8.2f}" if r["inside_gbs"] != "" else f"{'':8}"
        cin = f"{r['of_ceiling_inside']:8.2f}" if r["of_ceiling_inside"] != "" else f"{'':8}"
        lines.append(f"{r['command']:48} {gin} {cin} {r['whole_gbs']:10.2f} {r['of_ceiling_whole']:8.2f} "
                     f"{r['peak_rss_mib']:6.1f} MiB  {r['backend']}")
    if cgroup:
        for capped, free in (("mapscan (default) in the cgroup", "mapscan (default: auto)"),
                             ("mapscan -b read in the cgroup", "mapscan -b read")):
            ratio = statistics.median(rate(a) / rate(c) for a, c in zip(runs[capped], runs[free]))
            lines.append(f"{capped} ({limit >> 20} MiB) / uncapped: {ratio:.2f} (scan time, median of per-round ratios)")
    default = statistics.median(rate(x) / c for x, c in zip(runs["mapscan (default: auto)"], ceiling))
    lines.append(f"default mapscan cold / ceiling: {default:.2f}")
    lines.append(f"-b direct: peak RSS {direct['rss'] / 1024:.1f} MiB; file's resident bytes before {before}, "
                 f"after {after} (half the file read into the cache first: {half.returncode == 0})")
    lines.append(f"cached, default scan: {statistics.median(rate(x) for x in cached):.2f} GB/s inside, "
                 f"{statistics.median(size / x['whole'] / 1e9 for x in cached):.2f} whole "
                 f"(backend {cached[0]['backend']})")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "direct.txt"), "w") as f:
        f.write(text)
    plot(rows, statistics.median(ceiling), size, rounds)
    return rows, text, statistics.median(ceiling)


def plot(rows, ceiling, size, rounds):
    """direct.png: each command's cold whole-process rate, the disk's ceiling as a line."""
    with open(os.path.join(RESULTS, "direct.dat"), "w") as f:
        for r in rows:
            f.write(f'"{r["command"]}" {r["whole_gbs"]:.4f}\n')
    script = f"""set terminal pngcairo size 1000,560 font ",10"
set output "direct.png"
set title "cold {size / 2**30:.0f} GiB, whole process, median of {rounds} alternating rounds" noenhanced
set style fill solid 0.6
set xlabel "GB/s"; unset ylabel
set key off
set grid x
set ytics font ",8" noenhanced
set yrange [-1:{len(rows)}]
set xrange [0:*]
set arrow 1 from {ceiling:.3f}, graph 0 to {ceiling:.3f}, graph 1 nohead dt 2 lw 2 lc rgb "red"
set label 1 "disk ceiling (fio) {ceiling:.2f}" at {ceiling:.3f}, graph 1.03 center font ",8"
plot "direct.dat" using 2:0:(0):2:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror, \\
     "direct.dat" using 2:0:(sprintf(" %.2f", $2)) with labels left font ",8"
"""
    with open(os.path.join(RESULTS, "direct.gp"), "w") as f:
        f.write(script)
    if subprocess.run(["gnuplot", "direct.gp"], cwd=RESULTS, capture_output=True).returncode != 0:
        print("bench-direct: the plot failed (gnuplot)", file=sys.stderr)


def main():
    mapscan = os.path.abspath(sys.argv[1])
    data = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
    os.makedirs(data, exist_ok=True)
    size = os.environ.get("BENCH_SIZE", "4G")
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(data, f"bench-direct-{size}.i32")
    gen = subprocess.run([mapscan, "gen", "--json", "-q", "--force", "-t", "i32", "-s", size, "--seed", "11", path],
                         capture_output=True, check=True)
    _, text, _ = compare(mapscan, path, json.loads(gen.stdout), int(os.environ.get("BENCH_REPEAT", "3")),
                      lambda m: print(m, flush=True))
    print(text, end="")


if __name__ == "__main__":
    main()
