#!/usr/bin/env python3
"""The extra statistics against the plain scan (issue 19's targets), in one session.

Files (BENCH_SIZE bytes each, default 4G, in the page cache): random i32 (every value alike)
and f32 uniform in [-1000, 1000], both written by `mapscan gen`. For each file, rounds of
alternating runs (BENCH_EXTRA_ROUNDS, default 5; each a whole process, all cores, timed by
the wall clock; the order turns round by round), and every ratio is the median of the
per-round ratios, so that what else runs on the machine touches both sides:
  plain        the default scan
  stats        --stats all (var, std, argmin, argmax)            target: plain/stats >= 0.85
  histogram    --histogram 1000 (two passes: the plain first pass, then the counting)
               the counting pass's GB/s = bytes / (time - plain)  target: >= 0.5 of plain's
  quantiles    --quantiles 0.25,0.5,0.75 (2 passes for 32-bit types)
                                                       target: time <= 1.25 x 2 x plain
Peak RSS (bench/peak_rss) of the histogram and quantile runs (target: at most 64 MiB).
numpy (Debian's /usr/bin/python3): numpy.histogram(memmap, bins=1000) on BENCH_NUMPY_SIZE
bytes of the same file (default 1G; numpy reads it in blocks of 65536), and numpy.quantile
on an array of BENCH_NUMPY_SIZE read into memory (what it needs: the array, and a copy to
partition): time and peak RSS; mapscan's GB/s on the same bytes beside it.
Larger than memory: the quantiles of the whole file inside a memory cgroup of
BENCH_CGROUP_LIMIT (default 256M; scripts/memcg.sh) must be the same bits as uncapped.
The default scan against an older build: make bench-builds OLD=... (bench/builds.py).

Usage: /usr/bin/python3 bench/extra.py [MAPSCAN]   (make bench-stats; make bench runs it)
Environment: BENCH_SIZE, BENCH_DIR (default bench/data), BENCH_EXTRA_ROUNDS, BENCH_NUMPY_SIZE,
BENCH_CGROUP_LIMIT, BENCH_KEEP=1 (keep the data files).
Writes bench/results/extra.txt (what was measured, and each target met or MISS),
extra.json and extra_targets.txt."""

import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (bench/common.py)
from common import parse_size  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "mapscan"))
PEAK_RSS = os.path.join(os.path.dirname(BIN), "bench", "peak_rss")
DATA_DIR = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
SIZE = parse_size(os.environ.get("BENCH_SIZE", "4G")) // 8 * 8
ROUNDS = int(os.environ.get("BENCH_EXTRA_ROUNDS", "5"))
NUMPY_SIZE = min(parse_size(os.environ.get("BENCH_NUMPY_SIZE", "1G")), SIZE) // 8 * 8
CGROUP_LIMIT = parse_size(os.environ.get("BENCH_CGROUP_LIMIT", "256M"))
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
QUANTILES = "0.25,0.5,0.75"
MODES = {
    "plain": [],
    "stats": ["--stats", "all"],
    "histogram": ["--histogram", "1000"],
    "quantiles": ["--quantiles", QUANTILES],
}
FILES = [("i32", ["-p", "random"]), ("f32", ["-p", "uniform:-1000:1000"])]
LINES = []


def log(line=""):
    print(line, flush=True)
    LINES.append(line)


def scan(path, type_name, mode, json_out=False):
    """Seconds of one whole run; its JSON when asked."""
    args = [BIN, path, "-t", type_name, "--no-progress", *MODES[mode], "--json" if json_out else "-q"]
    start = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: status {r.returncode}: {r.stderr.strip()}")
    return seconds, (json.loads(r.stdout) if json_out else None)


def peak_rss(args):
    return common.peak_rss(PEAK_RSS, DATA_DIR, args)


def make_file(type_name, pattern):
    path = os.path.join(DATA_DIR, f"extra-{type_name}.bin")
    if not (KEEP and os.path.exists(path) and os.path.getsize(path) == SIZE):
        subprocess.run([BIN, "gen", "--force", "--seed", "19", "-t", type_name, "-s", str(SIZE), *pattern, "-q", path],
                       check=True)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)      # into the page cache
    return path


def rounds(path, type_name):
    """Per mode, the list of seconds, one per round; the order of modes turns each round."""
    modes = list(MODES)
    times = {m: [] for m in modes}
    for k in range(ROUNDS):
        order = modes[k % len(modes):] + modes[:k % len(modes)]
        for m in order:
            times[m].append(scan(path, type_name, m)[0])
    return times


def ratios(times, f):
    return statistics.median(f(*(times[m][k] for m in MODES)) for k in range(ROUNDS))


def numpy_side(path, type_name):
    code = f"""
import json, resource, sys, time
import numpy as np
n = {NUMPY_SIZE} // 4
m = np.memmap({path!r}, dtype="<{'i4' if type_name == 'i32' else 'f4'}", mode="r", shape=(n,))
t = time.perf_counter(); counts, edges = np.histogram(m, bins=1000); h = time.perf_counter() - t
rss_h = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
a = np.fromfile({path!r}, dtype="<{'i4' if type_name == 'i32' else 'f4'}", count=n)
t = time.perf_counter(); q = np.quantile(a, [0.25, 0.5, 0.75]); qs = time.perf_counter() - t
rss_q = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"hist_s": h, "hist_rss": rss_h, "quantile_s": qs, "quantile_rss": rss_q,
                  "quantiles": [float(x) for x in q], "counts": [int(c) for c in counts]}}))
"""
    r = subprocess.run([PY, "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        log(f"  numpy: failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
        return None
    return json.loads(r.stdout)


def capped_quantiles(path, type_name, want):
    name = f"mapscan-extra-{os.getpid()}"
    r = subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "create", name, str(CGROUP_LIMIT)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"  larger than memory: skipped ({r.stderr.strip()})")
        return None
    cgroup = r.stdout.strip()
    try:
        args = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, BIN, path, "-t", type_name,
                "--no-progress", "--json", "--quantiles", QUANTILES]
        start = time.perf_counter()
        out = subprocess.run(args, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if out.returncode != 0:
            log(f"  capped: status {out.returncode}: {out.stderr.strip()}")
            return False
        got = json.loads(out.stdout)["quantiles"]
        log(f"  quantiles inside a {CGROUP_LIMIT >> 20} MiB memory cgroup ({SIZE / CGROUP_LIMIT:.0f}x less than the "
            f"file): {seconds:.2f} s, {'the same bits as uncapped' if got == want else 'DIFFERENT: ' + str(got)}")
        return got == want
    finally:
        subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "remove", name], capture_output=True)


def judge(targets, name, ok, text):
    targets.append(f"{'met ' if ok else 'MISS'}  {name}: {text}")


def one_file(type_name, pattern, targets, record):
    path = make_file(type_name, pattern)
    gb = SIZE / 1e9
    log(f"== {type_name} ({' '.join(pattern)}), {SIZE >> 20} MiB cached, {ROUNDS} rounds, all cores")
    times = rounds(path, type_name)
    for m in MODES:
        med = statistics.median(times[m])
        log(f"  {m:10s} median {med:7.3f} s  {gb / med:6.2f} GB/s   runs: " + " ".join(f"{t:.3f}" for t in times[m]))
    stats_ratio = ratios(times, lambda p, s, h, q: p / s)
    pass_ratio = ratios(times, lambda p, s, h, q: p / max(h - p, 1e-9))
    q_ratio = ratios(times, lambda p, s, h, q: q / (2 * p))
    log(f"  stats/plain speed {stats_ratio:.2f}; histogram pass / plain speed {pass_ratio:.2f}; "
        f"quantiles time / (2 passes x plain) {q_ratio:.2f}")
    judge(targets, f"{type_name} --stats all", stats_ratio >= 0.85, f"{stats_ratio:.2f} of the plain scan's GB/s (>= 0.85)")
    judge(targets, f"{type_name} --histogram 1000", pass_ratio >= 0.5,
          f"the counting pass at {pass_ratio:.2f} of the plain scan's GB/s (>= 0.5)")
    judge(targets, f"{type_name} --quantiles {QUANTILES}", q_ratio <= 1.25,
          f"{q_ratio:.2f} x (2 passes x the plain scan's time) (<= 1.25)")
    _, want = scan(path, type_name, "quantiles", json_out=True)
    rss = {}
    for m in ("histogram", "quantiles"):
        _, rss[m] = peak_rss([BIN, path, "-t", type_name, "--no-progress", "-q", *MODES[m]])
    log(f"  peak RSS: histogram {rss['histogram'] / 2**20:.1f} MiB, quantiles {rss['quantiles'] / 2**20:.1f} MiB")
    judge(targets, f"{type_name} quantiles' peak RSS", rss["quantiles"] <= 64 << 20,
          f"{rss['quantiles'] / 2**20:.1f} MiB (<= 64)")
    np_side = numpy_side(path, type_name)
    row = {"type": type_name, "size": SIZE, "times": times, "stats_ratio": stats_ratio, "pass_ratio": pass_ratio,
           "quantile_ratio": q_ratio, "rss": rss, "quantiles": want["quantiles"], "numpy": np_side}
    if np_side:
        nbytes = NUMPY_SIZE
        plain = statistics.median(times["plain"])
        hist_pass = max(statistics.median(times["histogram"]) - plain, 1e-9)
        ours_pass = SIZE / hist_pass
        theirs = nbytes / np_side["hist_s"]
        log(f"  numpy.histogram(memmap, bins=1000) on {nbytes >> 20} MiB: {np_side['hist_s']:.2f} s, "
            f"{theirs / 1e9:.3f} GB/s, peak RSS {np_side['hist_rss'] / 2**20:.0f} MiB; mapscan's counting pass "
            f"{ours_pass / 1e9:.2f} GB/s: {ours_pass / theirs:.0f}x")
        judge(targets, f"{type_name} histogram against numpy", ours_pass / theirs >= 20,
              f"{ours_pass / theirs:.0f}x numpy.histogram on the memmap (>= 20x)")
        log(f"  numpy.quantile of {nbytes >> 20} MiB read into memory: {np_side['quantile_s']:.2f} s "
            f"(the read not counted), peak RSS {np_side['quantile_rss'] / 2**20:.0f} MiB; mapscan's quantiles of "
            f"{SIZE >> 20} MiB: {statistics.median(times['quantiles']):.2f} s, "
            f"{rss['quantiles'] / 2**20:.1f} MiB")
        row["numpy_hist_speedup"] = ours_pass / theirs
    capped = capped_quantiles(path, type_name, want["quantiles"])
    if capped is not None:
        judge(targets, f"{type_name} quantiles larger than memory", capped,
              f"inside a {CGROUP_LIMIT >> 20} MiB cgroup, {'the same bits' if capped else 'NOT the same'} as uncapped")
    row["capped_exact"] = capped
    record.append(row)
    if not KEEP:
        os.unlink(path)


def main():
    if not os.path.exists(PEAK_RSS):
        subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={os.path.dirname(BIN)}", PEAK_RSS], check=True)
    os.makedirs(DATA_DIR, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    log(f"bench/extra.py: {BIN}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    targets, record = [], []
    for type_name, pattern in FILES:
        one_file(type_name, pattern, targets, record)
    log("== targets")
    for t in targets:
        log("  " + t)
    with open(os.path.join(RESULTS, "extra.txt"), "w") as f:
        f.write("\n".join(LINES) + "\n")
    with open(os.path.join(RESULTS, "extra.json"), "w") as f:
        json.dump(record, f, indent=1)
    with open(os.path.join(RESULTS, "extra_targets.txt"), "w") as f:
        f.write("".join(t + "\n" for t in targets))


if __name__ == "__main__":
    main()
