"""The runner the command-line suites share (cli_test.py, mpi_test.py): each test is a
function registered with @test; `python3 SUITE.py [NAME-SUBSTRING]` runs those whose name
contains the argument and ends with a line 'N passed, N failed'."""

import shutil
import sys
import time
import traceback


class Suite:
    def __init__(self):
        self.tests = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def main(self, work):
        """Runs the tests, removes the work directory, returns the exit status."""
        only = sys.argv[1] if len(sys.argv) > 1 else ""
        passed = failed = 0
        try:
            for fn in self.tests:
                if only not in fn.__name__:
                    continue
                start = time.monotonic()
                try:
                    fn()
                    passed += 1
                    print(f"[PASS] {fn.__name__} ({time.monotonic() - start:.1f} s)", flush=True)
                except Exception:
                    failed += 1
                    print(f"[FAIL] {fn.__name__} ({time.monotonic() - start:.1f} s)", flush=True)
                    traceback.print_exc()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
