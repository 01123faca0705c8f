#include "common.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    const char *numpy;
    size_t size;
    bool is_signed, is_float;
} type_info[MAPSCAN_TYPE_COUNT] = {
    [MAPSCAN_I8] = { "i8", "int8", 1, true, false },
    [MAPSCAN_U8] = { "u8", "uint8", 1, false, false },
    [MAPSCAN_I16] = { "i16", "int16", 2, true, false },
    [MAPSCAN_U16] = { "u16", "uint16", 2, false, false },
    [MAPSCAN_I32] = { "i32", "int32", 4, true, false },
    [MAPSCAN_U32] = { "u32", "uint32", 4, false, false },
    [MAPSCAN_I64] = { "i64", "int64", 8, true, false },
    [MAPSCAN_U64] = { "u64", "uint64", 8, false, false },
    [MAPSCAN_F16] = { "f16", "float16", 2, true, true },
    [MAPSCAN_BF16] = { "bf16", "bfloat16", 2, true, true },
    [MAPSCAN_F32] = { "f32", "float32", 4, true, true },
    [MAPSCAN_F64] = { "f64", "float64", 8, true, true },
};

size_t mapscan_type_size(mapscan_type type) { return type_info[type].size; }
bool mapscan_type_is_signed(mapscan_type type) { return type_info[type].is_signed; }
bool mapscan_type_is_float(mapscan_type type) { return (unsigned)type < MAPSCAN_TYPE_COUNT && type_info[type].is_float; }
const char *mapscan_type_name(mapscan_type type) { return type_info[type].name; }

mapscan_int128 mapscan_type_min(mapscan_type type)
{
    if (!type_info[type].is_signed || type_info[type].is_float)
        return ms_to_int128(0);
    return ms_to_int128(-((ms_i128)1 << (8 * type_info[type].size - 1)));
}

mapscan_int128 mapscan_type_max(mapscan_type type)
{
    if (type_info[type].is_float)
        return ms_to_int128(0);
    unsigned bits = 8 * (unsigned)type_info[type].size - (type_info[type].is_signed ? 1 : 0);
    return ms_to_int128(((ms_i128)1 << bits) - 1);
}

static bool find_by_kind_and_size(char kind, size_t size, mapscan_type *type)
{
    for (int t = 0; t < MAPSCAN_TYPE_COUNT; t++) {
        bool is_float = kind == 'f';
        if (t == MAPSCAN_BF16 || type_info[t].size != size || type_info[t].is_float != is_float)
            continue;
        if (is_float || type_info[t].is_signed == (kind == 'i')) {
            *type = (mapscan_type)t;
            return true;
        }
    }
    return false;
}

bool mapscan_type_parse(const char *text, mapscan_type *type, mapscan_endian *endian,
                        bool *endian_given)
{
    mapscan_endian order = MAPSCAN_NATIVE;
    bool has_order = true;
    switch (text[0]) {
    case '<': order = MAPSCAN_LITTLE; break;
    case '>': order = MAPSCAN_BIG; break;
    case '=': case '|': order = MAPSCAN_NATIVE; break;
    default: has_order = false; break;
    }
    const char *name = has_order ? text + 1 : text;
    mapscan_type found = MAPSCAN_TYPE_COUNT;

    for (int t = 0; t < MAPSCAN_TYPE_COUNT; t++) {
        bool ours = !has_order && strcasecmp(name, type_info[t].name) == 0;
        if (ours || strcasecmp(name, type_info[t].numpy) == 0)
            found = (mapscan_type)t;
    }
    /* numpy's one-letter codes for its floats: e f d. */
    static const char float_codes[] = "efd";
    if (found == MAPSCAN_TYPE_COUNT && strlen(name) == 1 && strchr(float_codes, name[0]) && name[0])
        found = name[0] == 'e' ? MAPSCAN_F16 : name[0] == 'f' ? MAPSCAN_F32 : MAPSCAN_F64;
    /* numpy's kind-and-byte-count codes: i1 i2 i4 i8 u1 u2 u4 u8 f2 f4 f8.
     * Without a byte-order character "i8"/"u8" were taken above as 8-bit
     * names and "f16" as binary16 (with one, numpy's "f16" is a long
     * double: not known here). */
    if (found == MAPSCAN_TYPE_COUNT && strlen(name) == 2 && strchr("iuIUf", name[0]) &&
        strchr("1248", name[1])) {
        char kind = (char)tolower((unsigned char)name[0]);
        if (!find_by_kind_and_size(kind, (size_t)(name[1] - '0'), &found))
            found = MAPSCAN_TYPE_COUNT;
    }
    if (found == MAPSCAN_TYPE_COUNT)
        return false;
    *type = found;
    /* '|' means "order does not apply": only for one-byte types. */
    if (text[0] == '|' && type_info[found].size != 1)
        return false;
    /* A one-byte type has no byte order: '<u1' and '>u1' are the same type. */
    if (has_order && text[0] != '|' && type_info[found].size > 1) {
        *endian = order;
        *endian_given = true;
    }
    return true;
}

bool mapscan_endian_parse(const char *text, mapscan_endian *endian)
{
    if (strcasecmp(text, "little") == 0 || strcasecmp(text, "le") == 0)
        *endian = MAPSCAN_LITTLE;
    else if (strcasecmp(text, "big") == 0 || strcasecmp(text, "be") == 0)
        *endian = MAPSCAN_BIG;
    else if (strcasecmp(text, "native") == 0)
        *endian = MAPSCAN_NATIVE;
    else
        return false;
    return true;
}

mapscan_endian mapscan_endian_resolve(mapscan_endian endian)
{
    if (endian != MAPSCAN_NATIVE)
        return endian;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return MAPSCAN_BIG;
#else
    return MAPSCAN_LITTLE;
#endif
}

const char *mapscan_endian_name(mapscan_endian endian)
{
    return mapscan_endian_resolve(endian) == MAPSCAN_BIG ? "big" : "little";
}

bool mapscan_backend_parse(const char *text, mapscan_backend *backend)
{
    if (strcmp(text, "auto") == 0)
        *backend = MAPSCAN_BACKEND_AUTO;
    else if (strcmp(text, "mmap") == 0)
        *backend = MAPSCAN_BACKEND_MMAP;
    else if (strcmp(text, "read") == 0)
        *backend = MAPSCAN_BACKEND_READ;
    else if (strcmp(text, "direct") == 0)
        *backend = MAPSCAN_BACKEND_DIRECT;
    else
        return false;
    return true;
}

bool mapscan_size_parse(const char *text, uint64_t *bytes)
{
    static const struct { const char *suffix; uint64_t base; int power; } units[] = {
        { "", 1, 0 },
        { "K", 1024, 1 }, { "M", 1024, 2 }, { "G", 1024, 3 }, { "T", 1024, 4 },
        { "KiB", 1024, 1 }, { "MiB", 1024, 2 }, { "GiB", 1024, 3 }, { "TiB", 1024, 4 },
        { "KB", 1000, 1 }, { "MB", 1000, 2 }, { "GB", 1000, 3 }, { "TB", 1000, 4 },
        { "B", 1, 0 },
    };
    if (!isdigit((unsigned char)text[0]))
        return false;
    uint64_t value = 0;
    const char *p = text;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strcmp(p, units[u].suffix) != 0)
            continue;
        for (int i = 0; i < units[u].power; i++) {
            if (value > UINT64_MAX / units[u].base)
                return false;
            value *= units[u].base;
        }
        *bytes = value;
        return true;
    }
    return false;
}

bool mapscan_format_parse(const char *text, mapscan_format *format)
{
    static const char *names[] = { "auto", "raw", "npy" };
    for (int f = 0; f < 3; f++)
        if (strcmp(text, names[f]) == 0) {
            *format = (mapscan_format)f;
            return true;
        }
    return false;
}

const char *mapscan_format_name(mapscan_format format)
{
    return format == MAPSCAN_FORMAT_NPY ? "npy" : format == MAPSCAN_FORMAT_RAW ? "raw" : "auto";
}

const char *mapscan_version(void)
{
    return MAPSCAN_VERSION;
}

size_t mapscan_struct_size(const char *name)
{
    if (strcmp(name, "options") == 0)
        return sizeof(mapscan_options);
    if (strcmp(name, "result") == 0)
        return sizeof(mapscan_result);
    if (strcmp(name, "gen_options") == 0)
        return sizeof(mapscan_gen_options);
    if (strcmp(name, "error") == 0)
        return sizeof(mapscan_error);
    return 0;
}
