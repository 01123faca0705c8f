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
float(fraction) rounds it once, correctly."""

import dataclasses
import math
import struct
import sys
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
    """A value as equality sees it: a float by its bits (every NaN alike), anything else as it is."""
    if isinstance(value, float):
        return ("nan",) if math.isnan(value) else ("float", struct.pack("<d", value))
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
    counted value is -0.0). a + b and mapscan.merge([...]) combine results exactly."""

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
    _backends: int = dataclasses.field(default=0, compare=False, repr=False)
    _mean: Optional[float] = dataclasses.field(default=None, compare=False, repr=False)

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
        fields.update(describe)
        return cls(**fields)

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
            return r
        for name in ("sum", "min", "max"):
            value = getattr(self, name)
            if value is not None and not _I128_MIN <= value <= _I128_MAX:
                raise InputError(f"Result.{name} {value}: past the library's 128 bits")
        r.stats.sum = _lib.Int128.of(self.sum)
        r.stats.min = _lib.Int128.of(self.min if self.count else 0)
        r.stats.max = _lib.Int128.of(self.max if self.count else 0)
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
        if self.shape is not None:
            d["shape"] = list(self.shape)
        d.update(type=self.type, endian=self.endian, backend=self.backend, kernel=self.kernel, threads=self.threads,
                 bytes=self.bytes, count=self.count)
        if self.is_float:
            d["nan"] = self.nan
        d.update(min=self.min, max=self.max, sum=self.sum, mean=self.mean, seconds=self.seconds)
        return d

    def __repr__(self) -> str:
        nan = f"nan={self.nan}, " if self.is_float else ""
        return (f"mapscan.Result(file={self.file!r}, count={self.count}, {nan}min={self.min}, max={self.max}, "
                f"sum={self.sum}, mean={self.mean}, type={self.type!r})")

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


def merge(results: Iterable[Result]) -> Result:
    """All the results as one, exactly, as if one scan had read every file: counts and sums added, the
    least min and the greatest max, bytes and seconds added, through the library's mapscan_result_merge.
    Float results: NaN counts and exact sums added, sum and mean rounded once from the total's exact sum.
    What the parts share (file, type, endian, format, shape, kernel) is kept; what differs is None.
    Integer and float results together are an InputError."""
    parts = list(results)
    if not parts:
        raise InputError("merge of no results: give at least one")
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
    for r in parts:
        _lib.lib.mapscan_result_merge(total, r._to_c())
    describe = {name: _common(parts, name) for name in ("file", "type", "endian", "format", "shape", "kernel")}
    return Result._from_c(describe.pop("file"), total, **describe)


class Results(tuple):
    """The Results of scan([...]), one per file in the order given (a tuple), and .total: all of them merged
    (mapscan.merge)."""

    _total: Optional[Result]

    def __new__(cls, results: Iterable[Result]) -> "Results":
        self = super().__new__(cls, results)
        self._total = None if len({r.is_float for r in self}) > 1 else merge(self)
        return self

    @property
    def total(self) -> Result:
        """All the files' results merged exactly; InputError when the files mix integer and float data
        (each file's Result is there all the same)."""
        if self._total is None:
            raise InputError(f"total: none, the files mix {_MIXED}")
        return self._total

    def __repr__(self) -> str:
        return f"mapscan.Results({list(self)!r}, total={self.total!r})"

