"""The arguments of scan, scan_buffer and generate, checked and laid into
the library's option structures. Every value is checked here, before ctypes
sees it: ctypes would cut a larger integer modulo 2**64 or 2**32 without a
word, and a string with a NUL byte short."""

import ctypes
import math
import numbers
import operator
import os
import sys

from . import _columns, _dtype, _lib
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
    """field=: one str (a field, 'outer.inner' when nested; 'a,b' or 'all' for several), or a list of str."""
    text, _ = _columns.field_text(field)
    return text_bytes("field", text)


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
                 io_depth=None, io_size=None, channels=None, columns=None) -> "_lib.Options":
    """scan's arguments as a mapscan_options. channels: None, 'auto' or a number; columns: None, or what
    columns= takes (a spec, tuples, a structured dtype), which may set the record size."""
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
    if channels is not None:
        o.channels = _columns.channels_value(channels)
    if columns is not None:
        if dtype is not None:
            raise InputError("dtype= with columns=: each column gives its own type")
        spec, record = _columns.columns_spec(columns, record)
        o.columns = text_bytes("columns", spec)
    o.record_size = 0 if record is None else whole("record", record)
    o.field_offset = whole("field_offset", field_offset)
    o.io_depth = 0 if io_depth is None else whole("io_depth (reads in flight per thread)", io_depth, 1, 64)
    o.io_size = 0 if io_size is None else whole("io_size (bytes per read)", io_size, 4096, 64 << 20)
    return o


STAT_NAMES = {"var": _lib.STAT_VAR, "std": _lib.STAT_VAR, "argmin": _lib.STAT_ARGMIN, "argmax": _lib.STAT_ARGMAX,
              "all": _lib.STAT_ALL}
DESCRIBE_QUANTILES = (0.25, 0.5, 0.75)


class Extra:
    """The extra statistics asked for (stats=, ddof=, quantiles=, histogram=, range=, describe=), checked,
    with the arrays the options point to. The call that reads the options holds this object until the
    library has returned (see _call), so the arrays outlive the C call whatever interrupts Python; the
    Result is then read from them."""

    def __init__(self, stats=None, ddof=0, quantiles=None, histogram=None, range=None, describe=False):
        self.bits = _stat_bits(stats)
        self.ddof = whole("ddof", ddof)
        self.qs = None if quantiles is None else _quantiles(quantiles)
        if describe:
            self.bits |= _lib.STAT_ALL
            if self.qs is None:
                self.qs = DESCRIBE_QUANTILES
        self.bins = 0 if histogram is None else whole("histogram (bins)", histogram, 1, _lib.MAX_BINS)
        self.range = None
        if range is not None:
            if histogram is None:
                raise InputError(f"range {range!r}: only with histogram= (the number of bins)")
            self.range = _range(range)
        self.q_array = (ctypes.c_double * len(self.qs))(*self.qs) if self.qs else None
        self.counts = (ctypes.c_uint64 * self.bins)() if self.bins else None

    @property
    def asked(self) -> bool:
        return bool(self.bits or self.qs is not None or self.bins)

    def apply(self, o: "_lib.Options") -> None:
        """Points o at this object's arrays (which it keeps)."""
        o.stats, o.ddof = self.bits, self.ddof
        if self.q_array is not None:
            o.nquantiles = len(self.q_array)
            o.quantiles = ctypes.cast(self.q_array, ctypes.POINTER(ctypes.c_double))
        if self.counts is not None:
            o.histogram_bins = self.bins
            o.histogram_counts = ctypes.cast(self.counts, ctypes.POINTER(ctypes.c_uint64))
            if self.range is not None:
                o.histogram_range = True
                o.range_lo, o.range_hi = self.range


def _stat_bits(stats) -> int:
    """stats=: None, one name or a list (tuple, set) of names."""
    names = "var, std, argmin, argmax or all"
    if stats is None:
        return 0
    items = [stats] if isinstance(stats, str) else stats
    if isinstance(items, (bytes, dict)) or not hasattr(items, "__iter__"):
        raise InputError(f"stats {stats!r}: a name ({names}) or a list of them")
    bits = 0
    for name in items:
        if not isinstance(name, str) or name not in STAT_NAMES:
            raise InputError(f"stats {stats!r}: unknown statistic {name!r} ({names})")
        bits |= STAT_NAMES[name]
    return bits


def _real(what, value) -> float:
    """A real number (int, float, numpy's, Fraction) as a float; bools and the rest refused."""
    numpy = sys.modules.get("numpy")
    if isinstance(value, bool) or (numpy is not None and isinstance(value, numpy.bool_)) or \
            not isinstance(value, numbers.Real):
        raise InputError(f"{what} {value!r}: a number")
    try:
        return float(value)
    except (OverflowError, ValueError, TypeError):
        raise InputError(f"{what} {value!r}: a number that fits a float") from None


def _quantiles(quantiles):
    """quantiles=: one number from 0 to 1, or a sequence (any iterable but a str) of at most 64."""
    if isinstance(quantiles, (str, bytes, dict)):
        raise InputError(f"quantiles {quantiles!r}: a number from 0 to 1, or a list of them")
    if isinstance(quantiles, numbers.Real):
        items = [quantiles]
    elif getattr(quantiles, "ndim", None) == 0:     # a 0-d numpy array
        items = [quantiles.item()]
    else:
        try:
            items = list(quantiles)
        except TypeError:
            raise InputError(f"quantiles {quantiles!r}: a number from 0 to 1, or a list of them") from None
    if not items:
        raise InputError("quantiles []: give at least one")
    if len(items) > _lib.MAX_QUANTILES:
        raise InputError(f"quantiles: {len(items)} of them, at most {_lib.MAX_QUANTILES} per scan")
    qs = []
    for item in items:
        q = _real("quantile", item)
        if not 0.0 <= q <= 1.0:
            raise InputError(f"quantile {item!r}: a number from 0 to 1")
        qs.append(q)
    return tuple(qs)


def _range(value):
    """range=: (lo, hi), finite, lo < hi."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise InputError(f"range {value!r}: a pair (lo, hi)") from None
    lo, hi = _real("range's lo", lo), _real("range's hi", hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InputError(f"range {value!r}: two finite numbers, lo below hi")
    return lo, hi
