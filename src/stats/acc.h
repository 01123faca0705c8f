/* The accumulator: what a kernel fills and a merge combines (see acc.c). */
#ifndef MAPSCAN_ACC_H
#define MAPSCAN_ACC_H

#include "../common/common.h"

/* A float scan's running state. min_key and max_key are binary64 bit
 * patterns turned into integers that order as the values do, -0 below +0
 * (ms_float_key); INT64_MAX and INT64_MIN while no value other than NaN
 * was seen. */
typedef struct ms_float_acc {
    uint64_t nan;
    int64_t min_key, max_key;
    mapscan_exact_sum sum;
} ms_float_acc;

/* Running statistics of one worker or one call. count counts every
 * element; for integers, min and max are only meaningful when count > 0;
 * for floats, fl holds the rest (and min, max, sum stay 0). */
typedef struct ms_acc {
    uint64_t count;
    ms_i128 min, max, sum;
    ms_float_acc fl;
    /* What the scan asked for beyond those (mapscan_extra_stats), filled
     * only then: the exact sum of squares (integers and binary64 into
     * squares; binary16, bfloat16 and binary32, whose squares are exact
     * binary64 values, into small_squares, units of 2^-1074), and the
     * positions of the first min and max (in units from the scan's
     * start). */
    mapscan_square_sum squares;
    mapscan_exact_sum small_squares;
    uint64_t argmin, argmax;
    struct ms_tally *tally[2];  /* a counting pass's counters (kernels/tally.c, MS_TALLIES), or NULL */
    struct ms_acc *columns;     /* a scan of several columns: one each (kernels/accs.c), or NULL */
    unsigned char *scratch;     /* and the room their records are transposed in, or NULL */
} ms_acc;

void ms_acc_init(ms_acc *acc);
/* Folds an integer kernel's partial result (n elements) into acc. */
void ms_acc_fold_ints(ms_acc *acc, uint64_t n, ms_i128 min, ms_i128 max, ms_i128 sum);
/* Merges the default statistics and the sums of squares; the positions
 * are the caller's (ms_acc_merge_positions). */
void ms_acc_merge(ms_acc *into, const ms_acc *from);
/* into's argmin and argmax from from's where from holds a smaller min (a
 * larger max), or the same one at an earlier position. Call before the
 * merge. */
void ms_acc_merge_positions(ms_acc *into, const ms_acc *from, bool is_float);
/* Adds v * 2^bit to a sum of squares. */
void ms_squares_add(mapscan_square_sum *s, ms_u128 v, unsigned bit);
/* The extra statistics of the data acc has seen (after ms_acc_finish). */
void ms_acc_finish_extra(const ms_acc *acc, unsigned stats, uint64_t ddof, mapscan_result *result);
/* The values a result's statistics are over: every element of an integer
 * type, those that are not NaN of a float type. */
static inline uint64_t ms_result_counted(const mapscan_result *r)
{
    return r->stats.count - (mapscan_type_is_float(r->type) ? r->floats.nan : 0);
}
/* var and std of a result's count, sums and ddof (extra.squares set). */
void ms_result_variance(mapscan_result *result);
/* The statistics of the data acc has seen, of this element type. */
void ms_acc_finish(const ms_acc *acc, mapscan_type type, mapscan_result *result);

/* results.c: result->columns, n of them, with room for bins counts each
 * (their extra.counts); MAPSCAN_E_NOMEM. */
mapscan_status ms_result_columns_alloc(mapscan_result *result, size_t n, uint64_t bins, mapscan_error *error);
/* Each column's counts pointed into result's own block again (after a
 * hook that may have copied another's results over them). */
void ms_result_columns_own(mapscan_result *result, uint64_t bins);

/* The order-preserving integer of a binary64's bits (its own inverse). */
static inline int64_t ms_float_key(uint64_t bits)
{
    int64_t i = (int64_t)bits;
    return i ^ (int64_t)((uint64_t)(i >> 63) >> 1);
}

#endif
