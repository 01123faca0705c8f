"""mapscan: exact count, min, max, sum and mean of binary files of integers.

    >>> import mapscan
    >>> r = mapscan.scan("data.bin", dtype="<i4")
    >>> r.count, r.min, r.max, r.sum, r.mean

A thin layer over the C library (libmapscan.so.1): the scan runs on every
core with the GIL released, its memory stays at a few MiB whatever the size
of the file, and sums are exact Python ints (128-bit in the library), where
numpy's int64 sums wrap around. numpy is optional.

Errors: a file that cannot be opened raises the matching OSError subclass
(FileNotFoundError, PermissionError, IsADirectoryError...); bad input raises
InputError (a ValueError); a failure while running raises ScanError (an
OSError); all derive from mapscan.Error. Ctrl-C stops a scan within a
fraction of a second and raises KeyboardInterrupt; wherever it lands, the
scan's thread is gone by then and the buffer it read is still held."""

import ctypes
import errno as _errno
import operator
import os
import sys
from typing import Any, Callable, Dict, Optional, Tuple, Union

from . import _dtype, _lib, _worker

__all__ = ["scan", "scan_buffer", "generate", "Result", "Error", "InputError", "ScanError", "__version__"]
__version__ = _lib.VERSION

Progress = Callable[[int, int], Any]
PathLike = Union[str, bytes, "os.PathLike[str]"]


class Error(Exception):
    """Every error mapscan raises."""


class InputError(Error, ValueError):
    """Bad input: a bad dtype or option value, trailing bytes, a bad .npy header."""


class ScanError(Error, OSError):
    """A failure while running: an I/O error, the file changed during the scan."""


class _OpenError(Error, OSError):
    pass


def _open_error_class(base):
    return type(base.__name__, (Error, base), {"__module__": __name__,
                                               "__doc__": f"{base.__name__}, raised by mapscan"})


_OPEN_ERRORS = {
    _errno.ENOENT: _open_error_class(FileNotFoundError),
    _errno.EACCES: _open_error_class(PermissionError),
    _errno.EPERM: _open_error_class(PermissionError),
    _errno.EISDIR: _open_error_class(IsADirectoryError),
    _errno.ENOTDIR: _open_error_class(NotADirectoryError),
}


class Result:
    """What a scan (or generate) found: exact Python ints, and how it ran."""

    __slots__ = ("file", "count", "min", "max", "sum", "bytes", "seconds", "backend", "kernel", "threads", "type",
                 "endian", "format", "shape")

    def __init__(self, file, r: "_lib.Result"):
        self.file = file
        self.count: int = r.stats.count
        self.min: Optional[int] = r.stats.min.value() if self.count else None
        self.max: Optional[int] = r.stats.max.value() if self.count else None
        self.sum: int = r.stats.sum.value()
        self.bytes: int = r.bytes
        self.seconds: float = r.seconds
        self.backend: str = _lib.lib.mapscan_backends_name(r.backends).decode()
        self.kernel: Optional[str] = r.kernel.decode() if r.kernel else None
        self.threads: int = r.threads
        self.type: str = _lib.TYPE_NAMES[r.type]
        self.endian: str = "big" if r.endian == _lib.BIG or (r.endian == _lib.NATIVE and
                                                             os.sys.byteorder == "big") else "little"
        self.format: str = "npy" if r.format == _lib.FORMATS["npy"] else "raw"
        self.shape: Optional[Tuple[int, ...]] = tuple(r.shape[:r.ndim]) if self.format == "npy" else None

    @property
    def mean(self) -> Optional[float]:
        """sum / count, correctly rounded; None when empty."""
        return self.sum / self.count if self.count else None

    def as_dict(self) -> Dict[str, Any]:
        """The keys of the command's --json output."""
        d = {"file": self.file, "format": self.format}
        if self.shape is not None:
            d["shape"] = list(self.shape)
        d.update(type=self.type, endian=self.endian, backend=self.backend, kernel=self.kernel, threads=self.threads,
                 bytes=self.bytes, count=self.count, min=self.min, max=self.max, sum=self.sum, mean=self.mean,
                 seconds=self.seconds)
        return d

    def __repr__(self):
        return (f"mapscan.Result(count={self.count}, min={self.min}, max={self.max}, sum={self.sum}, "
                f"type={self.type!r}, endian={self.endian!r}, bytes={self.bytes})")


def _raise(error: "_lib.Error", status: int, filename):
    message = error.message.decode(errors="replace")
    if status == _lib.E_OPEN:
        cls = _OPEN_ERRORS.get(error.sys_errno, _OpenError)
        raise cls(error.sys_errno or _errno.EIO, message, filename)
    if _lib.lib.mapscan_status_is_input_error(status):
        raise InputError(f"{filename}: {message}" if filename is not None else message)
    raise ScanError(error.sys_errno or _errno.EIO, message, filename)


def _run(call, options, progress: Optional[Progress]):
    """call() (the library's) on a thread of its own (see _worker for the protocol that never leaves it
    behind), while this thread passes progress on and answers Ctrl-C: the library polls the cancel flag
    about ten times a second and stops."""
    cancel = ctypes.c_int(0)
    seen = [None]

    def on_progress(done_bytes, total, _arg):
        seen[0] = (done_bytes, total)

    options.progress = _lib.PROGRESS(on_progress)
    options.cancel = ctypes.pointer(cancel)

    def on_tick():
        if progress is not None and seen[0] is not None:
            progress(*seen[0])

    try:
        return _worker.run(call, cancel, on_tick)
    except _worker.StartError as e:
        raise ScanError(e.errno, f"{e.strerror}: {os.strerror(e.errno)}") from None


def _path_bytes(path) -> bytes:
    name = os.fsencode(path)
    if b"\0" in name:
        # as os.open says: the C library would see only the part before it
        raise InputError(f"{path!r}: embedded null byte in a path")
    return name


def _text_bytes(what, text) -> bytes:
    if not isinstance(text, str):
        raise InputError(f"{what} {text!r}: a string")
    if "\0" in text:
        raise InputError(f"{what} {text!r}: embedded null byte")
    return text.encode()


_U64_MAX = 2**64 - 1
_THREADS_MAX = 65536        # as the command's --threads


def _whole(name, value, low=0, high=_U64_MAX):
    """value as an int from low to high, or InputError. Python ints and numpy integers are whole numbers;
    bools (True is 1 to Python) and floats are not. ctypes would cut a larger value modulo 2**64 or 2**32
    without a word, so every integer passes here before it reaches a structure."""
    numpy = sys.modules.get("numpy")
    if isinstance(value, bool) or (numpy is not None and isinstance(value, numpy.bool_)):
        raise InputError(f"{name} {value!r}: a whole number from {low} to {high}, not a bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise InputError(f"{name} {value!r}: a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise InputError(f"{name} {value!r}: a whole number from {low} to {high}")
    return number


def _scan_options(dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset, format,
                  io_depth=None, io_size=None):
    o = _lib.Options()
    _lib.lib.mapscan_options_init_sized(ctypes.byref(o), ctypes.sizeof(o))
    if dtype is not None:
        try:
            o.type, order, explicit = _dtype.parse(dtype)
        except ValueError as e:
            raise InputError(str(e)) from None
        o.endian = {"little": _lib.LITTLE, "big": _lib.BIG, "native": _lib.NATIVE}[order]
        o.type_set = True
        o.endian_set = explicit
    if backend not in _lib.BACKENDS:
        raise InputError(f"backend {backend!r}: auto, mmap, read or direct")
    if format not in _lib.FORMATS:
        raise InputError(f"format {format!r}: auto, raw or npy")
    o.backend = _lib.BACKENDS[backend]
    o.format = _lib.FORMATS[format]
    o.offset = _whole("offset", offset)
    if length is not None:
        o.length = _whole("length", length)
    o.threads = 0 if threads is None else _whole("threads", threads, 1, _THREADS_MAX)
    o.allow_trailing = bool(allow_trailing)
    o.field = _text_bytes("field", field) if field is not None else None
    o.record_size = 0 if record is None else _whole("record", record)
    o.field_offset = _whole("field_offset", field_offset)
    o.io_depth = 0 if io_depth is None else _whole("io_depth (reads in flight per thread)", io_depth, 1, 64)
    o.io_size = 0 if io_size is None else _whole("io_size (bytes per read)", io_size, 4096, 64 << 20)
    return o


def scan(path: PathLike, dtype=None, offset: int = 0, length: Optional[int] = None, threads: Optional[int] = None,
         backend: str = "auto", allow_trailing: bool = False, field: Optional[str] = None,
         record: Optional[int] = None, field_offset: int = 0, progress: Optional[Progress] = None,
         format: str = "auto", io_depth: Optional[int] = None, io_size: Optional[int] = None) -> Result:
    """Scans the file at path ('-' is standard input) and returns its exact statistics.

    dtype: numpy's meaning ('<i4', '>u2', 'int64', 'i8' is int64, numpy.int16, numpy.dtype('>u8')); default
        int32 little-endian for raw files. A .npy file needs none: its header gives it (a contradicting dtype
        is an InputError).
    offset, length: bytes to skip, and at most this many to scan (for .npy, counted from the start of the data).
    threads: worker threads (default one per core). backend: 'auto', 'mmap', 'read' or 'direct' (O_DIRECT,
        past the page cache).
    allow_trailing: ignore a final partial element (record) instead of raising InputError.
    field: a .npy file's structured dtype: the integer field to scan ('outer.inner' when nested).
    record, field_offset: a raw file of record-byte records; the dtype element at field_offset of each is scanned.
    progress: called as progress(done_bytes, total_bytes) on this thread about ten times a second, and once
        at the end with done == total (for a pipe, whose size was not known, both are the bytes read); an
        exception it raises stops the scan and reaches the caller.
    format: 'auto' (a .npy file when it starts with numpy's magic string), 'raw' or 'npy'.
    io_depth, io_size: the direct backend's reads in flight per thread (1-64, default 8) and bytes per read
        (4096 to 64 MiB, default 1 MiB); Result.backend says 'direct-pread' where io_uring is not available.
    """
    o = _scan_options(dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset, format,
                      io_depth, io_size)
    r, e = _lib.Result(), _lib.Error()
    name = _path_bytes(path)
    status = _run(lambda: _lib.lib.mapscan_scan_path(name, ctypes.byref(o), ctypes.byref(r), ctypes.byref(e)), o,
                  progress)
    if status != _lib.OK:
        _raise(e, status, os.fsdecode(name))
    if progress is not None:
        progress(r.bytes, r.bytes)      # the finish, also of a scan too short for a call on the way
    return Result(os.fsdecode(name), r)


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


def scan_buffer(obj, dtype=None, threads: Optional[int] = None) -> Result:
    """Scans memory already in the process (a numpy array, bytes, bytearray, memoryview, mmap) with the
    same parallel kernels, exactly: an int64 array of 1000 x 2**62 sums to 1000 * 2**62.

    dtype defaults to the buffer's own element type (bytes: uint8). The buffer must be C-contiguous: a
    non-contiguous one raises InputError, it is never copied or read with the wrong strides."""
    try:
        view = memoryview(obj)
    except TypeError as e:
        raise InputError(f"{type(obj).__name__}: {e} (a C-contiguous buffer is needed)") from None
    try:
        if not view.c_contiguous:
            raise InputError(f"{type(obj).__name__}: not C-contiguous (a C-contiguous buffer is needed; "
                             "numpy.ascontiguousarray makes one)")
        o = _scan_options(view.format if dtype is None else dtype, 0, None, threads, "auto", False, None, None,
                          0, "raw")
        r, e = _lib.Result(), _lib.Error()

        def call():
            # On the worker, which holds view (so obj) and an export of it until the library has returned:
            # an exported buffer cannot be resized, closed or freed, whatever the caller does meanwhile.
            exported = _PyBuffer()
            _get_buffer(view, ctypes.byref(exported), _PyBUF_SIMPLE)
            try:
                return _lib.lib.mapscan_scan_memory(exported.buf, exported.len, ctypes.byref(o), ctypes.byref(r),
                                                    ctypes.byref(e))
            finally:
                _release_buffer(ctypes.byref(exported))

        status = _run(call, o, None)
    finally:
        view.release()      # only once the worker is gone: it would refuse while exported (BufferError)
    if status != _lib.OK:
        _raise(e, status, None)
    return Result(None, r)


def generate(path: PathLike, dtype="<i4", count: Optional[int] = None, size: Optional[int] = None,
             pattern: str = "random", seed: int = 0, force: bool = False, format: str = "raw",
             threads: Optional[int] = None, progress: Optional[Progress] = None) -> Result:
    """Writes a reproducible file (as `mapscan gen`) and returns what it wrote: the exact statistics,
    computed from the values as they were produced (an oracle for any scan of the file).

    Give count (elements) or size (bytes). pattern: 'random', 'range:LO:HI', 'mod:M', 'seq' or 'const:V'.
    format: 'raw' or 'npy' (a .npy file numpy.load reads back). The file appears only when complete; it is
    never replaced unless force. progress: as scan's, with the bytes of values written (no .npy header)."""
    g = _lib.GenOptions()
    _lib.lib.mapscan_gen_options_init_sized(ctypes.byref(g), ctypes.sizeof(g))
    try:
        g.type, order, _ = _dtype.parse(dtype)
    except ValueError as e:
        raise InputError(str(e)) from None
    g.endian = {"little": _lib.LITTLE, "big": _lib.BIG, "native": _lib.NATIVE}[order]
    elem = 1 << (g.type // 2)
    if (count is None) == (size is None):
        raise InputError("give either count or size")
    if size is not None:
        size = _whole("size", size)
        if size % elem:
            raise InputError(f"size {size} is not a multiple of the {elem}-byte element")
    n = _whole("count", count) if count is not None else size // elem
    if format not in ("raw", "npy"):
        raise InputError(f"format {format!r}: raw or npy")
    g.count, g.seed, g.force = n, _whole("seed", seed), bool(force)
    g.threads = 0 if threads is None else _whole("threads", threads, 1, _THREADS_MAX)
    g.format = _lib.FORMATS[format]
    e = _lib.Error()
    if _lib.lib.mapscan_pattern_parse(_text_bytes("pattern", pattern), ctypes.byref(g), ctypes.byref(e)) != _lib.OK:
        raise InputError(e.message.decode(errors="replace"))
    r = _lib.Result()
    name = _path_bytes(path)
    status = _run(lambda: _lib.lib.mapscan_generate(name, ctypes.byref(g), ctypes.byref(r), ctypes.byref(e)), g,
                  progress)
    if status != _lib.OK:
        _raise(e, status, os.fsdecode(name))
    if progress is not None:
        progress(r.bytes, r.bytes)      # the finish: the file is complete
    result = Result(os.fsdecode(name), r)
    result.type, result.format = _lib.TYPE_NAMES[g.type], format
    result.endian = "big" if g.endian == _lib.BIG or (g.endian == _lib.NATIVE and os.sys.byteorder == "big") \
        else "little"
    return result
