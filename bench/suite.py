#!/usr/bin/env python3
"""make bench: mapscan against the physical limits and the tools people use,
on one generated file, in one session. Every command is timed as a whole
process (start-up included); its peak resident set comes from wait4(); its
answer is checked against the statistics `mapscan gen` reported.

Environment: BENCH_SIZE (default 4G), BENCH_REPEAT (default 3), BENCH_DIR
(where the data file goes, default bench/data), BENCH_CGROUP_LIMIT (default 256M),
BENCH_EXTRA=0 (leave out bench/extra.py, the extra statistics' targets);
BENCH_FLOATS=0 (leave out bench/floats.py, floats against integers), BENCH_COLUMNS=0
(leave out bench/columns.py, every column in one pass; their other variables are in their
docstrings).
Writes bench/results/: machine.txt, results.csv, scaling.csv, rss_timeline.csv,
records.csv, python.txt, targets.txt, floats.*, extra.*, columns.* and the PNG plots."""

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (bench/common.py)
import direct  # noqa: E402  (bench/direct.py)
import records  # noqa: E402  (bench/records.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/mapscan"))
BUILD = os.path.dirname(BIN)
RESULTS = os.path.join(ROOT, "bench", "results")
DATA_DIR = os.environ.get("BENCH_DIR", os.path.join(ROOT, "bench", "data"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
# numpy comes from Debian's python3-numpy, so run the baselines with Debian's python.
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def parse_size(text):
    try:
        return common.parse_size(text)
    except ValueError as e:
        sys.exit(f"bench: {e}")


SIZE = parse_size(os.environ.get("BENCH_SIZE", "4G"))
CGROUP_LIMIT = parse_size(os.environ.get("BENCH_CGROUP_LIMIT", "256M"))
FILE = os.path.join(DATA_DIR, "bench.i32")
ROWS = []
ORACLE = {}


def log(msg):
    print(msg, flush=True)


evict = common.evict
meminfo = common.meminfo


def child_of(pid):
    """The measured command runs as the launcher's child: sample that one."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else pid
    except OSError:
        return pid


def run(cmd, cold=False, cgroup=None, sample=None, stdout_to_null=False):
    """One run: (seconds, peak_rss_bytes, exit_code, stdout, rss_samples)."""
    if cold:
        evict(FILE)

    if cgroup:
        # A small shell joins the cgroup and execs the command: no preexec_fn,
        # whose fork of this Python would count in the child's peak RSS.
        cmd = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, *cmd]
    rss_file = os.path.join(DATA_DIR, ".peak_rss")
    cmd = [f"{BUILD}/bench/peak_rss", rss_file, *cmd]
    out = open(os.devnull, "wb") if stdout_to_null else subprocess.PIPE
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    samples = []
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if sample is not None:
            try:
                with open(f"/proc/{child_of(p.pid)}/status") as f:
                    rss = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
                samples.append((time.perf_counter() - t0, rss))
            except (OSError, StopIteration):
                pass
        time.sleep(0.01 if sample is not None else 0.002)
    seconds = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    try:
        with open(rss_file) as f:
            peak = int(f.read()) * 1024
    except (OSError, ValueError):
        peak = 0
    stdout = b"" if stdout_to_null else p.stdout.read()
    p.stderr.close()
    if not stdout_to_null:
        p.stdout.close()
    return seconds, peak, p.returncode, stdout, samples


def answer_ok(stdout):
    try:
        obj = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False
    return all(obj.get(k) == ORACLE[k] for k in ("count", "min", "max", "sum"))


def measure(group, name, cmd, state, nbytes=None, cold=False, cgroup=None, check=True, threads="",
            backend="", note="", repeat=None, sample=None, stdout_to_null=False):
    nbytes = SIZE if nbytes is None else nbytes
    times, rss, ok, codes = [], 0, True, set()
    for _ in range(repeat or REPEAT):
        t, r, code, out, samples = run(cmd, cold=cold, cgroup=cgroup, sample=sample, stdout_to_null=stdout_to_null)
        codes.add(code)
        if code != 0:
            ok = False
            break
        if check and not answer_ok(out):
            ok = False
        times.append(t)
        rss = max(rss, r)
        if sample is not None:
            sample.extend((name, state, s, v) for s, v in samples)
            sample = None   # one timeline per configuration
    row = {
        "group": group, "name": name, "state": state, "threads": threads, "backend": backend,
        "runs": len(times), "best_s": min(times) if times else "", "median_s": statistics.median(times) if times else "",
        "gb_per_s": nbytes / statistics.median(times) / 1e9 if times else "",
        "peak_rss_mib": rss / 2**20, "correct": ok if check else "", "exit": ",".join(map(str, sorted(codes))),
        "note": note,
    }
    ROWS.append(row)
    gbps = f"{row['gb_per_s']:.2f} GB/s" if times else "failed"
    log(f"  {name:42s} {state:8s} {gbps:>12s}  rss {rss / 2**20:8.1f} MiB  {'' if ok else 'FAILED/WRONG '}{note}")
    return row


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    disk = subprocess.run(["df", "-h", "--output=source,fstype,size", DATA_DIR], capture_output=True, text=True).stdout
    lines = [
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"cpu: {cpu}",
        f"processing units: {os.cpu_count()}",
        f"kernel: {platform.release()}",
        f"memory: {meminfo('MemTotal') / 2**30:.1f} GiB",
        f"disk: {' '.join(disk.split()[3:])}",
        f"file: {FILE}, {SIZE} bytes of random i32, repeat {REPEAT}",
        f"mapscan kernel: {json.loads(subprocess.run([BIN, '--json', FILE], capture_output=True).stdout)['kernel']}",
    ]
    with open(os.path.join(RESULTS, "machine.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    log("\n".join(lines))


def set_state(state):
    """'written': the file just generated (small folios in the page cache);
    'read': evicted and read back by cat (read-ahead's large folios)."""
    if state == "written":
        out = subprocess.run([BIN, "gen", "--force", "--seed", "1", "-t", "i32", "-s", str(SIZE), "--json", FILE],
                             capture_output=True, check=True).stdout
        ORACLE.update(json.loads(out))
    else:
        evict(FILE)
        subprocess.run(["cat", FILE], stdout=subprocess.DEVNULL, check=True)
    log(f"page cache state '{state}': FileHugePages {meminfo('FileHugePages') >> 20} MiB")


def mapscan_bench(state, cold=False):
    args = [BIN, "bench", "--csv", "-r", str(REPEAT), FILE] + (["--cold"] if cold else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rows = list(csv.DictReader(out.splitlines()))
    for r in rows:
        r["page_cache"] = "cold" if cold else state
    return rows


def cgroup_create(name):
    r = subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "create", name, str(CGROUP_LIMIT)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"  larger than RAM: skipped ({r.stderr.strip()})")
        return None
    return r.stdout.strip()


def cgroup_remove(name):
    subprocess.run([os.path.join(ROOT, "scripts/memcg.sh"), "remove", name], capture_output=True)


def write_csv(name, rows, fields=None):
    if not rows:
        return
    with open(os.path.join(RESULTS, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields or list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main():
    os.makedirs(RESULTS, exist_ok=True)
    os.makedirs(DATA_DIR, exist_ok=True)
    free = shutil.disk_usage(DATA_DIR).free
    if free < SIZE + (1 << 30):
        sys.exit(f"bench: {DATA_DIR} has {free} bytes free; BENCH_SIZE={SIZE} needs more")
    subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={BUILD}", f"{BUILD}/bench/inmem", f"{BUILD}/bench/fread_scan",
                    f"{BUILD}/bench/peak_rss"],
                   check=True)
    log(f"== writing the file ({SIZE} bytes)")
    set_state("written")
    machine()
    mapscan = [BIN, "--json", "--no-progress", FILE]
    scaling, timeline = [], []

    log("== ceilings")
    out = subprocess.run([f"{BUILD}/bench/inmem", "1024", "1", str(os.cpu_count())], capture_output=True,
                         text=True, check=True).stdout
    for r in csv.DictReader(out.splitlines()):
        ROWS.append({"group": "ceiling", "name": f"in-memory fused kernel ({r['kernel']})", "state": "memory",
                     "threads": r["threads"], "gb_per_s": float(r["gb_per_s"]), "note": "1 GiB buffer, no file"})
        log(f"  in-memory {r['kernel']:7s} {r['threads']} threads {float(r['gb_per_s']):8.2f} GB/s")
    cold_disk = measure("ceiling", "dd iflag=direct bs=4M (disk)", ["dd", f"if={FILE}", "of=/dev/null", "bs=4M",
                        "iflag=direct"], "cold", cold=True, check=False)
    cat_cold = measure("ceiling", "cat >/dev/null", ["cat", FILE], "cold", cold=True, check=False, stdout_to_null=True)

    for state in ("written", "read"):
        log(f"== cached, page cache state '{state}'")
        set_state(state)
        measure("ceiling", "cat >/dev/null", ["cat", FILE], state, check=False, stdout_to_null=True)
        measure("ceiling", "dd bs=1M >/dev/null", ["dd", f"if={FILE}", "of=/dev/null", "bs=1M"], state, check=False)
        set_state(state)
        measure("tools", "mapscan (defaults)", mapscan, state)
        set_state(state)
        measure("tools", "mapscan -b mmap", mapscan + ["-b", "mmap"], state, backend="mmap")
        set_state(state)
        measure("tools", "mapscan -b read", mapscan + ["-b", "read"], state, backend="read")
        measure("tools", "fread loop in C, 1 thread", [f"{BUILD}/bench/fread_scan", FILE], state)
        set_state(state)
        measure("tools", "numpy.memmap min+max+sum", [PY, f"{ROOT}/bench/numpy_scan.py", "memmap", FILE], state)
        # fromfile loads the whole file: uncapped, only while it fits with room to spare
        # (the capped run below shows what happens when it does not).
        if SIZE < meminfo("MemAvailable") // 2:
            measure("tools", "numpy.fromfile min+max+sum", [PY, f"{ROOT}/bench/numpy_scan.py", "fromfile", FILE], state)
        else:
            log("  numpy.fromfile: skipped uncapped, the file is more than half the available memory")
        part = min(SIZE, 32 << 20)
        measure("tools", "python struct loop (extrapolated)", [PY, f"{ROOT}/bench/python_struct.py", FILE, str(part)],
                state, nbytes=part, check=False, repeat=1, note=f"first {part >> 20} MiB only")
        set_state(state)
        scaling += mapscan_bench(state)

    log("== records: strided scans against the contiguous scan, cached (bench/records.py)")
    record_rows = records.compare(BIN, FILE, max(REPEAT, 3), log)
    records.write(record_rows, RESULTS)

    log("== Python, in-process: mapscan.scan / scan_buffer against numpy (bench/python_compare.py)")
    make_shared = subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={BUILD}", "all"])
    if make_shared.returncode == 0 and PY == "/usr/bin/python3":
        env_before = os.environ.get("MAPSCAN_LIBRARY")
        os.environ["MAPSCAN_LIBRARY"] = os.path.join(BUILD, "libmapscan.so.1")
        py = subprocess.run([PY, os.path.join(ROOT, "bench", "python_compare.py"), BIN, DATA_DIR, str(SIZE),
                             str(REPEAT)], capture_output=True, text=True)
        if py.returncode == 0:
            log(py.stdout.rstrip())
            with open(os.path.join(RESULTS, "python.txt"), "w") as f:
                f.write(py.stdout)
        else:
            # one part failing leaves the rest of the suite to run; python.txt keeps its last figures
            last = (py.stderr.strip().splitlines() or ["?"])[-1]
            log(f"  FAILED (status {py.returncode}): {last}")
        if env_before is None:
            del os.environ["MAPSCAN_LIBRARY"]
    else:
        log("  skipped: needs the shared library and Debian's /usr/bin/python3 with python3-numpy")

    log("== cold reads against the disk's ceiling: fio, cat, mapscan's backends, a memory cgroup (bench/direct.py)")
    _, direct_text, fio_ceiling = direct.compare(BIN, FILE, ORACLE, max(REPEAT, 3), log)
    log(direct_text.rstrip())

    log("== cold (evicted before every run)")
    measure("tools", "mapscan (defaults)", mapscan, "cold", cold=True)
    measure("tools", "mapscan -b mmap", mapscan + ["-b", "mmap"], "cold", cold=True, backend="mmap")
    measure("tools", "mapscan -b read", mapscan + ["-b", "read"], "cold", cold=True, backend="read")
    measure("tools", "numpy.memmap min+max+sum", [PY, f"{ROOT}/bench/numpy_scan.py", "memmap", FILE], "cold", cold=True)
    scaling += mapscan_bench("cold", cold=True)

    log(f"== larger than RAM: inside a {CGROUP_LIMIT >> 20} MiB memory cgroup, cold")
    cg = cgroup_create("mapscan-bench")
    if cg:
        try:
            label = f"capped {CGROUP_LIMIT >> 20}M"
            for name, extra, backend in (("mapscan (defaults)", [], ""), ("mapscan -b mmap", ["-b", "mmap"], "mmap"),
                                         ("mapscan -b read", ["-b", "read"], "read")):
                measure("capped", name, mapscan + extra, label, cold=True, cgroup=cg, backend=backend, sample=timeline)
            measure("capped", "numpy.memmap min+max+sum", [PY, f"{ROOT}/bench/numpy_scan.py", "memmap", FILE], label,
                    cold=True, cgroup=cg, sample=timeline)
            measure("capped", "numpy.fromfile min+max+sum", [PY, f"{ROOT}/bench/numpy_scan.py", "fromfile", FILE],
                    label, cold=True, cgroup=cg, repeat=1, note="needs the whole file in memory")
        finally:
            cgroup_remove("mapscan-bench")

    write_csv("results.csv", ROWS, ["group", "name", "state", "threads", "backend", "runs", "best_s", "median_s",
                                    "gb_per_s", "peak_rss_mib", "correct", "exit", "note"])
    write_csv("scaling.csv", scaling)
    write_csv("rss_timeline.csv", [{"name": n, "state": s, "seconds": round(t, 3), "rss_mib": v / 2**20}
                                   for n, s, t, v in timeline])
    targets(scaling, cold_disk, cat_cold, record_rows)
    plots(scaling, timeline, fio_ceiling)
    targets_script("floats.py", "floats against integers of the same width", "BENCH_FLOATS")
    targets_script("extra.py", "extra statistics against the plain scan", "BENCH_EXTRA")
    targets_script("columns.py", "every column in one pass against the contiguous scan", "BENCH_COLUMNS")
    log(f"== results in {RESULTS}")


def targets_script(script, title, switch):
    """bench/SCRIPT (a later issue's targets) on its own files of BENCH_SIZE, with numpy's Python;
    its judged targets (results/NAME_targets.txt) are added to targets.txt. SWITCH=0 leaves it out."""
    name = os.path.splitext(script)[0]
    if os.environ.get(switch, "1") == "0":
        log(f"== {title}: left out ({switch}=0)")
        return
    log(f"== {title} (bench/{script})")
    r = subprocess.run([PY, os.path.join(ROOT, "bench", script), BIN])
    try:
        with open(os.path.join(RESULTS, f"{name}_targets.txt")) as f:
            lines = f.read()
    except OSError:
        lines = ""
    if r.returncode != 0 or not lines:
        log(f"  bench/{script} failed (status {r.returncode})")
        lines = f"MISS  {name}: bench/{script} failed (status {r.returncode})\n"
    with open(os.path.join(RESULTS, "targets.txt"), "a") as f:
        f.write(lines)


def plots(scaling, timeline, fio_ceiling):
    """PNG plots through gnuplot, from small data files written here."""
    def dat(name, lines):
        with open(os.path.join(RESULTS, name), "w") as f:
            f.write("\n".join(lines) + "\n")

    nbytes = SIZE
    series = []
    for state in ("written", "read", "cold"):
        for backend in ("auto", "mmap", "read"):
            pts = sorted((int(r["threads"]), nbytes / float(r["median_s"]) / 1e9) for r in scaling
                         if r["page_cache"] == state and r["backend"] == backend)
            if pts:
                name = f"scaling-{state}-{backend}.dat"
                dat(name, [f"{t} {g:.3f}" for t, g in pts])
                series.append((name, f"{backend}, {'cached (' + state + ')' if state != 'cold' else 'cold'}"))
    ceiling = max((r["gb_per_s"] for r in ROWS if r["group"] == "ceiling" and r["state"] == "memory"), default=0)
    tools = [r for r in ROWS if r["group"] in ("tools", "capped") and r.get("runs")]
    dat("compare.dat", [f'"{r["name"]} [{r["state"]}]" {r["gb_per_s"]:.4f} {r["peak_rss_mib"]:.1f}' for r in tools])
    names = sorted({(n, s) for n, s, _, _ in timeline})
    for i, (n, s) in enumerate(names):
        dat(f"rss-{i}.dat", [f"{t:.3f} {v / 2**20:.1f}" for nn, ss, t, v in timeline if (nn, ss) == (n, s)])
    plot_lines = ", ".join(f'"{f}" using 1:2 with linespoints title "{t}"' for f, t in series)
    script = f"""
set terminal pngcairo size 1000,620 font ",10"
set datafile separator " "
set key outside right
set grid
set termoption noenhanced
set output "scaling.png"
set title "mapscan throughput against threads ({SIZE >> 20} MiB i32 file)"
set xlabel "threads"; set ylabel "GB/s (median)"
set xtics 1
plot {plot_lines}, {ceiling:.3f} title "in-memory ceiling, all cores" dt 2 lw 2, \\
     {fio_ceiling:.3f} title "disk ceiling (fio O_DIRECT io_uring, best of sweep)" dt 3 lw 2
set output "compare.png"
set arrow 1 from {fio_ceiling:.3f}, graph 0 to {fio_ceiling:.3f}, graph 1 nohead dt 3 lw 2 lc rgb "red"
set label 1 "disk ceiling (fio) {fio_ceiling:.2f}" at {fio_ceiling:.3f}, graph 1.02 center font ",8"
set title "whole-process throughput, median of {REPEAT} runs ({SIZE >> 20} MiB i32 file)" noenhanced
set style fill solid 0.6
set logscale x
set xrange [0.01:100]
set xlabel "GB/s (log scale)"; unset ylabel
set key off
set ytics font ",8" noenhanced
set yrange [-1:{len(tools)}]
plot "compare.dat" using 2:0:(0.01):2:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror, \\
     "compare.dat" using 2:0:(sprintf(" %.2f", $2)) with labels left font ",8"
unset arrow 1
unset label 1
set output "memory.png"
set title "peak resident set of each run (log scale)"
set xrange [1:10000]
set xlabel "MiB"
plot "compare.dat" using 3:0:(1):3:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror, \\
     "compare.dat" using 3:0:(sprintf(" %.1f", $3)) with labels left font ",8"
"""
    if names:
        rss_lines = ", ".join(f'"rss-{i}.dat" using 1:2 with lines lw 2 title "{n} [{s}]"' for i, (n, s) in enumerate(names))
        script += f"""
unset logscale x
set yrange [*:*]
set key outside right
set ytics font ",10"
set xrange [*:*]
set output "rss_timeline.png"
set title "resident set over time, cold file larger than the {CGROUP_LIMIT >> 20} MiB memory cgroup"
set xlabel "seconds"; set ylabel "RSS MiB"
plot {rss_lines}
"""
    with open(os.path.join(RESULTS, "plots.gp"), "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", "plots.gp"], cwd=RESULTS, capture_output=True, text=True)
    if r.returncode != 0:
        log(f"  plots failed: {r.stderr.strip()}")


def find(name, state):
    return next((r for r in ROWS if r["name"] == name and r["state"] == state and r.get("runs")), None)


def targets(scaling, cold_disk, cat_cold, record_rows):
    lines = []

    def judge(label, value, limit, higher=True):
        if value is None:
            lines.append(f"n/a   {label}")
            return
        ok = value >= limit if higher else value <= limit
        lines.append(f"{'met ' if ok else 'MISS'}  {label}: {value:.2f} ({'>=' if higher else '<='} {limit})")

    ceiling = max((r["gb_per_s"] for r in ROWS if r["group"] == "ceiling" and r["state"] == "memory"), default=None)
    for state in ("written", "read"):
        ms, npm = find("mapscan (defaults)", state), find("numpy.memmap min+max+sum", state)
        if ms and npm:
            judge(f"1. cached ({state}): mapscan vs numpy.memmap, speed ratio", npm["median_s"] / ms["median_s"], 8)
            judge(f"1. cached ({state}): mapscan / in-memory ceiling on all cores", ms["gb_per_s"] / ceiling, 0.45)
            rows = [r for r in scaling if r["page_cache"] == state]
            best = min(rows, key=lambda r: float(r["median_s"]))
            mine = next((r for r in rows if r["backend"] == "auto" and int(r["threads"]) == os.cpu_count()), None)
            if mine:
                judge(f"1. cached ({state}): default's scan time / best bench config "
                      f"({best['backend']} -j {best['threads']})", float(mine["median_s"]) / float(best["median_s"]),
                      1.15, higher=False)
    for state in ("written", "read"):
        rows = [r for r in scaling if r["page_cache"] == state and r["backend"] == "auto"
                and int(r["threads"]) == os.cpu_count() and r["efficiency"]]
        if rows:
            judge(f"2. scaling ({state}): auto backend efficiency 1 -> {os.cpu_count()} threads",
                  float(rows[0]["efficiency"]), 0.85)
    ms = find("mapscan (defaults)", "cold")
    if ms and cat_cold:
        judge("3. cold: mapscan speed / cat speed", cat_cold["median_s"] / ms["median_s"], 0.9)
    for name in ("mapscan -b mmap", "mapscan -b read"):
        r = find(name, "read")
        if r:
            judge(f"4. memory: {name} peak RSS MiB", r["peak_rss_mib"], 64, higher=False)
    for name in ("mapscan -b mmap", "mapscan -b read"):
        capped = next((r for r in ROWS if r["group"] == "capped" and r["name"] == name), None)
        free_run = find(name, "cold")
        if capped and free_run and capped["runs"]:
            judge(f"5. larger than RAM: {name} capped speed / uncapped cold speed (answer "
                  f"{'right' if capped['correct'] else 'WRONG'})", free_run["median_s"] / capped["median_s"], 0.8)
    for r in record_rows[1:]:
        judge(f"6. records: {r['layout']}, bytes/s of the scan / contiguous", r["ratio_scan"], 0.8)
    if cold_disk:
        lines.append(f"info  disk cold bandwidth (dd iflag=direct): {cold_disk['gb_per_s']:.2f} GB/s")
    with open(os.path.join(RESULTS, "targets.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    log("== targets\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
