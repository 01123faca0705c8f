#!/usr/bin/env python3
"""Every column in one pass against the contiguous scan of the same file (issue 18's targets).

Files (BENCH_SIZE bytes each, default 4G, in the page cache):
  i16x16   16 interleaved int16 channels: `mapscan gen -t i16 -p random`, scanned
           `--channels 16 -t i16`; its contiguous scan is `-t i16`
  f32x16   16 float32 channels: `mapscan gen -t f32 -p uniform:-1000:1000`, scanned
           `--channels 16 -t f32`; contiguous `-t f32`
  records  16-byte records t:<u8, x:<i4, v:<f4 (written by numpy, seeded), scanned
           `--columns t:<u8,x:<i4,v:<f4`; contiguous `-t i32` (the file as 4-byte elements,
           the grain of two of its three columns)
For each file, rounds of alternating runs (BENCH_COLUMNS_ROUNDS, default 5; each a whole
process, all cores, wall clock; the order turns round by round); the ratio is the median of
the per-round ratios contiguous time / columns time (= columns GB/s / contiguous GB/s, the
bytes being the same file's).                                   target: >= 0.8 (aim 0.95)
Peak RSS of the columns run (bench/peak_rss).                   target: <= 64 MiB
numpy (Debian's /usr/bin/python3) on the first BENCH_NUMPY_SIZE bytes of the same file
(default 1G), min, max and sum of every column, its best way of two: channels as an (N, 16)
memmap reduced along axis 0, or column by column a[:, c]; records as a structured memmap,
field by field (and the same through a view of the whole file as (N, 4) int32 words is not
possible for the u8 field, so fields only). Its time and peak RSS; mapscan's columns GB/s on
the whole file against numpy's best GB/s.                        target: >= 10x

Usage: /usr/bin/python3 bench/columns.py [MAPSCAN]   (make bench-columns; make bench runs it)
Environment: BENCH_SIZE, BENCH_DIR (default bench/data), BENCH_COLUMNS_ROUNDS, BENCH_NUMPY_SIZE,
BENCH_KEEP=1 (keep the data files).
Writes bench/results/columns.txt (what was measured, each target met or MISS), columns.json
and columns_targets.txt."""

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
SIZE = parse_size(os.environ.get("BENCH_SIZE", "4G")) // 64 * 64
ROUNDS = int(os.environ.get("BENCH_COLUMNS_ROUNDS", "5"))
NUMPY_SIZE = min(parse_size(os.environ.get("BENCH_NUMPY_SIZE", "1G")), SIZE) // 64 * 64
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
RECORD_SPEC = "t:<u8,x:<i4,v:<f4"
RECORD_DTYPE = "[('t', '<u8'), ('x', '<i4'), ('v', '<f4')]"

# name, how the file is made, the contiguous scan's options, the columns scan's options
FILES = [
    ("i16x16", ["gen", "-t", "i16", "-p", "random"], ["-t", "i16"], ["--channels", "16", "-t", "i16"]),
    ("f32x16", ["gen", "-t", "f32", "-p", "uniform:-1000:1000"], ["-t", "f32"], ["--channels", "16", "-t", "f32"]),
    ("records", None, ["-t", "i32"], ["--columns", RECORD_SPEC]),
]
LINES = []


def log(line=""):
    print(line, flush=True)
    LINES.append(line)


def run(path, options):
    """Seconds of one whole run."""
    args = [BIN, path, "--no-progress", "-q", *options]
    start = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: status {r.returncode}: {r.stderr.strip()}")
    return seconds


def peak_rss(args):
    return common.peak_rss(PEAK_RSS, DATA_DIR, args)


def write_records(path):
    """SIZE bytes of 16-byte records, seeded, in 64 MiB pieces (never the whole file in memory),
    through a temporary renamed into place."""
    code = f"""
import os, numpy as np
dt = np.dtype({RECORD_DTYPE})
rng = np.random.default_rng(18)
left = {SIZE} // dt.itemsize
tmp = {path!r} + ".tmp"
with open(tmp, "wb") as f:
    while left:
        n = min(left, (64 << 20) // dt.itemsize)
        a = np.empty(n, dtype=dt)
        a["t"] = rng.integers(0, 2**40, n, dtype=np.uint64)
        a["x"] = rng.integers(-2**31, 2**31, n, dtype=np.int64)
        a["v"] = rng.uniform(-1000, 1000, n)
        a.tofile(f)
        left -= n
os.replace(tmp, {path!r})
"""
    subprocess.run([PY, "-c", code], check=True)


def make_file(name, how):
    path = os.path.join(DATA_DIR, f"columns-{name}.bin")
    if not (KEEP and os.path.exists(path) and os.path.getsize(path) == SIZE):
        if how:
            subprocess.run([BIN, how[0], "--force", "--seed", "18", "-s", str(SIZE), *how[1:], "-q", path], check=True)
        else:
            write_records(path)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)      # into the page cache
    return path


def numpy_side(name, path):
    """numpy's best way to every column's min, max and sum, on NUMPY_SIZE bytes."""
    if name == "records":
        setup = f"dt = np.dtype({RECORD_DTYPE}); m = np.memmap(path, dtype=dt, mode='r', shape=(nbytes // 16,))"
        ways = {"structured memmap, field by field":
                "[(m[f].min(), m[f].max(), m[f].sum(dtype=np.float64 if m[f].dtype.kind == 'f' else None)) "
                "for f in dt.names]"}
    else:
        t = "int16" if name == "i16x16" else "float32"
        acc = "np.int64" if name == "i16x16" else "np.float64"
        setup = f"m = np.memmap(path, dtype=np.{t}, mode='r', shape=(nbytes // 32 // {2 if t == 'float32' else 1}, 16))"
        ways = {"reductions along axis 0": f"(m.min(axis=0), m.max(axis=0), m.sum(axis=0, dtype={acc}))",
                "column by column, a[:, c]": f"[(m[:, c].min(), m[:, c].max(), m[:, c].sum(dtype={acc})) "
                                             f"for c in range(16)]"}
    found = {}
    for way, expr in ways.items():
        code = f"""
import json, resource, time
import numpy as np
path, nbytes = {path!r}, {NUMPY_SIZE}
{setup}
t = time.perf_counter(); r = {expr}; s = time.perf_counter() - t
print(json.dumps({{"seconds": s, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""
        r = subprocess.run([PY, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            log(f"  numpy ({way}): failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
            continue
        found[way] = json.loads(r.stdout)
    return found


def judge(targets, name, ok, text):
    targets.append(f"{'met ' if ok else 'MISS'}  {name}: {text}")


def one_file(name, how, contiguous, columns, targets, record):
    path = make_file(name, how)
    gb = SIZE / 1e9
    log(f"== {name}: {SIZE >> 20} MiB cached, {ROUNDS} rounds, all cores")
    log(f"  contiguous: mapscan FILE {' '.join(contiguous)}; columns: mapscan FILE {' '.join(columns)}")
    times = {"contiguous": [], "columns": []}
    for k in range(ROUNDS):
        for mode in (("contiguous", "columns") if k % 2 == 0 else ("columns", "contiguous")):
            times[mode].append(run(path, contiguous if mode == "contiguous" else columns))
    for mode, ts in times.items():
        med = statistics.median(ts)
        log(f"  {mode:10s} median {med:7.3f} s  {gb / med:6.2f} GB/s   runs: " + " ".join(f"{t:.3f}" for t in ts))
    ratio = statistics.median(c / k for c, k in zip(times["contiguous"], times["columns"]))
    log(f"  columns / contiguous GB/s: {ratio:.2f} (median of the rounds' ratios)")
    judge(targets, f"{name} every column in one pass", ratio >= 0.8,
          f"{ratio:.2f} of the contiguous scan's GB/s (>= 0.8, aim 0.95)")
    _, rss = peak_rss([BIN, path, "--no-progress", "-q", *columns])
    log(f"  peak RSS of the columns scan: {rss / 2**20:.1f} MiB")
    judge(targets, f"{name} peak RSS", rss <= 64 << 20, f"{rss / 2**20:.1f} MiB (<= 64)")
    row = {"file": name, "size": SIZE, "times": times, "ratio": ratio, "rss": rss}
    found = numpy_side(name, path)
    if found:
        ours = SIZE / statistics.median(times["columns"])
        best = None
        for way, got in found.items():
            speed = NUMPY_SIZE / got["seconds"]
            log(f"  numpy, {way}, {NUMPY_SIZE >> 20} MiB: {got['seconds']:.2f} s, {speed / 1e9:.3f} GB/s, "
                f"peak RSS {got['rss'] / 2**20:.0f} MiB")
            best = speed if best is None or speed > best else best
        log(f"  mapscan's columns {ours / 1e9:.2f} GB/s against numpy's best {best / 1e9:.3f} GB/s: {ours / best:.0f}x")
        judge(targets, f"{name} against numpy", ours / best >= 10, f"{ours / best:.0f}x numpy's best way (>= 10x)")
        row["numpy"] = found
        row["numpy_speedup"] = ours / best
    record.append(row)
    if not KEEP:
        os.unlink(path)


def main():
    if not os.path.exists(PEAK_RSS):
        subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={os.path.dirname(BIN)}", PEAK_RSS], check=True)
    os.makedirs(DATA_DIR, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    log(f"bench/columns.py: {BIN}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    targets, record = [], []
    for name, how, contiguous, columns in FILES:
        one_file(name, how, contiguous, columns, targets, record)
    log("== targets")
    for t in targets:
        log("  " + t)
    with open(os.path.join(RESULTS, "columns.txt"), "w") as f:
        f.write("\n".join(LINES) + "\n")
    with open(os.path.join(RESULTS, "columns.json"), "w") as f:
        json.dump(record, f, indent=1)
    with open(os.path.join(RESULTS, "columns_targets.txt"), "w") as f:
        f.write("".join(t + "\n" for t in targets))


if __name__ == "__main__":
    main()
