/*
 * numpy's .npy header: the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0),
 * the header's length (2 bytes in 1.0, 4 after; little-endian), then a
 * Python dict literal with exactly the keys 'descr', 'fortran_order' and
 * 'shape', padded with spaces and a newline. The data follows the header.
 *
 * numpy reads the dict with ast.literal_eval, checks that its keys are
 * exactly those three, that shape is a tuple of integers and fortran_order
 * a bool, and builds the dtype with numpy.lib.format.descr_to_dtype. This
 * file follows that path with a small recursive-descent parser of the
 * literals numpy writes (npy_literal.c), keys in any order, never assuming
 * padding or alignment. A structured descr is a list of (name, descr[,
 * shape]) tuples, name possibly a (title, name) pair, descr possibly a
 * nested list; fields are packed in order, as descr_to_dtype packs them;
 * a field named '' of a void type is padding. Nested fields are flattened
 * into dotted names spelled as npy_name.c says. What numpy refuses is
 * refused with numpy's reason: a name or title used twice in one struct,
 * a type numpy does not know, a shape that is not a tuple of whole numbers.
 */
#include "parse.h"

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

/* ---- the dict ---- */

typedef struct header_parser {
    ms_npy_text t;
    mapscan_npy_header *h;
    size_t fields_room;
} header_parser;

/* The names and titles of one struct's fields: numpy refuses one used
 * twice. Each is kept with a tag byte, 's' for a string, 'i' for an
 * integer title. */
typedef struct used_names {
    char **items;
    size_t *lens;
    size_t n, room;
} used_names;

static void used_names_free(used_names *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->items[i]);
    free(u->items);
    free(u->lens);
}

/* Adds tag + name; false (with a failure) when it is there already. */
static bool use_name(header_parser *hp, used_names *u, char tag, const char *name, size_t len, const char *what)
{
    for (size_t i = 0; i < u->n; i++)
        if (u->lens[i] == len + 1 && u->items[i][0] == tag && memcmp(u->items[i] + 1, name, len) == 0)
            return ms_npy_fail(&hp->t, what);
    if (u->n == u->room) {
        size_t room = u->room ? 2 * u->room : 8;
        char **items = realloc(u->items, room * sizeof *items);
        if (items)
            u->items = items;
        size_t *lens = realloc(u->lens, room * sizeof *lens);
        if (lens)
            u->lens = lens;
        if (!items || !lens)
            return ms_npy_fail(&hp->t, "out of memory");
        u->room = room;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return ms_npy_fail(&hp->t, "out of memory");
    copy[0] = tag;
    memcpy(copy + 1, name, len);
    u->items[u->n] = copy;
    u->lens[u->n++] = len + 1;
    return true;
}

/* (d0, d1, ...) with an optional trailing comma; () is a 0-d shape. A
 * header's shape must be a tuple, so (3) (the number 3) is refused there;
 * a field's shape may be a number, as numpy.dtype((t, 3)) takes it. */
static bool parse_shape(header_parser *hp, bool tuple_only, unsigned *ndim, uint64_t *dims, uint64_t *product)
{
    ms_npy_text *t = &hp->t;
    *ndim = 0;
    *product = 1;
    if (!ms_npy_take(t, '(')) {
        if (tuple_only)
            return ms_npy_fail(t, "a shape tuple expected");
        if (!ms_npy_uint(t, &dims[0]))
            return false;
        *product = dims[0];
        *ndim = dims[0] == 1 ? 0 : 1;   /* numpy reads (t, 1) as t itself */
        return true;
    }
    bool comma = false;
    while (!ms_npy_take(t, ')')) {
        if (*ndim == MAPSCAN_NPY_MAX_DIMS)
            return ms_npy_fail(t, "more dimensions than numpy allows");
        uint64_t d = 0;
        if (!ms_npy_uint(t, &d))
            return false;
        dims[(*ndim)++] = d;
        if (d && *product > UINT64_MAX / d)
            return ms_npy_fail(t, "a shape whose product does not fit 64 bits");
        *product *= d;
        comma = ms_npy_take(t, ',');
        if (!comma && !ms_npy_peek(t, ')'))
            return ms_npy_fail(t, "',' or ')' expected in a shape");
    }
    if (*ndim == 1 && !comma && tuple_only)
        return ms_npy_fail(t, "a shape that is a number, not a tuple (numpy writes (N,))");
    return true;
}

static bool add_field(header_parser *hp, char *spelled, uint64_t offset, uint64_t size, uint64_t count,
                      const char *descr, const ms_npy_dtype *d)
{
    mapscan_npy_header *h = hp->h;
    if (h->nfields == hp->fields_room) {
        size_t room = hp->fields_room ? 2 * hp->fields_room : 8;
        mapscan_npy_field *grown = realloc(h->fields, room * sizeof *grown);
        if (!grown)
            return ms_npy_fail(&hp->t, "out of memory");
        h->fields = grown;
        hp->fields_room = room;
    }
    mapscan_npy_field *f = &h->fields[h->nfields++];
    memset(f, 0, sizeof *f);
    f->name = spelled;
    f->offset = offset;
    f->size = size;             /* all of a sub-array */
    f->count = count;
    snprintf(f->descr, sizeof f->descr, "%s", descr);
    f->is_integer = d->is_integer && count == 1;
    f->type = d->type;
    f->endian = d->endian;
    return true;
}

/* Forgets the fields from first on (those of a struct that is padding). */
static void drop_fields(mapscan_npy_header *h, size_t first)
{
    while (h->nfields > first)
        free(h->fields[--h->nfields].name);
}

/* The dotted name: the parent's spelling and a dot, then this name's. */
static char *full_name(header_parser *hp, const char *prefix, const char *name, size_t len)
{
    char *spelled = ms_npy_spell(name, len);
    char *full = spelled ? malloc(strlen(prefix) + strlen(spelled) + 1) : NULL;
    if (full)
        strcat(strcpy(full, prefix), spelled);
    free(spelled);
    if (!full)
        ms_npy_fail(&hp->t, "out of memory");
    return full;
}

/* A field's title: a string, or a number, tagged 's' or 'i' (numpy tells
 * the title 1 from the title '1'). */
typedef struct field_title {
    char *text;
    size_t len;
    char tag;
    char number[24];
} field_title;

/* A field's name: 'name', or ('title', 'name'). */
static bool parse_field_name(header_parser *hp, field_title *title, char **name, size_t *len)
{
    ms_npy_text *t = &hp->t;
    memset(title, 0, sizeof *title);
    if (!ms_npy_take(t, '('))
        return ms_npy_string(t, name, len);
    title->tag = 's';
    if (ms_npy_at_string(t)) {
        if (!ms_npy_string(t, &title->text, &title->len))
            return false;
    } else {
        uint64_t v;
        if (!ms_npy_uint(t, &v))
            return ms_npy_fail(t, "a title that is not a string or a number");
        title->len = (size_t)snprintf(title->number, sizeof title->number, "%llu", (unsigned long long)v);
        title->tag = 'i';
    }
    if (!ms_npy_take(t, ',') || !ms_npy_string(t, name, len) || !ms_npy_take(t, ')'))
        return ms_npy_fail(t, "a (title, name) pair expected");
    return true;
}

/* numpy enters a field's name, then its title, among those of its struct. */
static bool use_field_names(header_parser *hp, used_names *used, const char *name, size_t len,
                            const field_title *title)
{
    if (!use_name(hp, used, 's', name, len, "name already used as a name or title"))
        return false;
    return !title->tag || use_name(hp, used, title->tag, title->text ? title->text : title->number, title->len,
                                   "title already used as a name or title");
}

static bool parse_descr_list(header_parser *hp, const char *prefix, uint64_t base, uint64_t *size, int depth);

/* A field being read: its name, type and shape as they come. */
typedef struct field_parts {
    char *name, *full, *descr;
    size_t name_len;
    field_title title;
    bool nested;
    ms_npy_dtype d;
    uint64_t size, count;       /* bytes (all of a sub-array), elements */
    bool subarray;              /* a shape other than () and 1 */
    size_t first_nested;        /* its nested fields: h->fields[first_nested..] */
} field_parts;

/* The field's type: a nested list of fields (flattened under its name) or
 * a type string. */
static bool parse_field_type(header_parser *hp, field_parts *f, uint64_t at, int depth)
{
    ms_npy_text *t = &hp->t;
    f->first_nested = hp->h->nfields;
    f->nested = ms_npy_peek(t, '[');
    if (f->nested) {
        char *nested_prefix = malloc(strlen(f->full) + 2);
        if (!nested_prefix)
            return ms_npy_fail(t, "out of memory");
        strcat(strcpy(nested_prefix, f->full), ".");
        bool ok = parse_descr_list(hp, nested_prefix, at, &f->size, depth + 1);
        free(nested_prefix);
        return ok;
    }
    size_t descr_len;
    const char *why;
    if (!ms_npy_string(t, &f->descr, &descr_len))
        return false;
    if (!ms_npy_dtype_parse(f->descr, &f->d, &why)) {
        char what[120];
        snprintf(what, sizeof what, "'%.40s' is %s", f->descr, why);
        return ms_npy_fail(t, what);
    }
    f->size = f->d.size;
    return true;
}

/* An optional shape after the type, and the field's end. */
static bool parse_field_shape(header_parser *hp, field_parts *f, char close)
{
    ms_npy_text *t = &hp->t;
    f->count = 1;
    if (ms_npy_take(t, ',') && !ms_npy_peek(t, close)) {
        unsigned ndim;
        uint64_t dims[MAPSCAN_NPY_MAX_DIMS];
        if (!parse_shape(hp, false, &ndim, dims, &f->count))
            return false;
        f->subarray = ndim > 0;
        if (f->count && f->size > UINT64_MAX / f->count)
            return ms_npy_fail(t, "a sub-array too large");
        f->size *= f->count;
        ms_npy_take(t, ',');
    }
    if (!ms_npy_take(t, close))
        return ms_npy_fail(t, "the end of a field expected (a field is (name, type) or (name, type, shape))");
    return true;
}

/* The field read, entered as numpy would: padding dropped, names checked,
 * the fields of a sub-array of structs counted as several per record. */
static bool enter_field(header_parser *hp, used_names *used, field_parts *f, uint64_t at)
{
    /* numpy's padding: a plain name '' whose type is a void scalar or any
     * sub-array (numpy.dtype((t, shape)) is a void type without names) */
    bool padding = f->name_len == 0 && !f->title.tag && ((!f->nested && f->d.kind == 'V') || f->subarray);
    if (padding)
        drop_fields(hp->h, f->first_nested);
    else if (!use_field_names(hp, used, f->name, f->name_len, &f->title))
        return false;
    for (size_t i = f->first_nested; i < hp->h->nfields; i++) {
        mapscan_npy_field *inner = &hp->h->fields[i];
        inner->count *= f->count;
        inner->is_integer = inner->is_integer && inner->count == 1;
    }
    if (padding || f->nested)
        return true;
    if (!add_field(hp, f->full, at, f->size, f->count, f->descr, &f->d))
        return false;
    f->full = NULL;     /* the field owns it now */
    return true;
}

/* One field: (name, descr[, shape]); a list in place of the tuple too. */
static bool parse_field(header_parser *hp, used_names *used, const char *prefix, uint64_t base, uint64_t *offset,
                        int depth)
{
    ms_npy_text *t = &hp->t;
    char close = ms_npy_take(t, '(') ? ')' : ms_npy_take(t, '[') ? ']' : '\0';
    if (!close)
        return ms_npy_fail(t, "a field tuple expected");
    field_parts f;
    memset(&f, 0, sizeof f);
    bool ok = parse_field_name(hp, &f.title, &f.name, &f.name_len) &&
              (ms_npy_take(t, ',') || ms_npy_fail(t, "',' expected after a field name")) &&
              (f.full = full_name(hp, prefix, f.name, f.name_len)) != NULL &&
              parse_field_type(hp, &f, base + *offset, depth) && parse_field_shape(hp, &f, close) &&
              enter_field(hp, used, &f, base + *offset);
    if (ok && *offset > UINT64_MAX - f.size)
        ok = ms_npy_fail(t, "a record too large");
    if (ok)
        *offset += f.size;
    free(f.title.text);
    free(f.name);
    free(f.full);
    free(f.descr);
    return ok;
}

static bool parse_descr_list(header_parser *hp, const char *prefix, uint64_t base, uint64_t *size, int depth)
{
    ms_npy_text *t = &hp->t;
    if (depth > 32)
        return ms_npy_fail(t, "fields nested too deeply");
    if (!ms_npy_take(t, '['))
        return ms_npy_fail(t, "a list of fields expected");
    used_names used = { 0 };
    uint64_t offset = 0;
    bool ok = true;
    while (ok && !ms_npy_take(t, ']')) {
        ok = parse_field(hp, &used, prefix, base, &offset, depth);
        if (ok && !ms_npy_take(t, ',') && !ms_npy_peek(t, ']'))
            ok = ms_npy_fail(t, "',' or ']' expected in the list of fields");
    }
    used_names_free(&used);
    *size = offset;
    return ok;
}

static bool parse_descr(header_parser *hp)
{
    mapscan_npy_header *h = hp->h;
    ms_npy_text *t = &hp->t;
    if (ms_npy_peek(t, '[')) {
        h->structured = true;
        return parse_descr_list(hp, "", 0, &h->itemsize, 0);
    }
    if (ms_npy_peek(t, '('))
        return ms_npy_fail(t, "a sub-array dtype as the whole descr (numpy writes its shape into 'shape')");
    char *descr;
    size_t len;
    if (!ms_npy_string(t, &descr, &len))
        return false;
    ms_npy_dtype d;
    const char *why;
    bool ok = ms_npy_dtype_parse(descr, &d, &why);
    if (!ok) {
        char what[120];
        snprintf(what, sizeof what, "'%.40s' is %s", descr, why);
        ms_npy_fail(t, what);
    }
    snprintf(h->descr, sizeof h->descr, "%s", descr);
    free(descr);
    h->itemsize = d.size;
    h->is_integer = d.is_integer;
    h->type = d.type;
    h->endian = d.endian;
    return ok;
}

static bool parse_bool(ms_npy_text *t, bool *v)
{
    ms_npy_skip_space(t);
    size_t left = (size_t)(t->end - t->p);
    if (left >= 4 && memcmp(t->p, "True", 4) == 0) {
        *v = true;
        t->p += 4;
        return true;
    }
    if (left >= 5 && memcmp(t->p, "False", 5) == 0) {
        *v = false;
        t->p += 5;
        return true;
    }
    return ms_npy_fail(t, "True or False expected");
}

static bool parse_value(header_parser *hp, const char *key, bool seen[3])
{
    mapscan_npy_header *h = hp->h;
    int which = strcmp(key, "descr") == 0 ? 0 : strcmp(key, "fortran_order") == 0 ? 1
              : strcmp(key, "shape") == 0 ? 2 : -1;
    if (which < 0)
        return ms_npy_fail(&hp->t, "a key other than descr, fortran_order and shape");
    if (seen[which])
        return ms_npy_fail(&hp->t, "a key given twice");
    seen[which] = true;
    if (which == 0)
        return parse_descr(hp);
    if (which == 1)
        return parse_bool(&hp->t, &h->fortran_order);
    return parse_shape(hp, true, &h->ndim, h->shape, &h->count);
}

static bool parse_dict(header_parser *hp)
{
    mapscan_npy_header *h = hp->h;
    ms_npy_text *t = &hp->t;
    bool seen[3] = { false, false, false };
    if (!ms_npy_take(t, '{'))
        return ms_npy_fail(t, "'{' expected");
    while (!ms_npy_take(t, '}')) {
        char *key;
        size_t len;
        if (!ms_npy_at_string(t))
            return ms_npy_fail(t, "a 'key': value pair expected");
        if (!ms_npy_string(t, &key, &len))
            return false;
        bool ok = ms_npy_take(t, ':') ? parse_value(hp, key, seen) : ms_npy_fail(t, "':' expected after a key");
        free(key);
        if (!ok)
            return false;
        if (!ms_npy_take(t, ',') && !ms_npy_peek(t, '}'))
            return ms_npy_fail(t, "',' or '}' expected");
    }
    ms_npy_skip_space(t);
    if (t->p != t->end)
        return ms_npy_fail(t, "text after the dict");
    if (!seen[0] || !seen[1] || !seen[2])
        return ms_npy_fail(t, "a missing key (descr, fortran_order and shape are needed)");
    if (h->count && h->itemsize > UINT64_MAX / h->count)
        return ms_npy_fail(t, "data larger than 64 bits can count");
    return true;
}

/* numpy decodes a 3.0 header as UTF-8 before reading it, and Python reads
 * no NUL byte in source text. */
static bool check_text(ms_npy_text *t)
{
    for (const char *p = t->start; p < t->end;) {
        uint32_t cp;
        size_t len = t->major >= 3 ? ms_npy_utf8_at(p, t->end, &cp) : 1;
        if (*p == '\0') {
            t->p = p;
            return ms_npy_fail(t, "a NUL byte");
        }
        if (len == 0) {
            t->p = p;
            return ms_npy_fail(t, "a byte that is not UTF-8 (a version 3.0 header is UTF-8)");
        }
        p += len;
    }
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
    header_parser hp = { { text, text, (const char *)p + size, h->major, error, false }, h, 0 };
    if (!check_text(&hp.t) || !parse_dict(&hp)) {
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
    const mapscan_npy_field *found, *second;
    size_t others;
    ms_npy_lookup(h, name, &found, &second, &others);
    return others ? NULL : found;
}

size_t ms_npy_header_write(unsigned char *buf, size_t room, mapscan_type type, mapscan_endian endian, uint64_t count)
{
    char dict[160];
    char order = mapscan_type_size(type) == 1 ? '|' : mapscan_endian_resolve(endian) == MAPSCAN_BIG ? '>' : '<';
    char kind = mapscan_type_is_float(type) ? 'f' : mapscan_type_is_signed(type) ? 'i' : 'u';
    if (type == MAPSCAN_BF16)
        return 0;                   /* numpy has no code for it */
    int n = snprintf(dict, sizeof dict, "{'descr': '%c%c%zu', 'fortran_order': False, 'shape': (%llu,), }", order,
                     kind, mapscan_type_size(type), (unsigned long long)count);
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
