"""mapscan: exact count, min, max, sum and mean of binary files of integers or floats.

    >>> import mapscan
    >>> r = mapscan.scan("data.bin", dtype="<i4")
    >>> r.count, r.min, r.max, r.sum, r.mean
    >>> mapscan.scan(np.load("big.npy", mmap_mode="r"))     # through its file: no page faulted in
    >>> mapscan.scan(["a.bin", "b.bin"]).total              # per-file Results and their exact total

A thin layer over the C library (libmapscan.so.1): the scan runs on every
core with the GIL released, its memory stays at a few MiB whatever the size
of the file, and sums are exact Python ints (128-bit in the library), where
numpy's int64 sums wrap around. Floats (float16, bfloat16, float32, float64)
get their NaN count and an exact sum (a fractions.Fraction), rounded once for
sum and mean. On request (stats=, quantiles=, histogram=, describe=): var and
std from exact sums, argmin and argmax, numpy's linear quantiles exactly, and
histograms whose edges are numpy's. numpy is optional.

Errors: a file that cannot be opened raises the matching OSError subclass
(FileNotFoundError, PermissionError, IsADirectoryError...); bad input raises
InputError (a ValueError); a failure while running raises ScanError (an
OSError); all derive from mapscan.Error. Ctrl-C stops a scan within a
fraction of a second and raises KeyboardInterrupt; wherever it lands, the
scan's thread is gone by then and the buffer it read is still held.

Types for annotations: Backend and Format (the strings backend= and
format= take), Progress (a progress callback), Source (what scan takes).
docs/python.md in the repository is the guide."""

import ctypes
import os
import sys
from typing import Any, Callable, List, Literal, Optional, Sequence, Tuple, Union, overload

from . import _call, _dtype, _lib, _memmap, _options, _progress
from ._errors import Error, InputError, ScanError, raise_status
from ._result import Histogram, Result, Results, merge

__all__ = ["scan", "scan_buffer", "generate", "merge", "Result", "Results", "Error", "InputError", "ScanError",
           "Backend", "Format", "Progress", "Source", "Stat", "Histogram", "__version__"]
__version__: str = _lib.VERSION

Progress = Callable[[int, int], Any]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Source = Union[PathLike, Any]        # a path, or a numpy.memmap
Backend = Literal["auto", "mmap", "read", "direct"]
Stat = Literal["var", "std", "argmin", "argmax", "all"]
Format = Literal["auto", "raw", "npy"]
GenFormat = Literal["raw", "npy"]


def _scan_one(source, dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset,
              progress, format, io_depth, io_size, extra) -> Result:
    more = _options.Extra(**extra)
    at = _memmap.view(source, field)
    if at is not None:
        given = {"offset": offset != 0, "length": length is not None, "record": record is not None,
                 "field_offset": field_offset != 0, "format": format not in ("auto", "raw"),
                 "dtype": dtype is not None and _dtype.parse(dtype) != _dtype.parse(at.dtype)}
        if any(given.values()):
            raise InputError(f"{at.filename}: a memmap brings its own offset, length, dtype and layout; "
                             f"{', '.join(k for k, v in given.items() if v)} cannot change them")
        source, dtype, offset, length, record, field_offset, format, field = \
            at.filename, at.dtype, at.offset, at.length, at.record, at.field_offset, "raw", None
    o = _options.scan_options(dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset,
                              format, io_depth, io_size)
    more.apply(o)
    r, e = _lib.Result(), _lib.Error()
    name = _options.path_bytes(source)
    status = _call.run(lambda: _lib.lib.mapscan_scan_path(name, ctypes.byref(o), ctypes.byref(r), ctypes.byref(e)),
                       o, progress, keep=more)
    if status != _lib.OK:
        raise_status(e, status, os.fsdecode(name))
    if progress is not None:
        progress(r.bytes, r.bytes)      # the finish, also of a scan too short for a call on the way
    if at is not None:
        layout = (at.shape, at.fortran, 0)
    elif r.format == _lib.FORMATS["npy"]:
        # positions count from the first element scanned: offset= moves it (by whole elements, or no index)
        unit = r.record_size or _lib.TYPE_SIZES[r.type]
        layout = (tuple(r.shape[:r.ndim]), bool(r.fortran_order), o.offset // unit) if o.offset % unit == 0 \
            else None
    else:
        layout = None
    return Result._from_c(os.fsdecode(name), r, _layout=layout)


def _size(source) -> int:
    """A file's size before its scan (0 when unknown): the list's progress total until each file is scanned."""
    try:
        at = _memmap.view(source, None)
    except InputError:
        at = None
    if at is not None:
        return at.length
    try:
        return os.stat(source).st_size
    except (OSError, TypeError, ValueError):
        return 0


def _scan_many(sources, progress, kwargs) -> Results:
    if not sources:
        raise InputError("an empty list of files: nothing to scan")
    sizes = [_size(s) for s in sources]
    results: List[Result] = []
    done = 0
    with _progress.reporter(progress, f"{len(sources)} files") as report:
        for i, source in enumerate(sources):
            if isinstance(source, (list, tuple)):
                raise InputError(f"{source!r}: a list inside the list of files")
            on = None
            if report is not None:
                def on(d, t, before=done, rest=sum(sizes[i + 1:])):
                    report(before + d, before + t + rest)
            results.append(_scan_one(source, progress=on, **kwargs))
            done += results[-1].bytes
        if report is not None:
            report(done, done)
    return Results(results)


@overload
def scan(source: Union[List[Source], Tuple[Source, ...]], dtype: Any = ..., offset: int = ...,
         length: Optional[int] = ..., threads: Optional[int] = ..., backend: Backend = ...,
         allow_trailing: bool = ..., field: Optional[str] = ..., record: Optional[int] = ..., field_offset: int = ...,
         progress: Union[bool, Progress, None] = ..., format: Format = ..., io_depth: Optional[int] = ...,
         io_size: Optional[int] = ..., stats: Union[Stat, Sequence[Stat], None] = ..., ddof: int = ...,
         quantiles: Union[float, Sequence[float], None] = ..., histogram: Optional[int] = ...,
         range: Optional[Tuple[float, float]] = ..., describe: bool = ...) -> Results: ...
@overload
def scan(source: Source, dtype: Any = ..., offset: int = ..., length: Optional[int] = ...,
         threads: Optional[int] = ..., backend: Backend = ..., allow_trailing: bool = ..., field: Optional[str] = ...,
         record: Optional[int] = ..., field_offset: int = ..., progress: Union[bool, Progress, None] = ...,
         format: Format = ..., io_depth: Optional[int] = ..., io_size: Optional[int] = ...,
         stats: Union[Stat, Sequence[Stat], None] = ..., ddof: int = ...,
         quantiles: Union[float, Sequence[float], None] = ..., histogram: Optional[int] = ...,
         range: Optional[Tuple[float, float]] = ..., describe: bool = ...) -> Result: ...


def scan(source, dtype=None, offset=0, length=None, threads=None, backend="auto", allow_trailing=False, field=None,
         record=None, field_offset=0, progress=None, format="auto", io_depth=None, io_size=None, stats=None, ddof=0,
         quantiles=None, histogram=None, range=None, describe=False):
    """Scans a file and returns its exact statistics (a Result); a list of files gives a Results.

    source: a path (str, bytes, pathlib.Path; '-' is standard input); a numpy.memmap, such as
        np.load(f, mmap_mode='r') returns, scanned through its file (its offset, length and dtype are the
        array's; no page of it is faulted into the process); or a list (tuple) of these, scanned one after
        the other with the same options: a Results, the per-file Results in order with .total, all merged.
    dtype: numpy's meaning ('<i4', '>u2', 'int64', 'i8' is int64, numpy.int16, numpy.dtype('>u8'), '<f4',
        'float64', numpy.float16, '>f8'), and 'bf16' or 'bfloat16' for bfloat16; bare 'f16' is binary16 (as
        'f2'; numpy's '<f16' long double is not scanned); default int32 little-endian for raw files. A .npy file needs none: its header gives it (a contradicting dtype
        is an InputError).
    offset, length: bytes to skip, and at most this many to scan (for .npy, counted from the start of the data).
    threads: worker threads (default one per core). backend: 'auto', 'mmap', 'read' or 'direct' (O_DIRECT,
        past the page cache).
    allow_trailing: ignore a final partial element (record) instead of raising InputError.
    field: a .npy file's (or structured memmap's) numeric field to scan ('outer.inner' when nested); one per
        scan (a list is an InputError for now).
    record, field_offset: a raw file of record-byte records; the dtype element at field_offset of each is scanned.
    progress: True draws a bar on stderr (tqdm's when installed); a callable is called as
        progress(done_bytes, total_bytes) on this thread about ten times a second, and once at the end with
        done == total (for a pipe, whose size was not known, both are the bytes read; for a list, the bytes
        of all files, the total known exactly once each file is reached); an exception it raises stops the
        scan and reaches the caller.
    format: 'auto' (a .npy file when it starts with numpy's magic string), 'raw' or 'npy'.
    io_depth, io_size: the direct backend's reads in flight per thread (1-64, default 8) and bytes per read
        (4096 to 64 MiB, default 1 MiB); Result.backend says 'direct-pread' where io_uring is not available.
    stats: more statistics from the same pass: 'var', 'std' (either gives both), 'argmin', 'argmax', 'all',
        or a list of them. ddof: var's divisor is n - ddof (numpy's; default 0).
    quantiles: a number from 0 to 1, or a sequence of at most 64: numpy's 'linear' quantiles, exactly
        (Result.quantiles, {q: value}). histogram: a number of bins (1 to 2**20; Result.histogram), from the
        data's min to max, or over range=(lo, hi) (finite, lo < hi; values outside counted apart).
        Quantiles of types wider than 16 bits and a histogram without a range read the data again (a pass
        per 16 bits of quantile key, one for the histogram): standard input and pipes refuse them
        (InputError). describe=True: stats='all' and, unless given, quantiles (0.25, 0.5, 0.75).
    Integers may be Python ints or numpy integers.
    """
    kwargs = dict(dtype=dtype, offset=offset, length=length, threads=threads, backend=backend,
                  allow_trailing=allow_trailing, field=field, record=record, field_offset=field_offset,
                  format=format, io_depth=io_depth, io_size=io_size,
                  extra=dict(stats=stats, ddof=ddof, quantiles=quantiles, histogram=histogram, range=range,
                             describe=describe))
    if isinstance(source, (list, tuple)):
        return _scan_many(source, progress, kwargs)
    with _progress.reporter(progress, _label(source)) as report:
        return _scan_one(source, progress=report, **kwargs)


def _label(source) -> str:
    name = getattr(source, "filename", None) or source
    try:
        return os.path.basename(os.fsdecode(name))
    except TypeError:
        return "mapscan"


def scan_buffer(obj, dtype=None, threads: Optional[int] = None, stats: Union[Stat, Sequence[Stat], None] = None,
                ddof: int = 0, quantiles: Union[float, Sequence[float], None] = None,
                histogram: Optional[int] = None, range: Optional[Tuple[float, float]] = None,
                describe: bool = False) -> Result:
    """Scans memory already in the process (a numpy array, bytes, bytearray, memoryview, mmap) with the
    same parallel kernels, exactly: an int64 array of 1000 x 2**62 sums to 1000 * 2**62. stats, ddof,
    quantiles, histogram, range and describe are scan's; argmin_index is an index into the buffer's shape.

    dtype defaults to the buffer's own element type (bytes: uint8). The buffer must be C-contiguous: a
    non-contiguous one raises InputError, it is never copied or read with the wrong strides. A numpy.memmap
    is read through its mapping, every page brought in: scan(memmap) reads its file instead."""
    more = _options.Extra(stats, ddof, quantiles, histogram, range, describe)
    try:
        view = memoryview(obj)
    except TypeError as e:
        raise InputError(f"{type(obj).__name__}: {e} (a C-contiguous buffer is needed)") from None
    try:
        if not view.c_contiguous:
            raise InputError(f"{type(obj).__name__}: not C-contiguous (a C-contiguous buffer is needed; "
                             "numpy.ascontiguousarray makes one)")
        o = _options.scan_options(view.format if dtype is None else dtype, 0, None, threads, "auto", False, None,
                                  None, 0, "raw")
        more.apply(o)
        r, e = _lib.Result(), _lib.Error()
        status = _call.run(_call.scan_memory(view, o, r, e), o, None, keep=more)
        shape = tuple(view.shape)
    finally:
        view.release()      # only once the worker is gone: it would refuse while exported (BufferError)
    if status != _lib.OK:
        raise_status(e, status, None)
    whole = 1
    for extent in shape:
        whole *= extent
    layout = (shape if whole == r.stats.count else (r.stats.count,), False, 0)
    return Result._from_c(None, r, _layout=layout)


def generate(path: PathLike, dtype: Any = "<i4", count: Optional[int] = None, size: Optional[int] = None,
             pattern: str = "random", seed: int = 0, force: bool = False, format: GenFormat = "raw",
             threads: Optional[int] = None, progress: Union[bool, Progress, None] = None,
             nan_rate: float = 0.0, inf_rate: float = 0.0) -> Result:
    """Writes a reproducible file (as `mapscan gen`) and returns what it wrote: the exact statistics,
    computed from the values as they were produced (an oracle for any scan of the file).

    dtype: an integer or float type. Give count (elements) or size (bytes). pattern: 'random', 'range:LO:HI',
    'mod:M', 'seq' or 'const:V'; for floats also 'uniform:LO:HI', and nan_rate / inf_rate, the chance of each
    element being NaN, else an infinity (as mapscan gen's --nan and --inf). format: 'raw' or 'npy' (a .npy
    file numpy.load reads back; not for bfloat16). The file appears only when complete; it is never replaced
    unless force. progress: as scan's, with the bytes of values written (no .npy header)."""
    g = _lib.GenOptions()
    _lib.lib.mapscan_gen_options_init_sized(ctypes.byref(g), ctypes.sizeof(g))
    try:
        g.type, order, _ = _dtype.parse(dtype)
    except ValueError as e:
        raise InputError(str(e)) from None
    g.endian = {"little": _lib.LITTLE, "big": _lib.BIG, "native": _lib.NATIVE}[order]
    elem = _lib.TYPE_SIZES[g.type]
    if (count is None) == (size is None):
        raise InputError("give either count or size")
    if size is not None:
        size = _options.whole("size", size)
        if size % elem:
            raise InputError(f"size {size} is not a multiple of the {elem}-byte element")
    n = _options.whole("count", count) if count is not None else size // elem
    if format not in ("raw", "npy"):
        raise InputError(f"format {format!r}: raw or npy")
    g.count, g.seed, g.force = n, _options.whole("seed", seed), bool(force)
    g.threads = _options.threads(threads)
    g.format = _lib.FORMATS[format]
    g.nan_rate, g.inf_rate = float(nan_rate), float(inf_rate)
    e = _lib.Error()
    if _lib.lib.mapscan_pattern_parse(_options.text_bytes("pattern", pattern), ctypes.byref(g),
                                      ctypes.byref(e)) != _lib.OK:
        raise InputError(e.message.decode(errors="replace"))
    r = _lib.Result()
    name = _options.path_bytes(path)
    with _progress.reporter(progress, _label(path)) as report:
        status = _call.run(lambda: _lib.lib.mapscan_generate(name, ctypes.byref(g), ctypes.byref(r),
                                                             ctypes.byref(e)), g, report)
        if status != _lib.OK:
            raise_status(e, status, os.fsdecode(name))
        if report is not None:
            report(r.bytes, r.bytes)      # the finish: the file is complete
    big = g.endian == _lib.BIG or (g.endian == _lib.NATIVE and sys.byteorder == "big")
    return Result._from_c(os.fsdecode(name), r, type=_lib.TYPE_NAMES[g.type], format=format,
                          endian="big" if big else "little")
