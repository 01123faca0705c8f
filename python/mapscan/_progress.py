"""progress=: a callable is called as given; True draws a bar on stderr,
tqdm's when tqdm can be imported (it is no dependency), else a plain one.
Either way the bar is closed when the scan ends, also by an exception."""

import contextlib
import sys
from typing import Callable, Iterator, Optional

from ._errors import InputError

Callback = Callable[[int, int], object]


class _PlainBar:
    """One line on stderr, rewritten in place: label, percent, a bar, MiB done of MiB."""

    WIDTH = 30

    def __init__(self, label: str):
        self.label = label
        self.drawn = False

    def __call__(self, done: int, total: int):
        part = done / total if total else 1.0
        filled = int(part * self.WIDTH)
        sys.stderr.write(f"\r{self.label} {part * 100:3.0f}% [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                         f"{done / 2**20:.1f}/{total / 2**20:.1f} MiB")
        sys.stderr.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _TqdmBar:
    """tqdm's bar in bytes; its total follows the library's (a pipe's grows as it is read)."""

    def __init__(self, tqdm, label: str):
        self.bar = tqdm(total=0, desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                        leave=True)

    def __call__(self, done: int, total: int):
        if total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self):
        self.bar.close()


def _bar(label: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return _PlainBar(label)
    return _TqdmBar(tqdm, label)


@contextlib.contextmanager
def reporter(progress, label: str) -> Iterator[Optional[Callback]]:
    """The callback for progress= (None for none) while the block runs."""
    if progress is None or progress is False:
        yield None
    elif progress is True:
        bar = _bar(label)
        try:
            yield bar
        finally:
            bar.close()
    elif callable(progress):
        yield progress
    else:
        raise InputError(f"progress {progress!r}: True (a bar on stderr), a callable(done, total) or None")
