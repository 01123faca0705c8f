"""Interrupts at every instant: interrupt_stress.py in a child interpreter,
with a fixed seed. MAPSCAN_STRESS=N runs N cases instead of 300 (make fuzz
runs thousands under AddressSanitizer); MAPSCAN_STRESS_SEED picks the seed."""

import ctypes
import errno
import json
import os
import subprocess
import sys
import time
import _thread

import pytest

import mapscan
from mapscan import _worker

DEFAULT_CASES = 300


def test_an_interrupt_at_any_instant_leaves_no_thread_no_temporary_and_no_freed_buffer_in_use(tmp_path):
    cases = int(os.environ.get("MAPSCAN_STRESS") or DEFAULT_CASES)
    seed = int(os.environ.get("MAPSCAN_STRESS_SEED") or 15)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    script = os.path.join(os.path.dirname(__file__), "interrupt_stress.py")
    p = subprocess.run([sys.executable, script, str(cases), str(seed), str(tmp_path)], capture_output=True,
                       env=env, timeout=60 + cases)
    assert p.returncode == 0, (p.returncode, p.stdout.decode(errors="replace")[-2000:],
                               p.stderr.decode(errors="replace")[-4000:])
    report = json.loads(p.stdout.splitlines()[-1])
    print(json.dumps(report))
    assert report["failures"] == [], report
    assert report["cases"] == cases
    # the delays cover the call: each one interrupted, and (with enough cases) some finished first
    for name, c in report["by_call"].items():
        assert c["interrupted"] > 0 or c["cases"] < 10, (name, report)
    assert report["interrupted"] < report["cases"] or cases < 100, report


def tasks():
    return len(os.listdir("/proc/self/task"))


def tasks_after(before, grace=0.05):
    """The thread count, once a thread already joined has had a moment to be reaped by the kernel
    (pthread_join returns when the thread's id is cleared, a few microseconds before)."""
    end = time.monotonic() + grace
    n = tasks()
    while n > before and time.monotonic() < end:
        time.sleep(0.0005)
        n = tasks()
    return n


def test_a_second_interrupt_during_the_join_waits_for_the_thread_to_be_gone():
    """The worker interrupts the caller (first interrupt), waits for the cancel, interrupts it again
    while the caller joins, and takes its time: the second KeyboardInterrupt reaches the caller only
    once the worker has returned."""
    cancel = ctypes.c_int(0)
    state = {}

    def call():
        _thread.interrupt_main()
        while not cancel.value:
            time.sleep(0.001)
        _thread.interrupt_main()
        time.sleep(0.1)
        state["returned"] = True
        return 0
    before = tasks()
    with pytest.raises(KeyboardInterrupt) as e:
        _worker.run(call, cancel, lambda: None)
    assert state == {"returned": True} and tasks_after(before) == before
    assert isinstance(e.value.__context__, KeyboardInterrupt)       # the first one, raised while joining


def test_a_raising_progress_callback_stops_a_scan_that_never_ends_and_leaves_no_thread(tmp_path):
    r, w = os.pipe()
    os.write(w, b"\1\0\0\0" * 100)          # then silence: the scan would wait for ever

    class Enough(Exception):
        pass

    def progress(done, total):
        raise Enough(done)
    before = tasks()
    start = time.monotonic()
    try:
        with pytest.raises(Enough):
            mapscan.scan(f"/proc/self/fd/{r}", dtype="<i4", progress=progress)
    finally:
        os.close(r)
        os.close(w)
    assert time.monotonic() - start < 2 and tasks_after(before) == before


def test_a_thread_that_cannot_be_started_is_a_scan_error_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(_worker, "_create", lambda *args: errno.EAGAIN)
    (tmp_path / "a.bin").write_bytes(b"\0" * 8)
    before = tasks()
    with pytest.raises(mapscan.ScanError) as e:
        mapscan.scan(tmp_path / "a.bin")
    assert e.value.errno == errno.EAGAIN and "thread" in str(e.value) and tasks_after(before) == before
    with pytest.raises(mapscan.ScanError):
        mapscan.generate(tmp_path / "g.bin", count=10)
    assert sorted(os.listdir(tmp_path)) == ["a.bin"]
