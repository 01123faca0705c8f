#!/usr/bin/env python3
"""Floats against integers of the same width (issue 17's targets), in one session:
each float file is scanned alternately with an integer file of the same size, round
by round (each round starting one file further along), and every ratio is the median
of the per-round ratios, so that what the other jobs on the machine do touches both.

Groups (each file BENCH_SIZE bytes):  i32 | f32 uniform [0,1)
                                      i64 | f64 uniform [0,1), f64 normal(0,1)
                                      i16 | f16 and bf16 (uniform [0,1) rounded / truncated from f32)
For each group:
  cached   the files in the page cache (evicted and read back with cat first), the default
           scan (all cores) and -j 1, BENCH_FLOAT_ROUNDS rounds (default max(BENCH_REPEAT, 5));
           GB/s of the whole process (and of the scan itself, the JSON's seconds), float/int.
  numpy    numpy.memmap's nanmin + nanmax + sum() against the default scan of the same cached
           float file, alternating (bench/numpy_floats.py): the fast form (the memmap's ndarray
           view) timed, the form on the memmap itself once; how far numpy's sum is from the
           exact one (and .sum(dtype=float64)'s, untimed). bf16: numpy has no such type.
  memory   peak RSS (wait4, bench/peak_rss) of one scan per backend at 1/16 of the file and all of it.
  cold     (32-bit group) f32 against i32 evicted before every run, and inside a memory cgroup
           of BENCH_CGROUP_LIMIT (scripts/memcg.sh), alternating: float/int and capped/cold.
Every scan's answer is checked against the file's own statistics: for integers `mapscan gen`'s,
for floats computed exactly while numpy wrote the file (count, NaN, min, max, the sum as an
integer multiple of a power of two per exponent, then rounded once; the mean likewise).

Usage: /usr/bin/python3 bench/floats.py [MAPSCAN]   (make bench-floats; make bench runs it)
       /usr/bin/python3 bench/floats.py --check-oracle   (the exact statistics against math.fsum)
       /usr/bin/python3 bench/floats.py --report   (floats.md, floats_targets.txt, floats.png again from floats.json)
Environment: BENCH_SIZE (default 4G), BENCH_REPEAT (default 3), BENCH_FLOAT_ROUNDS,
BENCH_DIR (default bench/data), BENCH_CGROUP_LIMIT (default 256M), BENCH_FLOAT_GROUPS
(default 32,64,16), BENCH_KEEP=1 (keep the data files; a later run reuses them).
Writes bench/results/floats.txt, floats.csv, floats.json (what was measured), floats.md (the tables),
floats_targets.txt and floats.png (gnuplot, floats.gp)."""

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import evict, meminfo, parse_size  # noqa: E402  (bench/common.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BIN = os.path.abspath(ARGS[0] if ARGS else os.path.join(ROOT, "build", "mapscan"))
BUILD = os.path.dirname(BIN)
PEAK_RSS = os.path.join(BUILD, "bench", "peak_rss")
INMEM = os.path.join(BUILD, "bench", "inmem")
INMEM_MIB = 256
DATA_DIR = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
SIZE = parse_size(os.environ.get("BENCH_SIZE", "4G")) // 8 * 8
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ROUNDS = int(os.environ.get("BENCH_FLOAT_ROUNDS", str(max(REPEAT, 5))))
CGROUP_LIMIT = parse_size(os.environ.get("BENCH_CGROUP_LIMIT", "256M"))
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# Where the float files come from: numpy (seeded default_rng, in chunks of CHUNK elements) until
# `mapscan gen` writes floats; then "gen" (gen's own statistics become the oracle, each file's
# pattern below is passed as -p) is the one line to change.
FLOAT_SOURCE = "numpy"
CHUNK = 1 << 18

# Freed arrays stay in the heap: on this VM a fresh mapping's page faults made the exact sums
# below ten times slower than the arithmetic (numpy allocates every temporary with malloc).
try:
    import ctypes
    _libc = ctypes.CDLL("libc.so.6")
    _libc.mallopt(-3, 1 << 30)      # M_MMAP_THRESHOLD
    _libc.mallopt(-1, 1 << 30)      # M_TRIM_THRESHOLD
except (OSError, AttributeError):
    pass


def _f16(rng, n):
    return rng.random(n, dtype=np.float32).astype(np.float16)


def _bf16(rng, n):
    return (rng.random(n, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)


# name: mapscan's type, numpy's dtype for the baseline (None: numpy has none), what the data are,
# how numpy makes a chunk, gen's pattern, the seed.
FLOATS = {
    "f32": dict(type="f32", dtype="<f4", data="uniform [0,1)", pattern="uniform:0:1", seed=32,
                make=lambda rng, n: rng.random(n, dtype=np.float32)),
    "f64 uniform": dict(type="f64", dtype="<f8", data="uniform [0,1)", pattern="uniform:0:1", seed=64,
                        make=lambda rng, n: rng.random(n)),
    "f64 normal": dict(type="f64", dtype="<f8", data="normal(0,1)", pattern="normal:0:1", seed=65,
                       make=lambda rng, n: rng.standard_normal(n)),
    "f16": dict(type="f16", dtype="<f2", data="uniform [0,1), f32 rounded", pattern="uniform:0:1", seed=16,
                make=_f16),
    "bf16": dict(type="bf16", dtype=None, data="uniform [0,1), f32's top half", pattern="uniform:0:1", seed=17,
                 make=_bf16),
}
INTS = {"i32": 3, "i64": 6, "i16": 1}   # random over the whole type (mapscan gen), with these seeds
ITEM = {"i16": 2, "i32": 4, "i64": 8, "f16": 2, "bf16": 2, "f32": 4, "f64": 8}
GROUPS = [("32", "i32", ["f32"]), ("64", "i64", ["f64 uniform", "f64 normal"]), ("16", "i16", ["f16", "bf16"])]
COLD_GROUPS = {"32"}
# Issue 17's targets: float/int speed of the default cached scan, in one run.
TARGETS = {"f32": 0.9, "f64 uniform": 0.8, "f64 normal": 0.8, "f16": 0.8, "bf16": 0.8}
AIM = {"f64 uniform": 0.95, "f64 normal": 0.95}
NUMPY_TARGET = 5.0
RSS_TARGET_MIB = 64

ROWS = []        # one per (part, file, configuration): floats.csv
NUMPY = []       # numpy baseline rows
RSS = []         # memory sweep rows
TEXT = []        # floats.txt
KERNEL = []      # the kernel mapscan chose, from its first answer


def log(msg=""):
    print(msg, flush=True)
    TEXT.append(msg)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# Each float type's bits: (the integer of its width, mantissa bits, exponent bits, bias).
BITS = {"f16": (np.int16, 10, 5, 15), "bf16": (np.int16, 7, 8, 127), "f32": (np.int32, 23, 8, 127),
        "f64": (np.int64, 52, 11, 1023)}
NPTYPE = {"f16": "<f2", "f32": "<f4", "f64": "<f8"}


class Exact:
    """count, NaN, min, max and the exact sum of a float file, chunk by chunk as it is written.
    A finite element is (-1)**S * M * 2**(E - bias - mantissa bits), M the integer mantissa with its
    hidden bit (E = 1 for subnormals). 16-bit types: a histogram of the 65536 bit patterns, read at
    the end. f32 and f64: per chunk, bincount of the signed M (f64's in two parts, M >> 26 and the
    26 bits below) over E, in float64 and exact (a chunk of at most 2**22 elements sums below 2**53),
    carried in int64; then Python integers per exponent, one Fraction, rounded once (to nearest,
    ties to even, as float(Fraction) does)."""

    def __init__(self, kind):
        self.kind = kind
        self.it, self.mb, self.eb, self.bias = BITS[kind]
        self.count = self.nan = 0
        self.min = self.max = None
        self.hist = np.zeros(1 << 16, np.int64) if self.it is np.int16 else None
        self.shifts = (26, 0) if kind == "f64" else (0,)
        self.acc = [np.zeros(1 << self.eb, np.int64) for _ in self.shifts]

    def add(self, chunk):
        assert chunk.size <= 1 << 22
        v = chunk.view(self.it)
        self.count += v.size
        if self.hist is not None:
            self.hist += np.bincount(v.view(np.uint16), minlength=1 << 16)
            return
        mb, emask = self.mb, (1 << self.eb) - 1
        lo, hi = float(np.fmin.reduce(chunk)), float(np.fmax.reduce(chunk))    # NaN only when all are
        if lo == lo:
            self.min = lo if self.min is None else min(self.min, lo)
            self.max = hi if self.max is None else max(self.max, hi)
        e = (v >> mb) & emask
        frac = v & ((1 << mb) - 1)
        m = frac | (np.minimum(e, 1) << mb)
        special = e == emask
        if special.any():
            if (special & (frac == 0)).any():
                raise ValueError("the exact oracle handles finite values and NaN only")
            self.nan += int(special.sum())
            m[special] = 0
        e = np.maximum(e, 1)
        m = np.where(v < 0, -m, m)
        for k, shift in enumerate(self.shifts):
            part = m >> shift if shift else (m & ((1 << 26) - 1) if len(self.shifts) > 1 else m)
            w = np.bincount(e, weights=part.astype(np.float64), minlength=1 << self.eb)
            self.acc[k] += np.rint(w).astype(np.int64)

    def per_exponent(self):
        """{E: the signed sum of M over the elements of exponent E}, as Python integers."""
        out = {}
        if self.hist is None:
            for k, shift in enumerate(self.shifts):
                for e in np.nonzero(self.acc[k])[0]:
                    out[int(e)] = out.get(int(e), 0) + (int(self.acc[k][e]) << shift)
            return out
        mb, emask = self.mb, (1 << self.eb) - 1
        self.nan, self.min, self.max = 0, None, None
        for p in np.nonzero(self.hist)[0]:
            p, count = int(p), int(self.hist[p])
            e, frac, neg = (p >> mb) & emask, p & ((1 << mb) - 1), p >> (mb + self.eb)
            if e == emask:
                if frac == 0:
                    raise ValueError("the exact oracle handles finite values and NaN only")
                self.nan += count
                continue
            m = frac | ((e != 0) << mb)
            e = max(e, 1)
            out[e] = out.get(e, 0) + (-count * m if neg else count * m)
            value = float(Fraction(-m if neg else m) * Fraction(2) ** (e - self.bias - mb))
            self.min = value if self.min is None else min(self.min, value)
            self.max = value if self.max is None else max(self.max, value)
        return out

    def oracle(self):
        total = sum((Fraction(v) * Fraction(2) ** (e - self.bias - self.mb) for e, v in self.per_exponent().items()),
                    Fraction(0))
        n = self.count - self.nan
        # -0.0 and +0.0 are not told apart in min and max: the data here have no negative zeros
        return {"count": self.count, "nan": self.nan, "min": self.min, "max": self.max,
                "sum": float(total), "mean": float(total / n) if n else None}


def check_oracle():
    """bench/floats.py --check-oracle: Exact against math.fsum (correctly rounded) on random bit
    patterns of each type: both signs, subnormals, NaN, wide and narrow exponents."""
    import math
    rng = np.random.default_rng(7)
    for kind, (it, *_) in BITS.items():
        ut = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(it).itemsize]
        nb = np.dtype(ut).itemsize * 8
        for trial in range(6):
            bits = rng.integers(0, np.iinfo(ut).max, int(rng.integers(1, 300000)), dtype=ut, endpoint=True)
            if trial % 2 or kind == "f64":      # the exponent's top bit cleared: no overflow of the sum
                bits &= ~ut(1 << (nb - 2))
            if trial == 4:                      # zeros and subnormals
                bits &= ut((1 << (nb - 1)) | 0xff)
            vals = (bits.astype(np.uint32) << 16).view(np.float32) if kind == "bf16" else bits.view(NPTYPE[kind])
            with np.errstate(invalid="ignore"):
                vals = vals.astype(np.float64)
            bits, vals = bits[~np.isinf(vals)], vals[~np.isinf(vals)]
            ex = Exact(kind)
            for i in range(0, bits.size, 100000):
                ex.add(bits[i:i + 100000] if kind == "bf16" else bits[i:i + 100000].view(NPTYPE[kind]))
            got, finite = ex.oracle(), vals[~np.isnan(vals)]
            want = {"count": bits.size, "nan": int(np.isnan(vals).sum()), "min": float(finite.min()),
                    "max": float(finite.max()), "sum": math.fsum(finite)}
            bad = {k: (got[k], v) for k, v in want.items() if got[k] != v}
            if bad:
                sys.exit(f"check-oracle: {kind} trial {trial}: {bad}")
        print(f"check-oracle: {kind}: 6 sets of random bit patterns, equal to math.fsum, min, max, NaN count")


def data_path(name):
    kind = FLOATS[name]["type"] if name in FLOATS else name
    return os.path.join(DATA_DIR, f"floats-{name.replace(' ', '-')}-{SIZE}.{kind}")


def make_file(name):
    """The file and its oracle; an existing file with a matching sidecar is reused (BENCH_KEEP)."""
    path = data_path(name)
    if name in FLOATS:
        spec = FLOATS[name]
        ident = {"size": SIZE, "seed": spec["seed"], "source": FLOAT_SOURCE, "chunk": CHUNK, "data": spec["data"]}
    else:
        ident = {"size": SIZE, "seed": INTS[name], "source": "gen"}
    side = path + ".json"
    try:
        with open(side) as f:
            saved = json.load(f)
        if saved["ident"] == ident and os.path.getsize(path) == SIZE:
            log(f"  {name}: reusing {path}")
            return path, saved["oracle"]
    except (OSError, ValueError, KeyError):
        pass
    t0 = time.perf_counter()
    if name in INTS or FLOAT_SOURCE == "gen":
        kind = name if name in INTS else FLOATS[name]["type"]
        pattern = [] if name in INTS else ["-p", FLOATS[name]["pattern"]]
        seed = INTS[name] if name in INTS else FLOATS[name]["seed"]
        out = subprocess.run([BIN, "gen", "-f", "--json", "-q", "-t", kind, "-s", str(SIZE), "--seed", str(seed),
                              *pattern, path], capture_output=True, check=True).stdout
        g = json.loads(out)
        oracle = {k: g[k] for k in ("count", "nan", "min", "max", "sum", "mean") if k in g}
    else:
        spec = FLOATS[name]
        rng = np.random.default_rng(spec["seed"])
        n, ex = SIZE // ITEM[spec["type"]], Exact(spec["type"])
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            for start in range(0, n, CHUNK):
                chunk = spec["make"](rng, min(CHUNK, n - start))
                ex.add(chunk)
                chunk.tofile(f)
        os.replace(tmp, path)
        oracle = ex.oracle()
    with open(side, "w") as f:
        json.dump({"ident": ident, "oracle": oracle}, f)
    log(f"  {name}: wrote {path} in {time.perf_counter() - t0:.1f} s")
    return path, oracle


def timed(cmd, cgroup=None):
    """(wall seconds, peak RSS KiB, exit status, stdout) of one whole process."""
    if cgroup:
        cmd = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, *cmd]
    rss_file = os.path.join(DATA_DIR, ".floats_peak_rss")
    t0 = time.perf_counter()
    r = subprocess.run([PEAK_RSS, rss_file, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    try:
        with open(rss_file) as f:
            rss = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        rss = 0
    if r.returncode != 0:
        log(f"  FAILED: {' '.join(cmd)}: status {r.returncode}: {r.stderr.decode(errors='replace').strip()[:300]}")
    return wall, rss, r.returncode, r.stdout


class File:
    def __init__(self, name):
        self.name = name
        self.kind = FLOATS[name]["type"] if name in FLOATS else name
        self.is_float = name in FLOATS
        self.path, self.oracle = make_file(name)

    def scan(self, extra=(), cgroup=None, cold=False, check=True):
        """One whole-process scan; its answer against the oracle unless check=False (a part of the file)."""
        if cold:
            evict(self.path)
        wall, rss, code, out = timed([BIN, "--json", "--no-progress", "-t", self.kind, *extra, self.path], cgroup)
        res = {"wall": wall, "rss": rss, "ok": False, "inside": None, "backend": ""}
        if code == 0:
            obj = json.loads(out.decode().strip().splitlines()[-1])
            res.update(inside=obj["seconds"], backend=obj["backend"], json=obj)
            if not KERNEL:
                KERNEL.append(obj.get("kernel", "?"))
            wrong = [k for k in self.oracle if obj.get(k) != self.oracle[k]] if check else []
            res["ok"] = not wrong
            if wrong:
                log(f"  WRONG ANSWER: {self.name} {' '.join(extra)}: " +
                    ", ".join(f"{k} {obj.get(k)!r} (exact: {self.oracle[k]!r})" for k in wrong))
        return res


def gbs(seconds):
    return SIZE / seconds / 1e9


def spread(values):
    return f"{min(values):.2f}-{max(values):.2f}"


def summarize(part, group_files, runs, int_name, rounds_note=""):
    """Rows of one part: each file's median GB/s and, for floats, the median of per-round float/int speed."""
    ints = runs[int_name]
    for f in group_files:
        r = runs[f.name]
        walls = [x["wall"] for x in r]
        inside = [x["inside"] for x in r if x["inside"]]
        row = {"part": part, "name": f.name, "type": f.kind,
               "data": FLOATS[f.name]["data"] if f.is_float else "random, whole range (gen)",
               "runs": len(r), "gbs_whole": gbs(statistics.median(walls)),
               "gbs_scan": gbs(statistics.median(inside)) if inside else "",
               "of_int_whole": "", "of_int_scan": "", "spread": "",
               "peak_rss_mib": max(x["rss"] for x in r) / 1024, "correct": all(x["ok"] for x in r),
               "backend": r[0]["backend"], "note": rounds_note}
        if f.is_float:
            ratios = [a["wall"] / b["wall"] for a, b in zip(ints, r)]
            row["of_int_whole"] = statistics.median(ratios)
            row["spread"] = spread(ratios)
            if inside and all(x["inside"] for x in ints):
                row["of_int_scan"] = statistics.median(a["inside"] / b["inside"] for a, b in zip(ints, r))
        ROWS.append(row)
        rel = f"  {f.name}/{int_name} {row['of_int_whole']:.3f} (rounds {row['spread']}; scan alone " \
              f"{row['of_int_scan']:.3f})" if f.is_float else ""
        log(f"  {part:22s} {f.name:12s} {row['gbs_whole']:7.2f} GB/s whole, "
            f"{row['gbs_scan'] if row['gbs_scan'] == '' else format(row['gbs_scan'], '7.2f')} scan  "
            f"rss {row['peak_rss_mib']:6.1f} MiB {'' if row['correct'] else 'WRONG '}{row['backend']}{rel}")


def cache(files):
    """The 'read' state of the suite: evicted, then read back by cat."""
    for f in files:
        evict(f.path)
        subprocess.run(["cat", f.path], stdout=subprocess.DEVNULL, check=True)
    res = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", *[f.path for f in files]],
                         capture_output=True, text=True)
    if res.returncode == 0:
        cached = [int(x) for x in res.stdout.split()]
        if min(cached) < SIZE:
            log(f"  note: not all cached after cat: {cached} of {SIZE} bytes each")


def cached_part(files, int_name):
    cache(files)
    configs = [("cached, all cores", []), ("cached, -j 1", ["-j", "1"])]
    runs = {c: {f.name: [] for f in files} for c, _ in configs}
    t0 = time.perf_counter()
    for rnd in range(ROUNDS):
        k0 = rnd % len(files)
        for label, extra in configs:
            for f in files[k0:] + files[:k0]:
                runs[label][f.name].append(f.scan(extra))
    log(f"  ({ROUNDS} rounds in {time.perf_counter() - t0:.0f} s, load average now {loadavg()})")
    for label, _ in configs:
        summarize(label, files, runs[label], int_name)


def numpy_part(f):
    """numpy against the default scan on the same cached float file, alternating."""
    dtype = FLOATS[f.name]["dtype"]
    if dtype is None:
        log(f"  numpy {f.name}: numpy has no {f.kind} type; not measured")
        return
    script = os.path.join(ROOT, "bench", "numpy_floats.py")

    def numpy_run(mode):
        wall, rss, code, out = timed([PY, script, mode, f.path, dtype])
        obj = json.loads(out) if code == 0 else {}
        return {"wall": wall, "rss": rss, "json": obj, "ok": code == 0}

    cache([f])
    entries = [("mapscan", lambda: f.scan()), ("numpy", lambda: numpy_run("ndarray"))]
    runs = {"mapscan": [], "numpy": []}
    for rnd in range(max(REPEAT, 3)):
        k0 = rnd % 2
        for key, fn in entries[k0:] + entries[:k0]:
            runs[key].append(fn())
        if rnd == 0 and runs["numpy"][0]["wall"] > 10:
            break    # numpy's float16 loops run at a fraction of a GB/s: one round is enough to say so
    rounds = len(runs["numpy"])
    np_json = runs["numpy"][0]["json"]
    if not all(x["ok"] for x in runs["numpy"]):
        log(f"  numpy {f.name}: failed; not compared")
        return
    ratios = [n["wall"] / m["wall"] for m, n in zip(runs["mapscan"], runs["numpy"])]
    exact = f.oracle["sum"]
    row = {"name": f.name, "type": f.kind, "dtype": dtype, "rounds": rounds,
           "numpy_gbs": gbs(statistics.median(x["wall"] for x in runs["numpy"])),
           "mapscan_gbs": gbs(statistics.median(x["wall"] for x in runs["mapscan"])),
           "speedup": statistics.median(ratios), "spread": spread(ratios),
           "numpy_rss_mib": max(x["rss"] for x in runs["numpy"]) / 1024,
           "numpy_min_max_ok": np_json.get("min") == f.oracle["min"] and np_json.get("max") == f.oracle["max"],
           "exact_sum": exact, "numpy_sum": np_json.get("sum"),
           "mapscan_sum_exact": all(x["ok"] for x in runs["mapscan"])}
    row["numpy_sum_rel_err"] = abs(row["numpy_sum"] - exact) / abs(exact) if exact else ""
    # the form most people write, once: nanmin/nanmax on the np.memmap itself (numpy's subclass path copies)
    row["memmap_form_gbs"] = row["memmap_form_rss_mib"] = ""
    if rounds == 1:
        log("  numpy on the np.memmap itself: skipped, the fast form alone took over 10 s")
    elif 3 * SIZE < meminfo("MemAvailable"):
        m = numpy_run("memmap")
        row["memmap_form_gbs"], row["memmap_form_rss_mib"] = gbs(m["wall"]), m["rss"] / 1024
    else:
        log(f"  numpy on the np.memmap itself: skipped, it copies the file and {3 * SIZE} bytes are not free")
    # float64's own .sum() is already the float64 one
    s64 = row["numpy_sum"] if dtype == "<f8" else numpy_run("sum64")["json"].get("sum")
    row["numpy_sum64"] = s64
    row["numpy_sum64_rel_err"] = abs(s64 - exact) / abs(exact) if exact and s64 is not None else ""
    NUMPY.append(row)
    mm = "not run" if row["memmap_form_gbs"] == "" else f"{row['memmap_form_gbs']:.2f} GB/s"
    log(f"  numpy {f.name:12s} nanmin+nanmax+sum {row['numpy_gbs']:6.2f} GB/s (rss {row['numpy_rss_mib']:.0f} MiB), "
        f"mapscan {row['mapscan_gbs']:6.2f}: {row['speedup']:.1f}x (rounds {row['spread']}, {rounds} rounds); "
        f"on the np.memmap itself {mm}")
    log(f"        sum: exact {exact!r}, numpy {row['numpy_sum']!r} "
        f"(relative error {fmt_err(row['numpy_sum_rel_err'])}), "
        f".sum(dtype=float64) {s64!r} ({fmt_err(row['numpy_sum64_rel_err'])}); mapscan's sum exact: "
        f"{row['mapscan_sum_exact']}")


def fmt_err(e):
    if e == "" or e is None:
        return "n/a"
    if e != e or e == float("inf"):
        return str(e)
    return "0" if e == 0 else f"{e:.2e}"


def inmem_part(files, int_name):
    """The kernels alone (bench/inmem: no file, no page cache, no process start), on a buffer holding the
    first INMEM_MIB of each file, alternating files round by round; each run is the best of 5 passes."""
    mib = min(SIZE >> 20, INMEM_MIB)
    if mib < 1:
        return
    kernels = [KERNEL[0]] + (["avx2"] if KERNEL and KERNEL[0] == "avx512" else [])
    runs = {}
    for rnd in range(max(REPEAT, 3)):
        k0 = rnd % len(files)
        for kernel in kernels:
            for f in files[k0:] + files[:k0]:
                out = subprocess.run([INMEM, "-t", f.kind, "-k", kernel, "-f", f.path, str(mib), "1",
                                      str(os.cpu_count())], capture_output=True, text=True)
                if out.returncode != 0:
                    log(f"  in memory: {f.name} {kernel}: failed ({out.stderr.strip()})")
                    return
                for r in csv.DictReader(out.stdout.splitlines()):
                    runs.setdefault((kernel, int(r["threads"])), {}).setdefault(f.name, []).append(
                        float(r["gb_per_s"]))
    for (kernel, threads), by_file in runs.items():
        part = f"in memory, {kernel}, {threads} thread{'s' if threads > 1 else ''}"
        for f in files:
            rates = by_file[f.name]
            row = {"part": part, "name": f.name, "type": f.kind,
                   "data": FLOATS[f.name]["data"] if f.is_float else "random, whole range (gen)",
                   "runs": len(rates), "gbs_whole": "", "gbs_scan": statistics.median(rates),
                   "of_int_whole": "", "of_int_scan": "", "spread": "", "peak_rss_mib": "", "correct": "",
                   "backend": "", "note": f"first {mib} MiB in a buffer, best of 5 passes per run"}
            rel = ""
            if f.is_float:
                ratios = [a / b for a, b in zip(rates, by_file[int_name])]
                row["of_int_scan"], row["spread"] = statistics.median(ratios), spread(ratios)
                rel = f"  {f.name}/{int_name} {row['of_int_scan']:.3f} (rounds {row['spread']})"
            ROWS.append(row)
            log(f"  {part:30s} {f.name:12s} {row['gbs_scan']:7.2f} GB/s{rel}")


def memory_part(files):
    lengths = sorted({SIZE // 16 // 8 * 8, SIZE})
    for f in files:
        for backend in ("auto", "mmap", "read", "direct"):
            for length in lengths:
                extra = ["--length", str(length)] + ([] if backend == "auto" else ["-b", backend])
                r = f.scan(extra, check=length == SIZE)
                RSS.append({"name": f.name, "type": f.kind, "backend": backend, "bytes": length,
                            "peak_rss_mib": r["rss"] / 1024, "correct": r["ok"] if length == SIZE else ""})
        mine = [x for x in RSS if x["name"] == f.name]
        log(f"  peak RSS {f.name:12s} " + ", ".join(
            f"{x['backend']} {x['bytes'] >> 20}M {x['peak_rss_mib']:.1f}" for x in mine) + " MiB")


COLD = {}


def cold_part(files, int_name):
    cg = None
    r = subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "create", "mapscan-floats", str(CGROUP_LIMIT)],
                       capture_output=True, text=True)
    if r.returncode == 0:
        cg = r.stdout.strip()
    else:
        log(f"  no memory cgroup ({r.stderr.strip()}): the capped runs are left out")
    capped = f"capped {CGROUP_LIMIT >> 20}M"
    states = [("cold", None)] + ([(capped, cg)] if cg else [])
    runs = {s: {f.name: [] for f in files} for s, _ in states}
    try:
        for rnd in range(max(REPEAT, 3)):
            k0 = rnd % len(files)
            for label, group in states:
                for f in files[k0:] + files[:k0]:
                    runs[label][f.name].append(f.scan(cgroup=group, cold=True))
    finally:
        if cg:
            subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "remove", "mapscan-floats"], capture_output=True)
    for label, _ in states:
        summarize(label, files, runs[label], int_name)
    if cg:
        for f in files:
            ratios = [a["wall"] / b["wall"] for a, b in zip(runs["cold"][f.name], runs[capped][f.name])]
            COLD[f.name] = (statistics.median(ratios), spread(ratios))
            log(f"  {f.name}: capped speed / cold speed {COLD[f.name][0]:.3f} (rounds {COLD[f.name][1]})")


def row(part, name):
    return next((r for r in ROWS if r["part"] == part and r["name"] == name), None)


def targets():
    lines = []

    def judge(label, value, limit, higher=True, extra=""):
        if value is None or value == "":
            lines.append(f"n/a   {label}")
            return
        ok = value >= limit if higher else value <= limit
        lines.append(f"{'met ' if ok else 'MISS'}  {label}: {value:.3g} ({'>=' if higher else '<='} {limit}){extra}")

    for name, limit in TARGETS.items():
        r = row("cached, all cores", name)
        if r:
            aim = f"; aim {AIM[name]}: {'reached' if r['of_int_whole'] >= AIM[name] else 'not reached'}" \
                if name in AIM else ""
            ref = {"f32": "i32", "f64 uniform": "i64", "f64 normal": "i64"}.get(name, "i16")
            judge(f"floats: cached, all cores: {name} / {ref} speed (rounds {r['spread']})",
                  r["of_int_whole"], limit, extra=aim)
    for n in NUMPY:
        judge(f"floats: mapscan / numpy.memmap nanmin+nanmax+sum, {n['name']} (rounds {n['spread']})",
              n["speedup"], NUMPY_TARGET)
    for name in FLOATS:
        mine = [x["peak_rss_mib"] for x in RSS if x["name"] == name]
        mine += [r["peak_rss_mib"] for r in ROWS if r["name"] == name and r["peak_rss_mib"] != ""]
        if mine:
            judge(f"floats: peak RSS MiB of any scan of {name} (every backend, 1/16 and all of the file)",
                  max(mine), RSS_TARGET_MIB, higher=False)
    for part in ("cold", f"capped {CGROUP_LIMIT >> 20}M"):
        r = row(part, "f32")
        if r:
            judge(f"floats: {part}: f32 / i32 speed (rounds {r['spread']})", r["of_int_whole"], 0.9)
    if "f32" in COLD and "i32" in COLD:
        judge(f"floats: capped / cold speed, f32 (i32's: {COLD['i32'][0]:.2f})", COLD["f32"][0], 0.8)
    wrong = [r["name"] for r in ROWS if r["correct"] is False] + [x["name"] for x in RSS if x["correct"] is False]
    lines.append(f"{'met ' if not wrong else 'MISS'}  floats: every scan's answer equal to the exact statistics"
                 + (f" (wrong: {sorted(set(wrong))})" if wrong else ""))
    return lines


def inmem_row(name, threads=1):
    part = f"in memory, {KERNEL[0] if KERNEL else '?'}, {threads} thread{'s' if threads > 1 else ''}"
    return row(part, name)


def markdown(head):
    names = [n for _, i, fl in GROUPS for n in [i] + fl if row("cached, all cores", n)]
    of = (lambda r, k="of_int_whole": f"{r[k]:.2f} ({r['spread']})" if r and r[k] != "" else "")
    out = [f"<!-- bench/floats.py: {head} -->", "",
           "GB/s: medians, whole processes (the kernel's: a buffer in memory, best of 5 passes per run); "
           "float/int and mapscan/numpy: the median of the per-round ratios, their range over the rounds in "
           "brackets.", "",
           "| type | data | cached, all cores | of the int's | cached, 1 thread | of the int's | "
           "kernel in memory, 1 thread | of the int's | peak RSS |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in names:
        a, b, k = row("cached, all cores", name), row("cached, -j 1", name), inmem_row(name)
        rss = max([x["peak_rss_mib"] for x in RSS if x["name"] == name] +
                  [r["peak_rss_mib"] for r in ROWS if r["name"] == name and r["peak_rss_mib"] != ""])
        out.append(f"| {name.split()[0]} | {a['data']} | {a['gbs_whole']:.2f} GB/s | {of(a)} | "
                   f"{b['gbs_whole']:.2f} | {of(b)} | {k['gbs_scan']:.2f} | {of(k, 'of_int_scan')} | {rss:.1f} MiB |"
                   if k else
                   f"| {name.split()[0]} | {a['data']} | {a['gbs_whole']:.2f} GB/s | {of(a)} | "
                   f"{b['gbs_whole']:.2f} | {of(b)} | | | {rss:.1f} MiB |")
    if NUMPY:
        out += ["", "| type | numpy.memmap nanmin+nanmax+sum (ndarray view) | mapscan | mapscan / numpy | "
                "numpy's peak RSS | the same on the np.memmap itself | numpy's `.sum()` | exact sum (mapscan's) | "
                "relative error | `.sum(dtype=float64)`'s |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for n in NUMPY:
            mm = f"{n['memmap_form_gbs']:.2f} GB/s, {n['memmap_form_rss_mib']:.0f} MiB" if n["memmap_form_gbs"] != "" \
                else "not run"
            out.append(f"| {n['name']} | {n['numpy_gbs']:.2f} GB/s | {n['mapscan_gbs']:.2f} GB/s | "
                       f"{n['speedup']:.1f}x ({n['spread']}, {n['rounds']} round{'s' if n['rounds'] > 1 else ''}) | "
                       f"{n['numpy_rss_mib']:.0f} MiB | {mm} | {n['numpy_sum']!r} | {n['exact_sum']!r} | "
                       f"{fmt_err(n['numpy_sum_rel_err'])} | {fmt_err(n['numpy_sum64_rel_err'])} |")
        if "bf16" in names:
            out.append("| bf16 | n/a: numpy has no bfloat16 | | | | | | | | |")
    cold = [(p, row(p, "i32"), row(p, "f32")) for p in ("cold", f"capped {CGROUP_LIMIT >> 20}M")]
    if any(i and f for _, i, f in cold):
        out += ["", "| f32 against i32, evicted before every run | i32 | f32 | f32 / i32 | capped / cold speed |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for p, i, f in cold:
            if i and f:
                cc = f"i32 {COLD['i32'][0]:.2f} ({COLD['i32'][1]}), f32 {COLD['f32'][0]:.2f} ({COLD['f32'][1]})" \
                    if p != "cold" and "f32" in COLD else ""
                out.append(f"| {p} | {i['gbs_whole']:.2f} GB/s | {f['gbs_whole']:.2f} GB/s | {of(f)} | {cc} |")
    return "\n".join(out) + "\n"


def plot(head):
    names = [n for _, i, fl in GROUPS for n in [i] + fl if row("cached, all cores", n)]
    with open(os.path.join(RESULTS, "floats.dat"), "w") as f:
        f.write("# type all_cores one_thread numpy kernel_in_memory\n")
        for name in names:
            n = next((x for x in NUMPY if x["name"] == name), None)
            k = inmem_row(name)
            f.write(f'"{name}" {row("cached, all cores", name)["gbs_whole"]:.3f} '
                    f'{row("cached, -j 1", name)["gbs_whole"]:.3f} {n["numpy_gbs"] if n else 0:.3f} '
                    f'{k["gbs_scan"] if k else 0:.3f}\n')
    script = f"""set terminal pngcairo size 1000,560 font ",10"
set output "floats.png"
set title "{head}" noenhanced font ",9"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set ylabel "GB/s, median (scans: the whole process; kernel: a buffer, no file)"
set grid y
set yrange [0:*]
set key top right
set xtics noenhanced
plot "floats.dat" using 2:xtic(1) title "mapscan, all cores", \\
     "" using 3 title "mapscan -j 1", \\
     "" using 4 title "numpy.memmap nanmin+nanmax+sum", \\
     "" using 5 title "kernel alone, in memory, 1 thread", \\
     "" using ($0-0.3):2:(sprintf("%.1f", $2)) with labels offset 0,0.6 font ",7" notitle, \\
     "" using ($0-0.1):3:(sprintf("%.1f", $3)) with labels offset 0,0.6 font ",7" notitle, \\
     "" using ($0+0.1):4:($4 > 0 ? sprintf("%.2f", $4) : "") with labels offset 0,0.6 font ",7" notitle, \\
     "" using ($0+0.3):5:($5 > 0 ? sprintf("%.1f", $5) : "") with labels offset 0,0.6 font ",7" notitle
"""
    with open(os.path.join(RESULTS, "floats.gp"), "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", "floats.gp"], cwd=RESULTS, capture_output=True, text=True)
    if r.returncode != 0:
        log(f"  the plot failed: {r.stderr.strip()}")


def main():
    if "--check-oracle" in sys.argv[1:]:
        return check_oracle()
    if "--report" in sys.argv[1:]:
        return report_again()
    os.makedirs(RESULTS, exist_ok=True)
    os.makedirs(DATA_DIR, exist_ok=True)
    subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={BUILD}", PEAK_RSS, INMEM], check=True)
    wanted = os.environ.get("BENCH_FLOAT_GROUPS", "32,64,16").split(",")
    groups = [g for g in GROUPS if g[0] in wanted]
    most = max(len(fl) + 1 for _, _, fl in groups)
    free = shutil.disk_usage(DATA_DIR).free
    if free < most * SIZE + (1 << 30):
        sys.exit(f"bench/floats.py: {DATA_DIR} has {free} bytes free; {most} files of BENCH_SIZE={SIZE} need more")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    log(f"# bench/floats.py {BIN} ({started}; {cpu}, {os.cpu_count()} PUs, Linux {platform.release()}, "
        f"{meminfo('MemTotal') / 2**30:.1f} GiB)")
    log(f"# files of {SIZE} bytes ({SIZE / 2**30:g} GiB), cached rounds {ROUNDS}, cold/numpy rounds "
        f"{max(REPEAT, 3)}; float data: {FLOAT_SOURCE}; GB/s of the whole process, medians; "
        f"float/int = median of per-round speed ratios (their range in brackets)")
    log(f"# load average at the start: {loadavg()}")
    for gname, int_name, float_names in groups:
        log(f"== {gname}-bit: {int_name} against {', '.join(float_names)}")
        files = [File(int_name)] + [File(n) for n in float_names]
        cached_part(files, int_name)
        for f in files[1:]:
            numpy_part(f)
        inmem_part(files, int_name)
        memory_part(files)
        if gname in COLD_GROUPS:
            log(f"  cold and capped ({max(REPEAT, 3)} rounds), load average {loadavg()}")
            cold_part(files, int_name)
        if not KEEP:
            for f in files:
                for p in (f.path, f.path + ".json"):
                    if os.path.exists(p):
                        os.unlink(p)
    log(f"# load average at the end: {loadavg()}")
    head = (f"{started}, {SIZE / 2**30:g} GiB files cached, {cpu} x{os.cpu_count()}, {KERNEL[0] if KERNEL else '?'} "
            f"kernel, {ROUNDS} alternating rounds")
    with open(os.path.join(RESULTS, "floats.json"), "w") as f:
        json.dump({"head": head, "cgroup_limit": CGROUP_LIMIT, "kernel": KERNEL, "rows": ROWS, "numpy": NUMPY,
                   "rss": RSS, "cold": COLD}, f)
    with open(os.path.join(RESULTS, "floats.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS)
    report(head)
    with open(os.path.join(RESULTS, "floats.txt"), "w") as f:
        f.write("\n".join(TEXT) + "\n")
    log(f"== results in {RESULTS}: floats.txt, floats.csv, floats.json, floats.md, floats.png")


def report(head):
    """floats.md, floats_targets.txt and floats.png from what was measured (the globals)."""
    lines = targets()
    log("== targets (issue 17)\n" + "\n".join(lines))
    with open(os.path.join(RESULTS, "floats.md"), "w") as f:
        f.write(markdown(head))
    with open(os.path.join(RESULTS, "floats_targets.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plot(head)


def report_again():
    """bench/floats.py --report: the tables, targets and plot again from bench/results/floats.json."""
    global CGROUP_LIMIT
    with open(os.path.join(RESULTS, "floats.json")) as f:
        saved = json.load(f)
    ROWS[:], NUMPY[:], RSS[:], KERNEL[:] = saved["rows"], saved["numpy"], saved["rss"], saved["kernel"]
    COLD.update({k: tuple(v) for k, v in saved["cold"].items()})
    CGROUP_LIMIT = saved["cgroup_limit"]
    report(saved["head"])


if __name__ == "__main__":
    main()
