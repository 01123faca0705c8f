/* Exact quantiles by radix refinement over order-preserving keys (see
 * select.c): which ranks are wanted, which digit each pass counts, and
 * which keys the counts lead to. No I/O: a scan (or mapscan-mpi, with
 * the counts summed over its ranks) runs each pass and feeds its counts. */
#ifndef MAPSCAN_SELECT_H
#define MAPSCAN_SELECT_H

#include "../common/common.h"

/* Buckets counted in one pass at most: 4 x 2^16 32-bit counters, 1 MiB
 * per worker. Wanted ranks in more buckets than that take more passes. */
#define MS_SELECT_MAX_SLOTS 4
#define MS_SELECT_DIGIT_BITS 16

/* One counting pass: each value's key whose bits above the digit equal
 * prefix[s] for a slot s has its digit, (key >> shift) & (2^digit_bits - 1),
 * counted in slot s. On the first pass shift + digit_bits == key_bits and
 * every key is counted in slot 0. Slots' prefixes are distinct. */
typedef struct ms_digit_pass {
    unsigned key_bits;          /* 8, 16, 32 or 64 */
    unsigned shift, digit_bits; /* digit_bits: 16, or key_bits when that is less */
    unsigned nslots;
    uint64_t prefix[MS_SELECT_MAX_SLOTS];
} ms_digit_pass;

/* Whether key falls in a slot of the pass: its index, or -1. */
static inline int ms_digit_slot(const ms_digit_pass *pass, uint64_t key)
{
    unsigned above = pass->shift + pass->digit_bits;
    uint64_t prefix = above >= 64 ? 0 : key >> above;
    for (unsigned s = 0; s < pass->nslots; s++)
        if (pass->prefix[s] == prefix)
            return (int)s;
    return -1;
}

typedef struct ms_select ms_select;

/* The refinement for the ranks q[i] * (n - 1) (floor and, when not whole,
 * the next one) of n keys of key_bits bits. NULL when out of memory, or
 * when key_bits is not 8, 16, 32 or 64. n >= 1; each q in [0, 1]. */
ms_select *ms_select_new(unsigned key_bits, uint64_t n, const double *q, size_t nq);
void ms_select_free(ms_select *s);
/* The next pass to run; false when every wanted key is known. */
bool ms_select_next(ms_select *s, ms_digit_pass *pass);
/* The pass's counts, counts[slot << digit_bits | digit], summed over all
 * the data (every worker, every rank). */
void ms_select_feed(ms_select *s, const uint64_t *counts);
/* Once ms_select_next said false: the keys at ranks floor(h) and the
 * next one (the same key when h is whole, or at the last rank) of q[i]. */
void ms_select_keys(const ms_select *s, size_t i, uint64_t *lo, uint64_t *hi);

#endif
