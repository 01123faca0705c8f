#!/usr/bin/env python3
"""Record (strided) scans against the contiguous scan of the same cached file.

A strided scan reads every byte of the file as a contiguous one does, so the
figure is bytes per second, side by side: each round runs every layout once,
in turn, so that drift in the machine's speed touches all alike; the ratio
is the median of the per-round ratios. Both the scan's own time (the JSON's
`seconds`) and the whole process are reported. Every strided answer is
checked against the same layout through another path (pread, one thread,
the scalar kernel).

Usage: bench/records.py MAPSCAN FILE [ROUNDS]   (make bench runs it on its file)
Writes bench/results/records.csv when run by make bench."""

import csv
import json
import os
import statistics
import subprocess
import sys
import time

LAYOUTS = [
    ("contiguous i32", ["-t", "i32"]),
    ("records of 16 bytes, i32 at 8", ["-t", "i32", "--record", "16", "--field-offset", "8"]),
    ("records of 12 bytes, u16 at 2", ["-t", "u16", "--record", "12", "--field-offset", "2"]),
    ("records of 24 bytes, i64 at 16", ["-t", "i64", "--record", "24", "--field-offset", "16"]),
    ("records of 13 bytes, i32 at 3", ["-t", "i32", "--record", "13", "--field-offset", "3"]),
]


def scan(binary, path, args):
    t0 = time.perf_counter()
    out = subprocess.run([binary, "--json", "--no-progress", "--allow-trailing", *args, path], capture_output=True,
                         check=True).stdout
    wall = time.perf_counter() - t0
    obj = json.loads(out)
    return obj, wall


def compare(binary, path, rounds=5, log=print):
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)      # cached
    for name, args in LAYOUTS[1:]:
        want, _ = scan(binary, path, args)
        check, _ = scan(binary, path, args + ["-b", "read", "-j", "1", "--kernel", "scalar"])
        for key in ("count", "min", "max", "sum"):
            if want[key] != check[key]:
                sys.exit(f"records: {name}: {key} {want[key]} differs from the plain path's {check[key]}")
    inside = {name: [] for name, _ in LAYOUTS}
    whole = {name: [] for name, _ in LAYOUTS}
    for _ in range(rounds):
        for name, args in LAYOUTS:
            obj, wall = scan(binary, path, args)
            inside[name].append(obj["bytes"] / obj["seconds"] / 1e9)
            whole[name].append(obj["bytes"] / wall / 1e9)
    base = LAYOUTS[0][0]
    rows = []
    for name, _ in LAYOUTS:
        ratio_in = statistics.median(a / b for a, b in zip(inside[name], inside[base]))
        ratio_whole = statistics.median(a / b for a, b in zip(whole[name], whole[base]))
        rows.append({"layout": name, "gb_per_s_scan": round(statistics.median(inside[name]), 2),
                     "gb_per_s_process": round(statistics.median(whole[name]), 2),
                     "ratio_scan": round(ratio_in, 3), "ratio_process": round(ratio_whole, 3), "rounds": rounds})
        log(f"  {name:32s} scan {rows[-1]['gb_per_s_scan']:6.2f} GB/s ({ratio_in:.2f} of contiguous)   "
            f"process {rows[-1]['gb_per_s_process']:6.2f} GB/s ({ratio_whole:.2f})")
    return rows


def write(rows, results_dir):
    with open(os.path.join(results_dir, "records.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    compare(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
