/*
 * The exact sum of binary floating-point values, and its rounding.
 *
 * Every finite binary64 value is m * 2^(e - 1075) for a 53-bit integer m
 * and its biased exponent e (m * 2^-1074 for the subnormals, e = 0): an
 * integer multiple of 2^-1074. So is every finite binary16, bfloat16 and
 * binary32 value, which binary64 holds exactly. The sum of any number of
 * them is therefore an integer N times 2^-1074, and mapscan keeps N itself:
 * a two's-complement integer of 34 64-bit words (mapscan_exact_sum). The
 * largest magnitude, just under 2^1024, is 2^2098 units; 2^64 of them stay
 * under 2^2162, and 34 words hold 2^2175. Nothing is ever rounded or lost
 * while adding, in any order, on any thread or process, so every order
 * gives the same N bit for bit. Infinities are not numbers of this kind:
 * they are kept as two flags, and NaN is never added (it is counted apart).
 *
 * Adding one value places its 53-bit m at bit e - 1 (bit 0 for subnormals):
 * two words, then a carry (or, for a negative value, a borrow) that stops
 * at the first word it does not overflow — one word or two in all but rare
 * cases. This is slow next to a floating-point add, so the scan's kernels
 * (kernels/float_impl.h) call it only a few times per block of 1024
 * values: they sum a block exactly in binary64 first and add that.
 *
 * Rounding N * 2^s to binary64 (s = -1074 for the sum, lower for the mean):
 * take the magnitude, find its top bit t, so the value lies in
 * [2^(t+s), 2^(t+s+1)); its last kept bit is at u = max(t + s - 52, -1074)
 * (binary64's 53 bits, or the subnormals' fixed step). The bits of N below
 * u are dropped: the first of them is the guard bit, the rest (and any
 * remainder the caller had, the sticky flag) say whether the dropped part
 * is above, at or below half a step; ties go to the even mantissa. The
 * mantissa, at most 2^53 after rounding up, times 2^u is then exact in
 * binary64 unless it is 2^1024 or more: infinity, as IEEE rounding gives.
 *
 * The mean is N / n rounded once: the magnitude is shifted left two bits
 * and divided by n word by word (a 96-by-64-bit step in 128-bit
 * arithmetic); the quotient, in units of 2^-1076, has its own guard bits
 * below binary64's smallest step, and a remainder other than zero is the
 * sticky flag. Rounding it as above gives the correctly rounded quotient:
 * the two extra bits decide ties and halves even where the result is
 * subnormal.
 */
#include "exact_sum.h"

#include <math.h>
#include <string.h>

#define WORDS MAPSCAN_EXACT_SUM_WORDS

/* Adds (negative: subtracts) the 117-bit value hi:lo placed at word w;
 * the carry or borrow runs up to the word that absorbs it. */
static void add_at(uint64_t *word, unsigned w, uint64_t lo, uint64_t hi, bool negative)
{
    uint64_t carry;
    if (!negative) {
        carry = __builtin_add_overflow(word[w], lo, &word[w]);
        if (++w < WORDS) {
            /* two statements: each reads the word the other wrote */
            bool high = __builtin_add_overflow(word[w], hi, &word[w]);
            bool low = __builtin_add_overflow(word[w], carry, &word[w]);
            carry = high || low;
            for (w++; carry && w < WORDS; w++)
                carry = __builtin_add_overflow(word[w], 1, &word[w]);
        }
    } else {
        carry = __builtin_sub_overflow(word[w], lo, &word[w]);
        if (++w < WORDS) {
            bool high = __builtin_sub_overflow(word[w], hi, &word[w]);
            bool low = __builtin_sub_overflow(word[w], carry, &word[w]);
            carry = high || low;
            for (w++; carry && w < WORDS; w++)
                carry = __builtin_sub_overflow(word[w], 1, &word[w]);
        }
    }
}

void ms_exact_add_bits(mapscan_exact_sum *sum, uint64_t bits)
{
    unsigned exponent = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t mantissa = bits & (((uint64_t)1 << 52) - 1);
    bool negative = bits >> 63;
    if (exponent == 0x7ff) {
        if (mantissa == 0) {
            if (negative)
                sum->neg_inf = true;
            else
                sum->pos_inf = true;
        }
        return;     /* NaN: counted by the caller, never summed */
    }
    if (exponent == 0 && mantissa == 0)
        return;
    unsigned shift = 0;
    if (exponent) {
        mantissa |= (uint64_t)1 << 52;
        shift = exponent - 1;
    }
    unsigned bit = shift % 64;
    uint64_t lo = mantissa << bit, hi = bit ? mantissa >> (64 - bit) : 0;
    add_at(sum->word, shift / 64, lo, hi, negative);
}

void ms_exact_add_wide(mapscan_exact_sum *sum, ms_i128 value, unsigned shift)
{
    if (value == 0)
        return;
    ms_u128 magnitude = value < 0 ? -(ms_u128)value : (ms_u128)value;
    unsigned bit = shift % 64, w = shift / 64;
    uint64_t parts[3] = { (uint64_t)magnitude << bit,
                          bit ? (uint64_t)(magnitude >> (64 - bit)) : (uint64_t)(magnitude >> 64),
                          bit ? (uint64_t)(magnitude >> (128 - bit)) : 0 };
    add_at(sum->word, w, parts[0], parts[1], value < 0);
    if (parts[2] && w + 2 < WORDS)
        add_at(sum->word, w + 2, parts[2], 0, value < 0);
}

void mapscan_exact_sum_add_double(mapscan_exact_sum *sum, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    ms_exact_add_bits(sum, bits);
}

void mapscan_exact_sum_add(mapscan_exact_sum *a, const mapscan_exact_sum *b)
{
    unsigned carry = 0;
    for (unsigned w = 0; w < WORDS; w++) {
        uint64_t t;
        unsigned c1 = __builtin_add_overflow(a->word[w], b->word[w], &t);
        unsigned c2 = __builtin_add_overflow(t, (uint64_t)carry, &a->word[w]);
        carry = c1 | c2;
    }
    a->pos_inf |= b->pos_inf;
    a->neg_inf |= b->neg_inf;
}

/* The magnitude of the two's-complement words; true when negative. */
static bool magnitude(const mapscan_exact_sum *sum, uint64_t *out)
{
    bool negative = sum->word[WORDS - 1] >> 63;
    unsigned carry = 1;
    for (unsigned w = 0; w < WORDS; w++) {
        uint64_t v = negative ? ~sum->word[w] : sum->word[w];
        if (negative) {
            carry = __builtin_add_overflow(v, (uint64_t)carry, &v);
        }
        out[w] = v;
    }
    return negative;
}

/* Bit i of the n-word number x (0 past its end). */
static unsigned bit_at(const uint64_t *x, unsigned n, unsigned i)
{
    return i / 64 < n ? (unsigned)(x[i / 64] >> (i % 64)) & 1u : 0u;
}

/* count (<= 64) bits of x from bit i. */
static uint64_t bits_at(const uint64_t *x, unsigned n, unsigned i, unsigned count)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < count; k++)
        v |= (uint64_t)bit_at(x, n, i + k) << k;
    return v;
}

/* Whether any of the bits of x below bit i is set. */
static bool any_below(const uint64_t *x, unsigned n, unsigned i)
{
    for (unsigned w = 0; w < n && w * 64 < i; w++) {
        unsigned take = i - w * 64;
        uint64_t mask = take >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << take) - 1);
        if (x[w] & mask)
            return true;
    }
    return false;
}

/* x (n words, a magnitude) times 2^scale, plus less than one unit when
 * sticky, rounded to the nearest binary64, ties to even. */
static double round_magnitude(const uint64_t *x, unsigned n, int scale, bool sticky)
{
    int top = -1;
    for (int w = (int)n - 1; w >= 0 && top < 0; w--)
        if (x[w])
            top = w * 64 + 63 - __builtin_clzll(x[w]);
    if (top < 0)
        return 0.0;     /* less than one unit of 2^scale <= 2^-1076: below half the smallest subnormal */
    int exponent = top + scale;
    if (exponent >= 1024)
        return INFINITY;
    int last = exponent - 52 > -1074 ? exponent - 52 : -1074;
    int drop = last - scale;
    if (drop <= 0)
        return ldexp((double)bits_at(x, n, 0, (unsigned)top + 1), scale);
    uint64_t mantissa = bits_at(x, n, (unsigned)drop, (unsigned)(top - drop + 1 > 0 ? top - drop + 1 : 0));
    bool guard = bit_at(x, n, (unsigned)drop - 1);
    bool rest = sticky || any_below(x, n, (unsigned)drop - 1);
    if (guard && (rest || (mantissa & 1)))
        mantissa++;
    return ldexp((double)mantissa, last);     /* 2^53 at most: exact, or infinity past the range */
}

static double infinities(const mapscan_exact_sum *sum)
{
    if (sum->pos_inf && sum->neg_inf)
        return NAN;
    return sum->pos_inf ? INFINITY : -INFINITY;
}

double mapscan_exact_sum_round(const mapscan_exact_sum *sum)
{
    if (sum->pos_inf || sum->neg_inf)
        return infinities(sum);
    uint64_t m[WORDS];
    bool negative = magnitude(sum, m);
    ms_fp_saved fp = ms_fp_enter();
    double v = round_magnitude(m, WORDS, -1074, false);
    ms_fp_leave(fp);
    return negative ? -v : v;
}

double mapscan_exact_sum_divide(const mapscan_exact_sum *sum, uint64_t n)
{
    if (sum->pos_inf || sum->neg_inf)
        return infinities(sum);
    if (n == 0)
        return NAN;
    uint64_t m[WORDS + 1];
    bool negative = magnitude(sum, m);
    /* Two guard bits: the magnitude times 4, in WORDS + 1 words. */
    m[WORDS] = m[WORDS - 1] >> 62;
    for (unsigned w = WORDS - 1; w > 0; w--)
        m[w] = (m[w] << 2) | (m[w - 1] >> 62);
    m[0] <<= 2;
    /* Long division by n, 32 bits at a time from the top. */
    uint64_t q[WORDS + 1];
    unsigned __int128 rem = 0;
    for (int w = WORDS; w >= 0; w--) {
        uint64_t high = 0, low = 0;
        for (int half = 1; half >= 0; half--) {
            rem = (rem << 32) | ((m[w] >> (32 * half)) & 0xffffffffu);
            uint64_t digit = (uint64_t)(rem / n);
            rem %= n;
            if (half)
                high = digit;
            else
                low = digit;
        }
        q[w] = (high << 32) | low;
    }
    ms_fp_saved fp = ms_fp_enter();
    double v = round_magnitude(q, WORDS + 1, -1076, rem != 0);
    ms_fp_leave(fp);
    return negative ? -v : v;
}
