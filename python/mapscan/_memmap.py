"""A numpy.memmap (np.load(..., mmap_mode='r') returns one) scanned through
its file: the file, the byte offset of the array's first element in it, its
length and dtype are read from the array's attributes and its mapping's
address, and the library reads the file itself. Not one page of the array is
touched, so the process's memory stays flat; scan_buffer(array) would read
every page through the mapping, and keep it resident.

A slice keeps its parent's .offset: the element's place in the file is found
from the array's data address against the mapping's start (which numpy
aligned down to mmap.ALLOCATIONGRANULARITY from .offset). Order does not
matter to the statistics: a C- or Fortran-contiguous array's bytes are all
its elements; an array with gaps (a[::2]) is refused, never read wrongly."""

import mmap
import sys
from typing import Dict, NamedTuple, Optional, Tuple

from . import _columns
from ._errors import InputError
from ._options import field_bytes


class FileView(NamedTuple):
    """Where an array's elements lie in its file, in scan's terms."""
    filename: str
    offset: int
    length: int
    dtype: str
    record: Optional[int]
    field_offset: int
    shape: Tuple[int, ...] = ()     # the array's, for argmin_index and argmax_index
    fortran: bool = False           # its elements lie in Fortran order (and not also in C order)
    multi: Optional["Multi"] = None     # several columns: how to scan them


class Multi(NamedTuple):
    """How a memmap's several columns are scanned through its file.

    'npy': the memmap lies in a .npy file of its dtype: the file is scanned as .npy from offset bytes into
    its data, the library resolving field (the list's text) or channels itself, as for the file's path.
    'raw': the file is scanned raw from offset, as the columns spec (and record) or channels of dtype say.
    'each': one scan per column (name, dtype, offset, length, record, field_offset), where the library's
    several columns cannot be placed: a Fortran-order array's channels (each one run of the file). shape, fortran: the columns' positions index this shape, in this order."""
    kind: str
    offset: int = 0
    field: Optional[str] = None
    channels: int = 0
    spec: Optional[str] = None
    record: Optional[int] = None
    each: Tuple[Tuple[str, str, int, int, Optional[int], int], ...] = ()
    shape: Tuple[int, ...] = ()
    fortran: bool = False
    listed: bool = False            # field= was a list: Columns, even of one
    renames: Optional[Dict[str, str]] = None     # 'raw': the spec's stand-in names of columns with a comma


def _npy_header(filename):
    """(shape, fortran, dtype, data offset) of a .npy file's header, or None when it is not one."""
    numpy = sys.modules["numpy"]
    fmt = numpy.lib.format
    try:
        with open(filename, "rb") as f:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                shape, fortran, dtype = fmt._read_array_header(f, version)
            return tuple(shape), bool(fortran), dtype, f.tell()
    except Exception:       # noqa: BLE001 (not a .npy numpy reads: scanned raw)
        return None


def _npy_offset(a, filename, offset, unit):
    """offset from the start of the data when a lies in a .npy file of its dtype, in C order, at a whole
    number of units (unit bytes) into its data; else None."""
    header = _npy_header(filename)
    if header is None:
        return None
    shape, fortran, dtype, data = header
    count = 1
    for extent in shape:
        count *= extent
    inside = offset - data
    if dtype != a.dtype or fortran or inside < 0 or inside % unit or inside + a.nbytes > count * dtype.itemsize:
        return None
    if a.dtype.names is None and (len(shape) < 2 or shape[-1] != a.shape[-1]):
        return None
    return inside


def _multi(a, offset, field, channels, fortran) -> Optional[Multi]:
    """How a's several columns are scanned (field= a list or 'all'; channels=), or None for one."""
    if a.dtype.names is not None:
        text, listed = _columns.field_text(field)
        if "\0" in text:
            raise InputError(f"field {field!r}: embedded null byte")
        if not listed and not _columns.is_list(_columns.flatten(a.dtype), text):
            return None
        chosen = _columns.select(a.dtype, text)
        shape, record = tuple(a.shape), a.dtype.itemsize
        inside = _npy_offset(a, a.filename, offset, record)
        if inside is not None:
            return Multi("npy", inside, field=text, shape=shape, fortran=fortran, listed=listed)
        spec, renames = _columns.spec_of(chosen)
        return Multi("raw", offset, spec=spec, record=record, shape=shape, fortran=fortran, listed=listed,
                     renames=renames)
    if channels is None:
        return None
    last = _columns.last_axis(a.shape, channels, a.filename)
    elem = a.dtype.itemsize
    shape = tuple(a.shape[:-1])
    if fortran:
        run = a.nbytes // last
        return Multi("each", each=tuple((f"ch{i}", a.dtype.str, offset + i * run, run, None, 0) for i in range(last)),
                     shape=shape, fortran=True)
    row = last * elem
    inside = _npy_offset(a, a.filename, offset, row)
    if inside is not None:
        return Multi("npy", inside, channels=last, shape=shape)
    return Multi("raw", offset, channels=last, shape=shape)


def _mapping(a):
    """The mmap.mmap under a memmap (its .base chain ends there), or None."""
    base = a
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def _field(dtype, field):
    """(dtype, offset in the record) of field ('outer.inner') in a structured dtype."""
    offset, current = 0, dtype
    for part in field.split("."):
        if current.fields is None or part not in current.fields:
            raise InputError(f"field {field!r}: not in the array's dtype {dtype}")
        current, at = current.fields[part][:2]
        offset += at
    if current.subdtype is not None or current.fields is not None:
        raise InputError(f"field {field!r}: {current}, not one number per record")
    return current, offset


def view(a, field, channels=None) -> Optional[FileView]:
    """a's FileView when a is a numpy array (InputError when it cannot be scanned through a file), else None."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(a, numpy.ndarray):
        return None
    mapping = _mapping(a) if isinstance(a, numpy.memmap) else None
    if mapping is None or a.filename is None:
        raise InputError("an array in memory, not a numpy.memmap of a file: scan_buffer(array) scans it")
    if a.mode == "c":
        raise InputError(f"{a.filename}: a copy-on-write memmap (mode 'c') may differ from its file: "
                         "scan_buffer(array) scans what the process sees")
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        raise InputError(f"{a.filename}: the array has gaps between its elements (a slice with a step); scan "
                         "a contiguous array, or the file with offset=, record= and field_offset=")
    try:
        start = numpy.frombuffer(mapping, dtype=numpy.uint8).__array_interface__["data"][0]
    except ValueError as e:     # a closed mapping
        raise InputError(f"{a.filename}: {e}") from None
    aligned = a.offset - a.offset % mmap.ALLOCATIONGRANULARITY
    offset = aligned + a.__array_interface__["data"][0] - start
    dtype, record, field_offset = a.dtype, None, 0
    fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
    if dtype.fields is not None:
        if channels is not None:
            raise InputError(f"{a.filename}: a structured dtype has fields, not channels: choose fields (field=, "
                             "'all' for every numeric one)")
        if field is None:
            raise InputError(f"{a.filename}: a structured array ({dtype}): field= names the numeric field to scan "
                             "(a list, or 'all', for several)")
    elif field is not None:
        raise InputError(f"field {field!r}: the array's dtype {dtype} has no fields")
    multi = _multi(a, offset, field, channels, fortran)
    if multi is not None:
        return FileView(a.filename, offset, a.nbytes, dtype.str, None, 0, tuple(a.shape), fortran, multi)
    if dtype.fields is not None:
        field_bytes(field)          # a str without NUL
        dtype, field_offset = _field(a.dtype, field)
        record = a.dtype.itemsize
    return FileView(a.filename, offset, a.nbytes, dtype.str, record, field_offset, tuple(a.shape), fortran)
