/* The reduction kernels, one file per instruction set, and their dispatch. */
#ifndef MAPSCAN_KERNELS_H
#define MAPSCAN_KERNELS_H

#include "../stats/acc.h"
#include "../stats/select.h"

/* ---- dispatch.c, reduce_*.c ----
 * A kernel folds n elements starting at p (any alignment) into acc.
 * Tables are indexed [type][swap], swap = 1 when the file's byte order is
 * not the host's. */
typedef void (*ms_reduce_fn)(const unsigned char *p, size_t n, ms_acc *acc);

/* Copies the n elements at p, p + stride, ... to out, packed. */
typedef void (*ms_gather_fn)(const unsigned char *p, size_t n, size_t stride, unsigned char *out);

struct ms_tally_plan;
struct ms_reducer;          /* below: the tallies are opened for one */
typedef struct ms_tally ms_tally;
/* Counting loops (tally_impl.h): digits into counts, bins into a tally. */
typedef void (*ms_digits_fn)(const struct ms_tally_plan *plan, uint32_t *counts, const unsigned char *p, size_t n);
typedef void (*ms_bins_fn)(const struct ms_tally_plan *plan, ms_tally *t, const unsigned char *p, size_t n);

/* A run of pairs of units split into the run of first and of second units. */
typedef void (*ms_split_fn)(const unsigned char *in, size_t pairs, unsigned char *first, unsigned char *second);
#define MS_SPLIT_SIZES 4        /* units of 1 to 8 bytes */
/* n records of 8-byte words into one run per word, out[k] the k-th's. */
typedef void (*ms_words_fn)(const unsigned char *in, size_t n, unsigned char *const *out);

typedef struct ms_kernel {
    const char *name;
    ms_reduce_fn reduce[MAPSCAN_TYPE_COUNT][2];
    ms_gather_fn gather[4];     /* by element size: 1, 2, 4, 8 bytes */
    /* The exact sum of squares into acc->squares (or small_squares), NaN
     * and infinities left out (an infinity sets the flag). */
    ms_reduce_fn squares[MAPSCAN_TYPE_COUNT][2];
    ms_digits_fn digits[MAPSCAN_TYPE_COUNT][2];
    ms_bins_fn bins[MAPSCAN_TYPE_COUNT][2];     /* NULL for the 64-bit integers: tally.c's exact loop */
    /* pairs pairs of units of 2^k bytes (k = 0..3) into the first units and the second (split_impl.h) */
    ms_split_fn split[MS_SPLIT_SIZES];
    /* records of 4 and of 8 8-byte words into a run per word */
    ms_words_fn words[2];
} ms_kernel;

/* ---- tally.c: counting passes ----
 * A histogram, or a digit of the quantiles' keys (stats/select.h), counted
 * by every worker into its own 32-bit counters, which go into the shared
 * 64-bit totals before they could overflow and at the end. */
#define MS_TALLIES 2     /* at most in one pass: a digit of the keys and a histogram */
typedef enum ms_tally_kind { MS_TALLY_DIGITS, MS_TALLY_HISTOGRAM } ms_tally_kind;
typedef struct ms_tally_plan {
    ms_tally_kind kind;
    ms_digits_fn digits_loop;   /* the kernel's, for the type */
    ms_bins_fn bins_loop;       /* the kernel's, or NULL */
    mapscan_type type;
    bool swap;
    ms_digit_pass digits;
    uint64_t bins;
    const double *edges;        /* bins + 1 */
    double scale;               /* bins / (edges[bins] - edges[0]): a first guess at the bin */
    bool clamp;                 /* the data's own min..max: a value past an edge (rounded) is in the end bin */
    size_t ncounters;           /* per worker */
    uint64_t *totals;           /* ncounters, then below and above */
} ms_tally_plan;

/* A worker's counters. */
struct ms_tally {
    uint32_t *counts;
    uint64_t pending;           /* counted since the last flush */
    uint64_t below, above;
};
ms_tally *ms_tally_new(const ms_tally_plan *plan);
/* Adds what t counted to the plan's totals (atomically) and frees it. */
void ms_tally_end(const ms_tally_plan *plan, ms_tally *t);
/* n contiguous elements (the reducer gathers records first). */
void ms_tally_count(const ms_tally_plan *plan, ms_tally *t, const unsigned char *p, size_t n);
/* A block's bins as the kernels' loops marked them (tally_impl.h), counted. */
void ms_bins_count(const ms_tally_plan *plan, ms_tally *t, const int64_t *mark, const double *value, size_t n);
/* acc's tallies for a reducer's counting passes; false when out of memory. */
bool ms_tallies_open(const struct ms_reducer *r, ms_acc *acc);
/* Adds them to the totals and frees them. */
void ms_tallies_close(const struct ms_reducer *r, ms_acc *acc);

/* The order-preserving key of a type's element, its own width (floats:
 * -0 below +0, NaN beyond the infinities), and whether it is NaN. */
uint64_t ms_key_of(mapscan_type type, bool swap, const unsigned char *p, bool *nan);
/* A key back to its value, as binary64 (exact for every type but 64-bit
 * integers, which the caller reads from the key itself). */
double ms_key_value(mapscan_type type, uint64_t key);

/* ---- keys.c: where the first min or max is ---- */

/* The index of the first of n elements (stride apart) whose value is
 * target: an integer's value, or a float's binary64 key (ms_float_key);
 * n when none is. */
size_t ms_find_first(mapscan_type type, bool swap, const unsigned char *p, size_t n, size_t stride, ms_i128 target);

/* The reduction of one layout: contiguous elements, or one element of
 * each record (stride > 0: the record size; p then points at the first
 * record's field). A scan's first pass runs the kernel (main) and what
 * its extra statistics need; a counting pass (tally) can join it or run
 * alone. */
struct ms_reducer {
    ms_reduce_fn reduce, squares;
    ms_gather_fn gather;
    size_t elem, stride;
    mapscan_type type;
    bool swap;
    bool main;                  /* the default statistics (and stats) */
    unsigned stats;             /* MAPSCAN_STAT_* */
    const ms_tally_plan *tally[MS_TALLIES];    /* counting passes, or NULL */
    uint64_t origin;            /* the byte offset of the scan's first unit (readers' positions) */
    /* A scan of several columns (reduce.c): each column its own reducer
     * (its offset in the record, stride the record) into its own
     * accumulator, acc->columns[i]; or, when column_units is set (a
     * Fortran-order array), column i is the units [i * column_units, (i +
     * 1) * column_units) of the data, counted from column_base (the units
     * before the scan's first). */
    size_t offset;              /* a column's, in the record */
    size_t ncolumns;
    const struct ms_reducer *columns;
    uint64_t column_units, column_base;
    /* Records of 2^k bytes (at most MS_TRANSPOSE_RECORD) whose columns each
     * lie at a multiple of their size are transposed (reduce.c): split in
     * halves until each column is a run, reduced by packed[i] (the
     * column's reducer for packed elements); order holds the columns by
     * offset. NULL otherwise: each column is gathered. */
    const struct ms_reducer *packed;
    const size_t *order;
    const ms_split_fn *split;
    const ms_words_fn *words;
};
typedef struct ms_reducer ms_reducer;
#define MS_TRANSPOSE_RECORD 64
/* The transpose's room per worker (ms_acc.scratch): twice its batch of
 * records. A batch of 64 KiB gives 16 columns runs of 4 KiB: binary32's
 * exact sum ran at 8.5 GB/s on runs of 512 values, 9.7 on 1024. */
#define MS_TRANSPOSE_SCRATCH ((size_t)128 << 10)

/* The unit number of the unit at byte offset at. */
static inline uint64_t ms_reducer_index(const ms_reducer *r, uint64_t at)
{
    return (at - r->origin) / (r->stride ? r->stride : r->elem);
}

ms_reducer ms_reducer_make(const ms_kernel *kernel, mapscan_type type, bool swap, size_t stride);
/* reduce.c: folds n elements (records), the first of them the scan's unit
 * number index, into acc (and its tally). */
void ms_reduce(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc);

/* ---- accs.c: a reducer's accumulators, one per column ---- */

/* acc set up for r (its columns' too); a worker's (reading, not a merge's
 * total) also gets r's tallies and the transpose's scratch. False when
 * out of memory (then ms_accs_close frees what was made). */
bool ms_accs_open(const ms_reducer *r, ms_acc *acc, bool worker);
/* The tallies added to their totals, the columns freed (twice is harmless). */
void ms_accs_close(const ms_reducer *r, ms_acc *acc);
/* from into into, every column too (positions first, as the merge needs). */
void ms_accs_merge(const ms_reducer *r, ms_acc *into, const ms_acc *from);
/* The statistics of acc into result, and each column's into
 * result->columns[i] (which scan.c has set up). */
void ms_accs_finish(const ms_reducer *r, const ms_acc *acc, uint64_t ddof, mapscan_result *result);

extern const ms_kernel ms_kernel_scalar;
#if defined(MAPSCAN_HAVE_X86_KERNELS)
extern const ms_kernel ms_kernel_avx2;
extern const ms_kernel ms_kernel_avx512;
#endif

/* NULL name: the default. Returns NULL for an unknown or unsupported name. */
const ms_kernel *ms_kernel_find(const char *name);
/* MAPSCAN_KERNEL when set and not empty, else NULL. */
const char *ms_kernel_from_environment(void);

#endif
