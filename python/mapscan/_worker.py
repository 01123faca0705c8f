"""Runs one library call on a thread of its own, so that the calling thread
can pass progress on and answer Ctrl-C, and never leaves it behind.

The protocol, and why it holds whatever instant a KeyboardInterrupt lands.

CPython runs a Python signal handler (the one that raises KeyboardInterrupt,
or any handler of the program's that raises) only on the main thread, and
only between bytecodes, at a few of them: a function's start, a backward
jump, and the return of a call. A C function, however long, runs to its end
before any handler (unless it calls PyErr_CheckSignals itself, as a lock's
acquire or time.sleep do), and so does an instruction that is no call. So:

1. Everything that must not be cut in two runs on the worker, which is a
   POSIX thread started through ctypes, not a threading.Thread: no handler
   ever runs there. It gets the buffer (scan_buffer), calls the library,
   releases the buffer, records the outcome, and only then releases the
   lock the caller waits on. The objects it uses are referenced by its own
   closure, so nothing it reads can be freed while it runs, whatever the
   calling thread does. (It is named "mapscan" in /proc/self/task/*/comm.)

2. Starting it: pthread_create is a C function, but its return value would be
   lost to an interrupt raised at the return of the call that made it, and
   with it whether a thread now exists. So it is called from inside
   list.extend(map(...)), C code all the way down: the return value is in the
   list before the single instruction that made the call ends. A list that
   holds 0 means that a thread exists, and nothing else does.

3. From the instruction that starts it to the one that joins it, the calling
   thread is inside one try statement. Its handler raises the cancel flag (an
   attribute store: no handler can run), then, if a thread exists, joins it
   with pthread_join: one C call, that no interrupt ends early, and after
   which no thread is left; only then may an interrupt that arrived meanwhile
   be raised, and the first one is re-raised. Every place where an interrupt
   can be raised between start and join (the waits, the progress callback,
   the backward jump of the waiting loop) is inside that try.

4. On the way out without an exception, the join is the first call after the
   try, reached by a forward jump: no interrupt can land in between.

What this does not cover: an exception put into the calling thread by a
trace function or PyThreadState_SetAsyncExc, which can land at any
instruction; signals are what raise KeyboardInterrupt.

The library polls the cancel flag about ten times a second (also while a
pipe stays silent) and then returns E_CANCELLED: the join takes at most a
fraction of a second. The generator removes its temporary on a cancel, and a
cancel that comes after its rename leaves the complete file."""

import ctypes
import signal
import _thread

_libc = ctypes.CDLL(None)       # the process's own: an ASan runtime loaded first intercepts these
_pthread_t = ctypes.c_ulong
_START = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
_create = _libc.pthread_create
_create.argtypes = [ctypes.POINTER(_pthread_t), ctypes.c_void_p, _START, ctypes.c_void_p]
_create.restype = ctypes.c_int
_join = _libc.pthread_join
_join.argtypes = [_pthread_t, ctypes.c_void_p]
_join.restype = ctypes.c_int
_self = _libc.pthread_self
_self.argtypes = []
_self.restype = _pthread_t
_setname = getattr(_libc, "pthread_setname_np", None)
if _setname is not None:
    _setname.argtypes = [_pthread_t, ctypes.c_char_p]
    _setname.restype = ctypes.c_int

# As the library's own workers: every signal blocked but those a fault raises,
# so that a signal meant for the process reaches the calling thread at once.
_ALL_SIGNALS = signal.valid_signals() if hasattr(signal, "valid_signals") else range(1, signal.NSIG)   # 3.7
_ASYNC_SIGNALS = set(_ALL_SIGNALS) - {signal.SIGBUS, signal.SIGSEGV, signal.SIGFPE, signal.SIGILL}


class StartError(OSError):
    """pthread_create failed (errno in .errno); no thread exists."""


def run(call, cancel, on_tick):
    """call() on a new thread; returns what it returned or raises what it raised.

    cancel: the ctypes c_int the library polls. on_tick(): called on this
    thread about ten times a second while call() runs; what it raises stops
    the call (cancel) and is raised once the thread is gone."""
    outcome = []
    finished = _thread.allocate_lock()
    finished.acquire()

    def body(_arg):
        # On the worker: no signal handler runs here, nothing below is cut short.
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, _ASYNC_SIGNALS)
            if _setname is not None:
                _setname(_self(), b"mapscan")
            outcome.append((True, call()))
        except BaseException as e:      # noqa: B902 (handed to the caller)
            outcome.append((False, e))
        finally:
            finished.release()
        return None

    start = _START(body)
    handle = _pthread_t(0)
    where = ctypes.byref(handle)
    created = []
    try:
        created.extend(map(_create, (where,), (None,), (start,), (None,)))
        if created[0] != 0:
            raise StartError(created[0], "cannot start a thread for the call")
        while not finished.acquire(True, 0.1):
            on_tick()
    except BaseException:
        cancel.value = 1
        if created and created[0] == 0:
            _join(handle, None)
        raise
    _join(handle, None)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value
