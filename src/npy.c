/*
 * numpy's .npy header: the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0),
 * the header's length (2 bytes in 1.0, 4 after; little-endian), then a
 * Python dict literal with exactly the keys 'descr', 'fortran_order' and
 * 'shape', padded with spaces and a newline. The data follows the header.
 *
 * The dict is read by a small recursive-descent parser of just the literals
 * numpy writes (strings, integers, True/False, tuples, lists, one dict),
 * keys in any order, never assuming padding or alignment. A structured
 * descr is a list of (name, descr[, shape]) tuples, name possibly a
 * (title, name) pair, descr possibly a nested list; fields are packed in
 * order, as numpy's descr_to_dtype packs them, and padding comes as fields
 * named ''. Nested fields are flattened into dotted names.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

bool mapscan_npy_is_magic(const void *buf, size_t len)
{
    return len >= sizeof magic && memcmp(buf, magic, sizeof magic) == 0;
}

mapscan_status mapscan_npy_header_size(const void *buf, size_t len, uint64_t *size, mapscan_error *error)
{
    const unsigned char *p = buf;
    if (!mapscan_npy_is_magic(buf, len))
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, "not a .npy file (no \\x93NUMPY magic)");
    if (len < 10)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header cut short (%zu bytes)", len);
    unsigned major = p[6], minor = p[7];
    if ((major < 1 || major > 3) || minor != 0)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy version %u.%u is not 1.0, 2.0 or 3.0", major, minor);
    uint64_t text;
    size_t prefix = major == 1 ? 10 : 12;
    if (len < prefix)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header cut short (%zu bytes)", len);
    if (major == 1)
        text = (uint64_t)p[8] | (uint64_t)p[9] << 8;
    else
        text = (uint64_t)p[8] | (uint64_t)p[9] << 8 | (uint64_t)p[10] << 16 | (uint64_t)p[11] << 24;
    if (text > MAPSCAN_NPY_MAX_HEADER)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0,
                       ".npy header of %llu bytes is past numpy's limit of %d (max_header_size)",
                       (unsigned long long)text, MAPSCAN_NPY_MAX_HEADER);
    *size = prefix + text;
    return MAPSCAN_OK;
}

/* ---- the literal parser ---- */

typedef struct parser {
    const char *start, *p, *end;
    mapscan_npy_header *h;
    mapscan_error *error;
    bool failed;
    size_t fields_room;
} parser;

static bool fail(parser *ps, const char *what)
{
    if (!ps->failed)
        ms_fail(ps->error, MAPSCAN_E_FORMAT, 0, ".npy header: %s at byte %zu of the dict", what,
                (size_t)(ps->p - ps->start));
    ps->failed = true;
    return false;
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool take(parser *ps, char c)
{
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static bool peek(parser *ps, char c)
{
    skip_space(ps);
    return ps->p < ps->end && *ps->p == c;
}

/* A quoted string into buf (cut at room - 1 bytes); escapes take the next
 * character as it is. */
static bool parse_string(parser *ps, char *buf, size_t room)
{
    skip_space(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
        return fail(ps, "a string expected");
    char quote = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != quote) {
        if (*ps->p == '\\' && ps->p + 1 < ps->end)
            ps->p++;
        if (n + 1 < room)
            buf[n++] = *ps->p;
        ps->p++;
    }
    if (ps->p >= ps->end)
        return fail(ps, "an unterminated string");
    ps->p++;
    buf[n] = '\0';
    return true;
}

static bool parse_uint(parser *ps, uint64_t *v)
{
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '-')
        return fail(ps, "a negative dimension");
    if (ps->p >= ps->end || !isdigit((unsigned char)*ps->p))
        return fail(ps, "a whole number expected");
    uint64_t x = 0;
    for (; ps->p < ps->end && isdigit((unsigned char)*ps->p); ps->p++) {
        unsigned d = (unsigned)(*ps->p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return fail(ps, "a number too large");
        x = x * 10 + d;
    }
    if (ps->p < ps->end && (*ps->p == 'L' || *ps->p == 'l'))   /* Python 2's long */
        ps->p++;
    *v = x;
    return true;
}

/* (d0, d1, ...) with an optional trailing comma; () is a 0-d shape. */
static bool parse_shape(parser *ps, unsigned *ndim, uint64_t *dims, uint64_t *product)
{
    if (!take(ps, '('))
        return fail(ps, "a shape tuple expected");
    *ndim = 0;
    *product = 1;
    while (!take(ps, ')')) {
        if (*ndim == MAPSCAN_NPY_MAX_DIMS)
            return fail(ps, "more dimensions than numpy allows");
        uint64_t d = 0;
        if (!parse_uint(ps, &d))
            return false;
        dims[(*ndim)++] = d;
        if (d && *product > UINT64_MAX / d)
            return fail(ps, "a shape whose product does not fit 64 bits");
        *product *= d;
        if (!take(ps, ',') && !peek(ps, ')'))
            return fail(ps, "',' or ')' expected in a shape");
    }
    return true;
}

/* A type string: byte order, kind, size ("<i4", "|V7", "<U5", "<M8[ns]"). */
typedef struct dtype_info {
    uint64_t size;
    bool is_integer;
    mapscan_type type;
    mapscan_endian endian;
} dtype_info;

static bool parse_dtype_string(parser *ps, const char *s, dtype_info *info)
{
    memset(info, 0, sizeof *info);
    const char *k = s;
    mapscan_endian endian = MAPSCAN_NATIVE;
    if (*k == '<' || *k == '>' || *k == '|' || *k == '=')
        endian = *k == '<' ? MAPSCAN_LITTLE : *k == '>' ? MAPSCAN_BIG : MAPSCAN_NATIVE, k++;
    char kind = *k ? *k++ : '\0';
    if (!strchr("biufcmMOSaUV", kind) || kind == '\0') {
        char what[80];
        snprintf(what, sizeof what, "unknown type '%.40s'", s);
        return fail(ps, what);
    }
    if (kind == 'O')
        return fail(ps, "an object dtype (pickled, not raw data)");
    uint64_t n = 0;
    bool digits = false;
    for (; isdigit((unsigned char)*k); k++) {
        if (n > 1000000000)
            return fail(ps, "an item size too large");
        n = n * 10 + (uint64_t)(*k - '0');
        digits = true;
    }
    if ((kind == 'm' || kind == 'M') && *k == '[')
        k = strchr(k, ']') ? strchr(k, ']') + 1 : k;
    if (*k != '\0' || (!digits && kind != 'b') || (digits && n == 0 && kind != 'S' && kind != 'a' && kind != 'U' &&
                                                   kind != 'V')) {
        char what[80];
        snprintf(what, sizeof what, "malformed type '%.40s'", s);
        return fail(ps, what);
    }
    info->size = kind == 'U' ? 4 * n : digits ? n : 1;
    info->endian = endian;
    static const mapscan_type by_size[2][9] = {
        { [1] = MAPSCAN_I8, [2] = MAPSCAN_I16, [4] = MAPSCAN_I32, [8] = MAPSCAN_I64 },
        { [1] = MAPSCAN_U8, [2] = MAPSCAN_U16, [4] = MAPSCAN_U32, [8] = MAPSCAN_U64 },
    };
    if ((kind == 'i' || kind == 'u') && (n == 1 || n == 2 || n == 4 || n == 8)) {
        info->is_integer = true;
        info->type = by_size[kind == 'u'][n];
    }
    return true;
}

static bool add_field(parser *ps, const char *name, uint64_t offset, uint64_t size, const char descr[static 24],
                      const dtype_info *info, bool scalar)
{
    mapscan_npy_header *h = ps->h;
    if (h->nfields == ps->fields_room) {
        size_t room = ps->fields_room ? 2 * ps->fields_room : 8;
        mapscan_npy_field *grown = realloc(h->fields, room * sizeof *grown);
        if (!grown)
            return fail(ps, "out of memory");
        h->fields = grown;
        ps->fields_room = room;
    }
    mapscan_npy_field *f = &h->fields[h->nfields];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    if (!f->name)
        return fail(ps, "out of memory");
    h->nfields++;
    f->offset = offset;
    f->size = size;     /* all of a sub-array */
    strcpy(f->descr, descr);
    f->is_integer = info->is_integer && scalar;
    f->type = info->type;
    f->endian = info->endian;
    return true;
}

static bool parse_descr_list(parser *ps, const char *prefix, uint64_t base, uint64_t *size, int depth);

/* One field: (name, descr[, shape]); name may be (title, name). */
static bool parse_field(parser *ps, const char *prefix, uint64_t base, uint64_t *offset, int depth)
{
    char name[256], descr[sizeof ps->h->descr];
    if (!take(ps, '('))
        return fail(ps, "a field tuple expected");
    if (take(ps, '(')) {
        char title[256];
        if (!parse_string(ps, title, sizeof title) || !take(ps, ',') || !parse_string(ps, name, sizeof name) ||
            !take(ps, ')'))
            return fail(ps, "a (title, name) pair expected");
    } else if (!parse_string(ps, name, sizeof name)) {
        return false;
    }
    if (!take(ps, ','))
        return fail(ps, "',' expected after a field name");
    char full[1024];      /* the dotted name, and room for one more dot */
    size_t prefix_len = strlen(prefix), name_len = strlen(name);
    if (prefix_len + name_len + 2 > sizeof full)
        return fail(ps, "a nested field name too long");
    memcpy(full, prefix, prefix_len);
    memcpy(full + prefix_len, name, name_len + 1);
    uint64_t size = 0;
    bool nested = peek(ps, '[');
    dtype_info info;
    if (nested) {
        strcat(full, ".");
        if (!parse_descr_list(ps, full, base + *offset, &size, depth + 1))
            return false;
    } else {
        if (!parse_string(ps, descr, sizeof descr) || !parse_dtype_string(ps, descr, &info))
            return false;
        size = info.size;
    }
    bool scalar = true;
    if (take(ps, ',') && !peek(ps, ')')) {
        unsigned ndim;
        uint64_t dims[MAPSCAN_NPY_MAX_DIMS], product;
        if (!parse_shape(ps, &ndim, dims, &product))
            return false;
        scalar = ndim == 0;
        if (product && size > UINT64_MAX / product)
            return fail(ps, "a sub-array too large");
        size *= product;
        take(ps, ',');
    }
    if (!take(ps, ')'))
        return fail(ps, "')' expected after a field");
    if (!nested && name[0] != '\0' && !add_field(ps, full, base + *offset, size, descr, &info, scalar))
        return false;
    if (*offset > UINT64_MAX - size)
        return fail(ps, "a record too large");
    *offset += size;
    return true;
}

static bool parse_descr_list(parser *ps, const char *prefix, uint64_t base, uint64_t *size, int depth)
{
    if (depth > 32)
        return fail(ps, "fields nested too deeply");
    if (!take(ps, '['))
        return fail(ps, "a list of fields expected");
    uint64_t offset = 0;
    while (!take(ps, ']')) {
        if (!parse_field(ps, prefix, base, &offset, depth))
            return false;
        if (!take(ps, ',') && !peek(ps, ']'))
            return fail(ps, "',' or ']' expected in the list of fields");
    }
    *size = offset;
    return true;
}

static bool parse_descr(parser *ps)
{
    mapscan_npy_header *h = ps->h;
    if (peek(ps, '[')) {
        h->structured = true;
        return parse_descr_list(ps, "", 0, &h->itemsize, 0);
    }
    dtype_info info;
    if (!parse_string(ps, h->descr, sizeof h->descr) || !parse_dtype_string(ps, h->descr, &info))
        return false;
    h->itemsize = info.size;
    h->is_integer = info.is_integer;
    h->type = info.type;
    h->endian = info.endian;
    return true;
}

static bool parse_bool(parser *ps, bool *v)
{
    skip_space(ps);
    size_t left = (size_t)(ps->end - ps->p);
    if (left >= 4 && memcmp(ps->p, "True", 4) == 0) {
        *v = true;
        ps->p += 4;
        return true;
    }
    if (left >= 5 && memcmp(ps->p, "False", 5) == 0) {
        *v = false;
        ps->p += 5;
        return true;
    }
    return fail(ps, "True or False expected");
}

static bool parse_dict(parser *ps)
{
    mapscan_npy_header *h = ps->h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    if (!take(ps, '{'))
        return fail(ps, "'{' expected");
    while (!take(ps, '}')) {
        char key[32];
        if (!parse_string(ps, key, sizeof key) || !take(ps, ':'))
            return fail(ps, "a 'key': value pair expected");
        bool *seen;
        bool ok;
        if (strcmp(key, "descr") == 0) {
            seen = &seen_descr;
            ok = parse_descr(ps);
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &seen_order;
            ok = parse_bool(ps, &h->fortran_order);
        } else if (strcmp(key, "shape") == 0) {
            seen = &seen_shape;
            ok = parse_shape(ps, &h->ndim, h->shape, &h->count);
        } else {
            return fail(ps, "a key other than descr, fortran_order and shape");
        }
        if (!ok)
            return false;
        if (*seen)
            return fail(ps, "a key given twice");
        *seen = true;
        if (!take(ps, ',') && !peek(ps, '}'))
            return fail(ps, "',' or '}' expected");
    }
    skip_space(ps);
    if (ps->p != ps->end)
        return fail(ps, "text after the dict");
    if (!seen_descr || !seen_order || !seen_shape)
        return fail(ps, "a missing key (descr, fortran_order and shape are needed)");
    if (h->count && h->itemsize > UINT64_MAX / h->count)
        return fail(ps, "data larger than 64 bits can count");
    return true;
}

mapscan_status mapscan_npy_parse(const void *buf, size_t len, mapscan_npy_header *h, mapscan_error *error)
{
    memset(h, 0, sizeof *h);
    uint64_t size = 0;
    mapscan_status s = mapscan_npy_header_size(buf, len, &size, error);
    if (s != MAPSCAN_OK)
        return s;
    if (size > len)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header of %llu bytes but only %zu there",
                       (unsigned long long)size, len);
    const unsigned char *p = buf;
    h->major = p[6];
    h->minor = p[7];
    h->data_offset = size;
    size_t prefix = h->major == 1 ? 10 : 12;
    const char *text = (const char *)p + prefix;
    parser ps = { text, text, (const char *)p + size, h, error, false, 0 };
    if (!parse_dict(&ps)) {
        mapscan_npy_free(h);
        return MAPSCAN_E_FORMAT;
    }
    return MAPSCAN_OK;
}

void mapscan_npy_free(mapscan_npy_header *h)
{
    for (size_t i = 0; i < h->nfields; i++)
        free(h->fields[i].name);
    free(h->fields);
    h->fields = NULL;
    h->nfields = 0;
}

const mapscan_npy_field *mapscan_npy_find_field(const mapscan_npy_header *h, const char *name)
{
    for (size_t i = 0; i < h->nfields; i++)
        if (strcmp(h->fields[i].name, name) == 0)
            return &h->fields[i];
    return NULL;
}

size_t ms_npy_header_write(unsigned char *buf, size_t room, mapscan_type type, mapscan_endian endian, uint64_t count)
{
    char dict[160];
    char order = mapscan_type_size(type) == 1 ? '|' : mapscan_endian_resolve(endian) == MAPSCAN_BIG ? '>' : '<';
    int n = snprintf(dict, sizeof dict, "{'descr': '%c%c%zu', 'fortran_order': False, 'shape': (%llu,), }", order,
                     mapscan_type_is_signed(type) ? 'i' : 'u', mapscan_type_size(type), (unsigned long long)count);
    /* As numpy pads: magic, version, length, dict, spaces and a newline
     * make a multiple of 64 bytes. Version 1.0: the dict is short. */
    size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
    if (n < 0 || total > room)
        return 0;
    memcpy(buf, magic, sizeof magic);
    buf[6] = 1;
    buf[7] = 0;
    size_t text = total - 10;
    buf[8] = (unsigned char)(text & 0xff);
    buf[9] = (unsigned char)(text >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}
