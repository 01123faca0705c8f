"""What a scan found (Result), several files' results with their total
(Results), and the exact combination of results (merge, Result + Result).

A Result is a frozen dataclass of plain Python values, so that it can be
compared, hashed, pickled and printed. Equality compares what was found
(file, layout, bytes, count, min, max, sum, and for floats nan and the exact
sum), not how the scan ran (seconds, backend, kernel, threads): the same file
scanned with two backends gives equal Results. Floats compare by their bits,
so that a NaN sum equals itself and -0.0 differs from 0.0. Merging goes
through the library's mapscan_result_merge, the one merge the command's
totals and mapscan-mpi use, so that Python and C can never disagree on a
total; a Result keeps the values that are not public fields (the backends'
bits, a float scan's rounded mean) to rebuild the C structure.

A float scan's exact sum is the library's: a two's-complement integer of 34
64-bit words in units of 2**-1074 (binary64's smallest step), and flags for
the infinities. Here it is a fractions.Fraction, so that it is exact too, and
float(fraction) rounds it once, correctly.

The extra statistics (var, std, argmin, argmax, quantiles, histogram) are
the library's too; a Result keeps the exact sum of squares and the bits of
what was computed (private fields) so that a merge recomputes var and std
exactly. Histogram edges come from mapscan_histogram_edge, bit for bit the
library's (and numpy.linspace's)."""

import ctypes
import dataclasses
import math
import struct
import sys
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Dict, Iterable, Optional, Tuple, Union

from . import _lib
from ._errors import InputError

_I128_MIN, _I128_MAX = -2**127, 2**127 - 1
_UNIT = 2**1074             # the exact sum counts in units of 2**-1074
Number = Union[int, float]


def _exact_of(e: "_lib.ExactSum") -> Union[Fraction, float]:
    """The library's exact sum as a Fraction; an infinity, or NaN when both were there, as a float."""
    if e.pos_inf and e.neg_inf:
        return math.nan
    if e.pos_inf or e.neg_inf:
        return math.inf if e.pos_inf else -math.inf
    return Fraction(e.units(), _UNIT)


def _exact_into(value, e: "_lib.ExactSum") -> None:
    """exact_sum laid into the library's structure, or InputError when it is not a sum of binary64 values."""
    if isinstance(value, float) and not math.isfinite(value):
        e.pos_inf = math.isnan(value) or value > 0
        e.neg_inf = math.isnan(value) or value < 0
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise InputError(f"Result.exact_sum {value!r}: a fractions.Fraction (or an int, a float, inf, -inf, nan)")
    units = Fraction(value) * _UNIT
    if units.denominator != 1 or not e.set_units(units.numerator):
        raise InputError(f"Result.exact_sum {value!r}: not a sum of binary64 values (a whole multiple of "
                         f"2**-1074 within the library's {64 * _lib.EXACT_SUM_WORDS} bits)")


def _bits(value):
    """A value as equality sees it: a float by its bits (every NaN alike), a dict (quantiles) as its items in
    order, a Histogram by its key, anything else as it is."""
    if isinstance(value, float):
        return ("nan",) if math.isnan(value) else ("float", struct.pack("<d", value))
    if isinstance(value, dict):
        return ("dict",) + tuple((_bits(k), _bits(v)) for k, v in value.items())
    if isinstance(value, Histogram):
        return value._key()
    return value


def _numpy():
    """numpy when it can be imported, else None (asked each time: a test may hide it)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


@dataclasses.dataclass(frozen=True, eq=False)
class Histogram:
    """A histogram of the values that are not NaN, as numpy.histogram counts them: bins equal bins from lo
    to hi, each half-open [edge i, edge i+1) but the last, which includes hi.

    counts: the bins' counts, a read-only numpy int64 array when numpy can be imported, else a list.
    edges (a property): the bins + 1 edges, numpy.linspace(lo, hi, bins + 1) bit for bit, as the library
    computes them (mapscan_histogram_edge); a read-only float64 array, or a list.
    lo, hi: range=(lo, hi) when given; else the data's min and max (widened by 0.5 each way when they are
    equal; 0 and 1 when there is no value). below, above: with range=, the values below lo and above hi
    (in no bin); None without a range, when nothing is outside."""

    counts: Any
    lo: float
    hi: float
    below: Optional[int] = None
    above: Optional[int] = None
    _edges: Any = dataclasses.field(default=None, repr=False)

    @property
    def bins(self) -> int:
        """The number of bins."""
        return len(self.counts)

    @property
    def range(self) -> Tuple[float, float]:
        """(lo, hi): the first and the last edge."""
        return self.lo, self.hi

    @property
    def ranged(self) -> bool:
        """Whether the scan was given range= (below and above are then counted)."""
        return self.below is not None

    @property
    def edges(self) -> Any:
        """The bins + 1 edges (computed on first use: one library call per edge)."""
        if self._edges is None:
            bins = self.bins
            edges = [_lib.lib.mapscan_histogram_edge(self.lo, self.hi, bins, i) for i in range(bins + 1)]
            np = _numpy()
            if np is not None:
                edges = np.array(edges, dtype=np.float64)
                edges.flags.writeable = False
            object.__setattr__(self, "_edges", edges)
        return self._edges

    def _edges_key(self):
        return (self.bins, struct.pack("<dd", self.lo, self.hi), self.ranged)

    def _key(self):
        counts = self.counts.tolist() if hasattr(self.counts, "tolist") else self.counts
        return ("histogram", tuple(int(c) for c in counts), self._edges_key(), self.below, self.above)

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def as_dict(self) -> Dict[str, Any]:
        """{"edges": [...], "counts": [...]} in plain Python lists (and "below", "above" with a range), as the
        command's --json writes a histogram."""
        edges, counts = self.edges, self.counts
        d: Dict[str, Any] = {"edges": edges.tolist() if hasattr(edges, "tolist") else list(edges),
                             "counts": counts.tolist() if hasattr(counts, "tolist") else list(counts)}
        if self.ranged:
            d.update(below=self.below, above=self.above)
        return d

    def __repr__(self) -> str:
        n = self.bins
        shown = [int(c) for c in (self.counts if n <= 16 else list(self.counts[:6]) + list(self.counts[-3:]))]
        text = repr(shown) if n <= 16 else \
            "[" + ", ".join(map(str, shown[:6])) + ", ..., " + ", ".join(map(str, shown[6:])) + "]"
        outside = f", below={self.below}, above={self.above}" if self.ranged else ""
        return f"mapscan.Histogram(bins={n}, lo={self.lo!r}, hi={self.hi!r}, counts={text}{outside})"


def _histogram_of(x: "_lib.ExtraStats") -> Histogram:
    """The library's histogram (its counts read through x.counts, which must still be alive)."""
    bins = x.bins
    np = _numpy()
    if np is not None:
        counts = np.ctypeslib.as_array(x.counts, shape=(bins,)).astype(np.int64)
        counts.flags.writeable = False
    else:
        counts = x.counts[:bins]
    below, above = (x.below, x.above) if x.ranged else (None, None)
    return Histogram(counts, x.lo, x.hi, below, above)


def _histogram_into(h: Optional[Histogram], x: "_lib.ExtraStats", bins=0, lo=0.0, hi=0.0, ranged=False) -> None:
    """h (or, when None, an empty histogram of bins from lo to hi) laid into x over a counts array of its
    own (x holds it, through ctypes)."""
    if h is not None:
        bins, lo, hi, ranged = h.bins, h.lo, h.hi, h.ranged
    array = (ctypes.c_uint64 * bins)()
    if h is not None:
        np = _numpy()
        if np is not None and isinstance(h.counts, np.ndarray):
            ctypes.memmove(array, np.ascontiguousarray(h.counts, dtype=np.uint64).ctypes.data, 8 * bins)
        else:
            for i, c in enumerate(h.counts):
                array[i] = int(c)
        x.below, x.above = (h.below, h.above) if ranged else (0, 0)
    x.bins, x.lo, x.hi, x.ranged = bins, lo, hi, ranged
    x.counts = ctypes.cast(array, ctypes.POINTER(ctypes.c_uint64))


def _position(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise InputError(f"Result.{name} {value!r}: a whole number from 0 to 2**64 - 1")
    return value


@dataclasses.dataclass(frozen=True, eq=False)
class Result:
    """What a scan (or generate) found: exact Python numbers, and how it ran.

    file: the path scanned (None for scan_buffer, or a total over different files); count: the elements
    (NaN included); bytes: of the whole elements scanned; type ('i8' ... 'u64', 'f16', 'bf16', 'f32', 'f64'),
    endian ('little', 'big'), format ('raw', 'npy'), shape (a .npy file's): what was scanned (None in a total
    whose parts differ in it); seconds, backend, kernel, threads: how the scan ran, left out of equality.

    Integer scans: min, max, sum are exact ints (min and max None when count is 0); nan and exact_sum are None.
    Float scans: nan is the count of NaN elements; min and max are floats over the others, infinities
    included and -0.0 below 0.0 (None when every element is NaN); exact_sum is their exact sum, a
    fractions.Fraction (float('inf') or float('-inf') when that infinity was among them, float('nan') when
    both were); sum is exact_sum rounded once to a float (0.0 when nothing was counted; -0.0 only when every
    counted value is -0.0). a + b and mapscan.merge([...]) combine results exactly.

    The extra statistics, None when not asked for (stats=, quantiles=, histogram=, describe=), computed over
    the counted values (all but NaN): var and std (with ddof, numpy's meaning: var = sum((x - mean)**2) /
    (n - ddof), from exact sums, rounded once; std = sqrt(var)); None when n <= ddof; nan when an infinity
    was among the values. argmin, argmax: the position (elements or records from the first one scanned) of
    the first min and of the first max (-0.0 below 0.0); None when nothing was counted. argmin_index and
    argmax_index: those positions as an index into the array (.npy files, memmaps, scan_buffer). quantiles:
    {q: value} in the order asked, numpy's 'linear' method exactly, rounded once (values None when nothing
    was counted). histogram: a Histogram.

    column: in a scan of several columns (a Columns), the column's name ('x', 'outer.inner', 'v[2]', 'ch0');
    None for a scan of one field."""

    file: Optional[str]
    count: int
    min: Optional[Number]
    max: Optional[Number]
    sum: Number
    bytes: int = 0
    type: Optional[str] = None
    endian: Optional[str] = None
    format: Optional[str] = None
    shape: Optional[Tuple[int, ...]] = None
    nan: Optional[int] = None
    exact_sum: Union[Fraction, float, None] = None
    seconds: float = dataclasses.field(default=0.0, compare=False)
    backend: str = dataclasses.field(default="", compare=False)
    kernel: Optional[str] = dataclasses.field(default=None, compare=False)
    threads: int = dataclasses.field(default=0, compare=False)
    ddof: Optional[int] = None
    var: Optional[float] = None
    std: Optional[float] = None
    argmin: Optional[int] = None
    argmax: Optional[int] = None
    quantiles: Optional[Dict[float, Optional[float]]] = None
    histogram: Optional[Histogram] = None
    column: Optional[str] = None
    _backends: int = dataclasses.field(default=0, compare=False, repr=False)
    _mean: Optional[float] = dataclasses.field(default=None, compare=False, repr=False)
    # What the library computed (MAPSCAN_STAT_* bits), the exact sum of squares and its infinity flag (for
    # merging var), and (shape, fortran, first element's position) for argmin_index / argmax_index.
    _computed: int = dataclasses.field(default=0, compare=False, repr=False)
    _squares: Optional[Tuple[int, bool]] = dataclasses.field(default=None, compare=False, repr=False)
    _layout: Optional[Tuple[Tuple[int, ...], bool, int]] = dataclasses.field(default=None, compare=False,
                                                                              repr=False)

    @property
    def is_float(self) -> bool:
        """Whether this is a float scan's result (nan is not None)."""
        return self.nan is not None

    def _key(self):
        return tuple(_bits(getattr(self, f.name)) for f in dataclasses.fields(self) if f.compare)

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @classmethod
    def _from_c(cls, file, r: "_lib.Result", **describe) -> "Result":
        """A Result from the library's structure; describe overrides what it says was scanned."""
        count = r.stats.count
        native_big = sys.byteorder == "big"
        fields = dict(
            file=file, count=count, min=r.stats.min.value() if count else None,
            max=r.stats.max.value() if count else None, sum=r.stats.sum.value(), bytes=r.bytes,
            type=_lib.TYPE_NAMES[r.type],
            endian="big" if r.endian == _lib.BIG or (r.endian == _lib.NATIVE and native_big) else "little",
            format="npy" if r.format == _lib.FORMATS["npy"] else "raw", seconds=r.seconds,
            backend=_lib.lib.mapscan_backends_name(r.backends).decode(),
            kernel=r.kernel.decode() if r.kernel else None, threads=r.threads, _backends=r.backends)
        if r.type in _lib.FLOAT_TYPES:
            f = r.floats
            counted = count > f.nan
            fields.update(min=f.min if counted else None, max=f.max if counted else None, sum=f.sum, nan=f.nan,
                          exact_sum=_exact_of(f.exact), _mean=f.mean if counted else None)
        fields["shape"] = tuple(r.shape[:r.ndim]) if fields["format"] == "npy" else None
        fields.update(cls._extra_of(r))
        fields.update(describe)
        return cls(**fields)

    @staticmethod
    def _extra_of(r: "_lib.Result") -> Dict[str, Any]:
        """The extra statistics' fields of a Result from the library's structure."""
        x = r.extra
        counted = r.stats.count - (r.floats.nan if r.type in _lib.FLOAT_TYPES else 0)
        fields: Dict[str, Any] = {"_computed": x.computed}
        if x.computed & _lib.STAT_VAR:
            defined = counted > x.ddof
            fields.update(ddof=x.ddof, var=x.var if defined else None, std=x.std if defined else None,
                          _squares=(x.squares.value(), bool(x.squares.inf)))
        if x.computed & _lib.STAT_ARGMIN:
            fields["argmin"] = x.argmin if counted else None
        if x.computed & _lib.STAT_ARGMAX:
            fields["argmax"] = x.argmax if counted else None
        if x.nquantiles:
            fields["quantiles"] = {x.q[i]: x.quantile[i] if counted else None for i in range(x.nquantiles)}
        if x.bins:
            fields["histogram"] = _histogram_of(x)
        return fields

    def _extra_into(self, r: "_lib.Result") -> None:
        """The extra statistics laid back into the library's structure, as far as the merge reads them."""
        x = r.extra
        bits = self._computed & _lib.STAT_ALL
        if self._squares is None:
            bits &= ~_lib.STAT_VAR     # a Result made by hand: its var cannot be merged exactly
        x.computed = bits
        if bits & _lib.STAT_VAR:
            x.ddof = _position("ddof", self.ddof)
            if not x.squares.set_value(self._squares[0]):
                raise InputError("Result: a sum of squares past the library's words")
            x.squares.inf = self._squares[1]
        for name, bit in (("argmin", _lib.STAT_ARGMIN), ("argmax", _lib.STAT_ARGMAX)):
            value = getattr(self, name)
            if bits & bit and value is not None:
                setattr(x, name, _position(name, value))
        if self.histogram is not None:
            _histogram_into(self.histogram, x)

    def _index(self, position: Optional[int]) -> Optional[Tuple[int, ...]]:
        if position is None or self._layout is None:
            return None
        shape, fortran, p = self._layout
        p += position
        index = [0] * len(shape)
        for axis in (range(len(shape)) if fortran else reversed(range(len(shape)))):
            extent = shape[axis]
            index[axis], p = (p % extent, p // extent) if extent else (0, 0)
        return tuple(index)

    @property
    def argmin_index(self) -> Optional[Tuple[int, ...]]:
        """argmin as an index into the array scanned (numpy.unravel_index(argmin, shape), in the array's
        order, C or Fortran): for a .npy file (from its first element, also with offset=), a numpy.memmap
        and scan_buffer (a buffer's own shape); None for a raw file, a merge of several results, or when
        argmin is None."""
        return self._index(self.argmin)

    @property
    def argmax_index(self) -> Optional[Tuple[int, ...]]:
        """argmax as an index into the array scanned, as argmin_index."""
        return self._index(self.argmax)

    def _to_c(self) -> "_lib.Result":
        """The library's structure, as far as mapscan_result_merge reads it."""
        r = _lib.Result()
        r.stats.count, r.bytes, r.seconds, r.threads, r.backends = \
            self.count, self.bytes, self.seconds, self.threads, self._backends
        if self.is_float:
            r.type = _lib.TYPE_NAMES.index(self.type) if self.type in ("f16", "bf16", "f32", "f64") else _lib.F64
            if isinstance(self.nan, bool) or not isinstance(self.nan, int) or not 0 <= self.nan <= self.count:
                raise InputError(f"Result.nan {self.nan!r}: a whole number from 0 to count ({self.count})")
            f = r.floats
            f.nan = self.nan
            counted = self.count > self.nan
            for name in ("min", "max", "sum"):
                value = getattr(self, name)
                if value is None and (counted or name == "sum"):
                    raise InputError(f"Result.{name} None: a float result with values that are not NaN has one")
                try:
                    setattr(f, name, float(value) if value is not None else 0.0)
                except (TypeError, ValueError, OverflowError):
                    raise InputError(f"Result.{name} {value!r}: a float") from None
            f.mean = self._mean if self._mean is not None else 0.0
            _exact_into(self.exact_sum, f.exact)
            self._extra_into(r)
            return r
        for name in ("sum", "min", "max"):
            value = getattr(self, name)
            if value is not None and not _I128_MIN <= value <= _I128_MAX:
                raise InputError(f"Result.{name} {value}: past the library's 128 bits")
        r.stats.sum = _lib.Int128.of(self.sum)
        r.stats.min = _lib.Int128.of(self.min if self.count else 0)
        r.stats.max = _lib.Int128.of(self.max if self.count else 0)
        self._extra_into(r)
        return r

    @property
    def mean(self) -> Optional[float]:
        """sum / count, correctly rounded; None when empty. Float scans: the exact sum divided by the values
        that are not NaN, rounded once (the library's); None when there is none; inf, -inf or nan when
        exact_sum is."""
        if not self.is_float:
            return self.sum / self.count if self.count else None
        if self.count <= self.nan:
            return None
        if self._mean is not None:
            return self._mean
        return merge([self])._mean        # a Result made by hand: the library rounds it

    def as_dict(self) -> Dict[str, Any]:
        """The keys of the command's --json output (with "nan" for float scans, as there); values are
        Python's, so that the command's "inf", "-inf" and "nan" strings are floats here."""
        d: Dict[str, Any] = {"file": self.file, "format": self.format}
        if self.column is not None:
            d["column"] = self.column
        if self.shape is not None:
            d["shape"] = list(self.shape)
        d.update(type=self.type, endian=self.endian, backend=self.backend, kernel=self.kernel, threads=self.threads,
                 bytes=self.bytes, count=self.count)
        if self.is_float:
            d["nan"] = self.nan
        d.update(min=self.min, max=self.max, sum=self.sum, mean=self.mean)
        d.update(self._extra_dict())
        d["seconds"] = self.seconds
        return d

    def _extra_dict(self) -> Dict[str, Any]:
        """The extra statistics that were asked for, with the command's --json keys."""
        d: Dict[str, Any] = {}
        if self.ddof is not None:
            d.update(var=self.var, std=self.std, ddof=self.ddof)
        for name in ("argmin", "argmax"):
            if self._computed & (_lib.STAT_ARGMIN if name == "argmin" else _lib.STAT_ARGMAX) or \
                    getattr(self, name) is not None:
                d[name] = getattr(self, name)
                index = self._index(getattr(self, name))
                if index is not None:
                    d[name + "_index"] = list(index)
        if self.quantiles is not None:
            d["quantiles"] = dict(self.quantiles)
        if self.histogram is not None:
            d["histogram"] = self.histogram.as_dict()
        return d

    def __repr__(self) -> str:
        nan = f"nan={self.nan}, " if self.is_float else ""
        extra = "".join(f"{k}={v!r}, " for k, v in self._extra_dict().items() if k != "histogram")
        if self.histogram is not None:
            extra += f"histogram={self.histogram!r}, "
        column = f"column={self.column!r}, " if self.column is not None else ""
        return (f"mapscan.Result(file={self.file!r}, {column}count={self.count}, {nan}min={self.min}, "
                f"max={self.max}, sum={self.sum}, mean={self.mean}, {extra}type={self.type!r})")

    def __add__(self, other: "Result") -> "Result":
        if not isinstance(other, Result):
            return NotImplemented
        return merge([self, other])

    def __radd__(self, other: Any) -> "Result":
        # sum(results) starts from 0
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented


def _common(results, name):
    values = {getattr(r, name) for r in results}
    return values.pop() if len(values) == 1 else None


_MIXED = "integer and floating-point data, whose statistics do not combine into one"


def merge(results: Iterable[Union[Result, "Columns"]]) -> Any:
    """All the results as one, exactly, as if one scan had read every file: counts and sums added, the
    least min and the greatest max, bytes and seconds added, through the library's mapscan_result_merge.
    Float results: NaN counts and exact sums added, sum and mean rounded once from the total's exact sum.
    What the parts share (file, type, endian, format, shape, kernel) is kept; what differs is None.
    Integer and float results together are an InputError.

    The extra statistics that every part has are merged: var and std recomputed exactly from the merged
    sums (with the first part's ddof); argmin and argmax as positions in the parts' concatenation, in the
    order given (a part's positions shifted by the counts of the parts before it); a histogram when every
    part has one with the same edges (counts, below and above added). Quantiles are not merged (those of
    the parts are not those of the whole): None in a merge of two or more, as argmin_index and argmax_index.

    Columns (scans of several columns) merge column by column, by these rules: every part must have the
    same columns (names, in the same order) of the same types, else InputError; the answer is a Columns."""
    parts = list(results)
    if not parts:
        raise InputError("merge of no results: give at least one")
    if any(isinstance(r, Columns) for r in parts):
        return _merge_columns(parts)
    for r in parts:
        if not isinstance(r, Result):
            raise TypeError(f"merge: {type(r).__name__} is not a mapscan.Result")
    if len({r.is_float for r in parts}) > 1:
        raise InputError(f"merge: the results mix {_MIXED}")
    # Every part, the first too, is merged into an empty result of its kind: the library computes the
    # rounded sum and mean of a float total from its exact sum, even for one part.
    total = _lib.Result()
    if parts[0].is_float:
        total.type = parts[0]._to_c().type
    # The total's extra statistics are set up first (the library would take the first part's choice, but
    # no histogram): the bits every part computed, the first part's ddof, and a histogram of its own
    # counts when every part has one over the same edges.
    bits = _lib.STAT_ALL
    for r in parts:
        bits &= r._computed & (_lib.STAT_ALL if r._squares is not None else _lib.STAT_ALL & ~_lib.STAT_VAR)
    total.extra.computed = bits
    if bits & _lib.STAT_VAR:
        total.extra.ddof = _position("ddof", parts[0].ddof)
    hists = [r.histogram for r in parts]
    if all(h is not None for h in hists) and len({h._edges_key() for h in hists}) == 1:
        h = hists[0]
        _histogram_into(None, total.extra, h.bins, h.lo, h.hi, h.ranged)
    before = 0
    for r in parts:
        c = r._to_c()
        for name in ("argmin", "argmax"):
            if getattr(r, name) is not None and before:
                setattr(c.extra, name, _position(f"{name} in the merge", getattr(c.extra, name) + before))
        _lib.lib.mapscan_result_merge(total, c)
        before += r.count
    describe = {name: _common(parts, name) for name in ("file", "type", "endian", "format", "shape", "kernel",
                                                        "column")}
    if len(parts) == 1:
        describe.update(quantiles=parts[0].quantiles, _layout=parts[0]._layout)
    return Result._from_c(describe.pop("file"), total, **describe)


class Results(tuple):
    """The Results of scan([...]), one per file in the order given (a tuple), and .total: all of them merged
    (mapscan.merge). With several columns per file (field=[...], 'all', channels=, columns=), each item is a
    Columns, and so is the total."""

    _total: Any
    _why: Optional[str]

    def __new__(cls, results: Iterable[Any]) -> "Results":
        self = super().__new__(cls, results)
        self._total, self._why = None, None
        try:
            self._total = merge(self)
        except InputError as e:
            self._why = str(e)
        return self

    @property
    def total(self) -> Any:
        """All the files' results merged exactly (a Result, or a Columns); InputError when they do not merge:
        files that mix integer and float data, or whose columns differ (each file's result is there all the
        same)."""
        if self._total is None:
            raise InputError(f"total: none, {self._why}")
        return self._total

    def __repr__(self) -> str:
        total = repr(self._total) if self._total is not None else "None"
        return f"mapscan.Results({list(self)!r}, total={total})"


_FACTS = ("file", "format", "shape", "record", "bytes", "seconds", "threads", "backend", "kernel")


class Columns(Mapping):
    """A scan of several columns in one pass (field=['a', 'b'], field='all', channels=, columns=): an ordered,
    read-only mapping from each column's name to its Result, in the order asked for (for 'all' and channels,
    the file's).

        r = mapscan.scan("table.npy", field="all", describe=True)
        r["x"].mean, list(r), len(r), r.items()
        r.table()        # {column: {statistic: value}}: pandas.DataFrame(r.table()) has a column per column

    The scan's facts: file, format ('raw', 'npy'), shape (the file's, a .npy's), record (bytes per row;
    None for a Fortran-order array's channels, each one run), bytes (of the whole rows scanned), rows (the
    rows: each column's count), and how it ran: seconds, threads, backend, kernel. Each column's Result has
    its own type, endian, statistics and extra statistics (stats=, quantiles=, histogram=, describe= apply
    to every column), its name in .column, and the scan's bytes, seconds, threads and backend.

    Equality compares the columns' Results and file, format, shape, record and bytes (not how the scan ran).
    a + b and mapscan.merge([...]) merge column by column (the same names and types, else InputError)."""

    __slots__ = ("_results", "_index", "file", "format", "shape", "record", "bytes", "seconds", "threads", "backend",
                 "kernel", "_backends")

    def __init__(self, results: Iterable[Result], file: Optional[str] = None, format: Optional[str] = None,
                 shape: Optional[Tuple[int, ...]] = None, record: Optional[int] = None, bytes: int = 0,
                 seconds: float = 0.0, threads: int = 0, backend: str = "", kernel: Optional[str] = None,
                 _backends: int = 0):
        results = tuple(results)
        index: Dict[str, Result] = {}
        for r in results:
            if not isinstance(r, Result) or r.column is None:
                raise TypeError("Columns: each item is a mapscan.Result with its column's name")
            if r.column in index:
                raise InputError(f"Columns: column {r.column!r} named twice")
            index[r.column] = r
        for name, value in (("_results", results), ("_index", index), ("file", file), ("format", format),
                            ("shape", shape), ("record", record), ("bytes", bytes), ("seconds", seconds),
                            ("threads", threads), ("backend", backend), ("kernel", kernel),
                            ("_backends", _backends)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"mapscan.Columns is read-only: cannot set {name}")

    def __delattr__(self, name):
        raise AttributeError(f"mapscan.Columns is read-only: cannot delete {name}")

    def __reduce__(self):
        return (_columns_of_state, (self._results, {k: getattr(self, k) for k in _FACTS + ("_backends",)}))

    def __getitem__(self, name: str) -> Result:
        return self._index[name]

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._results)

    def __contains__(self, name) -> bool:
        return name in self._index

    @property
    def rows(self) -> int:
        """The rows (records) scanned: every column's count (NaN included)."""
        return self._results[0].count if self._results else 0

    def _key(self):
        return (self.file, self.format, self.shape, self.record, self.bytes,
                tuple((r.column, r._key()) for r in self._results))

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: Any) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._key())

    def table(self) -> Dict[str, Dict[str, Any]]:
        """{column: {statistic: value}}: count, nan (float columns), min, max, sum, mean, and what was asked
        for (var, std, argmin, argmax, quantiles as '25%'-style keys, as pandas' describe labels them).
        pandas.DataFrame(r.table()) is a frame with a column per column and a row per statistic."""
        out: Dict[str, Dict[str, Any]] = {}
        for r in self._results:
            row: Dict[str, Any] = {"count": r.count}
            if r.is_float:
                row["nan"] = r.nan
            row.update(min=r.min, max=r.max, sum=r.sum, mean=r.mean)
            if r.ddof is not None:
                row.update(var=r.var, std=r.std)
            for name in ("argmin", "argmax"):
                if r._computed & (_lib.STAT_ARGMIN if name == "argmin" else _lib.STAT_ARGMAX):
                    row[name] = getattr(r, name)
            if r.quantiles is not None:
                for q, v in r.quantiles.items():
                    label = f"{q * 100:g}%"
                    row[label if label not in row else f"q={q!r}"] = v
            out[r.column] = row
        return out

    def as_dict(self) -> Dict[str, Any]:
        """The scan's facts and {"columns": {name: Result.as_dict()}}, in plain Python values (json.dumps takes
        it)."""
        d: Dict[str, Any] = {"file": self.file, "format": self.format}
        if self.shape is not None:
            d["shape"] = list(self.shape)
        d.update(record=self.record, backend=self.backend, kernel=self.kernel, threads=self.threads,
                 bytes=self.bytes, rows=self.rows, seconds=self.seconds)
        d["columns"] = {r.column: r.as_dict() for r in self._results}
        return d

    def __repr__(self) -> str:
        inner = ", ".join(f"{r.column!r}: {r!r}" for r in self._results)
        return (f"mapscan.Columns(file={self.file!r}, rows={self.rows}, bytes={self.bytes}, "
                f"columns={{{inner}}})")

    def __add__(self, other: "Columns") -> "Columns":
        if not isinstance(other, Columns):
            return NotImplemented
        return merge([self, other])

    def __radd__(self, other: Any) -> "Columns":
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented


def _columns_of_state(results, facts) -> Columns:
    return Columns(results, **facts)


def _merge_columns(parts) -> Columns:
    for p in parts:
        if not isinstance(p, Columns):
            raise InputError(f"merge: a {type(p).__name__} with Columns: a scan of one field and a scan of "
                             "several columns do not merge")
    first = parts[0]
    layout = [(r.column, r.type) for r in first._results]
    for p in parts[1:]:
        other = [(r.column, r.type) for r in p._results]
        if other != layout:
            raise InputError(f"merge: the columns differ: {_describe(layout)} and {_describe(other)} (the same "
                             "names, in the same order, of the same types are needed)")
    merged = [merge([p._results[i] for p in parts]) for i in range(len(layout))]
    backends = 0
    for p in parts:
        backends |= p._backends
    facts = {name: _common(parts, name) for name in ("file", "format", "shape", "record", "kernel")}
    return Columns(merged, bytes=sum(p.bytes for p in parts), seconds=sum(p.seconds for p in parts),
                   threads=max(p.threads for p in parts), backend=_lib.lib.mapscan_backends_name(backends).decode(),
                   _backends=backends, **facts)


def _describe(layout) -> str:
    return "[" + ", ".join(f"{name}: {type_}" for name, type_ in layout) + "]"
