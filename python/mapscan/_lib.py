"""The shared library, loaded (_find says from where) and described to ctypes.

The structures below mirror include/mapscan.h; at load,
their sizes are compared with the library's own (mapscan_struct_size), so
that a package and a library of different versions fail at import with a
clear message instead of corrupting memory."""

import ctypes

from . import _find

(OK, E_INVALID, E_OPEN, E_OFFSET, E_TRAILING, E_UNMAPPABLE, E_EXISTS, E_IO, E_CHANGED, E_NOSPACE, E_NOMEM,
 E_CANCELLED, E_FORMAT) = range(13)
TYPE_NAMES = ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f16", "bf16", "f32", "f64")
TYPE_SIZES = (1, 1, 2, 2, 4, 4, 8, 8, 2, 2, 4, 8)
FLOAT_TYPES = frozenset(range(8, 12))      # MAPSCAN_F16 ... MAPSCAN_F64
F64 = 11
EXACT_SUM_WORDS = 34
SQUARE_SUM_WORDS = 68
STAT_VAR, STAT_ARGMIN, STAT_ARGMAX, STAT_ALL = 1, 2, 4, 7      # mapscan_options.stats, extra.computed
MAX_QUANTILES = 64
MAX_BINS = 1 << 20
CHANNELS_AUTO = 0xFFFFFFFF      # mapscan_options.channels: the last axis of a .npy array, whatever it holds
MAX_COLUMNS = 4096
COLUMN_NAME_SIZE = 256
LITTLE, BIG, NATIVE = range(3)
BACKENDS = {"auto": 0, "mmap": 1, "read": 2, "direct": 3}
FORMATS = {"auto": 0, "raw": 1, "npy": 2}
PATTERNS = {"random": 0, "range": 1, "mod": 2, "seq": 3, "const": 4}

PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)


class Int128(ctypes.Structure):
    _fields_ = [("lo", ctypes.c_uint64), ("hi", ctypes.c_int64)]

    def value(self):
        return (self.hi << 64) | self.lo

    @classmethod
    def of(cls, value):
        """The two's-complement halves of a Python int from -2**127 to 2**127 - 1."""
        return cls(value & (2**64 - 1), value >> 64)


class Stats(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint64), ("min", Int128), ("max", Int128), ("sum", Int128)]


class ExactSum(ctypes.Structure):
    """mapscan_exact_sum: the finite values' sum in units of 2**-1074 (two's complement, least significant
    word first), and the infinities apart."""
    _fields_ = [("word", ctypes.c_uint64 * EXACT_SUM_WORDS), ("pos_inf", ctypes.c_bool), ("neg_inf", ctypes.c_bool)]

    def units(self):
        """The finite part as a Python int, in units of 2**-1074."""
        n = 0
        for i in reversed(range(EXACT_SUM_WORDS)):
            n = (n << 64) | self.word[i]
        return n - (1 << 64 * EXACT_SUM_WORDS) if n >> (64 * EXACT_SUM_WORDS - 1) else n

    def set_units(self, n):
        """Lays a Python int (in units of 2**-1074) into the words; False when it does not fit them."""
        bits = 64 * EXACT_SUM_WORDS
        if not -(1 << bits - 1) <= n < 1 << bits - 1:
            return False
        n &= (1 << bits) - 1
        for i in range(EXACT_SUM_WORDS):
            self.word[i] = (n >> 64 * i) & (2**64 - 1)
        return True


class FloatStats(ctypes.Structure):
    _fields_ = [("nan", ctypes.c_uint64), ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("sum", ctypes.c_double), ("mean", ctypes.c_double), ("exact", ExactSum)]


class SquareSum(ctypes.Structure):
    """mapscan_square_sum: the exact sum of the squares (a non-negative integer, least significant word first,
    in units of 1 for integers and 2**-2148 for floats), and whether an infinity was among the values."""
    _fields_ = [("word", ctypes.c_uint64 * SQUARE_SUM_WORDS), ("inf", ctypes.c_bool)]

    def value(self):
        n = 0
        for i in reversed(range(SQUARE_SUM_WORDS)):
            n = (n << 64) | self.word[i]
        return n

    def set_value(self, n):
        """Lays a non-negative Python int into the words; False when it does not fit them."""
        if not 0 <= n < 1 << 64 * SQUARE_SUM_WORDS:
            return False
        for i in range(SQUARE_SUM_WORDS):
            self.word[i] = (n >> 64 * i) & (2**64 - 1)
        return True


class ExtraStats(ctypes.Structure):
    """mapscan_extra_stats (0.6): what the options' stats, quantiles and histogram asked for."""
    _fields_ = [
        ("computed", ctypes.c_uint), ("ddof", ctypes.c_uint64), ("var", ctypes.c_double),
        ("std", ctypes.c_double), ("squares", SquareSum), ("argmin", ctypes.c_uint64),
        ("argmax", ctypes.c_uint64), ("origin", ctypes.c_uint64), ("origin_whole", ctypes.c_bool),
        ("nquantiles", ctypes.c_size_t), ("q", ctypes.c_double * MAX_QUANTILES),
        ("quantile", ctypes.c_double * MAX_QUANTILES), ("bins", ctypes.c_uint64), ("lo", ctypes.c_double),
        ("hi", ctypes.c_double), ("counts", ctypes.POINTER(ctypes.c_uint64)), ("below", ctypes.c_uint64),
        ("above", ctypes.c_uint64), ("ranged", ctypes.c_bool),
    ]


class Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("sys_errno", ctypes.c_int), ("message", ctypes.c_char * 256)]


class Options(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("type", ctypes.c_int), ("endian", ctypes.c_int), ("backend", ctypes.c_int), ("threads", ctypes.c_uint),
        ("offset", ctypes.c_uint64), ("length", ctypes.c_uint64), ("allow_trailing", ctypes.c_bool),
        ("kernel", ctypes.c_char_p), ("progress", PROGRESS), ("progress_arg", ctypes.c_void_p),
        ("cancel", ctypes.POINTER(ctypes.c_int)), ("format", ctypes.c_int), ("type_set", ctypes.c_bool),
        ("endian_set", ctypes.c_bool), ("field", ctypes.c_char_p), ("record_size", ctypes.c_uint64),
        ("field_offset", ctypes.c_uint64), ("io_depth", ctypes.c_uint), ("io_size", ctypes.c_uint64),
        ("result_size", ctypes.c_size_t),      # 0.5: sizeof(Result), set by options_init below
        # 0.6: the extra statistics; the arrays behind quantiles and histogram_counts are the caller's, held
        # (_options.Extra) until the call has returned. sync is mapscan-mpi's hook: always NULL here.
        ("stats", ctypes.c_uint), ("ddof", ctypes.c_uint64), ("nquantiles", ctypes.c_size_t),
        ("quantiles", ctypes.POINTER(ctypes.c_double)), ("histogram_bins", ctypes.c_uint64),
        ("histogram_counts", ctypes.POINTER(ctypes.c_uint64)), ("histogram_range", ctypes.c_bool),
        ("range_lo", ctypes.c_double), ("range_hi", ctypes.c_double), ("sync", ctypes.c_void_p),
        ("sync_arg", ctypes.c_void_p),
        # 0.7: several columns in one pass (channels: a number, or CHANNELS_AUTO; columns: a raw record's
        # "NAME:TYPE[@OFFSET],..." spec); the result then holds one Result per column
        ("channels", ctypes.c_uint), ("columns", ctypes.c_char_p),
    ]


class Result(ctypes.Structure):
    pass        # its fields below: columns points to Results


Result._fields_ = [
    ("stats", Stats), ("bytes", ctypes.c_uint64), ("seconds", ctypes.c_double), ("threads", ctypes.c_uint),
    ("backends", ctypes.c_uint), ("kernel", ctypes.c_char_p), ("format", ctypes.c_int), ("type", ctypes.c_int),
    ("endian", ctypes.c_int), ("record_size", ctypes.c_uint64), ("field_offset", ctypes.c_uint64),
    ("ndim", ctypes.c_uint), ("shape", ctypes.c_uint64 * 64),
    ("floats", FloatStats),                 # 0.5: a float type's statistics
    ("extra", ExtraStats), ("fortran_order", ctypes.c_bool),     # 0.6
    # 0.7: a scan of several columns: columns[0 .. ncolumns - 1], each a whole Result with its name in
    # column; the array (and its histograms' counts) is the library's until mapscan_result_free
    ("column", ctypes.c_char * COLUMN_NAME_SIZE), ("ncolumns", ctypes.c_size_t),
    ("columns", ctypes.POINTER(Result)),
]


class GenOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("type", ctypes.c_int), ("endian", ctypes.c_int), ("count", ctypes.c_uint64), ("pattern", ctypes.c_int),
        ("lo", Int128), ("hi", Int128), ("modulus", ctypes.c_uint64), ("seed", ctypes.c_uint64),
        ("threads", ctypes.c_uint), ("force", ctypes.c_bool), ("progress", PROGRESS),
        ("progress_arg", ctypes.c_void_p), ("cancel", ctypes.POINTER(ctypes.c_int)), ("format", ctypes.c_int),
        ("float_lo", ctypes.c_double), ("float_hi", ctypes.c_double), ("nan_rate", ctypes.c_double),
        ("inf_rate", ctypes.c_double),
    ]


lib, LIBRARY_PATH = _find.load()

_SIGNATURES = {
    "mapscan_version": (ctypes.c_char_p, []),
    "mapscan_struct_size": (ctypes.c_size_t, [ctypes.c_char_p]),
    "mapscan_options_init_sized": (None, [ctypes.POINTER(Options), ctypes.c_size_t]),
    "mapscan_gen_options_init_sized": (None, [ctypes.POINTER(GenOptions), ctypes.c_size_t]),
    "mapscan_scan_path": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(Options), ctypes.POINTER(Result),
                                         ctypes.POINTER(Error)]),
    "mapscan_scan_memory": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(Options),
                                           ctypes.POINTER(Result), ctypes.POINTER(Error)]),
    "mapscan_generate": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(GenOptions), ctypes.POINTER(Result),
                                        ctypes.POINTER(Error)]),
    "mapscan_pattern_parse": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(GenOptions), ctypes.POINTER(Error)]),
    "mapscan_result_merge": (None, [ctypes.POINTER(Result), ctypes.POINTER(Result)]),
    "mapscan_backends_name": (ctypes.c_char_p, [ctypes.c_uint]),
    "mapscan_status_is_input_error": (ctypes.c_bool, [ctypes.c_int]),
    "mapscan_kernel_available": (ctypes.c_bool, [ctypes.c_char_p]),
    "mapscan_type_is_float": (ctypes.c_bool, [ctypes.c_int]),
    "mapscan_histogram_edge": (ctypes.c_double, [ctypes.c_double, ctypes.c_double, ctypes.c_uint64,
                                                 ctypes.c_uint64]),
    "mapscan_unravel": (ctypes.c_uint, [ctypes.POINTER(Result), ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64)]),
    "mapscan_result_free": (None, [ctypes.POINTER(Result)]),
    "mapscan_result_copy": (ctypes.c_int, [ctypes.POINTER(Result), ctypes.POINTER(Result), ctypes.POINTER(Error)]),
    "mapscan_text_escape": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                              ctypes.c_char_p]),
}
for _name, (_restype, _argtypes) in _SIGNATURES.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        raise ImportError(f"mapscan: {LIBRARY_PATH} has no {_name}: a library older than this package") from None
    _fn.restype = _restype
    _fn.argtypes = _argtypes

for _struct, _c_name in ((Options, b"options"), (Result, b"result"), (GenOptions, b"gen_options"),
                         (Error, b"error")):
    if lib.mapscan_struct_size(_c_name) != ctypes.sizeof(_struct):
        raise ImportError(f"mapscan: {LIBRARY_PATH} lays out mapscan_{_c_name.decode()} in "
                          f"{lib.mapscan_struct_size(_c_name)} bytes, this package in {ctypes.sizeof(_struct)}: "
                          "the library and the package are of different versions")

VERSION = lib.mapscan_version().decode()


def options_init():
    """A mapscan_options with the library's defaults, as mapscan_options_init does it in C: struct_size and
    result_size are this package's sizes (the library then writes a whole Result, floats included)."""
    o = Options()
    lib.mapscan_options_init_sized(ctypes.byref(o), ctypes.sizeof(o))
    o.result_size = ctypes.sizeof(Result)
    return o
