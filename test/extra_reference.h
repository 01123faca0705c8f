/* A plain reference for the extra statistics (mapscan_extra_stats), written
 * apart from the library: elements decoded from their bytes (the float
 * types by float_reference.c's ref_decode), sums of values and of squares
 * added exactly into big integers of 32-bit limbs, the variance and the
 * quantiles' interpolation as exact ratios rounded to binary64 by search
 * (each step an exact comparison with a midpoint, in integers), the
 * positions by a walk, the quantiles by a sort, the histogram's edges by
 * numpy's linspace written out here and each value's bin by exact
 * comparisons with them. No Criterion here, so that fuzz_extra links it
 * too. It shares no code with src/stats/ nor src/kernels/. */
#ifndef MAPSCAN_TEST_EXTRA_REFERENCE_H
#define MAPSCAN_TEST_EXTRA_REFERENCE_H

#include "mapscan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A non-negative integer of XB_LIMBS 32-bit limbs (6656 bits), least
 * significant first: room for a float variance's numerator shifted for a
 * comparison with a midpoint. */
#define XB_LIMBS 208
typedef struct xb {
    uint32_t d[XB_LIMBS];
} xb;

void xb_zero(xb *a);
/* a += v * 2^shift */
void xb_add_shifted(xb *a, unsigned __int128 v, unsigned shift);
void xb_add(xb *a, const xb *b);
/* a -= b; b <= a */
void xb_sub(xb *a, const xb *b);
int xb_cmp(const xb *a, const xb *b);
bool xb_is_zero(const xb *a);
/* out = a * b (out distinct from both) */
void xb_mul(xb *out, const xb *a, const xb *b);
void xb_shl(xb *a, unsigned bits);
/* The 64-bit words of a (words of them), false when a does not fit them. */
bool xb_words(const xb *a, uint64_t *word, size_t words);

/* (negative ? -1 : 1) * num / den * 2^scale rounded once to the nearest
 * binary64, ties to even, past the range an infinity; den > 0; zero is +0. */
double xb_round(const xb *num, bool negative, const xb *den, int scale);

/* One element: a float type's as its exact binary64 value (NaN and the
 * infinities too), an integer's as an integer. */
typedef struct xv {
    bool is_float;
    double d;
    __int128 i;
} xv;

/* The element at p. */
xv xv_decode(const unsigned char *p, mapscan_type type, bool big_endian);
/* -1, 0, 1 in mapscan's order (-0 below +0; neither may be NaN). */
int xv_cmp(const xv *a, const xv *b);
bool xv_is_nan(const xv *v);

/* numpy.linspace(lo, hi, bins + 1)'s edge i, in binary64. */
double xr_edge(double lo, double hi, uint64_t bins, uint64_t i);

/* What a scan asks for, and what it should answer. */
typedef struct extra_want {
    /* the request */
    mapscan_type type;
    bool big;
    unsigned stats;
    uint64_t ddof;
    size_t nq;
    double q[MAPSCAN_MAX_QUANTILES];
    uint64_t bins;
    bool ranged;
    double range_lo, range_hi;
    /* the answers */
    uint64_t count, counted;
    bool inf;                           /* an infinity among the values */
    double var, std;
    uint64_t squares[MAPSCAN_SQUARE_SUM_WORDS];
    uint64_t argmin, argmax;
    double quantile[MAPSCAN_MAX_QUANTILES];
    bool histogram_refused;             /* no range and the data's min or max infinite */
    double lo, hi;
    uint64_t *counts;                   /* bins of them (malloc'd) */
    uint64_t below, above;
} extra_want;

/* w's request set (its answers are overwritten): the answers for n units
 * at p, stride bytes apart (p points at the first unit's element). */
void extra_want_compute(extra_want *w, const unsigned char *p, size_t n, size_t stride);
void extra_want_free(extra_want *w);
/* NULL when r answers w's request as w says, bit for bit (any NaN for a
 * NaN; a zero quantile of either sign for a zero), else the first
 * difference, in a static buffer. The default statistics are not checked. */
const char *extra_want_check(const extra_want *w, const mapscan_result *r);

/* The request as options (histogram_counts left to the caller). */
void extra_want_options(const extra_want *w, mapscan_options *o);

#endif
