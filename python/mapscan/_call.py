"""One library call run on the worker thread (see _worker for why it never
leaves it behind), with progress passed on and Ctrl-C answered on the
calling thread; and the buffer export that keeps scan_buffer's memory alive
for as long as the library reads it."""

import ctypes
import os
from typing import Callable, Optional

from . import _lib, _worker
from ._errors import ScanError


def run(call, options, progress: Optional[Callable[[int, int], object]], keep=None):
    """call() (the library's) on a thread of its own, while this thread passes progress on and answers
    Ctrl-C: the library polls the cancel flag about ten times a second and stops.

    keep: what the options point to (the extra statistics' arrays, _options.Extra), held by the worker's
    call itself, so that it lives until the library has returned, even when an interrupt ends this frame
    first (the options hold it too, through ctypes; this does not depend on that)."""
    cancel = ctypes.c_int(0)
    seen = [None]

    def on_progress(done_bytes, total, _arg):
        seen[0] = (done_bytes, total)

    options.progress = _lib.PROGRESS(on_progress)
    options.cancel = ctypes.pointer(cancel)

    def on_tick():
        if progress is not None and seen[0] is not None:
            progress(*seen[0])

    def held(call=call, keep=keep, options=options):
        return call()

    try:
        return _worker.run(held, cancel, on_tick)
    except _worker.StartError as e:
        raise ScanError(e.errno, f"{e.strerror}: {os.strerror(e.errno)}") from None


class _PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


_PyBUF_SIMPLE = 0
_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


def scan_memory(view: memoryview, options, result, error) -> Callable[[], int]:
    """The call that scans view's memory. On the worker, it holds view (so the object) and an export of it
    until the library has returned: an exported buffer cannot be resized, closed or freed, whatever the
    caller does meanwhile."""
    def call():
        exported = _PyBuffer()
        _get_buffer(view, ctypes.byref(exported), _PyBUF_SIMPLE)
        try:
            return _lib.lib.mapscan_scan_memory(exported.buf, exported.len, ctypes.byref(options),
                                                ctypes.byref(result), ctypes.byref(error))
        finally:
            _release_buffer(ctypes.byref(exported))
    return call


def taking_columns(call, result, taken: list) -> Callable[[], int]:
    """call() (a scan into result), then, on the worker too, the columns of a scan of several (the library's
    memory) copied into the package's: taken gets a ctypes array of Results whose histogram counts point
    into arrays of its own (the array keeps them alive), and the library's block is freed at once,
    whatever happens. Nothing of the library's outlives the worker's call, so an interrupt that ends the
    caller's frame at any instruction leaks nothing."""
    def call_and_take():
        status = call()
        try:
            n = result.ncolumns
            if n and result.columns:
                columns = (_lib.Result * n)()
                ctypes.memmove(columns, result.columns, n * ctypes.sizeof(_lib.Result))
                keep = []
                for c in columns:
                    c.columns, c.ncolumns = None, 0
                    if c.extra.counts and c.extra.bins:
                        counts = (ctypes.c_uint64 * c.extra.bins)()
                        ctypes.memmove(counts, c.extra.counts, 8 * c.extra.bins)
                        c.extra.counts = ctypes.cast(counts, ctypes.POINTER(ctypes.c_uint64))
                        keep.append(counts)
                    else:
                        c.extra.counts = None
                columns._counts = keep      # held by the array
                taken.append(columns)
        finally:
            _lib.lib.mapscan_result_free(ctypes.byref(result))
        return status
    return call_and_take
