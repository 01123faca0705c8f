"""numpy's spellings of the types mapscan scans, read without numpy.

'i8' is int64 here, as numpy reads it (mapscan's CLI, where i8 is the
8-bit type, is not numpy), and 'f8' float64. Bare 'f16' is binary16, as
in mapscan's CLI: numpy's 'f16' is its 16-byte long double, which mapscan
does not scan, so '<f16' (what numpy.dtype(numpy.longdouble).str gives) is
refused. 'bf16' and 'bfloat16' ('<bf16', '>bfloat16') are bfloat16, the
upper half of a float32, which numpy lacks. A numpy dtype or scalar type is
read through numpy when numpy is there."""

import sys

# (kind, bytes) -> the library's type index, as in mapscan_type
_TYPES = {("i", 1): 0, ("u", 1): 1, ("i", 2): 2, ("u", 2): 3, ("i", 4): 4, ("u", 4): 5, ("i", 8): 6, ("u", 8): 7,
          ("f", 2): 8, ("bf", 2): 9, ("f", 4): 10, ("f", 8): 11}
_NAMES = {
    "int8": ("i", 1), "uint8": ("u", 1), "int16": ("i", 2), "uint16": ("u", 2), "int32": ("i", 4),
    "uint32": ("u", 4), "int64": ("i", 8), "uint64": ("u", 8), "byte": ("i", 1), "ubyte": ("u", 1),
    "short": ("i", 2), "ushort": ("u", 2), "intc": ("i", 4), "uintc": ("u", 4), "int_": ("i", 8),
    "long": ("i", 8), "ulong": ("u", 8), "longlong": ("i", 8), "ulonglong": ("u", 8), "intp": ("i", 8),
    "uintp": ("u", 8), "int": ("i", 8),
    "float16": ("f", 2), "half": ("f", 2), "float32": ("f", 4), "single": ("f", 4), "float64": ("f", 8),
    "double": ("f", 8), "float": ("f", 8), "float_": ("f", 8), "bfloat16": ("bf", 2), "bf16": ("bf", 2),
}
# mapscan's own float names, without a byte-order character only ('<f16' is numpy's long double)
_BARE = {"f16": ("f", 2), "f32": ("f", 4), "f64": ("f", 8)}
# one-character codes, numpy's and the struct module's (a buffer's format)
_CHARS = {"b": ("i", 1), "B": ("u", 1), "h": ("i", 2), "H": ("u", 2), "i": ("i", 4), "I": ("u", 4),
          "l": ("i", 8), "L": ("u", 8), "q": ("i", 8), "Q": ("u", 8), "n": ("i", 8), "N": ("u", 8),
          "p": ("i", 8), "P": ("u", 8), "e": ("f", 2), "f": ("f", 4), "d": ("f", 8)}
# byte-order characters: numpy's and the struct module's
_ORDERS = {"<": "little", ">": "big", "!": "big", "=": "native", "@": "native", "|": "native"}


def _from_numpy(dtype):
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return None
    if isinstance(dtype, numpy.dtype) or (isinstance(dtype, type) and issubclass(dtype, numpy.generic)):
        return numpy.dtype(dtype).str     # '<i4', '|u1', '>f8'
    return None


def parse(dtype):
    """(type index, 'little' | 'big' | 'native', whether the order was given), or ValueError."""
    text = _from_numpy(dtype)
    if text is None:
        if dtype is int:
            text = "int64"
        elif dtype is float:
            text = "float64"
        elif isinstance(dtype, str):
            text = dtype.strip()
        else:
            raise ValueError(f"dtype {dtype!r}: a numpy dtype or a string such as '<i4', 'int32', 'u2' or '<f4'")
    order, explicit, body = "native", False, text
    if body[:1] in _ORDERS:
        order, explicit, body = _ORDERS[body[0]], body[0] not in "=@|", body[1:]
    if body in _NAMES:
        kind_size = _NAMES[body]
    elif body in _BARE and body == text:
        kind_size = _BARE[body]
    elif body in _CHARS:
        kind_size = _CHARS[body]
    elif len(body) >= 2 and body[0] in "iuf" and body[1:].isdigit():
        kind_size = (body[0], int(body[1:]))
    else:
        kind_size = None
    if kind_size == ("f", 16):
        raise ValueError(f"dtype {dtype!r} is numpy's 16-byte long double, which mapscan does not scan (bare "
                         "'f16' is binary16, as numpy's 'f2')")
    if kind_size not in _TYPES:
        raise ValueError(f"dtype {dtype!r} is not a type mapscan scans (int8 ... uint64, float16, bfloat16, "
                         "float32, float64: '<i4', 'u2', '<f4', 'f8', 'bf16' ...)")
    if kind_size[1] == 1:
        explicit = False        # one byte has no byte order
    return _TYPES[kind_size], order, explicit


def is_float(index):
    """Whether the library's type index is one of the float types."""
    return index >= 8
