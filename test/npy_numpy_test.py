#!/usr/bin/python3
"""mapscan's .npy header parser against numpy itself.

Two kinds of cases, from one seeded generator:
  - files numpy's writers produce (np.save, format.write_array in versions 1.0, 2.0
    and 3.0, format.open_memmap) for random dtypes: plain and structured, nested,
    aligned or with gaps, titles, sub-arrays (of scalars and of structs), every byte
    order, names with escapes, dots, quotes, non-ASCII and NUL; mapscan must read each
    as numpy does: the same shape, order, item size and data offset, the same fields
    (spelled as --field takes them) at the same offsets with the same element counts,
    and the same values from a scan of every integer field;
  - headers made by mutating those dicts (bad shapes, keys, literals, type strings,
    names used twice, encodings, truncation): mapscan must refuse what numpy.load
    refuses, and what it reads must match numpy. A few mutations are literals numpy
    happens to read but never writes (a key given twice, hex numbers, comma-separated
    type strings, ...): there mapscan may also refuse, with a message.

Run with Debian's python3 (numpy) against a build:
  MAPSCAN_LIBRARY=build/libmapscan.so.1 PYTHONPATH=python /usr/bin/python3 test/npy_numpy_test.py
MAPSCAN_NPY_CASES=N sets the number of cases of each kind (default 300), MAPSCAN_NPY_SEED
the seed. Ends with 'N passed, N failed'."""

import ctypes
import io
import os
import random
import sys
import tempfile
import warnings

import numpy as np
import numpy.lib.format as fmt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import mapscan  # noqa: E402
from mapscan import _lib  # noqa: E402

warnings.simplefilter("ignore")
CASES = int(os.environ.get("MAPSCAN_NPY_CASES", "300"))
SEED = int(os.environ.get("MAPSCAN_NPY_SEED", "15"))
MAX_DIMS = 64


class Field(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("offset", ctypes.c_uint64), ("size", ctypes.c_uint64),
                ("count", ctypes.c_uint64), ("descr", ctypes.c_char * 24), ("is_integer", ctypes.c_bool),
                ("type", ctypes.c_int), ("endian", ctypes.c_int)]


class Header(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("data_offset", ctypes.c_uint64),
                ("fortran_order", ctypes.c_bool), ("ndim", ctypes.c_uint), ("shape", ctypes.c_uint64 * MAX_DIMS),
                ("count", ctypes.c_uint64), ("itemsize", ctypes.c_uint64), ("structured", ctypes.c_bool),
                ("descr", ctypes.c_char * 24), ("is_integer", ctypes.c_bool), ("type", ctypes.c_int),
                ("endian", ctypes.c_int), ("nfields", ctypes.c_size_t), ("fields", ctypes.POINTER(Field))]


LIB = _lib.lib
LIB.mapscan_npy_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Header),
                                  ctypes.POINTER(_lib.Error)]
LIB.mapscan_npy_parse.restype = ctypes.c_int
LIB.mapscan_npy_free.argtypes = [ctypes.POINTER(Header)]


def parse(data):
    """(None, message) when refused, else the header as a dict."""
    h, e = Header(), _lib.Error()
    if LIB.mapscan_npy_parse(data, len(data), ctypes.byref(h), ctypes.byref(e)) != 0:
        return None, e.message.decode("utf-8")
    out = {"shape": tuple(h.shape[:h.ndim]), "fortran": h.fortran_order, "itemsize": h.itemsize,
           "data_offset": h.data_offset, "structured": h.structured,
           "fields": [(h.fields[i].name, h.fields[i].offset, h.fields[i].size, h.fields[i].count,
                       h.fields[i].is_integer) for i in range(h.nfields)]}
    LIB.mapscan_npy_free(ctypes.byref(h))
    return out, None


# ---- what numpy says ----

def spell(name):
    """A field name as --field spells it (npy_name.c), as UTF-8 bytes."""
    out = []
    for ch in name:
        cp = ord(ch)
        if ch in "\\.":
            out.append("\\" + ch)
        elif ch in "\t\n\r":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r"}[ch])
        elif cp < 0x20 or 0x7f <= cp <= 0x9f or 0xd800 <= cp <= 0xdfff:
            out.append("".join("\\x%02x" % b for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out).encode("utf-8")


def numpy_fields(dt, prefix=b"", base=0, outer=1, path=()):
    """Leaves of a structured dtype in the order of its descr: (spelling, offset, size, count,
    scannable, path to the values)."""
    leaves = []
    for name in sorted(dt.names, key=lambda n: dt.fields[n][1]):
        fdt, off = dt.fields[name][:2]
        count, leaf = 1, fdt
        if fdt.subdtype is not None:
            leaf, shape = fdt.subdtype
            count = int(np.prod(shape))
        full = prefix + spell(name)
        if leaf.names is not None:
            leaves += numpy_fields(leaf, full + b".", base + off, outer * count, path + (name,))
        else:
            scannable = leaf.kind in "iu" and outer * count == 1
            leaves.append((full, base + off, fdt.itemsize, outer * count, scannable, path + (name,)))
    return leaves


def numpy_reads(data):
    """numpy.load's verdict: the array, or None when it refuses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:
        return None


def numpy_header(data):
    """numpy's own reading of the header: shape, fortran_order, dtype, and where the data starts."""
    f = io.BytesIO(data)
    version = fmt.read_magic(f)
    shape, fortran, dtype = fmt._read_array_header(f, version)
    return shape, fortran, dtype, f.tell()


# ---- random dtypes and arrays ----

NAMES = ["a", "b", "t", "x1", "value", "\tb", "tb", "\u00e9", "A", "a.b", "q\\", "it's", '"dq"', "\u20ac",
         "\U0001f600", "\x00z", "sp ace", "\x7f", "e\u0301", "\x85c", "\\x41", "n\nl"]
SCALARS = ["|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8",
           "<f2", ">f4", "<f8", "|b1", "<c8", ">c16", "|S3", "<U2", "|V5", "<M8[ns]", ">m8[s]", "<f16"]


def random_dtype(rng, depth=0):
    if depth > 0 and rng.random() < 0.6 or depth > 2:
        return np.dtype(rng.choice(SCALARS))
    n = rng.randint(1, 4)
    names = rng.sample(NAMES, n)
    formats, titles = [], []
    for _ in range(n):
        base = random_dtype(rng, depth + 1) if rng.random() < 0.3 else np.dtype(rng.choice(SCALARS))
        if rng.random() < 0.25:
            base = np.dtype((base, tuple(rng.randint(1, 3) for _ in range(rng.randint(1, 2)))))
        formats.append(base)
        titles.append(("title %d" % rng.randint(0, 99)) if rng.random() < 0.15 else None)
    if len({t for t in titles if t}) != len([t for t in titles if t]) or set(titles) & set(names):
        titles = [None] * n
    spec = {"names": names, "formats": formats, "titles": titles}
    if rng.random() < 0.3:      # gaps: explicit offsets, padding in the descr
        offsets, at = [], 0
        for f in formats:
            at += rng.randint(0, 3)
            offsets.append(at)
            at += f.itemsize
        spec.update(offsets=offsets, itemsize=at + rng.randint(0, 4))
        return np.dtype(spec)
    return np.dtype(spec, align=rng.random() < 0.3)


def random_array(rng):
    dt = random_dtype(rng) if rng.random() < 0.7 else np.dtype(rng.choice(SCALARS))
    shape = tuple(rng.randint(0, 4) for _ in range(rng.randint(0, 3)))
    raw = np.random.default_rng(rng.randint(0, 2**32)).integers(0, 256, size=int(np.prod(shape)) * dt.itemsize,
                                                                dtype=np.uint8)
    a = raw.view(dt).reshape(shape) if dt.itemsize else np.zeros(shape, dt)
    return np.asfortranarray(a) if rng.random() < 0.3 else a


def write(a, how):
    f = io.BytesIO()
    if how == "save":
        np.save(f, a)
    elif how == "memmap":
        with tempfile.TemporaryDirectory() as d:
            m = fmt.open_memmap(os.path.join(d, "m.npy"), mode="w+", dtype=a.dtype, shape=a.shape,
                                fortran_order=a.flags.f_contiguous and not a.flags.c_contiguous)
            m[...] = a
            m.flush()
            del m
            with open(os.path.join(d, "m.npy"), "rb") as fh:
                return fh.read()
    else:
        fmt.write_array(f, a, version=how)
    return f.getvalue()


def values_of(a, path):
    v = a
    for name in path:
        v = v[name]
    return [int(x) for x in np.asarray(v).ravel(order="K")]


# ---- the checks ----

class Checker:
    def __init__(self, work):
        self.work = work
        self.passed = self.failed = 0
        self.lenient_refusals = self.scans = 0
        self.failures = []

    def fail(self, what):
        self.failed += 1
        if len(self.failures) < 20:
            self.failures.append(what)

    def compare(self, data, a, label):
        got, message = parse(data)
        if got is None:
            return self.fail(f"{label}: numpy reads it, mapscan refused: {message}")
        shape, fortran, dtype, offset = numpy_header(data)
        want_fields = numpy_fields(dtype) if dtype.names is not None else []
        want = {"shape": shape, "fortran": fortran, "itemsize": dtype.itemsize, "data_offset": offset,
                "fields": [w[:5] for w in want_fields]}
        for key in want:
            if got[key] != want[key]:
                return self.fail(f"{label}: {key}: mapscan {got[key]!r}, numpy {want[key]!r}")
        self.scan_values(data, a, want_fields, label)

    def scan_values(self, data, a, leaves, label):
        """Every integer field (or a plain integer array), scanned from a file, against numpy's values."""
        path = os.path.join(self.work, "case.npy")
        with open(path, "wb") as fh:
            fh.write(data)
        targets = [(leaf[0].decode(), leaf[5]) for leaf in leaves if leaf[4]]
        if a.dtype.names is None and a.dtype.kind in "iu":
            targets = [(None, ())]
        for field, path_names in targets:
            want = values_of(a, path_names)
            try:
                r = mapscan.scan(path, field=field, threads=1 + self.scans % 3, allow_trailing=True)
            except mapscan.Error as e:
                return self.fail(f"{label}: scan of field {field!r} failed: {e}")
            self.scans += 1
            if (r.count, r.min, r.max, r.sum) != (len(want), min(want, default=None), max(want, default=None),
                                                  sum(want)):
                return self.fail(f"{label}: field {field!r}: mapscan {r!r}, numpy count {len(want)} sum {sum(want)}")

    def mutated(self, data, lenient, label):
        """A mutated header: mapscan refuses what numpy refuses and reads what it reads, alike. Less
        data than the header describes is refused by the scan (tested in cli_test.py), as by numpy."""
        a = numpy_reads(data)
        got, message = parse(data)
        if got is not None:
            needed = got["itemsize"] * (int(np.prod(got["shape"], dtype=object)) if got["shape"] else 1)
            if len(data) - got["data_offset"] < needed:
                got, message = None, "less data than the header describes"
        if a is None:
            if got is not None:
                return self.fail(f"{label}: numpy refuses it, mapscan read it: {header_text(data)!r}")
            if not message or "\n" in message:
                return self.fail(f"{label}: refused without a one-line reason: {message!r}")
            return
        if got is None:
            if lenient:
                self.lenient_refusals += 1
                return
            return self.fail(f"{label}: numpy reads it, mapscan refused: {message} in {header_text(data)!r}")
        self.compare(data, a, label)


def header_text(data):
    return data[:min(len(data), 300)]


def make_file(text_bytes, version, payload):
    prefix = 10 if version == 1 else 12
    body = text_bytes + b" " * ((-(prefix + len(text_bytes) + 1)) % 64) + b"\n"
    size = len(body).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + body + payload


# Each mutation: (name, lenient, function of (rng, dict text) -> new text or None).
def sub(old, new):
    return lambda rng, t: t.replace(old, new, 1) if old in t else None


MUTATIONS = [
    ("shape 012", False, lambda rng, t: t.replace("'shape': (", "'shape': (0", 1) if "'shape': ()" not in t
     and "'shape': (0" not in t else None),
    ("shape not a tuple", False, lambda rng, t: _shape(t, "(3)")),
    ("shape negative", False, lambda rng, t: _shape(t, "(-2,)")),
    ("shape float", False, lambda rng, t: _shape(t, "(2.0,)")),
    ("shape string", False, lambda rng, t: _shape(t, "('2',)")),
    ("shape list", False, lambda rng, t: _shape(t, "[2]")),
    ("shape hex", True, lambda rng, t: _shape(t, "(0x2,)")),
    ("shape underscore", True, lambda rng, t: _shape(t, "(1_0,)")),
    ("shape 00", False, lambda rng, t: _shape(t, "(00,)")),
    ("shape long", False, lambda rng, t: _shape(t, "(2L,)")),
    ("fortran 1", False, sub("'fortran_order': False", "'fortran_order': 1")),
    ("fortran string", False, sub("'fortran_order': False", "'fortran_order': 'False'")),
    ("fortran None", False, sub("'fortran_order': False", "'fortran_order': None")),
    ("key missing", False, sub("'fortran_order': False, ", "")),
    ("key extra", False, lambda rng, t: t.replace("{", "{'extra': 1, ", 1)),
    ("key twice", True, lambda rng, t: t.replace("{", "{'fortran_order': True, ", 1)),
    ("key double quotes", False, sub("'descr'", '"descr"')),
    ("key unicode prefix", False, sub("'descr'", "u'descr'")),
    ("key bytes", False, sub("'descr'", "b'descr'")),
    ("no closing brace", False, lambda rng, t: t.rstrip().rstrip("}")),
    ("trailing junk", False, lambda rng, t: t.rstrip() + " x"),
    ("trailing comma gone", False, sub(", }", "}")),
    ("not a dict", False, lambda rng, t: "[" + t + "]"),
    ("truncated", False, lambda rng, t: t[:rng.randint(1, max(1, len(t) - 1))]),
    ("descr code", True, lambda rng, t: _descr(t, rng.choice([
        "b", "B", "<h", "<H", "<l", "<q", "<p", ">P", "int32", "<int32", "uint64", "float32", "i", "<i", "I", "?",
        "e", "d", "g", "F", "D", "c", "S", "U", "V", "a5", "U0", "V0", "S00", "i04", "<i3", "<i16", "l8", "q8",
        "b2", "M", "M8", "M8[ns]", "M[ns]", "m8[25us]", "M8[xx]", "datetime64[D]", "O", "|O", "i4,i4", "(2,)i4",
        "2i4", "i 4", " i4", "Int8", "bfloat16", "", "f12", "c64", "float128", "int0", "bool", "str", "void"]))),
    ("names twice", False, lambda rng, t: _dup_name(t)),
    ("title is a name", False, lambda rng, t: _title_clash(t)),
    ("field as list", True, lambda rng, t: t.replace("[('", "[['", 1).replace("'), (", "'], (", 1)
     if "[('" in t and "'), (" in t and t.index("[('") < t.index("'), (") else None),
    ("field shape int", False, lambda rng, t: t.replace("', (2,))", "', 2)", 1) if "', (2,))" in t else None),
    ("field shape 1", False, lambda rng, t: t.replace("', (2,))", "', (1,))", 1) if "', (2,))" in t else None),
    ("field shape negative", False, lambda rng, t: t.replace("', (2,))", "', (-1,))", 1)
     if "', (2,))" in t else None),
    ("empty field list", False, lambda rng, t: _descr_raw(t, "[]")),
    ("descr tuple", True, lambda rng, t: _descr_raw(t, "('<i4', (2,))")),
    ("descr number", False, lambda rng, t: _descr_raw(t, "4")),
    ("name escape x", False, lambda rng, t: _name(t, "'\\x41'")),
    ("name escape octal", False, lambda rng, t: _name(t, "'\\101\\0'")),
    ("name escape unknown", False, lambda rng, t: _name(t, "'\\q'")),
    ("name escape bad x", False, lambda rng, t: _name(t, "'\\x4'")),
    ("name escape N", True, lambda rng, t: _name(t, "'\\N{BULLET}'")),
    ("name escape U big", False, lambda rng, t: _name(t, "'\\U00110000'")),
    ("name triple quote", True, lambda rng, t: _name(t, "'''x'''")),
    ("name raw string", True, lambda rng, t: _name(t, "r'x'")),
    ("name concatenated", True, lambda rng, t: _name(t, "'x' 'y'")),
    ("name unicode prefix", False, lambda rng, t: _name(t, "u'x'")),
    ("name bytes", False, lambda rng, t: _name(t, "b'x'")),
    ("name number", False, lambda rng, t: _name(t, "5")),
    ("name newline", False, lambda rng, t: _name(t, "'a\nb'")),
    ("name latin-1", False, lambda rng, t: _name(t, "'\u00e9'")),
    ("name empty int", False, lambda rng, t: _name(t, "''")),
]


def _shape(t, new):
    i = t.find("'shape': ")
    if i < 0:
        return None
    j = t.index(")", i) + 1
    return t[:i] + "'shape': " + new + t[j:]


def _descr_raw(t, new):
    if not t.startswith("{'descr': '"):
        return None
    j = t.index("'", len("{'descr': '")) + 1
    return "{'descr': " + new + t[j:]


def _descr(t, code):
    return _descr_raw(t, "'" + code + "'")


def _dup_name(t):
    if not t.startswith("{'descr': [("):
        return None
    start = len("{'descr': [")
    end = t.index(")", start) + 1
    return t[:start] + t[start:end] + ", " + t[start:]


def _title_clash(t):
    if not t.startswith("{'descr': [('"):
        return None
    name_end = t.index("'", len("{'descr': [('")) + 1
    name = t[len("{'descr': [("):name_end]
    return "{'descr': [((" + name + ", " + name + ")" + t[name_end:]


def _name(t, literal):
    if not t.startswith("{'descr': [('"):
        return None
    name_end = t.index("'", len("{'descr': [('")) + 1
    return "{'descr': [(" + literal + t[name_end:]


def run():
    rng = random.Random(SEED)
    work = tempfile.mkdtemp(prefix="mapscan-npy-")
    c = Checker(work)
    written = mutated = 0
    try:
        while written < CASES:
            a = random_array(rng)
            how = rng.choice(["save", "memmap", (1, 0), (2, 0), (3, 0)])
            try:
                data = write(a, how)
            except (ValueError, UnicodeEncodeError):     # names latin-1 cannot hold, in 1.0 or 2.0
                continue
            written += 1
            before = c.failed
            c.compare(data, a, f"written #{written} ({how}, {a.dtype.descr!r}, shape {a.shape})")
            if c.failed == before:
                c.passed += 1
            # the same dict, mutated
            version = data[6]
            text = data[10 if version == 1 else 12:].split(b"\n")[0].rstrip(b" ")
            encoding = "utf-8" if version == 3 else "latin-1"
            for _ in range(2):
                name, lenient, fn = rng.choice(MUTATIONS)
                new = fn(rng, text.decode(encoding))
                if new is None:
                    continue
                try:
                    body = new.encode(encoding)
                except UnicodeEncodeError:
                    continue
                payload = data[len(data) - a.nbytes:] if a.nbytes else b""
                payload += bytes(rng.randint(0, 64) if rng.random() < 0.2 else 0)
                mutated += 1
                before = c.failed
                c.mutated(make_file(body, version, payload), lenient, f"mutated '{name}' #{mutated}")
                if c.failed == before:
                    c.passed += 1
        # a 3.0 header that is not UTF-8, a 1.0 header with a latin-1 name
        for version, raw, ok in ((3, b"{'descr': [('\xe9', '<i4')], 'fortran_order': False, 'shape': (1,), }", False),
                                 (1, b"{'descr': [('\xe9', '<i4')], 'fortran_order': False, 'shape': (1,), }", True)):
            before = c.failed
            data = make_file(raw, version, b"\x07\0\0\0")
            c.mutated(data, False, f"encoding {version}")
            if ok and parse(data)[0]["fields"][0][0] != "\u00e9".encode():
                c.fail("a latin-1 name is not read as its UTF-8")
            if c.failed == before:
                c.passed += 1
    finally:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    for f in c.failures:
        print("FAIL", f)
    print(f"npy against numpy {np.__version__}: {written} written files, {mutated} mutated headers, "
          f"{c.scans} field scans, {c.lenient_refusals} forms numpy never writes refused (allowed)")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(run())
