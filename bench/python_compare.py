#!/usr/bin/env python3
"""What a Python user compares, in-process: mapscan.scan against numpy.memmap
min+max+sum and np.load(mmap_mode='r') on the same cached file, and
mapscan.scan_buffer against ndarray.min/max/sum on an array in memory.

Each file measurement runs in a fresh interpreter, so that its peak resident
set (ru_maxrss) is its own; the methods alternate round by round, and the
figures are medians. Every answer is checked against mapscan gen's oracle
(numpy's int32 sum is taken as int64, as a user would, so that it is exact
here). Run with Debian's python3 (numpy from python3-numpy), from a checkout
after make.

Usage: bench/python_compare.py MAPSCAN_BINARY DATA_DIR SIZE_BYTES [ROUNDS]"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE_METHODS = ("mapscan.scan", "numpy.memmap", "np.load(mmap_mode='r')")


def one(method, path):
    """In the child: one timed run, printed as JSON (numpy imported only where it is used)."""
    t0 = time.perf_counter()
    if method == "mapscan.scan":
        sys.path.insert(0, os.path.join(ROOT, "python"))
        import mapscan
        r = mapscan.scan(path)
        answer = (r.count, r.min, r.max, r.sum)
    else:
        import numpy as np
        a = np.memmap(path, dtype="<i4", mode="r") if method == "numpy.memmap" else np.load(path, mmap_mode="r")
        answer = (int(a.size), int(a.min()), int(a.max()), int(a.sum(dtype=np.int64)))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "answer": answer}))


def in_memory(size, rounds, log):
    import numpy as np
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import mapscan
    a = np.random.default_rng(1).integers(-2**31, 2**31 - 1, size=size // 4, dtype=np.int32)
    want = None
    times = {"mapscan.scan_buffer": [], "ndarray min+max+sum": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = mapscan.scan_buffer(a)
        times["mapscan.scan_buffer"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = (int(a.min()), int(a.max()), int(a.sum(dtype=np.int64)))
        times["ndarray min+max+sum"].append(time.perf_counter() - t0)
        want = want or got
        if (r.min, r.max, r.sum) != got:
            sys.exit(f"python_compare: scan_buffer {r.min, r.max, r.sum} differs from numpy's {got}")
    rows = []
    for name, t in times.items():
        rows.append({"what": name, "where": "in memory", "seconds": statistics.median(t),
                     "gb_per_s": size / statistics.median(t) / 1e9, "peak_rss_mib": ""})
        log(f"  {name:28s} in memory  {rows[-1]['gb_per_s']:7.2f} GB/s")
    return rows


def compare(binary, data_dir, size, rounds=3, log=print):
    raw, npy = os.path.join(data_dir, "py.i32"), os.path.join(data_dir, "py.npy")
    oracle = {}
    for path, fmt in ((raw, "raw"), (npy, "npy")):
        out = subprocess.run([binary, "gen", "-f", "--json", "-q", "--format", fmt, "-s", str(size), "--seed", "11",
                              path], capture_output=True, check=True).stdout
        g = json.loads(out)
        oracle[path] = (g["count"], g["min"], g["max"], g["sum"])
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
    runs = {(m, p): [] for m in FILE_METHODS for p in (raw, npy)}
    for _ in range(rounds):
        for method in FILE_METHODS:
            for path in (raw, npy):
                if method == "numpy.memmap" and path == npy or method.startswith("np.load") and path == raw:
                    continue
                out = subprocess.run([sys.executable, __file__, "--one", method, path], capture_output=True,
                                     check=True).stdout
                obj = json.loads(out)
                if tuple(obj["answer"]) != oracle[path]:
                    sys.exit(f"python_compare: {method} on {path}: {obj['answer']} is not gen's {oracle[path]}")
                runs[(method, path)].append(obj)
    rows = []
    for (method, path), objs in runs.items():
        if not objs:
            continue
        seconds = statistics.median(o["seconds"] for o in objs)
        rows.append({"what": method, "where": os.path.basename(path), "seconds": seconds, "gb_per_s": size / seconds / 1e9,
                     "peak_rss_mib": max(o["peak_rss"] for o in objs) / 2**20})
        log(f"  {method:28s} {rows[-1]['where']:10s} {rows[-1]['gb_per_s']:7.2f} GB/s  "
            f"peak RSS {rows[-1]['peak_rss_mib']:8.1f} MiB")
    rows += in_memory(min(size, 1 << 30), rounds, log)
    for path in (raw, npy):
        os.unlink(path)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        one(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4:
        compare(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 3)
    else:
        sys.exit(__doc__)
