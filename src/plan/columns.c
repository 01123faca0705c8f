/*
 * Which columns a scan of several reads, from the options and a .npy
 * header: a structured dtype's fields (a list, or "all"), the last axis of
 * an array of 2 or more dimensions (channels; C order interleaves them, a
 * Fortran-order array holds each as one contiguous run), rows of a raw
 * file's channels, or a raw record's columns of mixed types ("NAME:TYPE[@
 * OFFSET],..."). Each column becomes a name, a type and byte order, and an
 * offset in the record; layout.c makes the record the unit.
 */
#include "plan.h"
#include "../npy/npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A name that is one field exactly is that field alone (0.2's --field);
 * anything else that names fields, or "all", is a list. */
static bool is_field_list(const mapscan_options *o, const mapscan_npy_header *h)
{
    if (!o->field || !h || !h->structured)
        return false;
    const mapscan_npy_field *f, *second;
    size_t others;
    ms_npy_lookup(h, o->field, &f, &second, &others);
    if (f)
        return false;
    return strcmp(o->field, "all") == 0 || strchr(o->field, ',') != NULL || strchr(o->field, '[') != NULL;
}

bool ms_columns_asked(const mapscan_options *o, const mapscan_npy_header *h)
{
    return o->channels || o->columns || is_field_list(o, h);
}

static mapscan_status too_many(mapscan_error *error, uint64_t n)
{
    return ms_fail(error, MAPSCAN_E_INVALID, 0, "%llu columns: at most %d", (unsigned long long)n,
                   MAPSCAN_MAX_COLUMNS);
}

/* Appends a column (the array grows by doubling); its name from fmt. */
static mapscan_status add(ms_layout *l, size_t *room, mapscan_type type, mapscan_endian endian, uint64_t offset,
                          mapscan_error *error, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static mapscan_status add(ms_layout *l, size_t *room, mapscan_type type, mapscan_endian endian, uint64_t offset,
                          mapscan_error *error, const char *fmt, ...)
{
    if (l->ncolumns == MAPSCAN_MAX_COLUMNS)
        return too_many(error, (uint64_t)l->ncolumns + 1);
    if (l->ncolumns == *room) {
        size_t more = *room ? 2 * *room : 16;
        ms_column *grown = realloc(l->columns, more * sizeof *grown);
        if (!grown)
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for %zu columns", more);
        l->columns = grown;
        *room = more;
    }
    ms_column *c = &l->columns[l->ncolumns];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(c->name, sizeof c->name, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof c->name)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a column name of %d bytes: at most %d", len,
                       MAPSCAN_COLUMN_NAME_SIZE - 1);
    for (size_t i = 0; i < l->ncolumns; i++)
        if (strcmp(l->columns[i].name, c->name) == 0)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s' is named twice", c->name);
    c->type = type;
    c->endian = endian;
    c->offset = (size_t)offset;
    l->ncolumns++;
    return MAPSCAN_OK;
}

/* ---- a structured .npy's fields ---- */

/* A field's elements are columns when they are numbers mapscan scans
 * lying one after the other (a scalar, or a sub-array of scalars; the
 * fields inside a sub-array of structs are not evenly spaced). */
static bool numeric(const mapscan_npy_field *f)
{
    return f->type != MAPSCAN_TYPE_COUNT && f->count >= 1 && f->size == f->count * mapscan_type_size(f->type);
}

/* The field as its columns: itself, or "name[i]" for each element. */
static mapscan_status add_field(ms_layout *l, size_t *room, const mapscan_npy_field *f, uint64_t only,
                                mapscan_error *error)
{
    size_t elem = mapscan_type_size(f->type);
    if (f->count == 1)
        return add(l, room, f->type, f->endian, f->offset, error, "%s", f->name);
    for (uint64_t i = 0; i < f->count; i++) {
        if (only != UINT64_MAX && i != only)
            continue;
        mapscan_status s = add(l, room, f->type, f->endian, f->offset + i * elem, error, "%s[%llu]", f->name,
                               (unsigned long long)i);
        if (s != MAPSCAN_OK)
            return s;
    }
    return MAPSCAN_OK;
}

/* "name[i]": the base name into base (room bytes) and i; false otherwise. */
static bool element_name(const char *name, char *base, size_t room, uint64_t *index)
{
    size_t len = strlen(name);
    const char *open = strrchr(name, '[');
    if (!open || len < 3 || name[len - 1] != ']' || open == name || (size_t)(open - name) >= room)
        return false;
    char *end;
    errno = 0;
    unsigned long long i = strtoull(open + 1, &end, 10);
    if (errno || end != name + len - 1 || end == open + 1 || open[1] < '0' || open[1] > '9')
        return false;
    memcpy(base, name, (size_t)(open - name));
    base[open - name] = '\0';
    *index = i;
    return true;
}

static mapscan_status add_named_field(ms_layout *l, size_t *room, const mapscan_npy_header *h, const char *name,
                                      const char *numeric_list, mapscan_error *error)
{
    const mapscan_npy_field *f, *second;
    size_t others;
    uint64_t only = UINT64_MAX;
    ms_npy_lookup(h, name, &f, &second, &others);
    char base[MAPSCAN_COLUMN_NAME_SIZE];
    if (!f && element_name(name, base, sizeof base, &only))
        ms_npy_lookup(h, base, &f, &second, &others);
    if (!f)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "no field '%s' (numeric fields: %s)", name, numeric_list);
    if (others)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "field name '%s' is ambiguous: it names '%s' and '%s' (a "
                       "backslash makes a name exact)", name, f->name, second->name);
    if (!numeric(f))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' is '%s', not a number mapscan scans (numeric "
                       "fields: %s)", f->name, f->descr, numeric_list);
    if (only != UINT64_MAX && only >= f->count)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' holds %llu elements: no element %llu", f->name,
                       (unsigned long long)f->count, (unsigned long long)only);
    if (only != UINT64_MAX && f->count == 1)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' is not a sub-array: no element %llu", f->name,
                       (unsigned long long)only);
    return add_field(l, room, f, only, error);
}

static mapscan_status npy_fields(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                 const char *numeric_list, mapscan_error *error)
{
    size_t room = 0;
    if (strcmp(o->field, "all") == 0) {
        for (size_t i = 0; i < h->nfields; i++)
            if (numeric(&h->fields[i])) {
                mapscan_status s = add_field(l, &room, &h->fields[i], UINT64_MAX, error);
                if (s != MAPSCAN_OK)
                    return s;
            }
        if (l->ncolumns == 0)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "no numeric fields in the dtype");
        return MAPSCAN_OK;
    }
    /* Names split at commas a backslash does not escape (the name keeps
     * its backslash: the lookup decodes it). */
    size_t len = strlen(o->field);
    char *name = malloc(len + 1);
    if (!name)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    mapscan_status s = MAPSCAN_OK;
    size_t start = 0;
    for (size_t i = 0; i <= len && s == MAPSCAN_OK; i++) {
        if (i + 1 < len && o->field[i] == '\\') {
            i++;        /* the escaped character, a comma too, is the name's (a last backslash is itself) */
            continue;
        }
        if (i < len && o->field[i] != ',')
            continue;
        memcpy(name, o->field + start, i - start);
        name[i - start] = '\0';
        if (name[0] == '\0')
            s = ms_fail(error, MAPSCAN_E_INVALID, 0, "an empty name in the field list '%s'", o->field);
        else
            s = add_named_field(l, &room, h, name, numeric_list, error);
        start = i + 1;
    }
    free(name);
    return s;
}

/* ---- channels: the last axis, or a raw file's rows ---- */

static mapscan_status channels(ms_layout *l, uint64_t n, mapscan_type type, mapscan_endian endian,
                               mapscan_error *error)
{
    if (n > MAPSCAN_MAX_COLUMNS)
        return too_many(error, n);
    size_t room = 0, elem = mapscan_type_size(type);
    for (uint64_t i = 0; i < n; i++) {
        mapscan_status s = add(l, &room, type, endian, l->fortran_order ? 0 : i * elem, error, "ch%llu",
                               (unsigned long long)i);
        if (s != MAPSCAN_OK)
            return s;
    }
    return MAPSCAN_OK;
}

static mapscan_status npy_channels(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                   mapscan_error *error)
{
    if (h->ndim < 2)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "channels are the last axis of an array of 2 or more "
                       "dimensions, and this one has %u", h->ndim);
    uint64_t last = h->shape[h->ndim - 1];
    if (o->channels != MAPSCAN_CHANNELS_AUTO && last != o->channels)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "the last axis holds %llu channels, not %u",
                       (unsigned long long)last, o->channels);
    if (last == 0)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "the last axis is empty: no channels");
    size_t elem = mapscan_type_size(l->type);
    if (h->fortran_order) {
        l->column_units = h->count / last;      /* each channel: one contiguous run */
    } else {
        if (last * elem > MS_MAX_RECORD_BYTES)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "rows of %llu bytes: mapscan reads records of at most "
                           "%llu MiB", (unsigned long long)(last * elem),
                           (unsigned long long)(MS_MAX_RECORD_BYTES >> 20));
        l->unit = (size_t)(last * elem);
    }
    return channels(l, last, l->type, l->endian, error);
}

/* ---- raw records: "NAME:TYPE[@OFFSET],..." ---- */

static mapscan_status parse_column(ms_layout *l, size_t *room, const char *spec, uint64_t *next,
                                   mapscan_error *error)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s' is not NAME:TYPE or NAME:TYPE@OFFSET", spec);
    char type_text[32];
    const char *at = strchr(colon, '@');
    size_t type_len = at ? (size_t)(at - colon - 1) : strlen(colon + 1);
    if (type_len == 0 || type_len >= sizeof type_text)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s' has no type mapscan reads", spec);
    memcpy(type_text, colon + 1, type_len);
    type_text[type_len] = '\0';
    mapscan_type type;
    mapscan_endian endian = MAPSCAN_LITTLE;
    bool given = false;
    if (!mapscan_type_parse(type_text, &type, &endian, &given))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s': unknown type '%s'", spec, type_text);
    uint64_t offset = *next;
    if (at && (!mapscan_size_parse(at + 1, &offset) || at[1] < '0' || at[1] > '9'))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s': '%s' is not a byte offset", spec, at + 1);
    *next = offset + mapscan_type_size(type);
    return add(l, room, type, endian, offset, error, "%.*s", (int)(colon - spec), spec);
}

static int by_offset(const void *a, const void *b)
{
    const ms_column *x = *(ms_column *const *)a, *y = *(ms_column *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* No two columns share a byte, and all fit in the record. */
static mapscan_status check_record(ms_layout *l, uint64_t record, mapscan_error *error)
{
    ms_column **sorted = malloc(l->ncolumns * sizeof *sorted);
    if (!sorted)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    for (size_t i = 0; i < l->ncolumns; i++)
        sorted[i] = &l->columns[i];
    qsort(sorted, l->ncolumns, sizeof *sorted, by_offset);
    mapscan_status s = MAPSCAN_OK;
    for (size_t i = 0; i < l->ncolumns && s == MAPSCAN_OK; i++) {
        const ms_column *c = sorted[i];
        uint64_t size = mapscan_type_size(c->type), end = c->offset + size;
        if (size > record || c->offset > record - size)     /* end may have wrapped */
            s = ms_fail(error, MAPSCAN_E_INVALID, 0, "column '%s' (%s at byte %zu) does not fit in a record of "
                        "%llu bytes", c->name, mapscan_type_name(c->type), c->offset, (unsigned long long)record);
        else if (i + 1 < l->ncolumns && sorted[i + 1]->offset < end)
            s = ms_fail(error, MAPSCAN_E_INVALID, 0, "columns '%s' and '%s' overlap (bytes %zu and %zu)", c->name,
                        sorted[i + 1]->name, c->offset, sorted[i + 1]->offset);
    }
    free(sorted);
    return s;
}

static mapscan_status raw_columns(const mapscan_options *o, ms_layout *l, mapscan_error *error)
{
    size_t room = 0, len = strlen(o->columns);
    uint64_t next = 0, end = 0;
    char *spec = malloc(len + 1);
    if (!spec)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    mapscan_status s = MAPSCAN_OK;
    size_t start = 0;
    for (size_t i = 0; i <= len && s == MAPSCAN_OK; i++) {
        if (i < len && o->columns[i] != ',')
            continue;
        memcpy(spec, o->columns + start, i - start);
        spec[i - start] = '\0';
        s = spec[0] ? parse_column(l, &room, spec, &next, error)
                    : ms_fail(error, MAPSCAN_E_INVALID, 0, "an empty column in '%s'", o->columns);
        if (next > end)
            end = next;
        start = i + 1;
    }
    free(spec);
    if (s != MAPSCAN_OK)
        return s;
    uint64_t record = o->record_size ? o->record_size : end;
    if (record > MS_MAX_RECORD_BYTES)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "records of %llu bytes: mapscan reads records of at most "
                       "%llu MiB", (unsigned long long)record, (unsigned long long)(MS_MAX_RECORD_BYTES >> 20));
    s = check_record(l, record, error);
    l->unit = (size_t)record;
    return s;
}

/* ---- the layout's columns ---- */

mapscan_status ms_columns_resolve(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                  const char *numeric_list, mapscan_error *error)
{
    if (o->channels && o->columns)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "channels and columns both given: choose one");
    if ((o->channels || o->columns) && o->field)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a field and %s both given: choose one",
                       o->channels ? "channels" : "columns");
    if (o->field_offset)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a field offset with several columns: each column says where "
                       "it is (NAME:TYPE@OFFSET)");
    mapscan_status s;
    if (h && o->columns)
        s = ms_fail(error, MAPSCAN_E_INVALID, 0, "columns describe a raw file's records; a .npy header gives "
                    "the layout (--field, --channels)");
    else if (h && h->structured && o->channels)
        s = ms_fail(error, MAPSCAN_E_INVALID, 0, "a structured dtype has fields, not channels: choose fields "
                    "(numeric fields: %s)", numeric_list);
    else if (h && h->structured)
        s = npy_fields(o, h, l, numeric_list, error);
    else if (h)
        s = npy_channels(o, h, l, error);
    else if (o->columns)
        s = raw_columns(o, l, error);
    else if (o->channels == MAPSCAN_CHANNELS_AUTO)
        s = ms_fail(error, MAPSCAN_E_INVALID, 0, "channels 'auto' need a .npy header's shape: give their number");
    else if (o->record_size && o->record_size < (uint64_t)o->channels * mapscan_type_size(o->type))
        s = ms_fail(error, MAPSCAN_E_INVALID, 0, "%u channels of %s do not fit in a record of %llu bytes",
                    o->channels, mapscan_type_name(o->type), (unsigned long long)o->record_size);
    else if (!o->record_size && (uint64_t)o->channels * mapscan_type_size(o->type) > MS_MAX_RECORD_BYTES)
        s = ms_fail(error, MAPSCAN_E_INVALID, 0, "rows of %u %s: mapscan reads records of at most %llu MiB",
                    o->channels, mapscan_type_name(o->type), (unsigned long long)(MS_MAX_RECORD_BYTES >> 20));
    else {
        l->unit = o->record_size ? (size_t)o->record_size : o->channels * mapscan_type_size(o->type);
        s = channels(l, o->channels, o->type, o->endian, error);
    }
    if (s == MAPSCAN_OK) {
        l->type = l->columns[0].type;
        l->endian = l->columns[0].endian;
        l->field_offset = 0;
    }
    return s;
}
