"""Several columns in one pass: the keywords that ask for them (field= as a
list or "all", channels=, columns=) checked and turned into the library's
options, and a numpy structured dtype turned into the library's raw record
spec ("NAME:TYPE@OFFSET,...").

A .npy file's fields are the library's to resolve: it reads the header. A
numpy.memmap or an array in memory has no header the library can read, so
its dtype is flattened here the way the library flattens a header's
(src/npy: nested fields as dotted names, each name spelled with a backslash
before a dot or a backslash and control bytes escaped, by the library's own
mapscan_text_escape; a sub-array of numbers as one column per element,
"name[i]"; fields inside a sub-array of structs and types mapscan does not
scan left out), a field list is resolved the way the library resolves one
against a header (a name with a backslash is exact; without one it is the
plain dotted path; "name[i]" is one element of a sub-array), and the record
is scanned as raw columns with the fields' offsets and the dtype's itemsize.
The columns are then named exactly as a scan of the same array saved with
np.save names them."""

import ctypes
import math
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import _dtype, _lib
from ._errors import InputError

# the library's type index -> its spelling in a columns spec, without the byte-order character
_SPEC_CODES = ("i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "bfloat16", "f4", "f8")


def type_code(index: int, order: str) -> str:
    """The library's type index and 'little' | 'big' | 'native' as a columns spec's TYPE, byte order always
    written (a bare 'i8' would be the library's 8-bit type)."""
    if _lib.TYPE_SIZES[index] == 1:
        return "|" + _SPEC_CODES[index]
    if order == "native":
        order = sys.byteorder
    return ("<" if order == "little" else ">") + _SPEC_CODES[index]


def spell(name: str) -> str:
    """A field's name as the library spells it in a dotted path (mapscan_text_escape with '\\' and '.')."""
    raw = name.encode("utf-8", "surrogateescape")
    room = 17 * len(raw) + 1
    out = ctypes.create_string_buffer(room)
    n = _lib.lib.mapscan_text_escape(out, room, raw + b"\0", len(raw), b"\\.")
    return out.raw[:n].decode("utf-8")


class Leaf(NamedTuple):
    """One scalar or sub-array field of a structured dtype, as the library lists a header's fields."""
    name: str               # spelled: 'outer.inner', 'a\\.b'
    plain: str              # the plain path: names joined by dots, nothing escaped
    offset: int             # bytes from the record's start (of its first element)
    base: Any               # numpy dtype of one element
    count: int              # elements (1 for a scalar)
    numeric: bool           # a number mapscan scans, the elements one after the other


def _scannable(base) -> bool:
    return (base.kind in "iu" and base.itemsize in (1, 2, 4, 8)) or (base.kind == "f" and base.itemsize in (2, 4, 8))


def flatten(dtype) -> List[Leaf]:
    """A structured numpy dtype's fields in the library's order and spelling."""
    leaves: List[Leaf] = []

    def walk(dt, spelled, plain, offset, inside_array):
        for name in dt.names:
            fdt, at = dt.fields[name][:2]
            field(fdt, spelled + [spell(name)], plain + [name], offset + at, inside_array)

    def field(fdt, spelled, plain, offset, inside_array):
        count = 1
        while fdt.subdtype is not None:
            fdt, shape = fdt.subdtype
            count *= math.prod(shape)
            inside_array = inside_array or fdt.names is not None
        if fdt.names is not None:
            walk(fdt, spelled, plain, offset, inside_array)
            return
        leaves.append(Leaf(".".join(spelled), ".".join(plain), offset, fdt, count,
                           _scannable(fdt) and not inside_array and count >= 1))

    walk(dtype, [], [], 0, False)
    return leaves


def _columns_of(leaf: Leaf, only: Optional[int] = None) -> List[Tuple[str, Any, int]]:
    """A numeric leaf as its columns: itself, or 'name[i]' for each element of a sub-array (element only)."""
    if leaf.count == 1:
        return [(leaf.name, leaf.base, leaf.offset)]
    return [(f"{leaf.name}[{i}]", leaf.base, leaf.offset + i * leaf.base.itemsize) for i in range(leaf.count)
            if only is None or i == only]


def _numeric_names(leaves) -> str:
    names = ", ".join(leaf.name for leaf in leaves if leaf.numeric)
    return names or "none"


# ---- a field list resolved against a dtype, as the library resolves it against a header ----

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r"}
_HEX = "0123456789abcdefABCDEF"


def _canonical(name: str) -> str:
    """A name typed with escapes brought to the library's spelling (each name of the path decoded, then
    spelled again): 'a\\.b' is the field named 'a.b', '\\a.b' is 'b' inside 'a'."""
    segments, current, i = [], [], 0
    while i < len(name):
        c = name[i]
        if c == "\\" and i + 1 < len(name):
            e = name[i + 1]
            if e == "x" and i + 3 < len(name) and name[i + 2] in _HEX and name[i + 3] in _HEX:
                current.append(chr(int(name[i + 2:i + 4], 16)))
                i += 4
                continue
            current.append(_ESCAPES.get(e, e))
            i += 2
            continue
        if c == ".":
            segments.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    segments.append("".join(current))
    return ".".join(spell(s) for s in segments)


def _lookup(leaves, name) -> Tuple[Optional[Leaf], Optional[Leaf], int]:
    """(first leaf name names, second, how many others), as the library's ms_npy_lookup."""
    if "\\" in name:
        want = _canonical(name)
        found = [leaf for leaf in leaves if leaf.name == want]
    else:
        found = [leaf for leaf in leaves if leaf.plain == name]
    return (found[0] if found else None, found[1] if len(found) > 1 else None, max(len(found) - 1, 0))


def _element(name) -> Optional[Tuple[str, int]]:
    """'name[i]' as (name, i), else None."""
    if len(name) < 3 or not name.endswith("]"):
        return None
    open_ = name.rfind("[")
    digits = name[open_ + 1:-1]
    if open_ <= 0 or not digits or not digits.isdigit() or not digits.isascii():
        return None
    return name[:open_], int(digits)


def is_list(leaves, field: str) -> bool:
    """Whether field= asks for several columns: 'all', or names with a comma or an element's '[', unless
    the whole text is one field's name (that field alone)."""
    found, _, _ = _lookup(leaves, field)
    if found is not None:
        return False
    return field == "all" or "," in field or "[" in field


def select(dtype, field: str) -> List[Tuple[str, Any, int]]:
    """The columns field= ('all', or a list 'a,b,c[1]') names in a structured dtype: (name, element dtype,
    offset) each, or InputError with the library's message."""
    leaves = flatten(dtype)
    numeric = _numeric_names(leaves)
    out: List[Tuple[str, Any, int]] = []

    def add(leaf, only=None):
        out.extend(_columns_of(leaf, only))

    if field == "all":
        for leaf in leaves:
            if leaf.numeric:
                add(leaf)
        if not out:
            raise InputError("no numeric fields in the dtype")
        return out
    names, start = [], 0
    for i, c in enumerate(field + ","):
        if c == "," and not (i > 0 and field[i - 1] == "\\") or i == len(field):
            names.append(field[start:i])
            start = i + 1
    for name in names:
        if not name:
            raise InputError(f"an empty name in the field list '{field}'")
        found, second, others = _lookup(leaves, name)
        only = None
        if found is None:
            element = _element(name)
            if element is not None:
                found, second, others = _lookup(leaves, element[0])
                only = element[1]
        if found is None:
            raise InputError(f"no field '{name}' (numeric fields: {numeric})")
        if others:
            raise InputError(f"field name '{name}' is ambiguous: it names '{found.name}' and '{second.name}' (a "
                             "backslash makes a name exact)")
        if not found.numeric:
            raise InputError(f"field '{found.name}' is '{found.base.str}', not a number mapscan scans (numeric "
                             f"fields: {numeric})")
        if only is not None and only >= found.count:
            raise InputError(f"field '{found.name}' holds {found.count} elements: no element {only}")
        if only is not None and found.count == 1:
            raise InputError(f"field '{found.name}' is not a sub-array: no element {only}")
        add(found, only)
    return out


def spec_of(columns: List[Tuple[str, Any, int]]) -> Tuple[str, Dict[str, str]]:
    """(name, numpy element dtype, offset) columns as the library's raw record spec, and the names to give
    back: a spec cannot hold a comma in a name, so such a column goes by a stand-in name ('#1') there."""
    parts, renames = [], {}
    taken = {name for name, _, _ in columns}
    for i, (name, base, offset) in enumerate(columns):
        index, order, _ = _dtype.parse(base)
        if "," in name:
            stand_in = f"#{i}"
            while stand_in in taken:
                stand_in += "#"
            taken.add(stand_in)
            renames[stand_in] = name
            name = stand_in
        parts.append(f"{_name(name)}:{type_code(index, order)}@{offset}")
    return ",".join(parts), renames


def _name(name) -> str:
    if not isinstance(name, str) or not name:
        raise InputError(f"column name {name!r}: a non-empty str")
    if "," in name or "\0" in name:
        raise InputError(f"column name {name!r}: a columns spec cannot hold a comma or a null byte in a name")
    return name


# ---- the keywords ----

def field_text(field) -> Tuple[str, bool]:
    """field= as the library's text, and whether it was given as a list (a list always gives Columns). Each
    name of a list has its commas escaped (a name that holds one is then exact, as a backslash makes it)."""
    if isinstance(field, (list, tuple)):
        if not field:
            raise InputError("field []: name at least one field")
        names = []
        for name in field:
            if not isinstance(name, str):
                raise InputError(f"field {field!r}: a str, or a list of str")
            names.append(name.replace(",", "\\,"))
        return ",".join(names), True
    if not isinstance(field, str):
        raise InputError(f"field {field!r}: a str ('outer.inner' when nested; 'a,b' or 'all' for several), or "
                         "a list of str")
    return field, False


def channels_value(channels) -> int:
    """channels=: 'auto' (a .npy array's last axis, whatever it holds) or a number of channels."""
    if isinstance(channels, str):
        if channels != "auto":
            raise InputError(f"channels {channels!r}: 'auto' or a number of channels")
        return _lib.CHANNELS_AUTO
    from ._options import whole
    return whole("channels", channels, 1, _lib.CHANNELS_AUTO - 1)


def last_axis(shape, channels, where=None) -> int:
    """channels= for an array (a memmap, or one in memory): its last axis, of 2 or more dimensions, as a .npy
    file's; the number of channels, or InputError with the library's message."""
    want = channels_value(channels)
    prefix = f"{where}: " if where is not None else ""
    if len(shape) < 2:
        raise InputError(f"{prefix}channels are the last axis of an array of 2 or more dimensions, and this one "
                         f"has {len(shape)}")
    last = shape[-1]
    if want != _lib.CHANNELS_AUTO and last != want:
        raise InputError(f"{prefix}the last axis holds {last} channels, not {want}")
    if last == 0:
        raise InputError(f"{prefix}the last axis is empty: no channels")
    if last > _lib.MAX_COLUMNS:
        raise InputError(f"{prefix}{last} columns: at most {_lib.MAX_COLUMNS}")
    return last


def _numpy_dtype(value):
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.dtype):
        return value
    return None


def columns_spec(columns, record) -> Tuple[str, Optional[int]]:
    """columns=: a spec string ('NAME:TYPE[@OFFSET],...', as the library reads it), a list of (name, type)
    or (name, type, offset) tuples (type as dtype= takes it, numpy's meaning), or a numpy structured dtype
    (its numeric fields at their offsets, its itemsize the record); the spec and the record size."""
    from ._options import whole
    dt = _numpy_dtype(columns)
    if dt is not None:
        if dt.names is None:
            raise InputError(f"columns {dt}: a structured dtype (with fields), a list of (name, type[, offset]) "
                             "or a spec string")
        expanded = [column for leaf in flatten(dt) if leaf.numeric for column in _columns_of(leaf)]
        if not expanded:
            raise InputError(f"columns {dt}: no numeric fields in the dtype")
        if record is not None and whole("record", record) != dt.itemsize:
            raise InputError(f"record {record!r}: the dtype's records are {dt.itemsize} bytes")
        for name, _, _ in expanded:
            _name(name)
        return spec_of(expanded)[0], dt.itemsize
    if isinstance(columns, str):
        if "\0" in columns:
            raise InputError(f"columns {columns!r}: embedded null byte")
        return columns, record
    if isinstance(columns, (bytes, dict)) or not hasattr(columns, "__iter__"):
        raise InputError(f"columns {columns!r}: a spec string ('NAME:TYPE[@OFFSET],...'), a list of (name, type) "
                         "or (name, type, offset), or a numpy structured dtype")
    parts = []
    for item in columns:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise InputError(f"columns: {item!r} is not (name, type) or (name, type, offset)")
        try:
            index, order, _ = _dtype.parse(item[1])
        except ValueError as e:
            raise InputError(f"column {item[0]!r}: {e}") from None
        text = f"{_name(item[0])}:{type_code(index, order)}"
        if len(item) == 3:
            text += f"@{whole(f'column {item[0]!r} offset', item[2])}"
        parts.append(text)
    if not parts:
        raise InputError("columns []: give at least one column")
    return ",".join(parts), record
