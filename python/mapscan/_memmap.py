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
from typing import NamedTuple, Optional, Tuple

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


def view(a, field) -> Optional[FileView]:
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
    if dtype.fields is not None:
        if field is None:
            raise InputError(f"{a.filename}: a structured array ({dtype}): field= names the numeric field to scan")
        field_bytes(field)          # a str without NUL (a list's message)
        dtype, field_offset = _field(a.dtype, field)
        record = a.dtype.itemsize
    elif field is not None:
        raise InputError(f"field {field!r}: the array's dtype {dtype} has no fields")
    fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
    return FileView(a.filename, offset, a.nbytes, dtype.str, record, field_offset, tuple(a.shape), fortran)
