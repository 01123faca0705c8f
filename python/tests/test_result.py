"""Result: frozen, equal by what was found, its repr, as_dict; merge and
a + b through the library's mapscan_result_merge, checked against the same
merge in Python ints; progress=True's bar; typing (py.typed, Literal) and a
docstring on every public name."""

import dataclasses
import inspect
import os
import random
import sys
import types
import typing

import numpy as np
import pytest

import mapscan


def test_result_is_frozen_equal_by_what_was_found_and_shows_file_and_mean(tmp_path):
    np.arange(-10, 30, dtype="<i2").tofile(tmp_path / "r.bin")
    a = mapscan.scan(tmp_path / "r.bin", dtype="<i2", backend="mmap", threads=1)
    b = mapscan.scan(tmp_path / "r.bin", dtype="<i2", backend="read", threads=2)
    assert a == b and hash(a) == hash(b) and a.backend != b.backend
    assert a != mapscan.scan(tmp_path / "r.bin", dtype="<i2", length=20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.sum = 0
    text = repr(a)
    for part in (f"file={str(tmp_path / 'r.bin')!r}", "count=40", "min=-10", "max=29", "sum=380", "mean=9.5"):
        assert part in text, text
    d = a.as_dict()
    assert (d["file"], d["count"], d["min"], d["max"], d["sum"], d["mean"]) == (str(tmp_path / "r.bin"), 40, -10,
                                                                                 29, 380, 9.5)


def python_merge(parts):
    """The merge in Python ints: the oracle for the library's."""
    full = [p for p in parts if p.count]
    return (sum(p.count for p in parts), min((p.min for p in full), default=None),
            max((p.max for p in full), default=None), sum(p.sum for p in parts), sum(p.bytes for p in parts))


def test_merge_and_add_go_through_the_library_and_agree_with_python_ints(tmp_path):
    rng = random.Random(20)
    results = []
    for i in range(12):
        code = rng.choice(["<i8", "<u8", "|i1", ">i4"])
        info = np.iinfo(np.dtype(code))
        n = rng.choice([0, 1, 7, 1000])
        a = np.array([rng.randint(info.min, info.max) for _ in range(n)], dtype=code)
        a.tofile(tmp_path / f"{i}.bin")
        results.append(mapscan.scan(tmp_path / f"{i}.bin", dtype=code))
    for k in range(1, len(results) + 1):
        parts = results[:k]
        m = mapscan.merge(parts)
        assert (m.count, m.min, m.max, m.sum, m.bytes) == python_merge(parts), k
        assert sum(parts) == m and (sum(parts[1:], parts[0]) == m)
    assert results[0] + results[1] == mapscan.merge(results[:2])
    # extremes: sums past 64 bits, empty parts, hand-made Results
    big = mapscan.Result(file=None, count=3, min=-2**63, max=2**64 - 1, sum=3 * 2**64)
    empty = mapscan.Result(file=None, count=0, min=None, max=None, sum=0)
    m = big + empty + big
    assert (m.count, m.min, m.max, m.sum) == (6, -2**63, 2**64 - 1, 6 * 2**64)
    assert mapscan.merge([empty, empty]) == empty
    with pytest.raises(mapscan.InputError):
        mapscan.merge([])
    with pytest.raises(mapscan.InputError, match="128 bits"):
        mapscan.merge([big, mapscan.Result(file=None, count=1, min=0, max=0, sum=2**127)])
    with pytest.raises(TypeError):
        big + 1


def test_merge_keeps_what_the_parts_share(tmp_path):
    np.arange(10, dtype="<i4").tofile(tmp_path / "x.bin")
    np.save(tmp_path / "y.npy", np.arange(10, dtype="<i8"))
    x = mapscan.scan(tmp_path / "x.bin")
    y = mapscan.scan(tmp_path / "y.npy")
    assert (x + x).file == x.file and (x + x).type == "i32" and (x + x).backend == x.backend
    xy = x + y
    assert xy.file is None and xy.type is None and xy.format is None and xy.endian == "little"


class FakeTqdm:
    made = []

    def __init__(self, **kwargs):
        self.kwargs, self.total, self.n, self.closed = kwargs, kwargs.get("total"), 0, False
        FakeTqdm.made.append(self)

    def update(self, k):
        self.n += k

    def close(self):
        self.closed = True


def test_progress_true_draws_a_bar_tqdm_s_when_importable_else_a_plain_one(tmp_path, monkeypatch, capsys):
    np.arange(100000, dtype="<i4").tofile(tmp_path / "p.bin")
    monkeypatch.setitem(sys.modules, "tqdm", None)      # import tqdm fails
    mapscan.scan(tmp_path / "p.bin", progress=True)
    err = capsys.readouterr().err
    assert err.endswith("\n") and "100% [" in err.splitlines()[-1] and "p.bin" in err
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    FakeTqdm.made.clear()
    mapscan.scan([tmp_path / "p.bin", tmp_path / "p.bin"], progress=True)
    bar, = FakeTqdm.made
    assert bar.closed and bar.n == bar.total == 800000 and bar.kwargs["unit"] == "B"
    FakeTqdm.made.clear()
    mapscan.generate(tmp_path / "g.bin", count=1000, progress=True)
    assert FakeTqdm.made[0].n == 4000 and FakeTqdm.made[0].closed
    with pytest.raises(FileNotFoundError):
        mapscan.scan(tmp_path / "missing", progress=True)
    assert FakeTqdm.made[-1].closed
    with pytest.raises(mapscan.InputError, match="progress"):
        mapscan.scan(tmp_path / "p.bin", progress="yes")


def test_typed_literals_and_a_docstring_on_every_public_name():
    package = os.path.dirname(mapscan.__file__)
    assert os.path.exists(os.path.join(package, "py.typed"))
    assert typing.get_args(mapscan.Backend) == ("auto", "mmap", "read", "direct")
    assert typing.get_args(mapscan.Format) == ("auto", "raw", "npy")
    hints = typing.get_type_hints(mapscan.generate)
    assert hints["return"] is mapscan.Result
    assert mapscan.__doc__
    for name in mapscan.__all__:
        thing = getattr(mapscan, name)
        if inspect.isclass(thing) or inspect.isfunction(thing):
            assert thing.__doc__ and thing.__doc__.strip(), name
            for member, value in vars(thing).items():
                if not member.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert value.__doc__, f"{name}.{member}"
