"""What a scan found (Result), several files' results with their total
(Results), and the exact combination of results (merge, Result + Result).

A Result is a frozen dataclass of plain Python values, so that it can be
compared, hashed, pickled and printed. Equality compares what was found
(file, layout, bytes, count, min, max, sum), not how the scan ran (seconds,
backend, kernel, threads): the same file scanned with two backends gives
equal Results. Merging goes through the library's mapscan_result_merge, the
one merge the command's totals and mapscan-mpi use, so that Python and C
can never disagree on a total; a Result keeps the one value that is not a
public field (the backends' bits) to rebuild the C structure."""

import dataclasses
import sys
from typing import Any, Dict, Iterable, Optional, Tuple

from . import _lib
from ._errors import InputError

_I128_MIN, _I128_MAX = -2**127, 2**127 - 1


@dataclasses.dataclass(frozen=True)
class Result:
    """What a scan (or generate) found: exact Python ints, and how it ran.

    file: the path scanned (None for scan_buffer, or a total over different files); count, min, max,
    sum: exact (min and max are None when count is 0); bytes: of the whole elements scanned; type
    ('i8' ... 'u64'), endian ('little', 'big'), format ('raw', 'npy'), shape (a .npy file's): what was
    scanned (None in a total whose parts differ in it); seconds, backend, kernel, threads: how the scan
    ran, left out of equality. a + b and mapscan.merge([...]) combine results exactly."""

    file: Optional[str]
    count: int
    min: Optional[int]
    max: Optional[int]
    sum: int
    bytes: int = 0
    type: Optional[str] = None
    endian: Optional[str] = None
    format: Optional[str] = None
    shape: Optional[Tuple[int, ...]] = None
    seconds: float = dataclasses.field(default=0.0, compare=False)
    backend: str = dataclasses.field(default="", compare=False)
    kernel: Optional[str] = dataclasses.field(default=None, compare=False)
    threads: int = dataclasses.field(default=0, compare=False)
    _backends: int = dataclasses.field(default=0, compare=False, repr=False)

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
        fields["shape"] = tuple(r.shape[:r.ndim]) if fields["format"] == "npy" else None
        fields.update(describe)
        return cls(**fields)

    def _to_c(self) -> "_lib.Result":
        """The library's structure, as far as mapscan_result_merge reads it."""
        for name in ("sum", "min", "max"):
            value = getattr(self, name)
            if value is not None and not _I128_MIN <= value <= _I128_MAX:
                raise InputError(f"Result.{name} {value}: past the library's 128 bits")
        r = _lib.Result()
        r.stats.count, r.bytes, r.seconds, r.threads, r.backends = \
            self.count, self.bytes, self.seconds, self.threads, self._backends
        r.stats.sum = _lib.Int128.of(self.sum)
        r.stats.min = _lib.Int128.of(self.min if self.count else 0)
        r.stats.max = _lib.Int128.of(self.max if self.count else 0)
        return r

    @property
    def mean(self) -> Optional[float]:
        """sum / count, correctly rounded; None when empty."""
        return self.sum / self.count if self.count else None

    def as_dict(self) -> Dict[str, Any]:
        """The keys of the command's --json output."""
        d: Dict[str, Any] = {"file": self.file, "format": self.format}
        if self.shape is not None:
            d["shape"] = list(self.shape)
        d.update(type=self.type, endian=self.endian, backend=self.backend, kernel=self.kernel, threads=self.threads,
                 bytes=self.bytes, count=self.count, min=self.min, max=self.max, sum=self.sum, mean=self.mean,
                 seconds=self.seconds)
        return d

    def __repr__(self) -> str:
        return (f"mapscan.Result(file={self.file!r}, count={self.count}, min={self.min}, max={self.max}, "
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


def merge(results: Iterable[Result]) -> Result:
    """All the results as one, exactly, as if one scan had read every file: counts and sums added, the
    least min and the greatest max, bytes and seconds added, through the library's mapscan_result_merge.
    What the parts share (file, type, endian, format, shape, kernel) is kept; what differs is None."""
    parts = list(results)
    if not parts:
        raise InputError("merge of no results: give at least one")
    for r in parts:
        if not isinstance(r, Result):
            raise TypeError(f"merge: {type(r).__name__} is not a mapscan.Result")
    total = parts[0]._to_c()
    for r in parts[1:]:
        _lib.lib.mapscan_result_merge(total, r._to_c())
    describe = {name: _common(parts, name) for name in ("file", "type", "endian", "format", "shape", "kernel")}
    return Result._from_c(describe.pop("file"), total, **describe)


class Results(tuple):
    """The Results of scan([...]), one per file in the order given (a tuple), and .total: all of them merged
    (mapscan.merge)."""

    total: Result

    def __new__(cls, results: Iterable[Result]) -> "Results":
        self = super().__new__(cls, results)
        self.total = merge(self)
        return self

    def __repr__(self) -> str:
        return f"mapscan.Results({list(self)!r}, total={self.total!r})"

