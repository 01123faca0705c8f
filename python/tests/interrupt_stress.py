"""KeyboardInterrupt at random instants around scan, scan_buffer and generate.

Run by test_interrupts.py in a child interpreter (a crash there is a finding,
not the end of pytest), or by hand:

    PYTHONPATH=python python3 python/tests/interrupt_stress.py CASES SEED DIR [CALL,...]

Each case picks a call (scan_buffer of a 64 MiB array, 4 MiB under ASan,
dropped right after; scan of a 64 MiB file with one of the backends;
generate of a 4 MiB file; a scan or scan_buffer with extra statistics,
whose quantiles and histogram counts are arrays the package allocates and
the library reads and writes to the end of its passes; a scan or
scan_buffer of four columns, whose results and histogram counts are the
library's memory, copied and freed on the worker), a way to interrupt (a one-shot or repeating
ITIMER_REAL whose SIGALRM handler raises, _thread.interrupt_main or
pthread_kill(main, SIGINT) from a helper thread), one to five interrupts,
and a delay from 2 us to 1.5 times the call's own duration (measured first),
drawn log-uniformly for half the cases and uniformly for the others, so that
the interrupts fall before the worker starts, while it starts, during the
scan, as it ends and after. After each case, at once:

* /proc/self/task has as many threads as before (a grace of 50 ms for the
  kernel to reap a thread already joined), and threading.enumerate() too;
* generate left no FILE.mapscan-tmp.* beside the target, and the target is
  either absent or complete;
* the array given to scan_buffer is freed (64 MiB: glibc unmaps it; under
  AddressSanitizer, 4 MiB, poisoned), so a library still reading it crashes
  or is reported.

Prints one JSON line: the counts, where in the package each interrupt was
raised (raised_at: function:line), the seconds and the failures."""

import json
import math
import os
import queue
import random
import signal
import sys
import threading
import time
import _thread

import numpy as np

import mapscan

# int64: 64 MiB, past glibc's largest mmap threshold (32 MiB), so that free unmaps it; under
# AddressSanitizer (preloaded) any freed block is poisoned, and 4 MiB keeps the cases short
ARRAY_ELEMENTS = 1 << (19 if "libasan" in os.environ.get("LD_PRELOAD", "") else 23)
GEN_COUNT = 1 << 20                 # int32: 4 MiB


def tasks():
    return len(os.listdir("/proc/self/task"))


inside = [False]        # the handler raises only while a call is under test
shots = [0]             # and at most this many more times


def handler(signum, frame):
    if inside[0] and shots[0] > 0:
        shots[0] -= 1
        raise KeyboardInterrupt


def raised_at(tb):
    """Where in the package the interrupt was raised: its innermost frame there (function:line)."""
    where = "outside the package"
    package = os.path.dirname(mapscan.__file__)
    while tb is not None:
        code = tb.tb_frame.f_code
        if os.path.dirname(code.co_filename) == package:
            where = f"{os.path.basename(code.co_filename)}:{code.co_name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def helper(jobs):
    """Interrupts the main thread from another thread, as asked."""
    main = threading.main_thread().ident
    while True:
        job = jobs.get()
        if job is None:
            return
        delay, how, count, gap, fired = job
        time.sleep(delay)
        for i in range(count):
            if how == "interrupt_main":
                _thread.interrupt_main()
            else:
                signal.pthread_kill(main, signal.SIGINT)
            if gap:
                time.sleep(gap)
        fired.set()


def main():
    cases, seed, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, handler)
    signal.signal(signal.SIGINT, handler)
    jobs = queue.Queue()
    threading.Thread(target=helper, args=(jobs,), name="interrupter", daemon=True).start()

    big = os.path.join(work, "big.bin")
    mapscan.generate(big, dtype="<i8", count=ARRAY_ELEMENTS, pattern="seq", force=True)
    target = os.path.join(work, "gen.bin")

    def call_buffer(threads, progress):
        a = np.empty(ARRAY_ELEMENTS, dtype="<i8")
        try:
            mapscan.scan_buffer(a, threads=threads)
        finally:
            del a

    def call_scan(threads, progress):
        mapscan.scan(big, dtype="<i8", threads=threads, backend=rng.choice(["auto", "mmap", "read"]),
                     progress=progress)

    def call_generate(threads, progress):
        mapscan.generate(target, dtype="<i4", count=GEN_COUNT, threads=threads, progress=progress)

    def call_extra(threads, progress):
        # a 32nd of the data: each statistic here takes passes of its own
        extra = dict(stats="all", quantiles=[0.25, 0.5], histogram=rng.choice([1, 4096, 1 << 20]),
                     range=rng.choice([None, (0, ARRAY_ELEMENTS)]))
        if rng.random() < 0.5:
            mapscan.scan(big, dtype="<i8", length=ARRAY_ELEMENTS // 4, threads=threads,
                         backend=rng.choice(["auto", "mmap", "read"]), progress=progress, **extra)
            return
        a = np.empty(ARRAY_ELEMENTS // 32, dtype="<i8")
        try:
            mapscan.scan_buffer(a, threads=threads, **extra)
        finally:
            del a

    def call_columns(threads, progress):
        # four channels: the columns' results (and the histograms' counts) are the library's until freed
        extra = dict(stats="all")
        if rng.random() < 0.5:
            extra.update(histogram=rng.choice([1, 4096]), range=(0, ARRAY_ELEMENTS))
        if rng.random() < 0.25:
            extra.update(quantiles=[0.5])
        if rng.random() < 0.5:
            mapscan.scan(big, dtype="<i8", channels=4, length=ARRAY_ELEMENTS * 2, threads=threads,
                         backend=rng.choice(["auto", "mmap", "read"]), progress=progress, **extra)
            return
        a = np.empty((ARRAY_ELEMENTS // 128, 4), dtype="<i8")
        try:
            mapscan.scan_buffer(a, channels=4, threads=threads, **extra)
        finally:
            del a

    calls = {"scan_buffer": call_buffer, "scan": call_scan, "generate": call_generate, "extra": call_extra,
             "columns": call_columns}
    if len(sys.argv) > 4:
        calls = {name: calls[name] for name in sys.argv[4].split(",")}
    duration = {}
    for name, fn in calls.items():
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            fn(1, None)
            best = min(best, time.perf_counter() - start)
            if os.path.exists(target):
                os.unlink(target)
        duration[name] = best

    base_tasks, base_threads = tasks(), set(threading.enumerate())
    counts = {name: {"cases": 0, "interrupted": 0} for name in calls}
    failures, max_lag, places = [], 0.0, {}
    started = time.monotonic()
    for case in range(cases):
        name = rng.choice(list(calls))
        fn = calls[name]
        how = rng.choice(["timer", "timer", "interrupt_main", "pthread_kill"])
        count = 1 if rng.random() < 0.75 else rng.randint(2, 5)
        if rng.random() < 0.5:      # dense where the worker starts
            delay = math.exp(rng.uniform(math.log(2e-6), math.log(1.5 * duration[name])))
        else:                       # and even over the call, its end and after
            delay = rng.uniform(2e-6, 1.5 * duration[name])
        gap = rng.choice([0.0, 20e-6, 200e-6])
        threads = rng.choice([1, 1, 2, 3])
        progress = rng.choice([None, lambda done, total: None])
        fired = threading.Event()
        interrupted = False
        shots[0] = count
        if how == "timer":
            signal.setitimer(signal.ITIMER_REAL, delay, max(gap, 1e-6) if count > 1 else 0)
        else:
            jobs.put((delay, how, count, gap, fired))
        inside[0] = True
        try:
            fn(threads, progress)
            inside[0] = False
        except KeyboardInterrupt:
            inside[0] = False
            interrupted = True
            where = raised_at(sys.exc_info()[2])
            places[where] = places.get(where, 0) + 1
        signal.setitimer(signal.ITIMER_REAL, 0)
        # the checks, before anything else can run or be reaped
        left = tasks() - base_tasks
        temporaries = [n for n in os.listdir(work) if ".mapscan-tmp." in n]
        extra = [t.name for t in threading.enumerate() if t not in base_threads]
        lag_start = time.monotonic()
        while left > 0 and time.monotonic() - lag_start < 0.05:
            time.sleep(0.0005)
            left = tasks() - base_tasks
        if left == 0:
            max_lag = max(max_lag, time.monotonic() - lag_start)
        what = f"case {case} (seed {seed}): {name}, {how} x{count} after {delay * 1e6:.0f} us, threads={threads}"
        if left > 0:
            failures.append(f"{what}: {left} thread(s) still there 50 ms after the call")
        if extra:
            failures.append(f"{what}: threading.enumerate() has {extra}")
        if temporaries:
            failures.append(f"{what}: temporaries left: {temporaries}")
        if name == "generate" and os.path.exists(target):
            if os.path.getsize(target) != GEN_COUNT * 4:
                failures.append(f"{what}: {target} is incomplete: {os.path.getsize(target)} bytes")
            os.unlink(target)
        if how != "timer":
            fired.wait()
        counts[name]["cases"] += 1
        counts[name]["interrupted"] += interrupted
        if len(failures) >= 20:
            break
    jobs.put(None)
    print(json.dumps({"cases": sum(c["cases"] for c in counts.values()),
                      "interrupted": sum(c["interrupted"] for c in counts.values()), "by_call": counts,
                      "call_ms": {k: round(v * 1e3, 2) for k, v in duration.items()},
                      "seconds": round(time.monotonic() - started, 1), "max_reap_ms": round(max_lag * 1e3, 2),
                      "raised_at": dict(sorted(places.items(), key=lambda kv: -kv[1])), "failures": failures}))


if __name__ == "__main__":
    main()
