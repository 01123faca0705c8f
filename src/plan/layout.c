/* What a scan reads, from the options and, for a .npy file, its header:
 * the element type and byte order, the unit (an element, or a record with
 * the element at some offset in it), and where the data starts and ends. */
#include "plan.h"
#include "../npy/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field mapscan scans: one integer or float element per record. */
static bool scannable(const mapscan_npy_field *f)
{
    return f->count == 1 && (f->is_integer || mapscan_type_is_float(f->type));
}

/* A sub-array of numbers one after the other: a column per element. */
static bool numeric_subarray(const mapscan_npy_field *f)
{
    return f->count > 1 && f->type != MAPSCAN_TYPE_COUNT && f->size == f->count * mapscan_type_size(f->type);
}

/* "a, b.c, d[0..2]" into buf, or "none". */
static void numeric_fields(const mapscan_npy_header *h, char *buf, size_t room)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->nfields && used + 1 < room; i++) {
        const mapscan_npy_field *f = &h->fields[i];
        if (scannable(f))
            used += (size_t)snprintf(buf + used, room - used, "%s%s", used ? ", " : "", f->name);
        else if (numeric_subarray(f))
            used += (size_t)snprintf(buf + used, room - used, "%s%s[0..%llu]", used ? ", " : "", f->name,
                                     (unsigned long long)(f->count - 1));
    }
    if (!used)
        snprintf(buf, room, "none");
}


static mapscan_status record_too_large(mapscan_error *error, uint64_t size)
{
    return ms_fail(error, MAPSCAN_E_INVALID, 0, "records of %llu bytes: mapscan reads records of at most %llu MiB",
                   (unsigned long long)size, (unsigned long long)(MS_MAX_RECORD_BYTES >> 20));
}

/* "a.b" when there are a field named "a.b" and a field "b" inside "a". */
static mapscan_status ambiguous_field(mapscan_error *error, const char *name, const mapscan_npy_field *one,
                                      const mapscan_npy_field *other)
{
    char *a = ms_npy_exact_spelling(one->name), *b = ms_npy_exact_spelling(other->name);
    mapscan_status s = ms_fail(error, MAPSCAN_E_INVALID, 0, "field name '%s' is ambiguous: name one of them "
                               "exactly, '%s' or '%s' (a backslash makes a name exact; '\\.' is a dot inside a "
                               "name)", name, a ? a : one->name, b ? b : other->name);
    free(a);
    free(b);
    return s;
}

static mapscan_status resolve_npy(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                  mapscan_error *error)
{
    if (o->record_size || o->field_offset)
        return ms_fail(error, MAPSCAN_E_INVALID, 0,
                       "record and field offset are for raw files: a .npy header gives the layout (--field)");
    l->format = MAPSCAN_FORMAT_NPY;
    l->header_bytes = h->data_offset;
    l->expected = h->count * h->itemsize;
    l->ndim = h->ndim;
    l->fortran_order = h->fortran_order;
    memcpy(l->shape, h->shape, sizeof l->shape);
    char names[160];
    numeric_fields(h, names, sizeof names);
    if (h->structured && h->itemsize > MS_MAX_RECORD_BYTES)
        return record_too_large(error, h->itemsize);
    if (ms_columns_asked(o, h)) {
        l->type = h->type;
        l->endian = h->endian;
        l->unit = (size_t)h->itemsize;
        if (!h->structured && !h->is_integer && !mapscan_type_is_float(h->type))
            return ms_fail(error, MAPSCAN_E_FORMAT, 0, "dtype '%s' is not a type mapscan scans (i1 i2 i4 i8 u1 u2 "
                           "u4 u8 f2 f4 f8)", h->descr);
        mapscan_status s = ms_columns_resolve(o, h, l, names, error);
        if (s != MAPSCAN_OK)
            return s;
        /* between rows (elements, in Fortran order), or each column would
         * read its neighbour's bytes (a raw file's offset is where its
         * records start: a header before them, any size) */
        if (o->offset % l->unit)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "offset %llu is not a whole number of %zu-byte %s",
                           (unsigned long long)o->offset, l->unit, l->column_units ? "elements" : "rows");
    } else if (h->structured) {
        if (!o->field)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "a structured dtype: choose a field (numeric fields: %s)",
                           names);
        const mapscan_npy_field *f, *second;
        size_t others;
        ms_npy_lookup(h, o->field, &f, &second, &others);
        if (!f)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "no field '%s' (numeric fields: %s)", o->field, names);
        if (others)
            return ambiguous_field(error, o->field, f, second);
        if (f->count != 1)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' holds %llu '%s' per record (a sub-array): "
                           "mapscan scans one element per record (numeric fields: %s)", f->name,
                           (unsigned long long)f->count, f->descr, names);
        if (!scannable(f))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' is '%s', not a number mapscan scans (numeric fields: %s)",
                           f->name, f->descr, names);
        l->type = f->type;
        l->endian = f->endian;
        l->unit = (size_t)h->itemsize;
        l->field_offset = (size_t)f->offset;
    } else {
        if (o->field)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' given, but the dtype '%s' has no fields",
                           o->field, h->descr);
        if (!h->is_integer && !mapscan_type_is_float(h->type))
            return ms_fail(error, MAPSCAN_E_FORMAT, 0, "dtype '%s' is not a type mapscan scans (i1 i2 i4 i8 u1 u2 u4 "
                           "u8 f2 f4 f8)", h->descr);
        l->type = h->type;
        l->endian = h->endian;
        l->unit = mapscan_type_size(h->type);
    }
    size_t elem = mapscan_type_size(l->type);
    if (l->ncolumns && h->structured && (o->type_set || o->endian_set))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a %s given, but each field has the header's own",
                       o->type_set ? "type" : "byte order");
    if (l->ncolumns && h->structured)
        return MAPSCAN_OK;
    if (o->type_set && o->type != l->type)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "type %s contradicts the header's %s", mapscan_type_name(o->type),
                       mapscan_type_name(l->type));
    if (o->endian_set && elem > 1 && mapscan_endian_resolve(o->endian) != mapscan_endian_resolve(l->endian))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "byte order %s contradicts the header's %s",
                       mapscan_endian_name(o->endian), mapscan_endian_name(l->endian));
    return MAPSCAN_OK;
}

mapscan_status ms_layout_resolve(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                 mapscan_error *error)
{
    memset(l, 0, sizeof *l);
    l->expected = UINT64_MAX;
    if (h)
        return resolve_npy(o, h, l, error);
    l->format = MAPSCAN_FORMAT_RAW;
    l->type = o->type;
    l->endian = o->endian;
    size_t elem = mapscan_type_size(o->type);
    if (o->channels || o->columns)
        return ms_columns_resolve(o, NULL, l, "", error);
    if (o->field)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "field '%s' given, but a raw file has no header naming fields "
                       "(--record and --field-offset describe records)", o->field);
    if (o->field_offset && !o->record_size)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a field offset needs a record size");
    if (o->record_size) {
        if (o->record_size > MS_MAX_RECORD_BYTES)
            return record_too_large(error, o->record_size);
        if (o->field_offset > o->record_size || o->record_size - o->field_offset < elem)
            return ms_fail(error, MAPSCAN_E_INVALID, 0,
                           "a %zu-byte %s at offset %llu does not fit in a record of %llu bytes", elem,
                           mapscan_type_name(o->type), (unsigned long long)o->field_offset,
                           (unsigned long long)o->record_size);
        l->unit = (size_t)o->record_size;
        l->field_offset = (size_t)o->field_offset;
    } else {
        l->unit = elem;
    }
    return MAPSCAN_OK;
}

void ms_layout_free(ms_layout *l)
{
    free(l->columns);
    l->columns = NULL;
    l->ncolumns = 0;
}

mapscan_status ms_fail_trailing(mapscan_error *error, const ms_layout *l, uint64_t bytes, const char *what)
{
    uint64_t trailing = bytes % l->unit;
    char unit[48];
    if (l->unit != mapscan_type_size(l->type))
        snprintf(unit, sizeof unit, "%zu-byte record", l->unit);
    else
        snprintf(unit, sizeof unit, "%zu-byte %s", l->unit, mapscan_type_name(l->type));
    return ms_fail(error, MAPSCAN_E_TRAILING, 0, "%llu bytes %s is not a multiple of the %s: %llu trailing byte%s",
                   (unsigned long long)bytes, what, unit, (unsigned long long)trailing, trailing == 1 ? "" : "s");
}
