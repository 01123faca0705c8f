"""mapscan: exact count, min, max, sum and mean of binary files of integers or floats.

    >>> import mapscan
    >>> r = mapscan.scan("data.bin", dtype="<i4")
    >>> r.count, r.min, r.max, r.sum, r.mean
    >>> mapscan.scan(np.load("big.npy", mmap_mode="r"))     # through its file: no page faulted in
    >>> mapscan.scan(["a.bin", "b.bin"]).total              # per-file Results and their exact total
    >>> mapscan.scan("table.npy", field="all")["temp"].mean  # several columns in one pass: a Columns

A thin layer over the C library (libmapscan.so.1): the scan runs on every
core with the GIL released, its memory stays at a few MiB whatever the size
of the file, and sums are exact Python ints (128-bit in the library), where
numpy's int64 sums wrap around. Floats (float16, bfloat16, float32, float64)
get their NaN count and an exact sum (a fractions.Fraction), rounded once for
sum and mean. On request (stats=, quantiles=, histogram=, describe=): var and
std from exact sums, argmin and argmax, numpy's linear quantiles exactly, and
histograms whose edges are numpy's. Several columns in one pass (field= a
list or "all", channels=, columns=) give a Columns, a mapping from each
column's name to its Result. numpy is optional.

Errors: a file that cannot be opened raises the matching OSError subclass
(FileNotFoundError, PermissionError, IsADirectoryError...); bad input raises
InputError (a ValueError); a failure while running raises ScanError (an
OSError); all derive from mapscan.Error. Ctrl-C stops a scan within a
fraction of a second and raises KeyboardInterrupt; wherever it lands, the
scan's thread is gone by then and the buffer it read is still held.

Types for annotations: Backend and Format (the strings backend= and
format= take), Progress (a progress callback), Source (what scan takes),
ColumnsSpec (what columns= takes).
docs/python.md in the repository is the guide."""

import ctypes
import dataclasses
import os
import sys
from typing import Any, Callable, List, Literal, Optional, Sequence, Tuple, Union, overload

from . import _call, _columns, _dtype, _lib, _memmap, _options, _progress
from ._errors import Error, InputError, ScanError, raise_status
from ._result import Columns, Histogram, Result, Results, merge

__all__ = ["scan", "scan_buffer", "generate", "merge", "Result", "Results", "Columns", "Error", "InputError",
           "ScanError", "Backend", "Format", "Progress", "Source", "Stat", "Histogram", "ColumnsSpec", "__version__"]
__version__: str = _lib.VERSION

Progress = Callable[[int, int], Any]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Source = Union[PathLike, Any]        # a path, or a numpy.memmap
Backend = Literal["auto", "mmap", "read", "direct"]
Stat = Literal["var", "std", "argmin", "argmax", "all"]
Format = Literal["auto", "raw", "npy"]
ColumnsSpec = Union[str, Sequence[Union[Tuple[str, Any], Tuple[str, Any, int]]], Any, None]   # Any: numpy dtype
GenFormat = Literal["raw", "npy"]


def _facts(file, r: "_lib.Result", bytes_=None) -> dict:
    """What a Columns says of the scan, from the library's top-level result."""
    npy = r.format == _lib.FORMATS["npy"]
    return dict(file=file, format="npy" if npy else "raw", shape=tuple(r.shape[:r.ndim]) if npy else None,
                record=r.record_size or None, bytes=r.bytes if bytes_ is None else bytes_, seconds=r.seconds,
                threads=r.threads, backend=_lib.lib.mapscan_backends_name(r.backends).decode(),
                kernel=r.kernel.decode() if r.kernel else None, _backends=r.backends)


def _columns_of(file, r: "_lib.Result", columns, layout, renames=None) -> Columns:
    """The Columns of a scan of several, from the top-level result and the columns taken from the library
    (_call.taking_columns); layout(column) gives each column's (shape, fortran, first position) or None;
    renames: the real names of the columns a spec named by a stand-in."""
    renames = renames or {}
    results = []
    for c in columns:
        name = c.column.decode("utf-8", "replace")
        results.append(Result._from_c(file, c, column=renames.get(name, name), _layout=layout(c)))
    return Columns(results, **_facts(file, r))


def _npy_layout(c: "_lib.Result"):
    """A column's (shape, fortran, first position) when it is of a .npy file, for argmin_index."""
    if c.format != _lib.FORMATS["npy"] or not c.extra.origin_whole:
        return None
    return tuple(c.shape[:c.ndim]), bool(c.fortran_order), c.extra.origin


def _one_column(result: Result, name: str, r: "_lib.Result", file) -> Columns:
    """A list of one field that the library scanned as that field alone, as the Columns a list gives."""
    return Columns([dataclasses.replace(result, column=name)], **_facts(file, r))


def _scan(source, o, more, progress):
    """The library's scan of source with options o (the arrays of more held until it returns): the file's
    name, the top-level result, and the columns taken from the library (None for a scan of one)."""
    r, e = _lib.Result(), _lib.Error()
    taken: list = []
    name = _options.path_bytes(source)
    call = _call.taking_columns(
        lambda: _lib.lib.mapscan_scan_path(name, ctypes.byref(o), ctypes.byref(r), ctypes.byref(e)), r, taken)
    status = _call.run(call, o, progress, keep=more)
    if status != _lib.OK:
        raise_status(e, status, os.fsdecode(name))
    if progress is not None:
        progress(r.bytes, r.bytes)      # the finish, also of a scan too short for a call on the way
    return os.fsdecode(name), r, taken[0] if taken else None


def _several(field, channels, columns) -> bool:
    """Whether the keywords may ask for several columns (a .npy's field list is the library's to tell)."""
    if channels is not None or columns is not None:
        return True
    if field is None:
        return False
    text, listed = _columns.field_text(field)
    return listed or text == "all" or "," in text or "[" in text


def _scan_one(source, dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset,
              progress, format, io_depth, io_size, extra, channels=None, columns=None):
    at = _memmap.view(source, field, channels)
    listed = False
    if at is not None:
        given = {"offset": offset != 0, "length": length is not None, "record": record is not None,
                 "field_offset": field_offset != 0, "format": format not in ("auto", "raw"),
                 "dtype": dtype is not None and (at.multi is not None or
                                                 _dtype.parse(dtype) != _dtype.parse(at.dtype)),
                 "columns": columns is not None}
        if any(given.values()):
            raise InputError(f"{at.filename}: a memmap brings its own offset, length, dtype and layout; "
                             f"{', '.join(k for k, v in given.items() if v)} cannot change them")
        if at.multi is not None:
            return _scan_memmap_columns(at, progress, dict(threads=threads, backend=backend, io_depth=io_depth,
                                                           io_size=io_size, extra=extra))
        source, dtype, offset, length, record, field_offset, format, field = \
            at.filename, at.dtype, at.offset, at.length, at.record, at.field_offset, "raw", None
    elif field is not None:
        listed = _columns.field_text(field)[1]
    more = _options.Extra(**extra)
    o = _options.scan_options(dtype, offset, length, threads, backend, allow_trailing, field, record, field_offset,
                              format, io_depth, io_size, channels, columns)
    more.apply(o)
    file, r, columns_ = _scan(source, o, more, progress)
    if columns_ is not None:
        return _columns_of(file, r, columns_, _npy_layout)
    if at is not None:
        layout = (at.shape, at.fortran, 0)
    elif r.format == _lib.FORMATS["npy"]:
        # positions count from the first element scanned: offset= moves it (by whole elements, or no index)
        unit = r.record_size or _lib.TYPE_SIZES[r.type]
        layout = (tuple(r.shape[:r.ndim]), bool(r.fortran_order), o.offset // unit) if o.offset % unit == 0 \
            else None
    else:
        layout = None
    result = Result._from_c(file, r, _layout=layout)
    if listed:
        return _one_column(result, o.field.decode().replace("\\,", ","), r, file)
    return result


def _scan_memmap_columns(at, progress, kwargs) -> Columns:
    """A memmap's several columns through its file, as at.multi says (_memmap.Multi)."""
    m = at.multi
    if m.kind == "each":
        return _scan_each(at.filename, m, progress, kwargs)
    more = _options.Extra(**kwargs["extra"])
    if m.kind == "npy":
        o = _options.scan_options(None, m.offset, at.length, kwargs["threads"], kwargs["backend"], False, m.field,
                                  None, 0, "npy", kwargs["io_depth"], kwargs["io_size"], m.channels or None)
    else:
        o = _options.scan_options(None if m.spec else at.dtype, m.offset, at.length, kwargs["threads"],
                                  kwargs["backend"], False, None, m.record, 0, "raw", kwargs["io_depth"],
                                  kwargs["io_size"], m.channels or None, m.spec)
    more.apply(o)
    file, r, columns_ = _scan(at.filename, o, more, progress)
    if columns_ is not None:
        return _columns_of(file, r, columns_, lambda c: (m.shape, m.fortran, 0), m.renames)
    # a list of one field, which the library scanned as that field alone
    return _one_column(Result._from_c(file, r, _layout=(m.shape, m.fortran, 0)), m.field, r, file)


def _scan_each(file, m, progress, kwargs) -> Columns:
    """One scan per column, each of its own bytes of the file (Multi 'each'); progress over all of them."""
    total = sum(length for _, _, _, length, _, _ in m.each)
    results: List[Result] = []
    done = 0
    for name, dtype, offset, length, record, field_offset in m.each:
        on = None
        if progress is not None:
            def on(d, t, before=done, rest=total - done - length):
                progress(before + d, before + t + rest)
        results.append(_scan_one(file, dtype=dtype, offset=offset, length=length, allow_trailing=False, field=None,
                                 record=record, field_offset=field_offset, format="raw", progress=on, **kwargs))
        done += length
    runs = m.each[0][4] is None       # each column its own run of bytes, not every column in every row
    return _each_columns(results, [name for name, *_ in m.each], m.shape, m.fortran, runs, file)


def _each_columns(results: List[Result], names, shape, fortran, runs, file) -> Columns:
    """Columns scanned one at a time, as the Columns of one scan: its bytes (runs: the columns' added; else
    the rows', which each scan read), seconds added, the most threads, the backends joined; each column
    carries them, as the library's columns do."""
    backends = 0
    for r in results:
        backends |= r._backends
    file = os.fsdecode(file) if file is not None else None
    facts = dict(file=file, format="raw", shape=None, record=None,
                 bytes=sum(r.bytes for r in results) if runs else results[0].bytes,
                 seconds=sum(r.seconds for r in results), threads=max(r.threads for r in results),
                 backend=_lib.lib.mapscan_backends_name(backends).decode(),
                 kernel=results[0].kernel if len({r.kernel for r in results}) == 1 else None, _backends=backends)
    columns = [dataclasses.replace(r, column=name, _layout=(shape, fortran, 0), bytes=facts["bytes"],
                                   seconds=facts["seconds"], threads=facts["threads"], backend=facts["backend"],
                                   _backends=backends)
               for name, r in zip(names, results)]
    return Columns(columns, **facts)


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
         allow_trailing: bool = ..., field: Union[str, Sequence[str], None] = ..., record: Optional[int] = ...,
         field_offset: int = ..., progress: Union[bool, Progress, None] = ..., format: Format = ...,
         io_depth: Optional[int] = ..., io_size: Optional[int] = ..., stats: Union[Stat, Sequence[Stat], None] = ...,
         ddof: int = ..., quantiles: Union[float, Sequence[float], None] = ..., histogram: Optional[int] = ...,
         range: Optional[Tuple[float, float]] = ..., describe: bool = ...,
         channels: Union[Literal["auto"], int, None] = ..., columns: ColumnsSpec = ...) -> Results: ...
@overload
def scan(source: Source, dtype: Any = ..., offset: int = ..., length: Optional[int] = ...,
         threads: Optional[int] = ..., backend: Backend = ..., allow_trailing: bool = ..., field: None = ...,
         record: Optional[int] = ..., field_offset: int = ..., progress: Union[bool, Progress, None] = ...,
         format: Format = ..., io_depth: Optional[int] = ..., io_size: Optional[int] = ...,
         stats: Union[Stat, Sequence[Stat], None] = ..., ddof: int = ...,
         quantiles: Union[float, Sequence[float], None] = ..., histogram: Optional[int] = ...,
         range: Optional[Tuple[float, float]] = ..., describe: bool = ..., channels: None = ...,
         columns: None = ...) -> Result: ...
@overload
def scan(source: Source, dtype: Any = ..., offset: int = ..., length: Optional[int] = ...,
         threads: Optional[int] = ..., backend: Backend = ..., allow_trailing: bool = ...,
         field: Union[str, Sequence[str], None] = ..., record: Optional[int] = ..., field_offset: int = ...,
         progress: Union[bool, Progress, None] = ..., format: Format = ..., io_depth: Optional[int] = ...,
         io_size: Optional[int] = ..., stats: Union[Stat, Sequence[Stat], None] = ..., ddof: int = ...,
         quantiles: Union[float, Sequence[float], None] = ..., histogram: Optional[int] = ...,
         range: Optional[Tuple[float, float]] = ..., describe: bool = ...,
         channels: Union[Literal["auto"], int, None] = ...,
         columns: ColumnsSpec = ...) -> Union[Result, Columns]: ...


def scan(source, dtype=None, offset=0, length=None, threads=None, backend="auto", allow_trailing=False, field=None,
         record=None, field_offset=0, progress=None, format="auto", io_depth=None, io_size=None, stats=None, ddof=0,
         quantiles=None, histogram=None, range=None, describe=False, channels=None, columns=None):
    """Scans a file and returns its exact statistics (a Result); several columns in one pass give a Columns
    (a mapping from each column's name to its Result); a list of files gives a Results.

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
    field: a .npy file's (or structured memmap's) numeric field to scan ('outer.inner' when nested): a Result.
        Several in one pass, a Columns: a list of names (['x', 'y']), or the same as one str ('x,y'; a name
        that is itself a field is that field alone), 'v[2]' for one element of a sub-array field, or 'all':
        every numeric field, a sub-array as one column per element ('v[0]', 'v[1]', ...).
    channels: 'auto' or a number: the last axis of a .npy array (or memmap) of 2 or more dimensions, C or
        Fortran order, as that many columns 'ch0', 'ch1', ...; for a raw file, rows of that many dtype
        elements. A Columns.
    columns: a raw file's records of mixed types, a Columns: a spec 'NAME:TYPE[@OFFSET],...' (TYPE as the
        command reads it: '<u8', '>i4', 'f4', 'i32'; bare 'i8' and 'u8' are the 8-bit types there, so give the
        byte order, '<i8'; each column after the one before unless it gives its byte offset), a list of
        (name, type) or (name, type, offset) tuples (type as dtype= takes it, numpy's meaning), or a numpy
        structured dtype (its numeric fields at their offsets, sub-arrays one column per element, its itemsize
        the record; anything else in it is padding). record= sets the record's size (padding after the last
        column); offset= and length= must then be whole records.
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
        With several columns, each of these applies to every column (each its own histogram edges).
    Integers may be Python ints or numpy integers.
    """
    kwargs = dict(dtype=dtype, offset=offset, length=length, threads=threads, backend=backend,
                  allow_trailing=allow_trailing, field=field, record=record, field_offset=field_offset,
                  format=format, io_depth=io_depth, io_size=io_size, channels=channels, columns=columns,
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
                describe: bool = False, field: Union[str, Sequence[str], None] = None,
                channels: Union[Literal["auto"], int, None] = None, columns: ColumnsSpec = None,
                record: Optional[int] = None) -> Union[Result, Columns]:
    """Scans memory already in the process (a numpy array, bytes, bytearray, memoryview, mmap) with the
    same parallel kernels, exactly: an int64 array of 1000 x 2**62 sums to 1000 * 2**62. stats, ddof,
    quantiles, histogram, range and describe are scan's; argmin_index is an index into the buffer's shape.

    dtype defaults to the buffer's own element type (bytes: uint8). The buffer must be C-contiguous: a
    non-contiguous one raises InputError, it is never copied or read with the wrong strides. A numpy.memmap
    is read through its mapping, every page brought in: scan(memmap) reads its file instead.

    Several columns in one pass give a Columns, as scan's: field= for a numpy structured array (one field
    gives a Result; a list, 'a,b' or 'all' a Columns); channels= for a numpy array of 2 or more dimensions
    ('auto' or the size of its last axis; C order, or Fortran order, where each channel is one run of
    memory), or, for any other buffer, rows of that many dtype elements; columns= (and record=) for records
    of mixed types, as scan's."""
    extra = dict(stats=stats, ddof=ddof, quantiles=quantiles, histogram=histogram, range=range, describe=describe)
    more = _options.Extra(**extra)
    numpy = sys.modules.get("numpy")
    array = obj if numpy is not None and isinstance(obj, numpy.ndarray) else None
    plan = _buffer_plan(array, dtype, field, channels, columns, record)
    if plan.runs:
        return _buffer_runs(array, plan, threads, extra)
    try:
        view = memoryview(obj)
    except TypeError as e:
        raise InputError(f"{type(obj).__name__}: {e} (a C-contiguous buffer is needed)") from None
    try:
        if not view.c_contiguous:
            raise InputError(f"{type(obj).__name__}: not C-contiguous (a C-contiguous buffer is needed; "
                             "numpy.ascontiguousarray makes one)")
        if plan.dtype is not None:
            element = plan.dtype
        elif plan.columns is not None:
            element = None
        else:
            element = view.format
        o = _options.scan_options(element, 0, None, threads, "auto", False, None, plan.record, plan.field_offset,
                                  "raw", channels=plan.channels, columns=plan.columns)
        more.apply(o)
        r, e = _lib.Result(), _lib.Error()
        taken: list = []
        status = _call.run(_call.taking_columns(_call.scan_memory(view, o, r, e), r, taken), o, None, keep=more)
        shape = tuple(view.shape)
    finally:
        view.release()      # only once the worker is gone: it would refuse while exported (BufferError)
    if status != _lib.OK:
        raise_status(e, status, None)
    if taken:
        if plan.shape is not None:
            return _columns_of(None, r, taken[0], lambda c: (plan.shape, False, 0), plan.renames)
        return _columns_of(None, r, taken[0], lambda c: ((c.stats.count,), False, 0))
    whole = 1
    for extent in shape:
        whole *= extent
    if plan.shape is not None:
        shape = plan.shape
        whole = 1
        for extent in shape:
            whole *= extent
    layout = (shape if whole == r.stats.count else (r.stats.count,), False, 0)
    result = Result._from_c(None, r, _layout=layout)
    if plan.listed:
        return _one_column(result, plan.name, r, None)
    return result


class _BufferPlan:
    """What scan_buffer reads a buffer as: an element type (None: the buffer's own), a record and the field's
    offset in it, channels, a columns spec; the shape positions are indices into (None: the buffer's);
    runs: a Fortran-order array's channels."""

    def __init__(self, dtype=None, record=None, field_offset=0, channels=None, columns=None, shape=None, runs=0,
                 listed=False, name=None, renames=None):
        self.dtype, self.record, self.field_offset, self.channels, self.columns = \
            dtype, record, field_offset, channels, columns
        self.shape, self.runs, self.listed, self.name, self.renames = shape, runs, listed, name, renames


def _buffer_plan(array, dtype, field, channels, columns, record) -> _BufferPlan:
    structured = array is not None and array.dtype.names is not None
    if columns is not None:
        if field is not None or channels is not None:
            raise InputError(f"columns and {'field' if field is not None else 'channels'} both given: choose one")
        return _BufferPlan(dtype=dtype, record=record, columns=columns)
    if structured:
        if channels is not None:
            raise InputError("a structured dtype has fields, not channels: choose fields (field=, 'all' for "
                             "every numeric one)")
        if field is None:
            raise InputError(f"a structured array ({array.dtype}): field= names the numeric field to scan (a list, "
                             "or 'all', for several)")
        if dtype is not None:
            raise InputError("dtype= with field=: the fields' types are the array's")
        if record is not None:
            raise InputError("record= with field=: the array's dtype is the record")
        text, listed = _columns.field_text(field)
        _options.text_bytes("field", text)
        if listed or _columns.is_list(_columns.flatten(array.dtype), text):
            spec, renames = _columns.spec_of(_columns.select(array.dtype, text))
            return _BufferPlan(columns=spec, record=array.dtype.itemsize, shape=tuple(array.shape), renames=renames)
        element, offset = _memmap._field(array.dtype, text)
        return _BufferPlan(dtype=element, record=array.dtype.itemsize, field_offset=offset,
                           shape=tuple(array.shape), listed=listed, name=text)
    if field is not None:
        raise InputError(f"field {field!r}: the buffer's dtype has no fields")
    if channels is None:
        return _BufferPlan(dtype=dtype, record=record)
    if array is None:
        if channels == "auto":
            raise InputError("channels 'auto' need an array's last axis: give their number for a buffer")
        return _BufferPlan(dtype=dtype, record=record, channels=channels)
    if record is not None:
        raise InputError("record= with channels= of an array: its rows are its last axis")
    last = _columns.last_axis(array.shape, channels)
    if dtype is not None and _dtype.parse(dtype) != _dtype.parse(array.dtype):
        raise InputError(f"dtype {dtype!r} with channels= of an array of {array.dtype}: the array's is used")
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        return _BufferPlan(dtype=array.dtype, runs=last, shape=tuple(array.shape[:-1]))
    return _BufferPlan(dtype=array.dtype, channels=last, shape=tuple(array.shape[:-1]))


def _buffer_runs(array, plan: _BufferPlan, threads, extra) -> Columns:
    """A Fortran-order array's channels: its transpose is C-contiguous, each channel one run of it, scanned
    in turn (the memory is read once)."""
    runs = array.T           # the same memory, C order: channel i is runs[i]
    results = [scan_buffer(runs[i], threads=threads, **extra) for i in range(plan.runs)]
    return _each_columns(results, [f"ch{i}" for i in range(plan.runs)], plan.shape, True, True, None)


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
