/* The wide integers of src/stats/wide.c: the word arithmetic against
 * __int128 and against its own identities; every rounding checked by a
 * verifier that never divides (the exact value compared with the midpoints
 * on either side of the result, by multiplication and shifts), and against
 * the hardware's own correctly rounded division and fma where the operands
 * are exact doubles; exact ties built both ways, the subnormals, overflow;
 * the variance and the interpolation against hand results, independent
 * exact fractions and long double. */
#include "../src/stats/wide.h"

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- helpers ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random integer in [lo, hi]. */
static int64_t rnd_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static ms_wide wide(ms_i128 v)
{
    ms_wide a;
    ms_wide_from_i128(&a, v);
    return a;
}

static ms_wide wide_u128(ms_u128 v)
{
    uint64_t words[2] = { (uint64_t)v, (uint64_t)(v >> 64) };
    ms_wide a;
    ms_wide_from_words(&a, words, 2, false);
    return a;
}

static ms_wide pow2(unsigned k)
{
    ms_wide a = wide(1);
    ms_wide_shl(&a, k);
    return a;
}

static ms_wide negated(const ms_wide *a)
{
    ms_wide z = wide(0);
    ms_wide_sub(&z, a);
    return z;
}

static ms_wide times(const ms_wide *a, const ms_wide *b)
{
    ms_wide out;
    ms_wide_mul(&out, a, b);
    return out;
}

static bool same(const ms_wide *a, const ms_wide *b)
{
    return memcmp(a->w, b->w, sizeof a->w) == 0;
}

/* The value, which must fit in 128 bits (the words above are its sign). */
static ms_i128 to_i128(const ms_wide *a)
{
    uint64_t fill = a->w[1] >> 63 ? ~(uint64_t)0 : 0;
    for (unsigned i = 2; i < MS_WIDE_WORDS; i++)
        cr_assert_eq(a->w[i], fill, "word %u is not the sign extension", i);
    return (ms_i128)(((ms_u128)a->w[1] << 64) | a->w[0]);
}

/* Bits in a non-negative value. */
static int bit_length(const ms_wide *a)
{
    for (int i = MS_WIDE_WORDS - 1; i >= 0; i--)
        if (a->w[i])
            return i * 64 + 64 - __builtin_clzll(a->w[i]);
    return 0;
}

/* A random value of exactly bits bits (bits >= 1), negative when asked. */
static ms_wide random_wide(unsigned bits, bool negative)
{
    ms_wide a = wide(0);
    for (unsigned i = 0; i * 64 < bits; i++)
        a.w[i] = rnd();
    unsigned top = bits - 1;
    if ((top + 1) % 64)
        a.w[top / 64] &= ((uint64_t)1 << ((top + 1) % 64)) - 1;
    a.w[top / 64] |= (uint64_t)1 << (top % 64);
    return negative ? negated(&a) : a;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

#define assert_same_double(got, want) \
    cr_assert_eq(bits_of(got), bits_of(want), "got %a, want %a", (got), (want))

/* ---- the verifier: no division ---- */

/* v = m * 2^e for v >= 0 (infinity read as 2^1024). */
static void dyadic(double v, ms_u128 *m, int *e)
{
    if (isinf(v)) {
        *m = 1;
        *e = 1024;
    } else if (v == 0) {
        *m = 0;
        *e = 0;
    } else {
        int ex;
        double f = frexp(v, &ex);
        *m = (ms_u128)(uint64_t)ldexp(f, 53);
        *e = ex - 53;
    }
}

/* (x + y) / 2 = m * 2^g. */
static void midpoint(double x, double y, ms_u128 *m, int *g)
{
    ms_u128 mx, my;
    int ex, ey;
    dyadic(x, &mx, &ex);
    dyadic(y, &my, &ey);
    if (mx == 0)
        ex = ey;
    int low = ex < ey ? ex : ey;
    cr_assert(ex - low < 100 && ey - low < 100);
    *m = (mx << (ex - low)) + (my << (ey - low));
    *g = low - 1;
}

/* The sign of num * 2^scale - m * 2^g * den, for num >= 0, den > 0. */
static int compare(const ms_wide *num, const ms_wide *den, int scale, ms_u128 m, int g)
{
    ms_wide a = *num, mw = wide_u128(m), b = times(den, &mw);
    long la = bit_length(&a), lb = bit_length(&b);
    if (la == 0 || lb == 0)
        return (la > 0) - (lb > 0);
    long sa = scale > g ? (long)scale - g : 0, sb = g > scale ? (long)g - scale : 0;
    if (la + sa != lb + sb)
        return la + sa > lb + sb ? 1 : -1;
    cr_assert_lt(la + sa, 4600, "the verifier's numbers are too wide");
    ms_wide_shl(&a, (unsigned)sa);
    ms_wide_shl(&b, (unsigned)sb);
    ms_wide_sub(&a, &b);
    return ms_wide_sign(&a);
}

/* Whether r is num / den * 2^scale rounded to nearest, ties to even: the
 * exact value lies between the midpoints to r's neighbours (on one only
 * when r is even), zero is +0, and the sign is num's. */
static bool rounds_to(const ms_wide *num_in, const ms_wide *den, int scale, double r)
{
    int s = ms_wide_sign(num_in);
    if (s == 0)
        return bits_of(r) == 0;
    if ((signbit(r) != 0) != (s < 0) || isnan(r))
        return false;
    ms_wide num = s < 0 ? negated(num_in) : *num_in;
    double a = fabs(r);
    bool even = !(bits_of(a) & 1);
    ms_u128 m;
    int g;
    if (a > 0) {
        midpoint(nextafter(a, 0), a, &m, &g);
        int c = compare(&num, den, scale, m, g);
        if (c < 0 || (c == 0 && !even))
            return false;
    }
    if (!isinf(a)) {
        midpoint(a, nextafter(a, INFINITY), &m, &g);
        int c = compare(&num, den, scale, m, g);
        if (c > 0 || (c == 0 && !even))
            return false;
    }
    return true;
}

static void check_ratio(const ms_wide *num, const ms_wide *den, int scale)
{
    double r = ms_wide_ratio(num, den, scale);
    cr_assert(rounds_to(num, den, scale, r), "ratio at scale %d gave %a, not the rounded value", scale, r);
}

/* The hardware's correctly rounded division of two exact doubles: num *
 * 2^scale / den for |num|, den < 2^53, when the scale splits into two
 * exponents that keep both operands normal. */
static bool hardware_ratio(int64_t num, uint64_t den, int scale, double *out)
{
    if (num == 0) {
        *out = 0.0;
        return true;
    }
    uint64_t an = num < 0 ? -(uint64_t)num : (uint64_t)num;
    int tn = 63 - __builtin_clzll(an), td = 63 - __builtin_clzll(den);
    int low1 = -1022 - tn, high1 = 1023 - tn, low2 = scale - 1022 - td, high2 = scale + 1023 - td;
    int s1 = low1 > low2 ? low1 : low2;
    if (s1 > (high1 < high2 ? high1 : high2))
        return false;
    *out = ldexp((double)num, s1) / ldexp((double)den, s1 - scale);
    return true;
}

/* ---- the words ---- */

Test(wide, primitives_match_int128)
{
    for (int i = 0; i < 20000; i++) {
        int64_t x = (int64_t)rnd() >> (rnd() % 64), y = (int64_t)rnd() >> (rnd() % 64);
        ms_wide a = wide(x), b = wide(y), t;
        t = a;
        ms_wide_add(&t, &b);
        cr_assert(to_i128(&t) == (ms_i128)x + y);
        t = a;
        ms_wide_sub(&t, &b);
        cr_assert(to_i128(&t) == (ms_i128)x - y);
        t = times(&a, &b);
        cr_assert(to_i128(&t) == (ms_i128)x * y);
        t = a;
        ms_wide_mul_u64(&t, (uint64_t)y >> 1);
        cr_assert(to_i128(&t) == (ms_i128)x * (ms_i128)((uint64_t)y >> 1));
        unsigned k = (unsigned)(rnd() % 64);
        t = a;
        ms_wide_shl(&t, k);
        cr_assert(to_i128(&t) == (ms_i128)((ms_u128)(ms_i128)x << k));
        cr_assert_eq(ms_wide_sign(&a), (x > 0) - (x < 0));
        ms_i128 big = (ms_i128)((ms_u128)rnd() << 64 | rnd());
        t = wide(big);
        cr_assert(to_i128(&t) == big);
    }
}

Test(wide, words_extend_by_sign_or_zeros)
{
    uint64_t words[3] = { 5, 0, (uint64_t)1 << 63 };
    ms_wide a;
    ms_wide_from_words(&a, words, 3, true);
    cr_assert_eq(a.w[0], 5);
    cr_assert_eq(a.w[2], (uint64_t)1 << 63);
    for (unsigned i = 3; i < MS_WIDE_WORDS; i++)
        cr_assert_eq(a.w[i], ~(uint64_t)0);
    cr_assert_eq(ms_wide_sign(&a), -1);
    ms_wide_from_words(&a, words, 3, false);
    for (unsigned i = 3; i < MS_WIDE_WORDS; i++)
        cr_assert_eq(a.w[i], 0);
    cr_assert_eq(ms_wide_sign(&a), 1);
    ms_wide_from_words(&a, words, 0, true);
    cr_assert_eq(ms_wide_sign(&a), 0);
    uint64_t all[MS_WIDE_WORDS];
    for (unsigned i = 0; i < MS_WIDE_WORDS; i++)
        all[i] = rnd();
    ms_wide_from_words(&a, all, MS_WIDE_WORDS, true);
    cr_assert(memcmp(a.w, all, sizeof all) == 0);
    ms_wide m = wide(INT64_MIN);
    uint64_t min_word = (uint64_t)1 << 63;
    ms_wide_from_words(&a, &min_word, 1, true);
    cr_assert(same(&a, &m));
}

/* Products of numbers thousands of bits long: the ring's identities, the
 * shift as a power of two, wrapping at the top, aliasing. */
Test(wide, products_of_wide_numbers_keep_the_identities)
{
    for (int i = 0; i < 200; i++) {
        ms_wide a = random_wide(1 + rnd() % 1500, rnd() & 1), b = random_wide(1 + rnd() % 1500, rnd() & 1);
        ms_wide c = random_wide(1 + rnd() % 1500, rnd() & 1);
        ms_wide ab = times(&a, &b), l = times(&ab, &c), bc = times(&b, &c), r = times(&a, &bc);
        cr_assert(same(&l, &r), "(ab)c != a(bc)");
        ms_wide sum = b;
        ms_wide_add(&sum, &c);
        l = times(&a, &sum);
        r = times(&a, &c);
        ms_wide_add(&r, &ab);
        cr_assert(same(&l, &r), "a(b+c) != ab+ac");
        unsigned k = (unsigned)(rnd() % 3000);
        ms_wide p = pow2(k), shifted = a;
        ms_wide_shl(&shifted, k);
        l = times(&a, &p);
        cr_assert(same(&shifted, &l), "a << %u != a * 2^%u", k, k);
        uint64_t m = rnd();
        ms_wide mw = wide_u128(m);
        l = a;
        ms_wide_mul_u64(&l, m);
        r = times(&a, &mw);
        cr_assert(same(&l, &r), "mul_u64 != mul");
        l = a;
        ms_wide_mul(&l, &l, &b);     /* out aliases a */
        cr_assert(same(&l, &ab));
        l = b;
        ms_wide_mul(&l, &a, &l);     /* out aliases b */
        cr_assert(same(&l, &ab));
        l = a;
        ms_wide_mul(&l, &l, &l);     /* a squared in place */
        r = times(&a, &a);
        cr_assert(same(&l, &r));
        ms_wide na = negated(&a), nb = negated(&b);
        l = times(&na, &nb);
        cr_assert(same(&l, &ab), "(-a)(-b) != ab");
    }
    ms_wide top = pow2(MS_WIDE_WORDS * 64 - 1), t = top;
    cr_assert_eq(ms_wide_sign(&top), -1);
    ms_wide_shl(&t, 1);
    cr_assert_eq(ms_wide_sign(&t), 0, "2^4608 wraps to 0");
    t = pow2(MS_WIDE_WORDS * 64);
    cr_assert_eq(ms_wide_sign(&t), 0);
    ms_wide m1 = wide(-1);
    t = times(&m1, &m1);
    cr_assert(to_i128(&t) == 1);
    ms_wide f = wide_u128(UINT64_MAX);
    t = times(&f, &f);     /* 2^128 - 2^65 + 1: two words, positive */
    cr_assert(t.w[0] == 1 && t.w[1] == UINT64_MAX - 1 && bit_length(&t) == 128);
    t = m1;
    ms_wide_mul_u64(&t, UINT64_MAX);
    cr_assert(to_i128(&t) == -(ms_i128)UINT64_MAX);
}

Test(wide, doubles_become_integer_units)
{
    ms_wide a, want;
    ms_wide_from_double(&a, 1.0);
    want = pow2(1074);
    cr_assert(same(&a, &want));
    ms_wide_from_double(&a, 0x1p-1074);
    want = wide(1);
    cr_assert(same(&a, &want));
    ms_wide_from_double(&a, -0.0);
    cr_assert_eq(ms_wide_sign(&a), 0);
    ms_wide_from_double(&a, -0x1.8p-1073);     /* -3 units */
    cr_assert(to_i128(&a) == -3);
    ms_wide_from_double(&a, 0x1.ffffffffffffep-1023);     /* the largest subnormal */
    cr_assert(to_i128(&a) == ((ms_i128)1 << 52) - 1);
    ms_wide_from_double(&a, DBL_MIN);
    cr_assert(to_i128(&a) == (ms_i128)1 << 52);
    ms_wide_from_double(&a, -DBL_MAX);
    want = wide(((ms_i128)1 << 53) - 1);
    ms_wide_shl(&want, 971 + 1074);
    want = negated(&want);
    cr_assert(same(&a, &want));
    ms_wide one = wide(1);
    for (int i = 0; i < 20000; i++) {
        double v = ldexp((double)(int64_t)(rnd() >> 11) * ((rnd() & 1) ? 1 : -1), (int)rnd_range(-1140, 970));
        ms_wide_from_double(&a, v);
        assert_same_double(ms_wide_ratio(&a, &one, -1074), v == 0 ? 0.0 : v);
        /* an independent reading of a normal value: frexp's 53-bit mantissa, shifted */
        if (fabs(v) >= DBL_MIN) {
            int e;
            ms_wide w = wide((ms_i128)ldexp(frexp(v, &e), 53));
            ms_wide_shl(&w, (unsigned)(e - 53 + 1074));
            cr_assert(same(&a, &w));
        }
    }
}

/* ---- the ratio ---- */

Test(wide, ratio_matches_the_hardware_division)
{
    static const uint64_t dens[] = { 1, 2, 3, 7, 10, 1000000007, ((uint64_t)1 << 53) - 1 };
    int checked = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t num = (int64_t)(rnd() >> (11 + rnd() % 53)) * ((rnd() & 1) ? 1 : -1);
        uint64_t den = i % 2 ? dens[i / 2 % (sizeof dens / sizeof dens[0])] : (rnd() >> (11 + rnd() % 53)) | 1;
        int e = (int)rnd_range(-1140, 1090);
        int tn = num ? 63 - __builtin_clzll(num < 0 ? -(uint64_t)num : (uint64_t)num) : 0;
        int scale = e - (tn - (63 - __builtin_clzll(den)));
        double want;
        if (!hardware_ratio(num, den, scale, &want))
            continue;
        ms_wide n = wide(num), d = wide(den);
        double got = ms_wide_ratio(&n, &d, scale);
        cr_assert_eq(bits_of(got), bits_of(want), "%lld / %llu * 2^%d: got %a, want %a", (long long)num,
                     (unsigned long long)den, scale, got, want);
        if (i % 16 == 0)
            cr_assert(rounds_to(&n, &d, scale, got));
        checked++;
    }
    cr_assert_gt(checked, 150000);
}

Test(wide, the_verifier_refuses_a_neighbour)
{
    for (int i = 0; i < 2000; i++) {
        ms_wide n = random_wide(1 + rnd() % 300, rnd() & 1), d = random_wide(1 + rnd() % 200, false);
        int scale = (int)rnd_range(-1200, 1100) - (bit_length(&n) - bit_length(&d));
        double r = ms_wide_ratio(&n, &d, scale);
        cr_assert(rounds_to(&n, &d, scale, r));
        if (r != 0 && !isinf(r))
            cr_assert(!rounds_to(&n, &d, scale, nextafter(r, 0)));
        if (!isinf(r))
            cr_assert(!rounds_to(&n, &d, scale, nextafter(r, r < 0 || signbit(r) ? -INFINITY : INFINITY)));
    }
}

/* (2m + 1) * 2^p for a 53-bit m: exactly halfway between m and m + 1 at
 * 2^(p+1); the even one wins. One unit of the numerator more or less, at
 * any depth below, decides it; so does a remainder of a division by 3.
 * The numerator is (2m + 1) * 2^(a + j), the denominator 2^j, the scale
 * p - a. */
static void expect_ratio(const ms_wide *num, const ms_wide *den, int scale, bool negative, double want)
{
    ms_wide n = negative ? negated(num) : *num;
    double r = ms_wide_ratio(&n, den, scale);
    if (negative)
        want = -want;
    cr_assert_eq(bits_of(r), bits_of(want), "scale %d: got %a, want %a", scale, r, want);
}

static void check_tie(ms_i128 m, int p, unsigned a, unsigned j, bool negative)
{
    ms_wide n = wide(2 * m + 1), d = pow2(j), one = wide(1), three = wide(3);
    ms_wide_shl(&n, a + j);
    int scale = p - (int)a;
    double even = ldexp((double)(m + (m & 1)), p + 1), up = ldexp((double)(m + 1), p + 1),
           down = ldexp((double)m, p + 1);
    expect_ratio(&n, &d, scale, negative, even);
    ms_wide t = n;
    ms_wide_add(&t, &one);
    expect_ratio(&t, &d, scale, negative, up);
    if (a + j) {
        t = n;
        ms_wide_sub(&t, &one);
        expect_ratio(&t, &d, scale, negative, down);
    }
    ms_wide n3 = times(&n, &three), d3 = times(&d, &three);
    ms_wide_add(&n3, &one);     /* a third of the numerator's unit above halfway */
    expect_ratio(&n3, &d3, scale, negative, up);
    ms_wide_sub(&n3, &one);
    ms_wide_sub(&n3, &one);     /* and below */
    expect_ratio(&n3, &d3, scale, negative, down);
}

Test(wide, exact_ties_go_to_even_both_ways)
{
    static const unsigned shifts[] = { 0, 1, 2, 63, 64, 65, 127, 1000, 2100 };
    static const ms_i128 ms[] = { (ms_i128)1 << 52, ((ms_i128)1 << 52) + 1, ((ms_i128)1 << 53) - 1,
                                  ((ms_i128)1 << 53) - 2, 0x1234567890abcdLL | ((ms_i128)1 << 52) };
    static const int ps[] = { -1075, -1074, -1000, -600, -54, -53, -1, 0, 1, 500, 969, 970 };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
            for (size_t a = 0; a < sizeof shifts / sizeof shifts[0]; a++)
                for (size_t j = 0; j < 3; j++) {
                    check_tie(ms[i], ps[k], shifts[a], shifts[(a + 3 * j) % 9], false);
                    check_tie(ms[i], ps[k], shifts[a], shifts[(a + 3 * j) % 9], true);
                }
    for (int i = 0; i < 3000; i++) {
        ms_i128 m = ((ms_i128)1 << 52) | (ms_i128)(rnd() >> 12);
        check_tie(m, (int)rnd_range(-1075, 970), (unsigned)(rnd() % 1500), (unsigned)(rnd() % 1500), rnd() & 1);
    }
}

/* Ties at the subnormals' fixed step: (2m + 1) * 2^-1075, m < 2^52, and
 * the climb from the largest subnormal to the smallest normal. */
Test(wide, subnormals_round_at_their_fixed_step)
{
    ms_wide one = wide(1);
    for (int i = 0; i < 20000; i++) {
        ms_i128 m = i < 100 ? i : (ms_i128)(rnd() >> (12 + rnd() % 52));
        if (i == 100)
            m = ((ms_i128)1 << 52) - 1;
        unsigned a = (unsigned)(rnd() % 200);
        ms_wide n = wide(2 * m + 1), d = pow2(a);
        ms_wide_mul(&n, &n, &d);
        double want = ldexp((double)(m + (m & 1)), -1074);
        assert_same_double(ms_wide_ratio(&n, &d, -1075), want);
        ms_wide nn = negated(&n);
        assert_same_double(ms_wide_ratio(&nn, &d, -1075), -want);
        ms_wide up = n;
        ms_wide_add(&up, &one);
        assert_same_double(ms_wide_ratio(&up, &d, -1075), ldexp((double)(m + 1), -1074));
    }
    ms_wide n = wide(1), d = wide(1), two = wide(2), three = wide(3), four = wide(4);
    assert_same_double(ms_wide_ratio(&n, &d, -1074), 0x1p-1074);
    assert_same_double(ms_wide_ratio(&n, &two, -1074), 0.0);     /* half the smallest: to even, 0 */
    assert_same_double(ms_wide_ratio(&n, &three, -1074), 0.0);
    n = wide(2);
    assert_same_double(ms_wide_ratio(&n, &three, -1074), 0x1p-1074);
    n = wide(-1);
    assert_same_double(ms_wide_ratio(&n, &two, -1074), -0.0);
    assert_same_double(ms_wide_ratio(&n, &d, -1074), -0x1p-1074);
    n = wide(3);
    assert_same_double(ms_wide_ratio(&n, &four, -1074), 0x1p-1074);
    n = wide(((ms_i128)1 << 53) - 1);     /* 2^52 - 1/2 units: to the even, the smallest normal */
    assert_same_double(ms_wide_ratio(&n, &two, -1074), DBL_MIN);
    n = wide(((ms_i128)1 << 54) - 1);     /* 2^52 - 1/4 units */
    assert_same_double(ms_wide_ratio(&n, &four, -1074), DBL_MIN);
    n = wide(((ms_i128)1 << 54) - 3);     /* 2^52 - 3/4 units: the largest subnormal */
    assert_same_double(ms_wide_ratio(&n, &four, -1074), 0x1.ffffffffffffep-1023);
    n = wide(((ms_i128)1 << 52) - 1);
    assert_same_double(ms_wide_ratio(&n, &d, -1074), 0x1.ffffffffffffep-1023);
    n = wide(1);
    assert_same_double(ms_wide_ratio(&n, &d, -6000), 0.0);
    assert_same_double(ms_wide_ratio(&n, &d, -1076), 0.0);
    n = wide(3);
    assert_same_double(ms_wide_ratio(&n, &d, -1076), 0x1p-1074);
    n = wide(0);
    assert_same_double(ms_wide_ratio(&n, &d, 0), 0.0);
    assert_same_double(ms_wide_ratio(&n, &three, -4000), 0.0);
    /* a huge numerator and denominator meeting at the bottom */
    n = pow2(4400);
    d = times(&three, &n);
    ms_wide_add(&n, &one);
    assert_same_double(ms_wide_ratio(&n, &d, -1072), 0x1p-1074);     /* 4/3 units: 1 */
    assert_same_double(ms_wide_ratio(&n, &d, -1073), 0x1p-1074);     /* 2/3 units: 1 */
    assert_same_double(ms_wide_ratio(&n, &d, -1071), 0x1.8p-1073);     /* 8/3 units: 3 */
    assert_same_double(ms_wide_ratio(&n, &d, -1070), 0x1.4p-1072);     /* 16/3 units: 5 */
}

Test(wide, overflow_is_infinity_and_dbl_max_is_exact)
{
    ms_wide one = wide(1), n = wide(((ms_i128)1 << 53) - 1);
    assert_same_double(ms_wide_ratio(&n, &one, 971), DBL_MAX);
    n = negated(&n);
    assert_same_double(ms_wide_ratio(&n, &one, 971), -DBL_MAX);
    n = wide(((ms_i128)1 << 54) - 1);     /* DBL_MAX + half a step: to the even, 2^1024 */
    assert_same_double(ms_wide_ratio(&n, &one, 970), INFINITY);
    n = negated(&n);
    assert_same_double(ms_wide_ratio(&n, &one, 970), -INFINITY);
    n = wide(((ms_i128)1 << 55) - 3);     /* a quarter step above DBL_MAX */
    assert_same_double(ms_wide_ratio(&n, &one, 969), DBL_MAX);
    n = wide(1);
    assert_same_double(ms_wide_ratio(&n, &one, 1023), 0x1p1023);
    assert_same_double(ms_wide_ratio(&n, &one, 1024), INFINITY);
    assert_same_double(ms_wide_ratio(&n, &one, 50000), INFINITY);
    /* DBL_MAX as units of 2^-1074 over one: exact; over a big denominator too */
    ms_wide_from_double(&n, DBL_MAX);
    assert_same_double(ms_wide_ratio(&n, &one, -1074), DBL_MAX);
    ms_wide d = random_wide(2000, false), nd = times(&n, &d);
    assert_same_double(ms_wide_ratio(&nd, &d, -1074), DBL_MAX);
    ms_wide_add(&nd, &d);
    assert_same_double(ms_wide_ratio(&nd, &d, -1074), DBL_MAX);
    ms_wide_from_double(&n, -DBL_MAX);
    ms_wide two = wide(2);
    nd = times(&n, &two);
    assert_same_double(ms_wide_ratio(&nd, &one, -1074), -INFINITY);
    assert_same_double(ms_wide_ratio(&nd, &two, -1074), -DBL_MAX);
}

/* Denominators that are not powers of two, numerators and scales across
 * the whole range, all through the verifier. */
Test(wide, ratio_of_wide_numbers_rounds_once)
{
    ms_wide dens[8];
    dens[0] = wide(3);
    dens[1] = wide(7);
    dens[2] = wide(10);
    dens[3] = wide_u128(UINT64_MAX);
    dens[4] = wide_u128((ms_u128)UINT64_MAX * UINT64_MAX);
    dens[5] = pow2(4000);
    ms_wide_sub(&dens[5], &dens[0]);
    for (int i = 0; i < 3000; i++) {
        dens[6] = random_wide(1 + rnd() % 4400, false);
        dens[7] = random_wide(1 + rnd() % 128, false);
        const ms_wide *d = &dens[i % 8];
        ms_wide n = random_wide(1 + rnd() % 4400, rnd() & 1);
        int e = i % 4 == 0 ? (int)rnd_range(-1130, -1070) : i % 4 == 1 ? (int)rnd_range(1015, 1030)
                                                                         : (int)rnd_range(-1200, 1100);
        int scale = e - (bit_length(&n) - bit_length(d));
        check_ratio(&n, d, scale);
    }
    /* the brief's extremes: a 4400-bit numerator at scale -4300 */
    ms_wide n = pow2(4400), one = wide(1);
    ms_wide_sub(&n, &one);
    assert_same_double(ms_wide_ratio(&n, &one, -4300), 0x1p100);
    assert_same_double(ms_wide_ratio(&n, &one, -4400 - 1074), 0x1p-1074);
    assert_same_double(ms_wide_ratio(&n, &one, -4400 - 1075), 0.0);     /* just under half: 0 */
    ms_wide u = wide_u128(UINT64_MAX), u2 = times(&u, &u), five = wide(5), n5 = times(&u2, &five);
    assert_same_double(ms_wide_ratio(&n5, &u2, 0), 5.0);
    assert_same_double(ms_wide_ratio(&u, &u, -3), 0.125);
    ms_wide ten = wide(10);
    assert_same_double(ms_wide_ratio(&one, &ten, 0), 0.1);
    ms_wide m7 = wide(-7), three = wide(3);
    assert_same_double(ms_wide_ratio(&m7, &three, 0), -7.0 / 3.0);
}

/* ---- the variance ---- */

/* s1 and s2 of count copies of v (units 2^0), added to the sums. */
static void add_copies(ms_wide *s1, ms_wide *s2, const ms_wide *v, uint64_t count)
{
    ms_wide t = *v, sq = times(v, v);
    ms_wide_mul_u64(&t, count);
    ms_wide_mul_u64(&sq, count);
    ms_wide_add(s1, &t);
    ms_wide_add(s2, &sq);
}

Test(wide, variance_of_constants_is_zero)
{
    static const int64_t ints[] = { 0, 1, -1, 12345, INT64_MIN, INT64_MAX };
    static const uint64_t ns[] = { 1, 2, 3, 1000, (uint64_t)1 << 40, UINT64_MAX };
    static const double floats[] = { 0.0, DBL_MAX, -DBL_MAX, 0x1p-1074, -3.5, DBL_MIN };
    for (size_t i = 0; i < 6; i++)
        for (size_t k = 0; k < 6; k++)
            for (uint64_t ddof = 0; ddof < 2 && ddof < ns[k]; ddof++) {
                ms_wide s1 = wide(0), s2 = wide(0), v = wide(ints[i]);
                add_copies(&s1, &s2, &v, ns[k]);
                assert_same_double(ms_wide_variance(ns[k], ddof, &s1, &s2, 0), 0.0);
                s1 = wide(0);
                s2 = wide(0);
                ms_wide_from_double(&v, floats[i]);
                add_copies(&s1, &s2, &v, ns[k]);
                assert_same_double(ms_wide_variance(ns[k], ddof, &s1, &s2, -1074), 0.0);
            }
}

/* Two integers a, b: (a - b)^2 / 4, or / 2 with ddof 1, checked through
 * the verifier with that fraction. */
Test(wide, variance_of_two_values)
{
    static const int64_t edges[] = { INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1 };
    for (int i = 0; i < 5000; i++) {
        int64_t a = i < 36 ? edges[i / 6] : (int64_t)rnd() >> (rnd() % 64);
        int64_t b = i < 36 ? edges[i % 6] : (int64_t)rnd() >> (rnd() % 64);
        ms_wide s1 = wide((ms_i128)a + b), s2 = wide((ms_i128)a * a);
        ms_wide bb = wide((ms_i128)b * b);
        ms_wide_add(&s2, &bb);
        ms_i128 diff = (ms_i128)a - b;
        ms_u128 d = (ms_u128)(diff < 0 ? -diff : diff);
        ms_wide sq = wide_u128(d * d), four = wide(4), two = wide(2);
        double v0 = ms_wide_variance(2, 0, &s1, &s2, 0), v1 = ms_wide_variance(2, 1, &s1, &s2, 0);
        cr_assert(rounds_to(&sq, &four, 0, v0), "var(%lld, %lld) = %a", (long long)a, (long long)b, v0);
        cr_assert(rounds_to(&sq, &two, 0, v1));
        cr_assert_eq(v1, 2 * v0);
    }
    /* floats: 0.5 and 1.5 in units of 2^-1 */
    ms_wide s1 = wide(4), s2 = wide(10);
    assert_same_double(ms_wide_variance(2, 0, &s1, &s2, -1), 0.25);
    assert_same_double(ms_wide_variance(2, 1, &s1, &s2, -1), 0.5);
}

/* k copies each of INT64_MIN and INT64_MAX: the mean is -1/2, every
 * deviation (2^64 - 1) / 2. */
Test(wide, variance_at_the_int64_extremes)
{
    static const uint64_t ks[] = { 1, 2, 3, 1000, (uint64_t)1 << 40, (uint64_t)1 << 62, ((uint64_t)1 << 63) - 1 };
    ms_wide lo = wide(INT64_MIN), hi = wide(INT64_MAX), u = wide_u128(UINT64_MAX), u2 = times(&u, &u);
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        uint64_t k = ks[i];
        ms_wide s1 = wide(0), s2 = wide(0);
        add_copies(&s1, &s2, &lo, k);
        add_copies(&s1, &s2, &hi, k);
        cr_assert(to_i128(&s1) == -(ms_i128)k);
        /* (2^128 - 2^65 + 1) / 4 is 2^126 to the nearest double */
        assert_same_double(ms_wide_variance(2 * k, 0, &s1, &s2, 0), 0x1p126);
        /* ddof 1: (2^64 - 1)^2 * 2k / (4 (2k - 1)) */
        ms_wide num = u2, den = wide_u128(4 * ((ms_u128)2 * k - 1));
        ms_wide_mul_u64(&num, 2 * k);
        cr_assert(rounds_to(&num, &den, 0, ms_wide_variance(2 * k, 1, &s1, &s2, 0)));
    }
    /* all n = 2^64 - 1 values INT64_MIN but one INT64_MAX: n s2 - s1^2 = (n - 1)(2^64 - 1)^2 */
    uint64_t n = UINT64_MAX;
    ms_wide s1 = wide(0), s2 = wide(0);
    add_copies(&s1, &s2, &lo, n - 1);
    add_copies(&s1, &s2, &hi, 1);
    ms_wide num = u2, den = wide_u128((ms_u128)n * n);
    ms_wide_mul_u64(&num, n - 1);
    cr_assert(rounds_to(&num, &den, 0, ms_wide_variance(n, 0, &s1, &s2, 0)));
}

/* Random small integers: the exact fraction (from __int128) through the
 * verifier, and a long double two-pass within one step. */
Test(wide, variance_of_random_integers)
{
    static int64_t x[600];
    for (int t = 0; t < 1500; t++) {
        uint64_t n = 2 + rnd() % 599, ddof = rnd() % 2;
        int64_t range = t % 3 == 0 ? 1000 : t % 3 == 1 ? ((int64_t)1 << 40) : 3;
        int64_t offset = t % 5 == 0 ? (int64_t)1 << 45 : 0;
        ms_i128 s1 = 0, s2 = 0;
        for (uint64_t i = 0; i < n; i++) {
            x[i] = offset + rnd_range(-range, range);
            s1 += x[i];
            s2 += (ms_i128)x[i] * x[i];
        }
        ms_wide w1 = wide(s1), w2 = wide(s2);
        double v = ms_wide_variance(n, ddof, &w1, &w2, 0);
        ms_wide num = wide((ms_i128)n * s2 - s1 * s1), den = wide_u128((ms_u128)n * (n - ddof));
        cr_assert(rounds_to(&num, &den, 0, v), "n %llu: %a", (unsigned long long)n, v);
        long double mean = 0, ss = 0;
        for (uint64_t i = 0; i < n; i++)
            mean += x[i];
        mean /= n;
        for (uint64_t i = 0; i < n; i++)
            ss += (x[i] - mean) * (x[i] - mean);
        double ref = (double)(ss / (n - ddof));
        if (offset == 0)
            cr_assert_leq(fabs(v - ref), nextafter(ref, INFINITY) - ref, "%a against %a", v, ref);
    }
}

/* Random doubles (units of 2^-1074), of one binade's scale and of many:
 * long double two-pass within one step where it is near exact. */
Test(wide, variance_of_random_doubles)
{
    static double x[400];
    for (int t = 0; t < 400; t++) {
        uint64_t n = 2 + rnd() % 399, ddof = rnd() % 2;
        int e = (int)rnd_range(-1000, 900);
        ms_wide s1 = wide(0), s2 = wide(0), v;
        for (uint64_t i = 0; i < n; i++) {
            x[i] = ldexp((double)(int64_t)(rnd() >> 10) * ((rnd() & 1) ? 1 : -1), e - 53);
            ms_wide_from_double(&v, x[i]);
            ms_wide sq = times(&v, &v);
            ms_wide_add(&s1, &v);
            ms_wide_add(&s2, &sq);
        }
        double got = ms_wide_variance(n, ddof, &s1, &s2, -1074);
        long double mean = 0, ss = 0;
        for (uint64_t i = 0; i < n; i++)
            mean += ldexpl(x[i], -e);
        mean /= n;
        for (uint64_t i = 0; i < n; i++)
            ss += (ldexpl(x[i], -e) - mean) * (ldexpl(x[i], -e) - mean);
        double ref = (double)ldexpl(ss / (n - ddof), 2 * e);
        if (fabs(ref) < 0x1p-1000 || isinf(ref))
            continue;
        cr_assert_leq(fabs(got - ref), nextafter(ref, INFINITY) - ref, "%a against %a", got, ref);
    }
    double one[2][2] = { { 0, 0x1p-537 }, { 0, 0x1p-536 } };
    double want[2] = { 0.0, 0x1p-1074 };
    for (int i = 0; i < 2; i++) {
        ms_wide s1 = wide(0), s2 = wide(0), v;
        for (int k = 0; k < 2; k++) {
            ms_wide_from_double(&v, one[i][k]);
            ms_wide sq = times(&v, &v);
            ms_wide_add(&s1, &v);
            ms_wide_add(&s2, &sq);
        }
        assert_same_double(ms_wide_variance(2, 0, &s1, &s2, -1074), want[i]);
    }
}

static double variance_of(const double *v, uint64_t n, uint64_t ddof)
{
    ms_wide s1 = wide(0), s2 = wide(0), w;
    for (uint64_t i = 0; i < n; i++) {
        ms_wide_from_double(&w, v[i]);
        ms_wide sq = times(&w, &w);
        ms_wide_add(&s1, &w);
        ms_wide_add(&s2, &sq);
    }
    return ms_wide_variance(n, ddof, &s1, &s2, -1074);
}

Test(wide, variance_by_hand)
{
    assert_same_double(variance_of((double[]){ 1, 2, 3, 4 }, 4, 0), 1.25);
    assert_same_double(variance_of((double[]){ 1, 2, 3, 4 }, 4, 1), 5.0 / 3.0);
    assert_same_double(variance_of((double[]){ DBL_MAX, -DBL_MAX }, 2, 0), INFINITY);
    assert_same_double(variance_of((double[]){ DBL_MAX, 0 }, 2, 0), INFINITY);
    assert_same_double(variance_of((double[]){ DBL_MAX, DBL_MAX, DBL_MAX }, 3, 1), 0.0);
    assert_same_double(variance_of((double[]){ 0x1p511, -0x1p511 }, 2, 0), 0x1p1022);
    assert_same_double(variance_of((double[]){ 0x1p511, -0x1p511 }, 2, 1), 0x1p1023);
    assert_same_double(variance_of((double[]){ 0x1p512, -0x1p512 }, 2, 0), INFINITY);
    assert_same_double(variance_of((double[]){ 0, 0x1.8p-537 }, 2, 0), 0x1p-1074);     /* 9/16 of a step */
    assert_same_double(variance_of((double[]){ 0x1p-1074, 0, -0x1p-1074 }, 3, 0), 0.0);
    /* the exact variances of these doubles (Python's fractions, then float) */
    assert_same_double(variance_of((double[]){ 0.1, 0.2, 0.3 }, 3, 1), 0x1.47ae147ae147ap-7);
    assert_same_double(variance_of((double[]){ 1e150, -2.5e149, 3.0 }, 3, 0), 0x1.bdf9bf4008935p+994);
    assert_same_double(variance_of((double[]){ 1e-160, 3e-160, 7e-161 }, 3, 1), 0x0.0000000000c5cp-1022);
    assert_same_double(variance_of((double[]){ 1e-160, 3e-160, 7e-161 }, 3, 0), 0x0.000000000083dp-1022);
}

/* ---- the interpolation ---- */

/* lo + frac(q (n - 1)) (hi - lo) as an exact fraction over 2^k, worked out
 * with frexp and __int128, and checked through the verifier. */
static void check_interpolation(const ms_wide *lo, const ms_wide *hi, double q, uint64_t n, int scale)
{
    double r = ms_wide_interpolate(lo, hi, q, n, scale);
    ms_wide num = *lo, den = wide(1);
    int k = 0;
    if (q > 0 && n > 1) {
        int ex;
        ms_u128 m = (ms_u128)(uint64_t)ldexp(frexp(q, &ex), 53), p = m * (n - 1);
        k = 53 - ex;
        if (k > 0) {
            ms_u128 f = k >= 128 ? p : p - ((p >> k) << k);
            ms_wide fw = wide_u128(f), step = *hi;
            ms_wide_sub(&step, lo);
            step = times(&step, &fw);
            ms_wide_shl(&num, (unsigned)k);
            ms_wide_add(&num, &step);
            den = pow2((unsigned)k);
        }
    }
    cr_assert(rounds_to(&num, &den, scale, r), "q %a n %llu scale %d: %a", q, (unsigned long long)n, scale, r);
}

Test(wide, interpolation_by_hand)
{
    ms_wide lo = wide(1), hi = wide(2), one = wide(1);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.0, 10, 0), 1.0);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 1.0, 10, 0), 1.0);     /* h whole: lo */
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.5, 5, 0), 1.0);      /* h = 2 */
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.5, 4, 0), 1.5);      /* h = 1.5 */
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.25, 3, 0), 1.5);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.3, 1, 0), 1.0);      /* one value */
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.5, 4, -1), 0.75);
    ms_wide a = wide(-7), b = wide(-3);
    assert_same_double(ms_wide_interpolate(&a, &b, 0.5, 2, 0), -5.0);
    a = wide(-3);
    b = wide(5);
    assert_same_double(ms_wide_interpolate(&a, &b, 0.375, 2, 0), 0.0);      /* exactly zero: +0 */
    /* lo == hi, whatever q */
    for (int i = 0; i < 200; i++) {
        ms_wide v = random_wide(1 + rnd() % 2000, rnd() & 1);
        double q = (double)(rnd() >> 11) * 0x1p-53;
        assert_same_double(ms_wide_interpolate(&v, &v, q, 1 + rnd(), -1074), ms_wide_ratio(&v, &one, -1074));
    }
    /* a step of one unit at 2^-1074: half rounds to even */
    a = wide(0);
    b = wide(1);
    assert_same_double(ms_wide_interpolate(&a, &b, 0.5, 2, -1074), 0.0);
    assert_same_double(ms_wide_interpolate(&a, &b, 0.75, 2, -1074), 0x1p-1074);
    a = wide(1);
    b = wide(2);
    assert_same_double(ms_wide_interpolate(&a, &b, 0.5, 2, -1074), 0x1p-1073);
}

Test(wide, interpolation_of_tiny_q)
{
    ms_wide lo = wide(0), hi = pow2(1000), one = wide(1);
    /* h = 1e-300 * 2^53, exact: the value is h * 2^1000 */
    assert_same_double(ms_wide_interpolate(&lo, &hi, 1e-300, ((uint64_t)1 << 53) + 1, 0), ldexp(1e-300, 1053));
    check_interpolation(&lo, &hi, 1e-300, UINT64_MAX, 0);
    check_interpolation(&lo, &one, 1e-300, UINT64_MAX, 0);
    check_interpolation(&lo, &hi, 0x1p-1074, UINT64_MAX, 0);
    check_interpolation(&lo, &hi, 0x1.fffffffffffffp-1022, UINT64_MAX, 0);
    ms_wide lo2 = wide(-123456789);
    check_interpolation(&lo2, &hi, 1e-300, UINT64_MAX, -1074);
    check_interpolation(&lo2, &hi, 0x1p-1074, 3, -1074);
    assert_same_double(ms_wide_interpolate(&lo2, &hi, 0x1p-1074, 3, 0), -123456789.0);
}

/* The float extremes: lo + frac (hi - lo) is exact integer arithmetic, so
 * nothing overflows before the one rounding. */
Test(wide, interpolation_between_the_float_extremes)
{
    ms_wide lo, hi;
    ms_wide_from_double(&lo, -DBL_MAX);
    ms_wide_from_double(&hi, DBL_MAX);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.5, 2, -1074), 0.0);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.75, 2, -1074), DBL_MAX / 2);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.25, 2, -1074), -DBL_MAX / 2);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.25, 3, -1074), 0.0);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 1.0, 2, -1074), -DBL_MAX);
    assert_same_double(ms_wide_interpolate(&lo, &hi, 0.0, 2, -1074), -DBL_MAX);
    double q = 0x1.fffffffffffffp-1;     /* the largest below 1 */
    assert_same_double(ms_wide_interpolate(&lo, &hi, q, 2, -1074), fma(2 * q, DBL_MAX, -DBL_MAX));
    for (int i = 0; i < 2000; i++) {
        q = (double)(rnd() >> 11) * 0x1p-53;
        assert_same_double(ms_wide_interpolate(&lo, &hi, q, 2, -1074), fma(2 * q, DBL_MAX, -DBL_MAX));
        check_interpolation(&lo, &hi, q, 2 + rnd() % 1000, -1074);
        check_interpolation(&lo, &hi, q, rnd() | 1, -1074);
    }
    ms_wide_from_double(&lo, DBL_MAX);
    assert_same_double(ms_wide_interpolate(&lo, &lo, 0.3, 7, -1074), DBL_MAX);
}

/* Against fma, one rounding of frac * (hi - lo) + lo, where frac, hi - lo
 * and lo are exact doubles; and the exact fraction through the verifier. */
Test(wide, interpolation_matches_fma)
{
    int checked = 0;
    for (int i = 0; i < 50000; i++) {
        uint64_t n = 2 + rnd() % ((uint64_t)1 << 20);
        double q = ldexp((double)(rnd() >> 34), -30 - (int)(rnd() % 4));     /* h = q (n - 1) exact */
        int64_t a = rnd_range(-((int64_t)1 << 40), (int64_t)1 << 40), b = a + rnd_range(0, (int64_t)1 << 40);
        int scale = (int)rnd_range(-1074, 900);
        double h = q * (double)(n - 1), frac = h - floor(h);
        double lo_d = ldexp((double)a, scale), step = ldexp((double)(b - a), scale);
        ms_wide lo = wide(a), hi = wide(b);
        double got = ms_wide_interpolate(&lo, &hi, q, n, scale);
        double want = fma(frac, step, lo_d);
        if (want == 0)
            want = 0.0;     /* an exact zero is +0 */
        cr_assert_eq(bits_of(got), bits_of(want), "%lld..%lld q %a n %llu scale %d: %a, want %a", (long long)a,
                     (long long)b, q, (unsigned long long)n, scale, got, want);
        if (i % 16 == 0)
            check_interpolation(&lo, &hi, q, n, scale);
        checked++;
    }
    /* doubles of any size, where hi - lo is exact */
    int exact_steps = 0;
    for (int i = 0; i < 20000; i++) {
        double x = ldexp((double)(int64_t)(rnd() >> 11) * ((rnd() & 1) ? 1 : -1), (int)rnd_range(-1130, 970));
        double y = x + ldexp((double)(rnd() >> 11), (int)rnd_range(-1130, 970));
        if (isinf(y) || y - x < 0)
            continue;
        double step = y - x;
        ms_wide lo, hi, diff, sw;
        ms_wide_from_double(&lo, x);
        ms_wide_from_double(&hi, y);
        ms_wide_from_double(&sw, step);
        diff = hi;
        ms_wide_sub(&diff, &lo);
        if (!same(&diff, &sw))     /* hi - lo not exact in binary64 */
            continue;
        uint64_t n = 2 + rnd() % 64;
        double q = ldexp((double)(rnd() >> 20), -44), h = q * (double)(n - 1), frac = h - floor(h);
        double want = fma(frac, step, x);
        if (want == 0)
            want = 0.0;
        assert_same_double(ms_wide_interpolate(&lo, &hi, q, n, -1074), want);
        exact_steps++;
    }
    cr_assert_gt(checked, 1000);
    cr_assert_gt(exact_steps, 1000);
}
