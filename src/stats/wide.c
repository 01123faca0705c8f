/*
 * Wide integers, and the once-per-result exact arithmetic built on them.
 *
 * An ms_wide is a two's-complement integer of 72 64-bit words, least
 * significant first: 4608 bits. That is room for what the variance needs:
 * an exact float sum is at most 2175 bits (exact_sum.c), its square 4350,
 * times a 64-bit count 4414. Addition, subtraction, multiplication and
 * shifts wrap at that width, as unsigned arithmetic modulo 2^4608 does, and
 * two's complement makes that the signed result whenever it fits; the
 * callers keep well inside. All of it is plain word arithmetic on unsigned
 * integers (carries through __builtin_add_overflow, products in 128 bits):
 * nothing here shifts by 64 or overflows a signed type.
 *
 * Everything that leaves the module as a double goes through one rounding,
 * ms_wide_ratio: num / den * 2^scale, for den > 0. Its magnitudes are
 * copied into 73 words (a remainder can need one bit more than either
 * operand), and the smaller is shifted left until both have their top bit
 * at the same place T: their quotient N / D then lies in (1/2, 2), and the
 * true value is N / D * 2^(sh + scale), sh being how far num's top bit was
 * above den's. Plain shift-and-subtract long division over the words up to
 * bit T + 1 then gives Q = floor(N * 2^56 / D), 56 or 57 bits, and the
 * remainder (zero or not) is the sticky flag: the value is (Q + f) *
 * 2^(sh + scale - 56) with 0 <= f < 1, f > 0 exactly when the remainder is.
 * A binary64 keeps at most 53 of those bits, so at least three lie below its
 * last kept bit: the guard bit, and below it bits that together with the
 * sticky flag say whether the dropped part is above, at or below half a
 * step. The rounding is exact_sum.c's: the top bit t of Q puts the value in
 * [2^e, 2^(e+1)), e = t + sh + scale; 2^1024 and above is an infinity; the
 * last kept bit is at u = max(e - 52, -1074) (binary64's 53 bits, or the
 * subnormals' fixed step); ties go to the even mantissa. The double is then
 * written as bits, (u + 1074) * 2^52 + mantissa, which holds for subnormals
 * (u = -1074, mantissa < 2^52), for the normals, for a mantissa that
 * rounded up to 2^53 (the next binade) and for one that carries past the
 * top (the bits of infinity): no floating-point operation is involved, so
 * the caller's rounding mode and flush-to-zero flags do not matter. A zero
 * numerator gives +0; a negative value too small for the subnormals gives
 * -0, as IEEE rounding does.
 *
 * The exponent range is an int's: scale can be -4300 with a 4400-bit
 * numerator, and results land anywhere from below the subnormals to past
 * the largest double.
 *
 * The variance is (n * s2 - s1^2) / (n * (n - ddof)), the sums in units of
 * 2^scale and 2^(2 * scale): one ratio at scale 2 * scale. The numerator is
 * n times the sum of the squared deviations from the mean, never negative
 * when s1 and s2 are sums over the same n values; it is not clamped.
 *
 * A quantile's interpolation: q = M * 2^-k with M a 53-bit integer, so
 * h = q * (n - 1) = M * (n - 1) / 2^k exactly, and its fractional part is
 * F / 2^k with F = (M * (n - 1)) mod 2^k (a 117-bit product). The value
 * lo + F / 2^k * (hi - lo) is (lo * 2^k + F * (hi - lo)) / 2^k: an integer
 * over a power of two, rounded by one ratio at scale scale - k. k is at
 * most 1074, and F's trailing zeros are taken off k first.
 */
#include "wide.h"

#include <math.h>
#include <string.h>

#define WORDS MS_WIDE_WORDS
#define DIV_WORDS (MS_WIDE_WORDS + 1)
/* Bits of the quotient below its leading one or two: Q >= 2^55. */
#define QUOTIENT_BITS 56
#define FRACTION_MASK ((((uint64_t)1) << 52) - 1)
#define HIDDEN_BIT ((uint64_t)1 << 52)
#define INF_BITS ((uint64_t)0x7ff << 52)

/* ---- words ---- */

static void negate_words(uint64_t *x, unsigned n)
{
    uint64_t carry = 1;
    for (unsigned i = 0; i < n; i++)
        carry = __builtin_add_overflow(~x[i], carry, &x[i]);
}

/* x = x * 2^bits, wrapping at n words. */
static void shl_words(uint64_t *x, unsigned n, unsigned bits)
{
    unsigned words = bits / 64, bit = bits % 64;
    for (unsigned i = n; i-- > 0;) {
        uint64_t v = 0;
        if (i >= words) {
            v = x[i - words] << bit;
            if (bit && i > words)
                v |= x[i - words - 1] >> (64 - bit);
        }
        x[i] = v;
    }
}

/* The index of the highest set bit, -1 when x is zero. */
static int top_bit(const uint64_t *x, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        if (x[i])
            return (int)(i * 64 + 63 - (unsigned)__builtin_clzll(x[i]));
    return -1;
}

static bool below(const uint64_t *a, const uint64_t *b, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        if (a[i] != b[i])
            return a[i] < b[i];
    return false;
}

static void sub_words(uint64_t *a, const uint64_t *b, unsigned n)
{
    uint64_t borrow = 0;
    for (unsigned i = 0; i < n; i++) {
        bool low = __builtin_sub_overflow(a[i], b[i], &a[i]);
        bool high = __builtin_sub_overflow(a[i], borrow, &a[i]);
        borrow = low || high;
    }
}

static bool is_zero(const uint64_t *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (x[i])
            return false;
    return true;
}

/* ---- ms_wide ---- */

void ms_wide_from_i128(ms_wide *a, ms_i128 v)
{
    uint64_t words[2] = { (uint64_t)(ms_u128)v, (uint64_t)((ms_u128)v >> 64) };
    ms_wide_from_words(a, words, 2, true);
}

void ms_wide_from_words(ms_wide *a, const uint64_t *words, size_t n, bool is_signed)
{
    if (n > WORDS)
        n = WORDS;
    uint64_t fill = 0;
    if (is_signed && n > 0 && words[n - 1] >> 63)
        fill = ~(uint64_t)0;
    for (size_t i = 0; i < WORDS; i++)
        a->w[i] = i < n ? words[i] : fill;
}

void ms_wide_from_double(ms_wide *a, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    unsigned field = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t mantissa = bits & FRACTION_MASK;
    memset(a, 0, sizeof *a);
    a->w[0] = field ? mantissa | HIDDEN_BIT : mantissa;
    ms_wide_shl(a, field ? field - 1 : 0);
    if (bits >> 63)
        negate_words(a->w, WORDS);
}

void ms_wide_add(ms_wide *a, const ms_wide *b)
{
    uint64_t carry = 0;
    for (unsigned i = 0; i < WORDS; i++) {
        bool low = __builtin_add_overflow(a->w[i], b->w[i], &a->w[i]);
        bool high = __builtin_add_overflow(a->w[i], carry, &a->w[i]);
        carry = low || high;
    }
}

void ms_wide_sub(ms_wide *a, const ms_wide *b)
{
    sub_words(a->w, b->w, WORDS);
}

/* The product modulo 2^4608 is the same for the two's-complement and the
 * unsigned readings of the words: one unsigned schoolbook product. */
void ms_wide_mul(ms_wide *out, const ms_wide *a, const ms_wide *b)
{
    uint64_t t[WORDS] = { 0 };
    for (unsigned i = 0; i < WORDS; i++) {
        if (a->w[i] == 0)
            continue;
        uint64_t carry = 0;
        for (unsigned j = 0; i + j < WORDS; j++) {
            ms_u128 p = (ms_u128)a->w[i] * b->w[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)p;
            carry = (uint64_t)(p >> 64);
        }
    }
    memcpy(out->w, t, sizeof t);
}

void ms_wide_mul_u64(ms_wide *a, uint64_t m)
{
    uint64_t carry = 0;
    for (unsigned i = 0; i < WORDS; i++) {
        ms_u128 p = (ms_u128)a->w[i] * m + carry;
        a->w[i] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
}

void ms_wide_shl(ms_wide *a, unsigned bits)
{
    shl_words(a->w, WORDS, bits);
}

int ms_wide_sign(const ms_wide *a)
{
    if (a->w[WORDS - 1] >> 63)
        return -1;
    return is_zero(a->w, WORDS) ? 0 : 1;
}

/* ---- the rounding ---- */

/* The magnitude of a in DIV_WORDS words; true when a is negative. The
 * most negative value, -2^4607, comes out right as an unsigned 2^4607. */
static bool magnitude(const ms_wide *a, uint64_t *out)
{
    memcpy(out, a->w, sizeof a->w);
    out[WORDS] = 0;
    bool negative = a->w[WORDS - 1] >> 63;
    if (negative)
        negate_words(out, WORDS);
    return negative;
}

/* floor(r * 2^bits / d) for r < 2 * d, both n words (n * 64 above the top
 * bit of 2 * d); r is left holding the remainder. bits < 63. */
static uint64_t divide(uint64_t *r, const uint64_t *d, unsigned n, unsigned bits)
{
    uint64_t q = 0;
    for (unsigned i = 0; i <= bits; i++) {
        if (i > 0)
            shl_words(r, n, 1);
        bool digit = !below(r, d, n);
        if (digit)
            sub_words(r, d, n);
        q = q << 1 | digit;
    }
    return q;
}

/* The bits of the binary64 nearest (q + f) * 2^b, 0 <= f < 1, f > 0 when
 * sticky; q >= 2^54, so that at least its two lowest bits are dropped. */
static uint64_t round_bits(uint64_t q, bool sticky, int b)
{
    int t = 63 - __builtin_clzll(q);
    int e = t + b;
    if (e >= 1024)
        return INF_BITS;
    int u = e - 52 > -1074 ? e - 52 : -1074;
    unsigned drop = (unsigned)(u - b);     /* t - 52 or more: >= 2 */
    uint64_t mantissa = drop < 64 ? q >> drop : 0;
    bool guard = drop - 1 < 64 ? (q >> (drop - 1)) & 1 : false;
    uint64_t rest = drop - 1 < 64 ? q & (((uint64_t)1 << (drop - 1)) - 1) : q;
    if (guard && (rest || sticky || (mantissa & 1)))
        mantissa++;
    /* u <= 971 here: at most 2045 * 2^52 + 2^53, the bits of infinity */
    return ((uint64_t)(u + 1074) << 52) + mantissa;
}

double ms_wide_ratio(const ms_wide *num, const ms_wide *den, int scale)
{
    uint64_t n[DIV_WORDS], d[DIV_WORDS];
    bool negative = magnitude(num, n);
    negative ^= magnitude(den, d);     /* den > 0; a negative one only flips the sign */
    int tn = top_bit(n, DIV_WORDS), td = top_bit(d, DIV_WORDS);
    if (td < 0)
        return NAN;
    if (tn < 0)
        return 0.0;
    int sh = tn - td;
    if (sh >= 0)
        shl_words(d, DIV_WORDS, (unsigned)sh);
    else
        shl_words(n, DIV_WORDS, (unsigned)-sh);
    int top = tn > td ? tn : td;
    unsigned used = (unsigned)(top + 1) / 64 + 1;     /* room for bit top + 1 */
    uint64_t q = divide(n, d, used, QUOTIENT_BITS);
    uint64_t bits = round_bits(q, !is_zero(n, used), sh + scale - QUOTIENT_BITS);
    bits |= (uint64_t)negative << 63;
    double out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

/* ---- variance and interpolation ---- */

double ms_wide_variance(uint64_t n, uint64_t ddof, const ms_wide *s1, const ms_wide *s2, int scale)
{
    if (n <= ddof)
        return NAN;
    ms_wide num = *s2, square, den;
    ms_wide_mul_u64(&num, n);
    ms_wide_mul(&square, s1, s1);
    ms_wide_sub(&num, &square);
    ms_u128 count = (ms_u128)n * (n - ddof);
    uint64_t words[2] = { (uint64_t)count, (uint64_t)(count >> 64) };
    ms_wide_from_words(&den, words, 2, false);
    return ms_wide_ratio(&num, &den, 2 * scale);
}

double ms_wide_interpolate(const ms_wide *lo, const ms_wide *hi, double q, uint64_t n, int scale)
{
    ms_wide one;
    ms_wide_from_i128(&one, 1);
    uint64_t bits;
    memcpy(&bits, &q, sizeof bits);
    unsigned field = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t m = bits & FRACTION_MASK;
    if (field)
        m |= HIDDEN_BIT;
    int k = field ? 1075 - (int)field : 1074;     /* q = m * 2^-k */
    if (k <= 0 || m == 0 || n <= 1)
        return ms_wide_ratio(lo, &one, scale);     /* h whole: exactly lo */
    ms_u128 f = (ms_u128)m * (n - 1);
    if (k < 128)
        f &= ((ms_u128)1 << k) - 1;
    for (; k > 0 && f && !(f & 1); k--)
        f >>= 1;
    if (f == 0)
        return ms_wide_ratio(lo, &one, scale);
    ms_wide acc = *lo, step = *hi, frac;
    ms_wide_sub(&step, lo);
    uint64_t words[2] = { (uint64_t)f, (uint64_t)(f >> 64) };
    ms_wide_from_words(&frac, words, 2, false);
    ms_wide_mul(&step, &step, &frac);
    ms_wide_shl(&acc, (unsigned)k);
    ms_wide_add(&acc, &step);
    return ms_wide_ratio(&acc, &one, scale - k);
}
