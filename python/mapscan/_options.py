"""The arguments of scan, scan_buffer and generate, checked and laid into
the library's option structures. Every value is checked here, before ctypes
sees it: ctypes would cut a larger integer modulo 2**64 or 2**32 without a
word, and a string with a NUL byte short."""

import operator
import os
import sys

from . import _dtype, _lib
from ._errors import InputError

U64_MAX = 2**64 - 1
THREADS_MAX = 65536        # as the command's --threads


def path_bytes(path) -> bytes:
    """A path (str, bytes, os.PathLike) as the library takes it."""
    try:
        name = os.fsencode(path)
    except TypeError:
        raise InputError(f"{path!r}: a path (str, bytes or os.PathLike), a numpy.memmap or a list of paths") \
            from None
    if b"\0" in name:
        # as os.open says: the C library would see only the part before it
        raise InputError(f"{path!r}: embedded null byte in a path")
    return name


def text_bytes(what, text) -> bytes:
    """A str option (field, pattern) as the library takes it."""
    if not isinstance(text, str):
        raise InputError(f"{what} {text!r}: a string")
    if "\0" in text:
        raise InputError(f"{what} {text!r}: embedded null byte")
    return text.encode()


def field_bytes(field) -> bytes:
    """field=: one str; a list is refused until a scan reads several fields at once."""
    if isinstance(field, (list, tuple)):
        raise InputError(f"field {field!r}: one field per scan for now (a str, 'outer.inner' when nested); "
                         "scan each field on its own")
    return text_bytes("field", field)


def whole(name, value, low=0, high=U64_MAX):
    """value as an int from low to high, or InputError. Python ints and numpy integers are whole numbers;
    bools (True is 1 to Python) and floats are not."""
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


def threads(value):
    """threads=: None (one per core) or 1 to 65536."""
    return 0 if value is None else whole("threads", value, 1, THREADS_MAX)


def scan_options(dtype, offset, length, threads_, backend, allow_trailing, field, record, field_offset, format,
                 io_depth=None, io_size=None) -> "_lib.Options":
    """scan's arguments as a mapscan_options."""
    o = _lib.options_init()
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
    o.offset = whole("offset", offset)
    if length is not None:
        o.length = whole("length", length)
    o.threads = threads(threads_)
    o.allow_trailing = bool(allow_trailing)
    o.field = field_bytes(field) if field is not None else None
    o.record_size = 0 if record is None else whole("record", record)
    o.field_offset = whole("field_offset", field_offset)
    o.io_depth = 0 if io_depth is None else whole("io_depth (reads in flight per thread)", io_depth, 1, 64)
    o.io_size = 0 if io_size is None else whole("io_size (bytes per read)", io_size, 4096, 64 << 20)
    return o
