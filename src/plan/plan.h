/* From a request and a file's header to what is read: the layout (element
 * or record, header, expected bytes) and the chunks the workers take. */
#ifndef MAPSCAN_PLAN_H
#define MAPSCAN_PLAN_H

#include "../kernels/kernels.h"

/* ---- layout.c ---- */

/* One column of a scan of several (columns.c). */
typedef struct ms_column {
    char name[MAPSCAN_COLUMN_NAME_SIZE];
    mapscan_type type;
    mapscan_endian endian;
    size_t offset;              /* in the record (0 for a Fortran-order array's channels) */
} ms_column;

/* A record is read whole into a worker's buffer (and a stream's): past
 * this size the buffers would be what a scan must not be, large. */
#define MS_MAX_RECORD_BYTES ((uint64_t)16 << 20)

typedef struct ms_layout {
    mapscan_format format;      /* RAW or NPY */
    mapscan_type type;
    mapscan_endian endian;
    size_t unit;                /* bytes per element, or per record */
    size_t field_offset;        /* of the element in each record */
    uint64_t header_bytes;      /* before the data */
    uint64_t expected;          /* .npy: data bytes the shape describes; UINT64_MAX for raw */
    unsigned ndim;
    uint64_t shape[MAPSCAN_NPY_MAX_DIMS];
    bool fortran_order;
    /* Several columns (0: one element per unit, type at field_offset):
     * each at its offset in the record, or, when column_units is set (a
     * Fortran-order array's channels; the unit is then an element), column
     * i the units [i * column_units, (i + 1) * column_units) of the data.
     * columns is malloc'd: ms_layout_free. */
    size_t ncolumns;
    ms_column *columns;
    uint64_t column_units;
} ms_layout;

/* The layout from the options and, for a .npy file, its header (NULL for raw). */
mapscan_status ms_layout_resolve(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                 mapscan_error *error);
void ms_layout_free(ms_layout *l);

/* ---- columns.c ---- */

/* Whether the options ask for several columns (a field list or "all",
 * channels, columns) of this input (h NULL for raw). */
bool ms_columns_asked(const mapscan_options *o, const mapscan_npy_header *h);
/* l's columns and unit (type and endian those of the first column); for
 * a .npy, l's element type is the array's beforehand. numeric_list names
 * the numeric fields, for messages. */
mapscan_status ms_columns_resolve(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                  const char *numeric_list, mapscan_error *error);
/* "N bytes WHAT is not a multiple of the 16-byte record: K trailing bytes" */
mapscan_status ms_fail_trailing(mapscan_error *error, const ms_layout *l, uint64_t bytes, const char *what);

/* ---- partition.c ---- */

/* How a byte range of whole elements is cut into page-aligned chunks. */
typedef struct ms_plan {
    uint64_t offset;        /* file offset of element 0 */
    uint64_t count;         /* elements */
    size_t elem_size;
    uint64_t base;          /* offset rounded down to the page */
    uint64_t chunk_bytes;   /* a multiple of the page size */
    uint64_t chunks;
} ms_plan;

void ms_plan_make(ms_plan *plan, uint64_t offset, uint64_t count, size_t elem_size,
                  uint64_t chunk_bytes, size_t page_size);
/* Elements [*first, *end) of chunk k: those whose first byte lies in it. */
void ms_plan_chunk(const ms_plan *plan, uint64_t k, uint64_t *first, uint64_t *end);
/* Chunk size for this machine, from its caches, and for `threads` workers. */
uint64_t ms_chunk_bytes_for(uint64_t range_bytes, unsigned threads, size_t page_size);

#endif
