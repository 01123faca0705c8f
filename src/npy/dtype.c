/*
 * Type strings as numpy.dtype() reads them in a header. numpy writes
 * dtype.str ('<i4', '|u1', '<f8', '|S5', '<U3', '|V8', '<M8[ns]'), but it
 * reads anything numpy.dtype() takes: one-letter codes with or without a
 * byte order ('b', '<h', '>l', 'q'), and names without one ('int32',
 * 'float64'). The sizes are those of numpy on x86-64 Linux (C long and
 * intp are 8 bytes, long double 16). Comma-separated and sub-array strings
 * ('i4,i4', '(2,)i4') are dtypes numpy never writes as a header's string:
 * refused by name.
 */
#include "parse.h"

#include <ctype.h>
#include <string.h>

/* One-letter codes and what they stand for ("kind size"; size 0 for a
 * flexible type without a length). */
static const struct { char code; const char *spelled; } letters[] = {
    { '?', "b1" }, { 'b', "i1" }, { 'B', "u1" }, { 'h', "i2" }, { 'H', "u2" }, { 'i', "i4" }, { 'I', "u4" },
    { 'l', "i8" }, { 'L', "u8" }, { 'q', "i8" }, { 'Q', "u8" }, { 'p', "i8" }, { 'P', "u8" }, { 'e', "f2" },
    { 'f', "f4" }, { 'd', "f8" }, { 'g', "f16" }, { 'F', "c8" }, { 'D', "c16" }, { 'G', "c32" }, { 'c', "S1" },
    { 'S', "S0" }, { 'a', "S0" }, { 'U', "U0" }, { 'V', "V0" }, { 'M', "M8" }, { 'm', "m8" }, { 'O', "O8" },
};

/* numpy's type names (numpy.sctypeDict's words), taken without a byte order. */
static const struct { const char *name; const char *spelled; } names[] = {
    { "bool", "b1" }, { "bool8", "b1" }, { "bool_", "b1" },
    { "byte", "i1" }, { "int8", "i1" }, { "ubyte", "u1" }, { "uint8", "u1" },
    { "short", "i2" }, { "int16", "i2" }, { "ushort", "u2" }, { "uint16", "u2" },
    { "intc", "i4" }, { "int32", "i4" }, { "uintc", "u4" }, { "uint32", "u4" },
    { "int", "i8" }, { "int_", "i8" }, { "int0", "i8" }, { "int64", "i8" }, { "intp", "i8" }, { "long", "i8" },
    { "longlong", "i8" }, { "uint", "u8" }, { "uint0", "u8" }, { "uint64", "u8" }, { "uintp", "u8" },
    { "ulong", "u8" }, { "ulonglong", "u8" },
    { "half", "f2" }, { "float16", "f2" }, { "single", "f4" }, { "float32", "f4" }, { "double", "f8" },
    { "float", "f8" }, { "float_", "f8" }, { "float64", "f8" }, { "longdouble", "f16" }, { "longfloat", "f16" },
    { "float128", "f16" },
    { "csingle", "c8" }, { "singlecomplex", "c8" }, { "complex64", "c8" }, { "complex", "c16" },
    { "complex_", "c16" }, { "cdouble", "c16" }, { "cfloat", "c16" }, { "complex128", "c16" },
    { "clongdouble", "c32" }, { "clongfloat", "c32" }, { "longcomplex", "c32" }, { "complex256", "c32" },
    { "bytes", "S0" }, { "bytes0", "S0" }, { "bytes_", "S0" }, { "string_", "S0" },
    { "str", "U0" }, { "str0", "U0" }, { "str_", "U0" }, { "unicode", "U0" }, { "unicode_", "U0" },
    { "void", "V0" }, { "void0", "V0" },
    { "datetime64", "M8" }, { "timedelta64", "m8" },
    { "object", "O8" }, { "object0", "O8" }, { "object_", "O8" },
};

/* A datetime's unit in brackets: "[ns]", "[25s]", "[generic]". */
static bool datetime_unit(const char *s)
{
    static const char *units[] = { "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "\xce\xbcs", "ns", "ps", "fs",
                                   "as", "generic" };
    if (*s != '[')
        return false;
    s++;
    while (isdigit((unsigned char)*s))
        s++;
    const char *close = strchr(s, ']');
    if (!close || close[1] != '\0')
        return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i]) == (size_t)(close - s) && memcmp(units[i], s, (size_t)(close - s)) == 0)
            return true;
    return false;
}

/* A kind letter and a size in bytes ("i4", "S10", "U0", "M8[ns]"). */
static bool kind_and_size(const char *s, ms_npy_dtype *d)
{
    char kind = *s++;
    if (!kind || !strchr("biufcSaUVMmO", kind))
        return false;
    if (!isdigit((unsigned char)*s))
        return false;
    uint64_t n = 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (n > 1000000000)
            return false;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    bool ok;
    switch (kind) {
    case 'b': ok = n == 1; break;
    case 'i': case 'u': ok = n == 1 || n == 2 || n == 4 || n == 8; break;
    case 'f': ok = n == 2 || n == 4 || n == 8 || n == 16; break;
    case 'c': ok = n == 8 || n == 16 || n == 32; break;
    case 'M': case 'm': ok = n == 8 && (*s == '\0' || datetime_unit(s)); s += strlen(s); break;
    case 'O': ok = n == 8; break;
    default: ok = true; break;         /* S a U V: any length */
    }
    if (!ok || *s != '\0')
        return false;
    d->kind = kind == 'a' ? 'S' : kind;
    d->size = kind == 'U' ? 4 * n : n;
    return true;
}

static const char *letter_spelled(char c)
{
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (letters[i].code == c)
            return letters[i].spelled;
    return NULL;
}

/* The code after an optional byte order: "i4", "h", "M8[ns]". */
static bool type_code(const char *s, ms_npy_dtype *d)
{
    const char *spelled = s[0] ? letter_spelled(s[0]) : NULL;
    if (spelled && s[1] == '\0')
        return kind_and_size(spelled, d);
    return kind_and_size(s, d);
}

static bool type_name(const char *s, ms_npy_dtype *d)
{
    const char *unit = strchr(s, '[');
    size_t len = unit ? (size_t)(unit - s) : strlen(s);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && memcmp(names[i].name, s, len) == 0) {
            if (unit && !(names[i].spelled[0] == 'M' || names[i].spelled[0] == 'm'))
                return false;
            if (unit && !datetime_unit(unit))
                return false;
            return kind_and_size(names[i].spelled, d);
        }
    return false;
}

bool ms_npy_dtype_parse(const char *s, ms_npy_dtype *d, const char **why)
{
    memset(d, 0, sizeof *d);
    *why = NULL;
    if (strpbrk(s, ",() ") || isdigit((unsigned char)s[0])) {
        *why = "a comma-separated or sub-array type string (numpy writes these as lists)";
        return false;
    }
    char order = strchr("<>|=", s[0]) && s[0] ? s[0] : '\0';
    bool ok = order ? type_code(s + 1, d) : type_code(s, d) || type_name(s, d);
    if (!ok) {
        *why = "a type numpy does not know";
        return false;
    }
    if (d->kind == 'O') {
        *why = "an object dtype (pickled Python objects, not raw data)";
        return false;
    }
    d->endian = order == '<' ? MAPSCAN_LITTLE : order == '>' ? MAPSCAN_BIG : MAPSCAN_NATIVE;
    static const mapscan_type by_size[2][9] = {
        { [1] = MAPSCAN_I8, [2] = MAPSCAN_I16, [4] = MAPSCAN_I32, [8] = MAPSCAN_I64 },
        { [1] = MAPSCAN_U8, [2] = MAPSCAN_U16, [4] = MAPSCAN_U32, [8] = MAPSCAN_U64 },
    };
    d->type = MAPSCAN_TYPE_COUNT;
    if (d->kind == 'i' || d->kind == 'u') {
        d->is_integer = true;
        d->type = by_size[d->kind == 'u'][d->size];
    } else if (d->kind == 'f' && d->size <= 8) {     /* f16, numpy's long double, is not scanned */
        d->type = d->size == 2 ? MAPSCAN_F16 : d->size == 4 ? MAPSCAN_F32 : MAPSCAN_F64;
    }
    return true;
}
