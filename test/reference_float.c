/* The float reference: the statistics of float elements by the rules of
 * mapscan.h, one element at a time, with an exact sum in plain 32-bit
 * limbs. It shares no code with src/stats/exact_sum.c and takes other
 * roads where it can: values are split by frexp, positives and negatives
 * are summed apart as magnitudes (no two's complement), the mean is a
 * bit-by-bit long division, and the rounding is the hardware's
 * uint64-to-double conversion with the dropped bits folded into the last
 * one. No Criterion here, so that a fuzz harness could share it. */
#include "reference.h"

#include <math.h>
#include <string.h>

/* Sums reach 2^64 values of 2^2098 units of 2^-1074 at most; the mean
 * adds 64 bits of quotient below that. */
#define LIMBS 72
#define EXTRA 64

typedef struct big {
    uint32_t limb[LIMBS];
} big;

/* x += v * 2^(32 * at) */
static void big_add_at(big *x, unsigned at, uint64_t v)
{
    for (unsigned i = at; v && i < LIMBS; i++) {
        uint64_t s = (uint64_t)x->limb[i] + (v & 0xffffffffu);
        x->limb[i] = (uint32_t)s;
        v = (v >> 32) + (s >> 32);
    }
}

/* x += m * 2^shift, m < 2^53 */
static void big_add_shifted(big *x, uint64_t m, unsigned shift)
{
    unsigned at = shift / 32, bit = shift % 32;
    big_add_at(x, at, (m & 0xffffffffu) << bit);
    big_add_at(x, at + 1, (m >> 32) << bit);
}

static int big_compare(const big *a, const big *b)
{
    for (int i = LIMBS - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i])
            return a->limb[i] < b->limb[i] ? -1 : 1;
    return 0;
}

/* a - b, a >= b */
static big big_minus(const big *a, const big *b)
{
    big d;
    int64_t borrow = 0;
    for (unsigned i = 0; i < LIMBS; i++) {
        int64_t t = (int64_t)a->limb[i] - (int64_t)b->limb[i] - borrow;
        borrow = t < 0;
        d.limb[i] = (uint32_t)(t + (borrow << 32));
    }
    return d;
}

static unsigned big_bit(const big *x, int i)
{
    return i < 0 || i >= 32 * LIMBS ? 0u : (x->limb[i / 32] >> (i % 32)) & 1u;
}

static int big_top(const big *x)
{
    for (int i = 32 * LIMBS - 1; i >= 0; i--)
        if (big_bit(x, i))
            return i;
    return -1;
}

/* q = floor(x * 2^EXTRA / n), bit by bit; true when there is a remainder. */
static bool big_divide(const big *x, uint64_t n, big *q)
{
    memset(q, 0, sizeof *q);
    unsigned __int128 rem = 0;
    for (int i = 32 * LIMBS - 1; i >= 0; i--) {
        rem = rem << 1 | big_bit(x, i - EXTRA);
        if (rem >= n) {
            rem -= n;
            q->limb[i / 32] |= 1u << (i % 32);
        }
    }
    /* x's top bits past what q holds must be zero: true for any sum here. */
    return rem != 0;
}

/* x * 2^unit (+ less than one unit when sticky) to the nearest binary64, ties to even. */
static double big_round(const big *x, int unit, bool sticky)
{
    int t = big_top(x);
    if (t < 0)
        return 0.0;
    if (t + unit < -1022) {
        /* Subnormal (or rounding up to the smallest normal): steps of 2^-1074. */
        int cut = -1074 - unit;         /* bit of x worth 2^-1074 */
        uint64_t m = 0;
        for (int i = t; i >= cut; i--)
            m = m << 1 | big_bit(x, i);
        bool guard = big_bit(x, cut - 1), rest = sticky;
        for (int i = cut - 2; i >= 0 && !rest; i--)
            rest = big_bit(x, i);
        if (guard && (rest || (m & 1)))
            m++;
        return ldexp((double)m, -1074);
    }
    /* The top 64 bits, every bit below them folded into the last: the
     * conversion then rounds as the whole would (11 bits past binary64's 53). */
    uint64_t top = 0;
    int low = t >= 63 ? t - 63 : 0;
    for (int i = t; i >= low; i--)
        top = top << 1 | big_bit(x, i);
    bool rest = sticky;
    for (int i = low - 1; i >= 0 && !rest; i--)
        rest = big_bit(x, i);
    if (rest)
        top |= 1;
    return ldexp((double)top, low + unit);    /* exact scaling: the result is normal, or infinite past the range */
}

double reference_float_value(const unsigned char *p, mapscan_type type, bool big_endian)
{
    size_t size = mapscan_type_size(type);
    uint64_t raw = 0;
    for (size_t b = 0; b < size; b++)
        raw = raw << 8 | p[big_endian ? b : size - 1 - b];
    if (type == MAPSCAN_F64) {
        double v;
        memcpy(&v, &raw, sizeof v);
        return v;
    }
    if (type == MAPSCAN_F32 || type == MAPSCAN_BF16) {
        uint32_t bits = type == MAPSCAN_F32 ? (uint32_t)raw : (uint32_t)raw << 16;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    /* binary16 by its definition. */
    unsigned exponent = (unsigned)(raw >> 10) & 31u, fraction = (unsigned)raw & 1023u;
    double v = exponent == 31 ? (fraction ? NAN : INFINITY)
             : exponent == 0 ? ldexp(fraction, -24) : ldexp(fraction + 1024, (int)exponent - 25);
    return raw >> 15 ? -v : v;
}

/* a before b: -0 before +0. */
static bool before(double a, double b)
{
    return a == b ? signbit(a) && !signbit(b) : a < b;
}

void reference_float_reduce(const unsigned char *p, size_t n, mapscan_type type, bool big_endian,
                            reference_floats *out)
{
    static big positive, negative;      /* 288 bytes each; static: one caller at a time */
    memset(&positive, 0, sizeof positive);
    memset(&negative, 0, sizeof negative);
    memset(out, 0, sizeof *out);
    bool pos_inf = false, neg_inf = false, all_negative_zero = true;
    size_t size = mapscan_type_size(type);
    for (size_t i = 0; i < n; i++) {
        double v = reference_float_value(p + i * size, type, big_endian);
        out->count++;
        if (isnan(v)) {
            out->nan++;
            continue;
        }
        if (out->count - out->nan == 1 || before(v, out->min))
            out->min = v;
        if (out->count - out->nan == 1 || before(out->max, v))
            out->max = v;
        if (!(v == 0 && signbit(v)))
            all_negative_zero = false;
        if (isinf(v)) {
            *(v > 0 ? &pos_inf : &neg_inf) = true;
            continue;
        }
        if (v == 0)
            continue;
        /* |v| = frac * 2^e, frac in [0.5, 1): m * 2^(e - 53) with m < 2^53, in units of 2^-1074. */
        int e;
        double frac = frexp(fabs(v), &e);
        uint64_t m = (uint64_t)ldexp(frac, 53);
        int shift = e - 53 + 1074;
        if (shift < 0) {
            m >>= -shift;       /* a subnormal: those bits are zeros */
            shift = 0;
        }
        big_add_shifted(v > 0 ? &positive : &negative, m, (unsigned)shift);
    }
    uint64_t counted = out->count - out->nan;
    if (counted == 0)
        return;
    if (pos_inf || neg_inf) {
        out->sum = out->mean = pos_inf && neg_inf ? NAN : pos_inf ? INFINITY : -INFINITY;
        return;
    }
    int order = big_compare(&positive, &negative);
    big magnitude = order >= 0 ? big_minus(&positive, &negative) : big_minus(&negative, &positive);
    double sign = order < 0 ? -1.0 : 1.0;
    big quotient;
    bool sticky = big_divide(&magnitude, counted, &quotient);
    out->sum = sign * big_round(&magnitude, -1074, false);
    out->mean = sign * big_round(&quotient, -1074 - EXTRA, sticky);
    if (out->sum == 0 && all_negative_zero)
        out->sum = out->mean = -0.0;
}
