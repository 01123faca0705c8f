/* Wide integers for what is worked out once per result, exactly: the
 * variance from the exact sums of values and of squares, and a quantile's
 * interpolation between two values (see wide.c). */
#ifndef MAPSCAN_WIDE_H
#define MAPSCAN_WIDE_H

#include "../common/common.h"

/* A two's-complement integer of MS_WIDE_WORDS 64-bit words, least
 * significant first: room for the square of an exact float sum
 * (2 * 2175 bits) times a count. Arithmetic wraps at that width; the
 * callers keep well inside it. */
#define MS_WIDE_WORDS 72
typedef struct ms_wide {
    uint64_t w[MS_WIDE_WORDS];
} ms_wide;

void ms_wide_from_i128(ms_wide *a, ms_i128 v);
/* n words (n <= MS_WIDE_WORDS), extended by their top bit when signed, else by zeros. */
void ms_wide_from_words(ms_wide *a, const uint64_t *words, size_t n, bool is_signed);
/* A finite binary64 value in units of 2^-1074 (an integer). */
void ms_wide_from_double(ms_wide *a, double v);
void ms_wide_add(ms_wide *a, const ms_wide *b);
void ms_wide_sub(ms_wide *a, const ms_wide *b);
/* out = a * b (out may be a or b). */
void ms_wide_mul(ms_wide *out, const ms_wide *a, const ms_wide *b);
void ms_wide_mul_u64(ms_wide *a, uint64_t m);
void ms_wide_shl(ms_wide *a, unsigned bits);
/* -1, 0 or 1. */
int ms_wide_sign(const ms_wide *a);

/* num / den * 2^scale rounded once to the nearest binary64, ties to even;
 * past binary64's range an infinity, as IEEE rounding gives; subnormals
 * rounded at their fixed step; den > 0; zero is +0. */
double ms_wide_ratio(const ms_wide *num, const ms_wide *den, int scale);

/* The exact variance (n * s2 - s1^2) / (n * (n - ddof)), rounded once:
 * s1 the exact sum of n values in units of 2^scale, s2 the exact sum of
 * their squares in units of 2^(2 * scale). n > ddof. */
double ms_wide_variance(uint64_t n, uint64_t ddof, const ms_wide *s1, const ms_wide *s2, int scale);

/* A quantile's value: with h = q * (n - 1) (exact), lo + (h - floor(h)) *
 * (hi - lo), rounded once; lo and hi in units of 2^scale. 0 <= q <= 1, n >= 1. */
double ms_wide_interpolate(const ms_wide *lo, const ms_wide *hi, double q, uint64_t n, int scale);

#endif
