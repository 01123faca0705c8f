"""numpy's spellings of the integer types, read without numpy.

'i8' is int64 here, as numpy reads it (mapscan's CLI, where i8 is the
8-bit type, is not numpy). A numpy dtype or scalar type is read through
numpy when numpy is there."""

import sys

# (kind, bytes) -> the library's type index, as in mapscan_type
_TYPES = {("i", 1): 0, ("u", 1): 1, ("i", 2): 2, ("u", 2): 3, ("i", 4): 4, ("u", 4): 5, ("i", 8): 6, ("u", 8): 7}
_NAMES = {
    "int8": ("i", 1), "uint8": ("u", 1), "int16": ("i", 2), "uint16": ("u", 2), "int32": ("i", 4),
    "uint32": ("u", 4), "int64": ("i", 8), "uint64": ("u", 8), "byte": ("i", 1), "ubyte": ("u", 1),
    "short": ("i", 2), "ushort": ("u", 2), "intc": ("i", 4), "uintc": ("u", 4), "int_": ("i", 8),
    "long": ("i", 8), "ulong": ("u", 8), "longlong": ("i", 8), "ulonglong": ("u", 8), "intp": ("i", 8),
    "uintp": ("u", 8), "int": ("i", 8),
}
# one-character codes, numpy's and the struct module's (a buffer's format)
_CHARS = {"b": ("i", 1), "B": ("u", 1), "h": ("i", 2), "H": ("u", 2), "i": ("i", 4), "I": ("u", 4),
          "l": ("i", 8), "L": ("u", 8), "q": ("i", 8), "Q": ("u", 8), "n": ("i", 8), "N": ("u", 8),
          "p": ("i", 8), "P": ("u", 8)}
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
        elif isinstance(dtype, str):
            text = dtype.strip()
        else:
            raise ValueError(f"dtype {dtype!r}: a numpy dtype or a string such as '<i4', 'int32' or 'u2'")
    order, explicit, body = "native", False, text
    if body[:1] in _ORDERS:
        order, explicit, body = _ORDERS[body[0]], body[0] not in "=@|", body[1:]
    if body in _NAMES:
        kind_size = _NAMES[body]
    elif body in _CHARS:
        kind_size = _CHARS[body]
    elif len(body) >= 2 and body[0] in "iu" and body[1:].isdigit():
        kind_size = (body[0], int(body[1:]))
    else:
        kind_size = None
    if kind_size not in _TYPES:
        raise ValueError(f"dtype {dtype!r} is not an integer type mapscan scans (int8 ... uint64, '<i4', 'u2' ...)")
    if kind_size[1] == 1:
        explicit = False        # one byte has no byte order
    return _TYPES[kind_size], order, explicit
