/* A plain reference for the float statistics, written apart from the
 * library: each element decoded from its bytes by its own rules, finite
 * values added exactly as a big integer of 32-bit limbs, and the rounding
 * found by search with exact comparisons (see float_reference.c). No
 * Criterion here, so that the fuzz harnesses link it too. It shares no code
 * with src/stats/exact_sum.c nor src/kernels/float_impl.h. */
#ifndef MAPSCAN_TEST_FLOAT_REFERENCE_H
#define MAPSCAN_TEST_FLOAT_REFERENCE_H

#include "mapscan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2304 bits, two's complement: past the library's 2176. */
#define REF_LIMBS 72
typedef struct ref_big {
    uint32_t limb[REF_LIMBS];      /* least significant first */
} ref_big;

typedef enum ref_kind { REF_FINITE, REF_INF, REF_NAN } ref_kind;

/* One element: (-1)^negative * mantissa * 2^exponent when finite. */
typedef struct ref_value {
    ref_kind kind;
    bool negative;
    uint64_t mantissa;
    int exponent;
} ref_value;

/* The element at p (mapscan_type_size(type) bytes) in the given byte order. */
ref_value ref_decode(const unsigned char *p, mapscan_type type, bool big_endian);
/* The value as a binary64 (exact for every type); NaN and the infinities too. */
double ref_value_double(ref_value v);

typedef struct float_ref {
    uint64_t count, nan;
    uint64_t neg_zero;              /* values that are -0 */
    double min, max;                /* over the values that are not NaN; 0 when there is none */
    ref_big sum;                    /* the finite values' sum in units of 2^-1074 */
    bool pos_inf, neg_inf;
} float_ref;

void float_ref_init(float_ref *r);
/* Folds n elements at p in. */
void float_ref_add(float_ref *r, const unsigned char *p, size_t n, mapscan_type type, bool big_endian);
/* Folds one binary64 value in (as an element of type f64). */
void float_ref_add_double(float_ref *r, double v);
/* The statistics mapscan.h specifies, from the reference's state. */
double float_ref_sum(const float_ref *r);
double float_ref_mean(const float_ref *r);
/* The sum as the library's 34 words; false when it does not fit them. */
bool float_ref_words(const float_ref *r, uint64_t word[MAPSCAN_EXACT_SUM_WORDS]);

/* Big integers, for tests of the rounding. */
void ref_big_zero(ref_big *x);
/* x = the two's-complement words of an exact sum, sign-extended. */
void ref_big_from_words(ref_big *x, const uint64_t word[MAPSCAN_EXACT_SUM_WORDS]);
/* x += (-1)^negative * m * 2^shift */
void ref_big_add_shifted(ref_big *x, uint64_t m, unsigned shift, bool negative);
/* sum (units of 2^-1074, two's complement) / n (> 0) rounded to the nearest
 * binary64, ties to even; past the range an infinity; a negative quotient
 * that rounds to zero is -0, a zero sum +0. */
double ref_round_quotient(const ref_big *sum, uint64_t n);

/* NULL when the result (stats.count and floats, exact words included)
 * agrees with the reference bit for bit (any NaN for a NaN), else a
 * description of the first difference in a static buffer. */
const char *float_ref_check(const float_ref *r, const mapscan_result *got);

/* Whether two doubles are the same bits, or both NaN. */
bool ref_same_double(double a, double b);

#endif
