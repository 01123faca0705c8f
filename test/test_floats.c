/* The float types: every kernel, type and byte order against the plain
 * reference of float_reference.c (its own decoding, big-integer sum and
 * rounding by search), hostile sums, the rounding functions, merges,
 * threads and records. */
#include "float_reference.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

static const char *const kernel_names[] = { "scalar", "avx2", "avx512" };
#define KERNELS (sizeof kernel_names / sizeof kernel_names[0])
static const mapscan_type float_types[] = { MAPSCAN_F16, MAPSCAN_BF16, MAPSCAN_F32, MAPSCAN_F64 };

static bool host_big(void) { return mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_BIG; }

/* ---- values of each type, as bits ---- */

typedef struct format {
    unsigned exponent_bits, fraction_bits;
} format;

static format format_of(mapscan_type t)
{
    switch (t) {
    case MAPSCAN_F16: return (format){ 5, 10 };
    case MAPSCAN_BF16: return (format){ 8, 7 };
    case MAPSCAN_F32: return (format){ 8, 23 };
    default: return (format){ 11, 52 };
    }
}

static uint64_t make_bits(mapscan_type t, bool negative, uint64_t biased, uint64_t fraction)
{
    format f = format_of(t);
    return (uint64_t)negative << (f.exponent_bits + f.fraction_bits) | biased << f.fraction_bits | fraction;
}

static uint64_t exponent_ones(mapscan_type t) { return ((uint64_t)1 << format_of(t).exponent_bits) - 1; }
static uint64_t fraction_mask(mapscan_type t) { return ((uint64_t)1 << format_of(t).fraction_bits) - 1; }

/* The bits of v in type t; v must be exact there. */
static uint64_t bits_of(mapscan_type t, double v)
{
    format f = format_of(t);
    int bias = (1 << (f.exponent_bits - 1)) - 1;
    bool negative = signbit(v);
    double a = fabs(v);
    if (isnan(v))
        return make_bits(t, negative, exponent_ones(t), (uint64_t)1 << (f.fraction_bits - 1));
    if (isinf(v))
        return make_bits(t, negative, exponent_ones(t), 0);
    if (a == 0)
        return make_bits(t, negative, 0, 0);
    int e;
    frexp(a, &e);   /* a in [2^(e-1), 2^e) */
    int biased = e - 1 + bias;
    uint64_t out;
    if (biased >= 1) {
        double m = ldexp(a, (int)f.fraction_bits - (e - 1));    /* in [2^fb, 2^(fb+1)) */
        cr_assert(m == floor(m) && biased < (int)exponent_ones(t), "%a is not a %s", v, mapscan_type_name(t));
        out = make_bits(t, negative, (uint64_t)biased, (uint64_t)m & fraction_mask(t));
    } else {
        double m = ldexp(a, (int)f.fraction_bits + bias - 1);
        cr_assert(m == floor(m), "%a is not a %s", v, mapscan_type_name(t));
        out = make_bits(t, negative, 0, (uint64_t)m);
    }
    return out;
}

static void store_bits(unsigned char *p, mapscan_type t, bool big, uint64_t bits)
{
    size_t size = mapscan_type_size(t);
    for (size_t b = 0; b < size; b++)
        p[big ? size - 1 - b : b] = (unsigned char)(bits >> (8 * b));
}

/* Special values: zeros, infinities, NaNs of every kind, the extremes. */
static uint64_t special_bits(mapscan_type t, unsigned k, bool with_non_finite)
{
    uint64_t ones = exponent_ones(t), mask = fraction_mask(t), quiet = (mask + 1) >> 1;
    uint64_t finite[] = {
        make_bits(t, false, 0, 0), make_bits(t, true, 0, 0),                /* +0 -0 */
        make_bits(t, false, 0, 1), make_bits(t, true, 0, 1),                /* the smallest subnormals */
        make_bits(t, false, 0, mask), make_bits(t, true, 0, mask),          /* the largest subnormals */
        make_bits(t, false, 1, 0), make_bits(t, true, 1, 0),                /* the smallest normals */
        make_bits(t, false, ones - 1, mask), make_bits(t, true, ones - 1, mask),    /* the largest */
        make_bits(t, false, ones >> 1, 0), make_bits(t, true, ones >> 1, 1),        /* 1, -1 less a step */
    };
    uint64_t other[] = {
        make_bits(t, false, ones, 0), make_bits(t, true, ones, 0),          /* +inf -inf */
        make_bits(t, false, ones, quiet), make_bits(t, true, ones, quiet),  /* quiet NaNs */
        make_bits(t, false, ones, 1), make_bits(t, true, ones, 1),          /* signalling NaNs */
        make_bits(t, false, ones, mask), make_bits(t, true, ones, mask),    /* every payload bit */
        make_bits(t, false, ones, quiet | 5), make_bits(t, true, ones, quiet >> 1),
    };
    size_t nf = sizeof finite / sizeof finite[0], no = sizeof other / sizeof other[0];
    if (!with_non_finite)
        return finite[k % nf];
    k %= nf + no;
    return k < nf ? finite[k] : other[k - nf];
}

typedef enum fill {
    FILL_NICE,          /* moderate magnitudes: one level of extraction */
    FILL_FINITE,        /* any finite bit pattern: every exponent, the fallback path */
    FILL_MIXED,         /* moderate values with zeros, subnormals and extremes among them */
    FILL_SPECIAL,       /* special values only, NaN and infinities among them */
    FILL_ANY,           /* any bit pattern at all */
    FILL_COUNT
} fill;

static uint64_t random_bits(mapscan_type t, fill how, uint64_t *state)
{
    format f = format_of(t);
    uint64_t r = test_random(state), ones = exponent_ones(t);
    uint64_t all = (uint64_t)1 << (f.exponent_bits + f.fraction_bits) << 1;
    bool negative = r >> 63;
    switch (how) {
    case FILL_NICE: {
        uint64_t biased = (ones >> 1) - 6 + (r >> 40) % 13;
        return make_bits(t, negative, biased, r & fraction_mask(t));
    }
    case FILL_FINITE:
        for (;;) {
            uint64_t bits = all ? r & (all - 1) : r;
            if (((bits >> f.fraction_bits) & ones) != ones)
                return bits;
            r = test_random(state);
        }
    case FILL_MIXED:
        if (r % 8 == 0)
            return special_bits(t, (unsigned)(r >> 8), false);
        return random_bits(t, FILL_NICE, state);
    case FILL_SPECIAL:
        return special_bits(t, (unsigned)(r >> 8), true);
    default:
        return all ? r & (all - 1) : r;
    }
}

/* ---- checking ---- */

/* A buffer with room for misaligned starts. */
typedef struct buffer {
    unsigned char *block, *p;
    size_t n;
} buffer;

static buffer make_buffer(mapscan_type t, bool big, size_t n, size_t misalign, fill how, uint64_t *state)
{
    size_t size = mapscan_type_size(t);
    buffer b = { malloc(n * size + 16), NULL, n };
    cr_assert_not_null(b.block);
    b.p = b.block + misalign;
    for (size_t i = 0; i < n; i++)
        store_bits(b.p + i * size, t, big, random_bits(t, how, state));
    return b;
}

static buffer buffer_of_doubles(mapscan_type t, bool big, const double *v, size_t n, size_t misalign)
{
    size_t size = mapscan_type_size(t);
    buffer b = { malloc(n * size + 16), NULL, n };
    cr_assert_not_null(b.block);
    b.p = b.block + misalign;
    for (size_t i = 0; i < n; i++)
        store_bits(b.p + i * size, t, big, bits_of(t, v[i]));
    return b;
}

/* One kernel's reduction, finished as the scan finishes it. */
static mapscan_result kernel_result(const ms_kernel *k, mapscan_type t, bool big, const unsigned char *p, size_t n,
                                    size_t split)
{
    ms_acc acc;
    ms_acc_init(&acc);
    ms_reduce_fn fn = k->reduce[t][big != host_big()];
    if (split && split < n) {
        fn(p, split, &acc);
        fn(p + split * mapscan_type_size(t), n - split, &acc);
    } else {
        fn(p, n, &acc);
    }
    mapscan_result r;
    memset(&r, 0, sizeof r);
    r.type = t;
    ms_acc_finish(&acc, t, &r);
    return r;
}

static void expect_kernel(const char *name, mapscan_type t, bool big, const unsigned char *p, size_t n,
                          const float_ref *want, const char *what)
{
    const ms_kernel *k = ms_kernel_find(name);
    if (!k)
        return;
    for (int piece = 0; piece < 2; piece++) {
        mapscan_result r = kernel_result(k, t, big, p, n, piece ? n / 3 + 1 : 0);
        const char *why = float_ref_check(want, &r);
        cr_assert_null(why, "%s kernel, %s %s, n=%zu%s, %s: %s", name, mapscan_type_name(t),
                       big ? "big" : "little", n, piece ? " in two calls" : "", what, why);
    }
}

static mapscan_result scan_memory(const unsigned char *p, size_t bytes, mapscan_type t, bool big, const char *kernel,
                                  unsigned threads)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = t;
    o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    o.kernel = kernel;
    o.threads = threads;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(p, bytes, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    return r;
}

/* Every available kernel directly (whole and in two calls), and the scan of
 * memory with each at the given thread counts; returns the scan's result. */
static mapscan_result expect_everywhere(mapscan_type t, bool big, const unsigned char *p, size_t n, const char *what,
                                        unsigned max_threads)
{
    float_ref want;
    float_ref_init(&want);
    float_ref_add(&want, p, n, t, big);
    mapscan_result r;
    memset(&r, 0, sizeof r);
    for (size_t k = 0; k < KERNELS; k++) {
        if (!mapscan_kernel_available(kernel_names[k]))
            continue;
        expect_kernel(kernel_names[k], t, big, p, n, &want, what);
        for (unsigned threads = 1; threads <= max_threads; threads++) {
            r = scan_memory(p, n * mapscan_type_size(t), t, big, kernel_names[k], threads);
            const char *why = float_ref_check(&want, &r);
            cr_assert_null(why, "scan of memory, %s kernel, %u threads, %s %s, n=%zu, %s: %s", kernel_names[k],
                           threads, mapscan_type_name(t), big ? "big" : "little", n, what, why);
            cr_assert_eq(r.type, t);
        }
    }
    return r;
}

/* f64 values in both byte orders, everywhere; the result of the last scan. */
static mapscan_result expect_doubles(const double *v, size_t n, const char *what)
{
    mapscan_result r;
    for (int big = 0; big < 2; big++) {
        buffer b = buffer_of_doubles(MAPSCAN_F64, big, v, n, (size_t)big * 3);
        r = expect_everywhere(MAPSCAN_F64, big, b.p, n, what, n > 100000 ? 3 : 1);
        free(b.block);
    }
    return r;
}

static void expect_same(double have, double want, const char *what)
{
    cr_assert(ref_same_double(have, want), "%s: %a (%.17g), want %a (%.17g)", what, have, have, want, want);
}

/* ---- every kernel, type, byte order, length and alignment ---- */

static const size_t lengths[] = { 1023, 1024, 1025, 2047, 2048, 2049, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1 };

static void check_kernel(const char *name)
{
    if (!mapscan_kernel_available(name))
        cr_skip_test("kernel %s is not available on this CPU", name);
    uint64_t state = 4242;
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++)
            for (fill how = 0; how < FILL_COUNT; how++) {
                mapscan_type t = float_types[ti];
                char what[64];
                snprintf(what, sizeof what, "fill %d", (int)how);
                size_t all = 41 + sizeof lengths / sizeof lengths[0];
                for (size_t i = 0; i < all; i++) {
                    size_t n = i <= 40 ? i : lengths[i - 41];
                    buffer b = make_buffer(t, big, n, (n + (size_t)how) % 8, how, &state);
                    float_ref want;
                    float_ref_init(&want);
                    float_ref_add(&want, b.p, n, t, big);
                    expect_kernel(name, t, big, b.p, n, &want, what);
                    free(b.block);
                }
                for (size_t misalign = 1; misalign < 8; misalign++) {
                    size_t n = misalign % 2 ? 1025 : 37;
                    buffer b = make_buffer(t, big, n, misalign, how, &state);
                    float_ref want;
                    float_ref_init(&want);
                    float_ref_add(&want, b.p, n, t, big);
                    expect_kernel(name, t, big, b.p, n, &want, what);
                    free(b.block);
                }
            }
}

Test(floats, scalar_kernel_matches_reference) { check_kernel("scalar"); }
Test(floats, avx2_kernel_matches_reference) { check_kernel("avx2"); }
Test(floats, avx512_kernel_matches_reference) { check_kernel("avx512"); }

/* The reference itself, on values whose statistics are known by hand. */
Test(floats, the_reference_knows_simple_sums)
{
    float_ref r;
    float_ref_init(&r);
    double v[] = { 1.5, -0.25, NAN, 4.0, -INFINITY };
    for (size_t i = 0; i < 4; i++)
        float_ref_add_double(&r, v[i]);
    expect_same(float_ref_sum(&r), 5.25, "sum");
    expect_same(float_ref_mean(&r), 1.75, "mean");
    cr_assert(r.min == -0.25 && r.max == 4.0 && r.nan == 1 && r.count == 4);
    float_ref_add_double(&r, v[4]);
    expect_same(float_ref_sum(&r), -INFINITY, "sum with -inf");
    unsigned char half[2] = { 0x3c, 0x00 }, bf[2] = { 0xc0, 0x49 }, f[4] = { 0x00, 0x00, 0x80, 0x7f };
    cr_assert(ref_value_double(ref_decode(half, MAPSCAN_F16, true)) == 1.0);
    cr_assert(ref_value_double(ref_decode(bf, MAPSCAN_BF16, true)) == -3.140625);
    cr_assert(isinf(ref_value_double(ref_decode(f, MAPSCAN_F32, false))));
    unsigned char tiny[2] = { 0x01, 0x00 };
    cr_assert(ref_value_double(ref_decode(tiny, MAPSCAN_F16, false)) == 0x1p-24);
    cr_assert_eq(bits_of(MAPSCAN_F16, 65504.0), 0x7bff);
    cr_assert_eq(bits_of(MAPSCAN_F16, -0x1p-24), 0x8001);
    cr_assert_eq(bits_of(MAPSCAN_BF16, 1.0), 0x3f80);
    cr_assert_eq(bits_of(MAPSCAN_F32, -2.0), 0xc0000000u);
}

/* ---- hostile sums, every kernel and byte order ---- */

Test(floats, cancellation_keeps_the_small_term)
{
    double a[] = { 1e308, 1.0, -1e308 };
    mapscan_result r = expect_doubles(a, 3, "1e308 + 1 - 1e308");
    expect_same(r.floats.sum, 1.0, "sum");
    expect_same(r.floats.mean, 1.0 / 3, "mean");
    double b[] = { 1e300, 1.0, -1e300, 0x1p-1074 };      /* below 2^1010: the extraction levels */
    r = expect_doubles(b, 4, "1e300 + 1 - 1e300 + 2^-1074");
    expect_same(r.floats.sum, 1.0, "sum");
    /* the same three values spread over blocks, the big ones in other blocks than the small one */
    size_t n = 5000;
    double *c = calloc(n, sizeof *c);
    c[0] = 1e308, c[2500] = 3.0, c[4999] = -1e308, c[1024] = 0x1p-1074, c[1025] = -0x1p-1074;
    r = expect_doubles(c, n, "spread over blocks");
    expect_same(r.floats.sum, 3.0, "sum");
    expect_same(r.floats.mean, 3.0 / 5000, "mean");
    free(c);
}

Test(floats, sums_on_a_midpoint_round_to_even)
{
    const double u = 0x1p-53;       /* half of 1.0's step */
    struct { double v[4]; size_t n; double want; const char *what; } cases[] = {
        { { 1.0, u }, 2, 1.0, "1 + 2^-53: a tie, to the even 1" },
        { { 1.0 + 2 * u, u }, 2, 1.0 + 4 * u, "(1 + 2^-52) + 2^-53: a tie, to the even 1 + 2^-51" },
        { { 1.0, u, 0x1p-1074 }, 3, 1.0 + 2 * u, "just above the tie" },
        { { 1.0, u, -0x1p-1074 }, 3, 1.0, "just below the tie" },
        { { 1.0 + 2 * u, u, -0x1p-1074 }, 3, 1.0 + 2 * u, "just below the odd tie" },
        { { 1.0, u / 2, u / 2 }, 3, 1.0, "a tie made of two halves" },
        { { u / 2, 1.0, u / 2, 0x1p-1074 }, 4, 1.0 + 2 * u, "two halves and a unit: above" },
        { { -1.0, -u }, 2, -1.0, "negative tie to even" },
        { { -1.0 - 2 * u, -u }, 2, -1.0 - 4 * u, "negative odd tie away" },
        { { DBL_MAX, 0x1p970 }, 2, INFINITY, "DBL_MAX + half its step: a tie, to infinity" },
        { { DBL_MAX, 0x1p970, -0x1p-1074 }, 3, DBL_MAX, "just under the overflow tie" },
        { { DBL_MAX, 0x1p969 }, 2, DBL_MAX, "DBL_MAX + a quarter step" },
        { { -DBL_MAX, -0x1p970 }, 2, -INFINITY, "negative overflow tie" },
        { { 0x1p-1022, -0x1p-1074 }, 2, 0x1p-1022 - 0x1p-1074, "the largest subnormal" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mapscan_result r = expect_doubles(cases[i].v, cases[i].n, cases[i].what);
        expect_same(r.floats.sum, cases[i].want, cases[i].what);
    }
    /* A tie in f32 data: 2^24 + 1 is halfway in binary32 but exact in binary64 (no rounding to f32). */
    float f[] = { 16777216.0f, 1.0f };
    for (int big = 0; big < 2; big++) {
        double d[] = { f[0], f[1] };
        buffer b = buffer_of_doubles(MAPSCAN_F32, big, d, 2, 1);
        mapscan_result r = expect_everywhere(MAPSCAN_F32, big, b.p, 2, "f32 2^24 + 1", 1);
        expect_same(r.floats.sum, 16777217.0, "binary64 sum of f32");
        free(b.block);
    }
}

Test(floats, overflow_depends_on_the_exact_sum_not_the_order)
{
    double a[] = { DBL_MAX, DBL_MAX, -DBL_MAX };
    mapscan_result r = expect_doubles(a, 3, "DBL_MAX DBL_MAX -DBL_MAX");
    expect_same(r.floats.sum, DBL_MAX, "sum");
    expect_same(r.floats.mean, DBL_MAX / 3, "mean");
    double b[] = { DBL_MAX, DBL_MAX };
    r = expect_doubles(b, 2, "DBL_MAX DBL_MAX");
    expect_same(r.floats.sum, INFINITY, "sum");
    expect_same(r.floats.mean, DBL_MAX, "mean");
    double c[] = { -DBL_MAX, -DBL_MAX, -DBL_MAX };
    r = expect_doubles(c, 3, "-3 DBL_MAX");
    expect_same(r.floats.sum, -INFINITY, "sum");
    expect_same(r.floats.mean, -DBL_MAX, "mean");
    /* 40000 of DBL_MAX then as many of -DBL_MAX but one: every block of either alone overflows */
    size_t n = 80000;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = i < n / 2 ? DBL_MAX : -DBL_MAX;
    d[n - 1] = 2.5;
    r = expect_doubles(d, n, "runs of DBL_MAX");
    expect_same(r.floats.sum, DBL_MAX + 2.5, "sum");
    free(d);
    /* in f32 data nothing overflows binary64 */
    for (int big = 0; big < 2; big++) {
        size_t m = 20000;
        double *v = malloc(m * sizeof *v);
        for (size_t i = 0; i < m; i++)
            v[i] = FLT_MAX;
        buffer fb = buffer_of_doubles(MAPSCAN_F32, big, v, m, 2);
        r = expect_everywhere(MAPSCAN_F32, big, fb.p, m, "20000 FLT_MAX", 1);
        expect_same(r.floats.sum, (double)FLT_MAX * 20000, "f32 sum");
        expect_same(r.floats.mean, (double)FLT_MAX, "f32 mean");
        free(fb.block);
        free(v);
    }
}

Test(floats, millions_of_subnormals)
{
    size_t n = 3000000;
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = 0x1p-1074;
    buffer b = buffer_of_doubles(MAPSCAN_F64, false, v, n, 0);
    mapscan_result r = expect_everywhere(MAPSCAN_F64, false, b.p, n, "3e6 of 2^-1074", 3);
    expect_same(r.floats.sum, 3000000 * 0x1p-1074, "sum");
    expect_same(r.floats.mean, 0x1p-1074, "mean");
    expect_same(r.floats.min, 0x1p-1074, "min");
    free(b.block);
    /* random subnormals of both signs, then of one sign (mean subnormal, rounded) */
    uint64_t state = 99;
    for (int signs = 0; signs < 2; signs++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t r64 = test_random(&state);
            double x = ldexp((double)(r64 & (((uint64_t)1 << 52) - 1)), -1074);
            v[i] = signs == 0 && (r64 >> 63) ? -x : x;
        }
        b = buffer_of_doubles(MAPSCAN_F64, signs == 1, v, n, 5);
        expect_everywhere(MAPSCAN_F64, signs == 1, b.p, n, "3e6 random subnormals", 2);
        free(b.block);
    }
    free(v);
    /* f32, f16 and bf16 subnormals, as bits */
    for (size_t ti = 0; ti < 3; ti++) {
        mapscan_type t = float_types[ti];
        size_t m = 1000000, size = mapscan_type_size(t);
        unsigned char *p = malloc(m * size);
        for (size_t i = 0; i < m; i++)
            store_bits(p + i * size, t, false,
                       make_bits(t, i % 3 == 0, 0, 1 + test_random(&state) % fraction_mask(t)));
        expect_everywhere(t, false, p, m, "random subnormals", 1);
        free(p);
    }
}

Test(floats, negative_zeros)
{
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = float_types[ti];
            size_t sizes[] = { 1, 1024, 5000 };
            for (size_t s = 0; s < 3; s++) {
                double *v = malloc(sizes[s] * sizeof *v);
                for (size_t i = 0; i < sizes[s]; i++)
                    v[i] = -0.0;
                buffer b = buffer_of_doubles(t, big, v, sizes[s], 1);
                mapscan_result r = expect_everywhere(t, big, b.p, sizes[s], "all -0", 1);
                expect_same(r.floats.sum, -0.0, "sum of -0");
                expect_same(r.floats.mean, -0.0, "mean of -0");
                expect_same(r.floats.min, -0.0, "min");
                expect_same(r.floats.max, -0.0, "max");
                /* one NaN changes nothing */
                v[sizes[s] / 2] = NAN;
                free(b.block);
                b = buffer_of_doubles(t, big, v, sizes[s], 2);
                r = expect_everywhere(t, big, b.p, sizes[s], "-0 and one NaN", 1);
                if (sizes[s] > 1)
                    expect_same(r.floats.sum, -0.0, "sum of -0 with NaN");
                /* one +0 makes it +0; -0 stays the minimum */
                v[sizes[s] - 1] = 0.0;
                free(b.block);
                b = buffer_of_doubles(t, big, v, sizes[s], 3);
                r = expect_everywhere(t, big, b.p, sizes[s], "-0 and +0", 1);
                expect_same(r.floats.sum, 0.0, "sum of -0 and +0");
                expect_same(r.floats.max, 0.0, "max");
                if (sizes[s] > 2)
                    expect_same(r.floats.min, -0.0, "min");
                free(b.block);
                free(v);
            }
        }
    double cancel[] = { -0.0, 0x1p-1074, -0x1p-1074 };
    mapscan_result r = expect_doubles(cancel, 3, "-0 with values that cancel");
    expect_same(r.floats.sum, 0.0, "sum");
    double tiny[] = { -0x1p-1074, -0.0, -0.0 };
    r = expect_doubles(tiny, 3, "a negative mean under half the smallest step");
    expect_same(r.floats.sum, -0x1p-1074, "sum");
    expect_same(r.floats.mean, -0.0, "mean");
    double inf[] = { -0.0, -INFINITY };
    r = expect_doubles(inf, 2, "-0 and -inf");
    expect_same(r.floats.sum, -INFINITY, "sum");
    expect_same(r.floats.max, -0.0, "max");
}

Test(floats, nan_payloads_are_counted_and_left_out)
{
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = float_types[ti];
            uint64_t ones = exponent_ones(t), mask = fraction_mask(t), quiet = (mask + 1) >> 1;
            uint64_t nans[] = { make_bits(t, false, ones, quiet), make_bits(t, true, ones, quiet),
                                make_bits(t, false, ones, 1), make_bits(t, true, ones, 1),
                                make_bits(t, false, ones, mask), make_bits(t, true, ones, mask),
                                make_bits(t, false, ones, quiet >> 1), make_bits(t, true, ones, quiet | 3) };
            size_t size = mapscan_type_size(t), n = 3000;
            unsigned char *p = malloc(n * size);
            /* only NaNs: no min, max or mean; the sum 0 */
            for (size_t i = 0; i < n; i++)
                store_bits(p + i * size, t, big, nans[i % 8]);
            mapscan_result r = expect_everywhere(t, big, p, n, "all NaN", 2);
            cr_assert_eq(r.floats.nan, n);
            expect_same(r.floats.sum, 0.0, "sum");
            expect_same(r.floats.min, 0.0, "min");
            expect_same(r.floats.max, 0.0, "max");
            expect_same(r.floats.mean, 0.0, "mean");
            /* NaNs, with 2 and -1 among them */
            store_bits(p + 1500 * size, t, big, bits_of(t, 2.0));
            store_bits(p + 2999 * size, t, big, bits_of(t, -1.0));
            r = expect_everywhere(t, big, p, n, "NaN with two values", 2);
            cr_assert_eq(r.floats.nan, n - 2);
            expect_same(r.floats.sum, 1.0, "sum");
            expect_same(r.floats.mean, 0.5, "mean");
            expect_same(r.floats.min, -1.0, "min");
            expect_same(r.floats.max, 2.0, "max");
            free(p);
        }
}

Test(floats, infinities)
{
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = float_types[ti];
            double both[] = { 1.0, INFINITY, -2.0, -INFINITY, NAN };
            buffer b = buffer_of_doubles(t, big, both, 5, 1);
            mapscan_result r = expect_everywhere(t, big, b.p, 5, "+inf and -inf", 1);
            cr_assert(isnan(r.floats.sum) && isnan(r.floats.mean));
            expect_same(r.floats.min, -INFINITY, "min");
            expect_same(r.floats.max, INFINITY, "max");
            cr_assert_eq(r.floats.nan, 1);
            free(b.block);
            double plus[] = { 1.0, INFINITY, -2.0, INFINITY };
            b = buffer_of_doubles(t, big, plus, 4, 0);
            r = expect_everywhere(t, big, b.p, 4, "+inf", 1);
            expect_same(r.floats.sum, INFINITY, "sum");
            expect_same(r.floats.mean, INFINITY, "mean");
            expect_same(r.floats.min, -2.0, "min");
            free(b.block);
            double minus[] = { -INFINITY };
            b = buffer_of_doubles(t, big, minus, 1, 0);
            r = expect_everywhere(t, big, b.p, 1, "-inf", 1);
            expect_same(r.floats.sum, -INFINITY, "sum");
            expect_same(r.floats.max, -INFINITY, "max");
            free(b.block);
        }
}

/* Past 2^1010 the kernel's extraction cannot place sigma: those blocks
 * are summed one value at a time. */
Test(floats, huge_f64_values_with_tiny_ones_take_the_fallback)
{
    uint64_t state = 5;
    size_t n = 20000;
    double *v = malloc(n * sizeof *v);
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t r = test_random(&state);
            double x;
            if (r % 5 == 0)
                x = ldexp(1.0 + (double)(r >> 12) * 0x1p-52, 1010 + (int)((r >> 3) % 14));
            else if (r % 5 == 1)
                x = ldexp((double)(r >> 11), -1074 + (int)((r >> 5) % 60));
            else
                x = (double)(int64_t)(r >> 20) * 0x1p-30;
            v[i] = (r >> 7) & 1 ? -x : x;
        }
        if (round == 1)     /* the huge ones cancel: what remains is small */
            for (size_t i = 0; i + 1 < n; i += 2)
                if (fabs(v[i]) > 0x1p1000)
                    v[i + 1] = -v[i];
        if (round == 2)     /* one huge value per block, at its end */
            for (size_t i = 0; i < n; i++)
                if (fabs(v[i]) > 0x1p1000 && i % 1024 != 1023)
                    v[i] = 0x1p-1074;
        if (round == 3)     /* just under and over 2^1010 */
            for (size_t i = 0; i < n; i++)
                v[i] = ldexp(i % 2 ? 1.0 - 0x1p-53 : 1.0, 1009 + (int)(i % 3)) * (i % 4 < 2 ? 1 : -1);
        expect_doubles(v, n, "huge and tiny");
    }
    free(v);
}

Test(floats, random_bit_patterns_over_every_exponent)
{
    uint64_t state = 31337;
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = float_types[ti];
            static const fill fills[] = { FILL_FINITE, FILL_ANY };
            for (size_t fi = 0; fi < 2; fi++) {
                fill how = fills[fi];
                buffer b = make_buffer(t, big, 50000, 3, how, &state);
                expect_everywhere(t, big, b.p, 50000, how == FILL_ANY ? "any bits" : "finite bits", 3);
                free(b.block);
            }
        }
}

/* f16's largest value in every position of long runs; binary16's whole range in one block. */
Test(floats, f16_and_bf16_extremes)
{
    size_t n = 16 * 1024 + 1;
    for (int big = 0; big < 2; big++) {
        unsigned char *p = malloc(n * 2);
        for (size_t i = 0; i < n; i++)
            store_bits(p + 2 * i, MAPSCAN_F16, big, i % 2 ? 0x7bff : 0x0001);
        mapscan_result r = expect_everywhere(MAPSCAN_F16, big, p, n, "65504 and 2^-24", 1);
        expect_same(r.floats.sum, 65504.0 * (double)(n / 2) + 0x1p-24 * (double)(n - n / 2), "f16 sum");
        for (size_t i = 0; i < n; i++)
            store_bits(p + 2 * i, MAPSCAN_BF16, big, i % 3 ? 0x7f7f : 0x8001);
        r = expect_everywhere(MAPSCAN_BF16, big, p, n, "bf16 max and -smallest", 1);
        cr_assert_eq(r.floats.max, 0x1.fep127);
        cr_assert_eq(r.floats.min, -0x1p-133);
        free(p);
    }
}

/* ---- the rounding functions themselves ---- */

static void sum_of_words(mapscan_exact_sum *s, const ref_big *x)
{
    memset(s, 0, sizeof *s);
    for (int w = 0; w < MAPSCAN_EXACT_SUM_WORDS; w++)
        s->word[w] = (uint64_t)x->limb[2 * w] | (uint64_t)x->limb[2 * w + 1] << 32;
}

static void expect_quotient(const ref_big *x, uint64_t n, const char *what)
{
    mapscan_exact_sum s;
    sum_of_words(&s, x);
    ref_big back;
    ref_big_from_words(&back, s.word);
    double want = ref_round_quotient(&back, n), have = mapscan_exact_sum_divide(&s, n);
    cr_assert(ref_same_double(have, want), "%s: divide by %llu: %a, want %a", what, (unsigned long long)n, have,
              want);
    if (n == 1) {
        have = mapscan_exact_sum_round(&s);
        cr_assert(ref_same_double(have, want), "%s: round: %a, want %a", what, have, want);
    }
}

Test(floats, round_and_divide_by_hand)
{
    mapscan_exact_sum s;
    memset(&s, 0, sizeof s);
    expect_same(mapscan_exact_sum_round(&s), 0.0, "zero");
    expect_same(mapscan_exact_sum_divide(&s, 7), 0.0, "zero / 7");
    s.word[0] = 1;
    expect_same(mapscan_exact_sum_round(&s), 0x1p-1074, "one unit");
    expect_same(mapscan_exact_sum_divide(&s, 2), 0.0, "half a unit: a tie, to the even 0");
    expect_same(mapscan_exact_sum_divide(&s, 3), 0.0, "a third of a unit");
    s.word[0] = 2;
    expect_same(mapscan_exact_sum_divide(&s, 3), 0x1p-1074, "two thirds of a unit");
    s.word[0] = 3;
    expect_same(mapscan_exact_sum_divide(&s, 2), 0x1p-1073, "1.5 units: a tie, to the even 2");
    s.word[0] = 5;
    expect_same(mapscan_exact_sum_divide(&s, 2), 0x1p-1073, "2.5 units: a tie, to the even 2");
    s.word[0] = 7;
    expect_same(mapscan_exact_sum_divide(&s, 2), 0x1p-1072, "3.5 units: to 4");
    s.word[0] = 3;
    expect_same(mapscan_exact_sum_divide(&s, 4), 0x1p-1074, "0.75 units");
    memset(&s, 0, sizeof s);
    mapscan_exact_sum_add_double(&s, -0x1p-1074);
    expect_same(mapscan_exact_sum_round(&s), -0x1p-1074, "minus one unit");
    expect_same(mapscan_exact_sum_divide(&s, 2), -0.0, "minus half a unit: -0");
    expect_same(mapscan_exact_sum_divide(&s, 1), -0x1p-1074, "minus one unit / 1");
    /* mean of values */
    memset(&s, 0, sizeof s);
    double vals[] = { 0.1, 0.2, 0.3, NAN };
    for (int i = 0; i < 4; i++)
        mapscan_exact_sum_add_double(&s, vals[i]);
    float_ref r;
    float_ref_init(&r);
    for (int i = 0; i < 3; i++)
        float_ref_add_double(&r, vals[i]);
    expect_same(mapscan_exact_sum_round(&s), float_ref_sum(&r), "0.1 + 0.2 + 0.3");
    expect_same(mapscan_exact_sum_round(&s), 0.6, "0.1 + 0.2 + 0.3 is 0.6 rounded once");
    expect_same(mapscan_exact_sum_divide(&s, 3), float_ref_mean(&r), "their mean");
    expect_same(mapscan_exact_sum_divide(&s, 3), 0.2, "their mean is 0.2");
    /* huge: 2^64 - 1 times DBL_MAX, divided back */
    memset(&s, 0, sizeof s);
    ref_big big;
    ref_big_zero(&big);
    for (int i = 0; i < 64; i++)
        ref_big_add_shifted(&big, ((uint64_t)1 << 53) - 1, (unsigned)(2045 + i), false);
    sum_of_words(&s, &big);
    expect_same(mapscan_exact_sum_round(&s), INFINITY, "(2^64 - 1) DBL_MAX");
    expect_same(mapscan_exact_sum_divide(&s, UINT64_MAX), DBL_MAX, "(2^64 - 1) DBL_MAX / (2^64 - 1)");
    expect_quotient(&big, UINT64_MAX - 1, "huge / (2^64 - 2)");
    expect_quotient(&big, (uint64_t)1 << 63, "huge / 2^63");
    /* infinities */
    memset(&s, 0, sizeof s);
    mapscan_exact_sum_add_double(&s, 5.0);
    mapscan_exact_sum_add_double(&s, INFINITY);
    expect_same(mapscan_exact_sum_round(&s), INFINITY, "+inf");
    expect_same(mapscan_exact_sum_divide(&s, 9), INFINITY, "+inf / 9");
    mapscan_exact_sum_add_double(&s, -INFINITY);
    cr_assert(isnan(mapscan_exact_sum_round(&s)) && isnan(mapscan_exact_sum_divide(&s, 2)));
}

/* Random exact sums of every length and both signs, and quotients placed on,
 * just above and just below midpoints between binary64 values. */
Test(floats, round_and_divide_against_the_search)
{
    uint64_t state = 2024;
    static const uint64_t divisors[] = { 1, 2, 3, 7, 10, 1024, 1000000007, (uint64_t)1 << 32, UINT64_MAX,
                                         (uint64_t)1 << 63, 0 };
    for (int i = 0; i < 6000; i++) {
        ref_big x;
        ref_big_zero(&x);
        unsigned words = 1 + (unsigned)(test_random(&state) % 34);
        int terms = 1 + (int)(test_random(&state) % 4);
        for (int k = 0; k < terms; k++) {
            uint64_t r = test_random(&state);
            unsigned shift = (unsigned)(test_random(&state) % (64 * words));
            if (shift > 2100)
                shift = 2100;
            ref_big_add_shifted(&x, r >> (test_random(&state) % 64), shift, test_random(&state) & 1);
        }
        uint64_t n = divisors[i % 11];
        if (n == 0)
            n = test_random(&state) >> (test_random(&state) % 64) | 1;
        expect_quotient(&x, n, "random");
    }
    /* midpoints: sum / n = (a + b) / 2 exactly for neighbours a < b */
    for (int i = 0; i < 4000; i++) {
        uint64_t r = test_random(&state);
        uint64_t bits = r & 0x7fefffffffffffffu;
        if (i % 4 == 0)
            bits &= 0x001fffffffffffffu;    /* subnormals and the smallest normals */
        double a, b;
        memcpy(&a, &bits, 8);
        b = nextafter(a, INFINITY);
        ref_big ua, ub, mid2;
        ref_big_zero(&ua);
        ref_big_zero(&ub);
        float_ref fa, fb;
        float_ref_init(&fa);
        float_ref_init(&fb);
        float_ref_add_double(&fa, a);
        float_ref_add_double(&fb, b);
        ua = fa.sum;
        ub = fb.sum;
        /* mid2 = ua + ub = 2 * midpoint; sum = j * mid2 with n = 2j */
        uint64_t j = 1 + test_random(&state) % ((uint64_t)1 << 30);
        ref_big_zero(&mid2);
        /* multiply by adding shifted copies of ua + ub: j < 2^30 */
        for (unsigned bit = 0; bit < 30; bit++)
            if (j >> bit & 1)
                for (int l = 0; l < REF_LIMBS; l++) {
                    uint64_t limbs = (uint64_t)ua.limb[l] + ub.limb[l];
                    if (limbs)
                        ref_big_add_shifted(&mid2, limbs, (unsigned)(32 * l) + bit, false);
                }
        bool negative = r >> 63 & 1;
        if (negative) {
            ref_big neg;
            ref_big_zero(&neg);
            for (int l = 0; l < REF_LIMBS; l++)
                if (mid2.limb[l])
                    ref_big_add_shifted(&neg, mid2.limb[l], (unsigned)(32 * l), true);
            mid2 = neg;
        }
        expect_quotient(&mid2, 2 * j, "a midpoint");
        ref_big above = mid2, below = mid2;
        ref_big_add_shifted(&above, 1, 0, false);
        ref_big_add_shifted(&below, 1, 0, true);
        expect_quotient(&above, 2 * j, "just above a midpoint");
        expect_quotient(&below, 2 * j, "just below a midpoint");
        /* n = 1: a tie when the midpoint is a whole number of units */
        if (!((ua.limb[0] + ub.limb[0]) & 1)) {
            ref_big half;
            ref_big_zero(&half);
            for (int l = 0; l < REF_LIMBS; l++) {
                uint64_t limbs = (uint64_t)ua.limb[l] + ub.limb[l];
                if (limbs)
                    ref_big_add_shifted(&half, limbs, (unsigned)(32 * l), false);
            }
            /* halve: shift right one bit */
            for (int l = 0; l < REF_LIMBS; l++)
                half.limb[l] = half.limb[l] >> 1 | (l + 1 < REF_LIMBS ? half.limb[l + 1] << 31 : 0);
            expect_quotient(&half, 1, "a sum on a midpoint");
            ref_big_add_shifted(&half, 1, 0, false);
            expect_quotient(&half, 1, "a sum just above a midpoint");
        }
    }
}

Test(floats, exact_sums_add_and_keep_their_flags)
{
    uint64_t state = 8;
    mapscan_exact_sum a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    float_ref r;
    float_ref_init(&r);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = i == 777 ? 0x7ff0000000000000u : i == 1234 ? 0xfff0000000000000u : test_random(&state);
        double v;
        memcpy(&v, &bits, 8);
        mapscan_exact_sum_add_double(i % 2 ? &a : &b, v);
        float_ref_add_double(&r, v);
    }
    mapscan_exact_sum_add(&a, &b);
    uint64_t word[MAPSCAN_EXACT_SUM_WORDS];
    cr_assert(float_ref_words(&r, word));
    cr_assert(memcmp(word, a.word, sizeof word) == 0, "the exact sum of 20000 random bit patterns");
    cr_assert_eq(a.pos_inf, r.pos_inf);
    cr_assert_eq(a.neg_inf, r.neg_inf);
    cr_assert(a.pos_inf && a.neg_inf, "both infinities were added");
}

/* ---- merges ---- */

static void expect_same_result(const mapscan_result *a, const mapscan_result *b, const char *what)
{
    cr_assert_eq(a->stats.count, b->stats.count, "%s: count", what);
    cr_assert_eq(a->floats.nan, b->floats.nan, "%s: nan", what);
    cr_assert(memcmp(a->floats.exact.word, b->floats.exact.word, sizeof a->floats.exact.word) == 0, "%s: exact",
              what);
    cr_assert(a->floats.exact.pos_inf == b->floats.exact.pos_inf && a->floats.exact.neg_inf == b->floats.exact.neg_inf,
              "%s: flags", what);
    expect_same(a->floats.min, b->floats.min, what);
    expect_same(a->floats.max, b->floats.max, what);
    expect_same(a->floats.sum, b->floats.sum, what);
    expect_same(a->floats.mean, b->floats.mean, what);
}

/* The parts' scans merged in every order, into a zeroed total as the CLI's
 * is and into the first part's result, equal the scan of the whole. */
static void expect_merges(const double *const *parts, const size_t *counts, size_t nparts, const char *what)
{
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++)
        total += counts[i];
    double *all = malloc((total + 1) * sizeof *all);
    size_t at = 0;
    for (size_t i = 0; i < nparts; i++) {
        memcpy(all + at, parts[i], counts[i] * sizeof *all);
        at += counts[i];
    }
    mapscan_result whole = scan_memory((const unsigned char *)all, total * 8, MAPSCAN_F64, host_big(), NULL, 2);
    float_ref want;
    float_ref_init(&want);
    for (size_t i = 0; i < total; i++)
        float_ref_add_double(&want, all[i]);
    const char *why = float_ref_check(&want, &whole);
    cr_assert_null(why, "%s: whole: %s", what, why);
    mapscan_result res[4];
    for (size_t i = 0; i < nparts; i++)
        res[i] = scan_memory((const unsigned char *)parts[i], counts[i] * 8, MAPSCAN_F64, host_big(), NULL, 1);
    size_t order[4] = { 0, 1, 2, 3 };
    /* every permutation (Heap's algorithm, iteratively) */
    size_t c[4] = { 0 };
    for (size_t k = 0;;) {
        mapscan_result zero;
        memset(&zero, 0, sizeof zero);
        zero.type = MAPSCAN_F64;
        mapscan_result first = res[order[0]];
        for (size_t i = 0; i < nparts; i++)
            mapscan_result_merge(&zero, &res[order[i]]);
        for (size_t i = 1; i < nparts; i++)
            mapscan_result_merge(&first, &res[order[i]]);
        char msg[128];
        snprintf(msg, sizeof msg, "%s: merged in order %zu %zu %zu %zu", what, order[0], order[1], order[2],
                 order[3]);
        expect_same_result(&zero, &whole, msg);
        expect_same_result(&first, &whole, msg);
        why = float_ref_check(&want, &zero);
        cr_assert_null(why, "%s: %s", msg, why);
        /* next permutation */
        while (k < nparts && c[k] >= k) {
            c[k] = 0;
            k++;
        }
        if (k >= nparts)
            break;
        size_t swap_with = k % 2 ? c[k] : 0, tmp = order[swap_with];
        order[swap_with] = order[k];
        order[k] = tmp;
        c[k]++;
        k = 0;
    }
    free(all);
}

Test(floats, merges_are_exact_and_in_any_order)
{
    uint64_t state = 17;
    size_t counts[4] = { 3000, 1, 0, 777 };
    double *p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = malloc((counts[i] + 1) * sizeof(double));
        for (size_t j = 0; j < counts[i]; j++) {
            uint64_t bits = random_bits(MAPSCAN_F64, i == 0 ? FILL_FINITE : FILL_MIXED, &state);
            memcpy(&p[i][j], &bits, 8);
        }
    }
    expect_merges((const double *const *)p, counts, 4, "random parts");
    for (int i = 0; i < 4; i++)
        free(p[i]);

    double nan1[] = { NAN, -NAN }, vals[] = { 3.0, -7.5 }, negz[] = { -0.0, -0.0 }, posz[] = { 0.0 };
    double cancel[] = { 0x1p-1074, -0x1p-1074 }, huge[] = { DBL_MAX, DBL_MAX }, neghuge[] = { -DBL_MAX };
    double inf[] = { INFINITY }, ninf[] = { -INFINITY };
    struct { const double *parts[3]; size_t counts[3]; const char *what; double sum, min, max; } cases[] = {
        { { nan1, vals, nan1 }, { 2, 2, 2 }, "NaN-only parts around values", -4.5, -7.5, 3.0 },
        { { nan1, nan1, vals }, { 2, 2, 0 }, "all NaN: none", 0.0, 0.0, 0.0 },
        { { negz, negz, vals }, { 2, 1, 0 }, "-0 and -0", -0.0, -0.0, -0.0 },
        { { negz, posz, nan1 }, { 2, 1, 2 }, "-0 and +0", 0.0, -0.0, 0.0 },
        { { nan1, negz, vals }, { 2, 2, 0 }, "NaN and -0", -0.0, -0.0, -0.0 },
        { { negz, vals, cancel }, { 2, 0, 2 }, "-0 and values that cancel", 0.0, -0x1p-1074, 0x1p-1074 },
        { { huge, neghuge, vals }, { 2, 1, 0 }, "an overflow undone by another part", DBL_MAX, -DBL_MAX, DBL_MAX },
        { { huge, inf, ninf }, { 2, 1, 1 }, "both infinities", NAN, -INFINITY, INFINITY },
        { { huge, inf, vals }, { 2, 1, 0 }, "overflow and +inf", INFINITY, DBL_MAX, INFINITY },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_merges(cases[i].parts, cases[i].counts, 3, cases[i].what);
        mapscan_result total;
        memset(&total, 0, sizeof total);
        total.type = MAPSCAN_F64;
        for (int k = 0; k < 3; k++) {
            mapscan_result r = scan_memory((const unsigned char *)cases[i].parts[k], cases[i].counts[k] * 8,
                                           MAPSCAN_F64, host_big(), NULL, 1);
            mapscan_result_merge(&total, &r);
        }
        expect_same(total.floats.sum, cases[i].sum, cases[i].what);
        expect_same(total.floats.min, cases[i].min, cases[i].what);
        expect_same(total.floats.max, cases[i].max, cases[i].what);
    }
}

/* ---- the scan: threads, offsets, records ---- */

Test(floats, the_same_bits_for_any_threads_offset_and_kernel)
{
    uint64_t state = 3;
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = float_types[ti];
            size_t size = mapscan_type_size(t), n = 300000 / size;
            buffer b = make_buffer(t, big, n, 0, big ? FILL_ANY : FILL_MIXED, &state);
            float_ref want;
            float_ref_init(&want);
            float_ref_add(&want, b.p, n, t, big);
            for (size_t k = 0; k < KERNELS; k++) {
                if (!mapscan_kernel_available(kernel_names[k]))
                    continue;
                for (unsigned threads = 1; threads <= 3; threads++) {
                    mapscan_result r = scan_memory(b.p, n * size, t, big, kernel_names[k], threads);
                    const char *why = float_ref_check(&want, &r);
                    cr_assert_null(why, "%s %s %u threads %s: %s", mapscan_type_name(t), big ? "big" : "little",
                                   threads, kernel_names[k], why);
                    cr_assert_eq(r.threads, threads, "threads used");
                }
                /* an offset that misaligns, a length, a trailing partial element allowed */
                mapscan_options o;
                mapscan_options_init(&o);
                o.type = t;
                o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                o.kernel = kernel_names[k];
                o.threads = 3;
                o.offset = 1 + k * 2;
                o.length = (n / 2) * size + 1;
                o.allow_trailing = true;
                mapscan_result r;
                mapscan_error e;
                cr_assert_eq(mapscan_scan_memory(b.p, n * size, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
                float_ref part;
                float_ref_init(&part);
                float_ref_add(&part, b.p + o.offset, n / 2, t, big);
                const char *why = float_ref_check(&part, &r);
                cr_assert_null(why, "%s offset %llu: %s", mapscan_type_name(t), (unsigned long long)o.offset, why);
            }
            free(b.block);
        }
}

Test(floats, record_layouts_scan_one_float_field)
{
    uint64_t state = 11;
    static const size_t record_sizes[] = { 2, 3, 8, 12, 24 };
    static const size_t counts[] = { 0, 1, 5, 1025, 30000 };
    for (size_t ti = 0; ti < 4; ti++)
        for (int big = 0; big < 2; big++)
            for (size_t rs = 0; rs < sizeof record_sizes / sizeof record_sizes[0]; rs++) {
                mapscan_type t = float_types[ti];
                size_t record = record_sizes[rs], size = mapscan_type_size(t);
                if (record < size)
                    continue;
                for (size_t field = 0; field + size <= record; field += (record - size) / 2 + 1)
                    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                        size_t n = counts[c];
                        unsigned char *data = malloc(n * record + 1);
                        for (size_t i = 0; i < n * record; i++)
                            data[i] = (unsigned char)test_random(&state);
                        float_ref want;
                        float_ref_init(&want);
                        for (size_t i = 0; i < n; i++) {
                            uint64_t bits = random_bits(t, (fill)(i % FILL_COUNT), &state);
                            store_bits(data + i * record + field, t, big, bits);
                            float_ref_add(&want, data + i * record + field, 1, t, big);
                        }
                        for (size_t k = 0; k < KERNELS; k++) {
                            if (!mapscan_kernel_available(kernel_names[k]))
                                continue;
                            for (unsigned threads = 1; threads <= 3; threads += n > 1000 ? 1 : 2) {
                                mapscan_options o;
                                mapscan_options_init(&o);
                                o.type = t;
                                o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                                o.kernel = kernel_names[k];
                                o.threads = threads;
                                o.record_size = record;
                                o.field_offset = field;
                                mapscan_result r;
                                mapscan_error e;
                                cr_assert_eq(mapscan_scan_memory(data, n * record, &o, &r, &e), MAPSCAN_OK, "%s",
                                             e.message);
                                const char *why = float_ref_check(&want, &r);
                                cr_assert_null(why, "%s %s record %zu field %zu n %zu %s %u threads: %s",
                                               mapscan_type_name(t), big ? "big" : "little", record, field, n,
                                               kernel_names[k], threads, why);
                                /* a record of one element is described as contiguous elements */
                                cr_assert_eq(r.record_size, record == size ? 0 : record);
                            }
                        }
                        free(data);
                    }
            }
}

/* ---- the caller's floating-point environment ---- */

/* Sets the caller's environment: 0 the default, 1 flush-to-zero and
 * denormals-are-zero (what a program or a library built with -ffast-math
 * sets for the whole process at start), 2..4 the directed roundings. */
static bool set_environment(int which)
{
    fesetenv(FE_DFL_ENV);
    switch (which) {
    case 1:
#if defined(__x86_64__) || defined(__i386__)
        _mm_setcsr(_mm_getcsr() | 0x8040);      /* FTZ | DAZ */
        return true;
#else
        return false;
#endif
    case 2: return fesetround(FE_UPWARD) == 0;
    case 3: return fesetround(FE_DOWNWARD) == 0;
    case 4: return fesetround(FE_TOWARDZERO) == 0;
    default: return true;
    }
}

/* Exact means exact whatever the caller's environment: the kernels on the
 * caller's thread and on the workers it starts (which inherit it), the
 * rounding of sums and means, and merges. Subnormals flushed to zero lost
 * every subnormal value and rounded subnormal results to 0; a directed
 * rounding made the kernels' splitting inexact for values far below their
 * block's largest. */
Test(floats, the_callers_floating_point_environment_changes_nothing)
{
    uint64_t state = 777;
    static const char *const modes[] = { "default", "FTZ and DAZ", "upward", "downward", "toward zero" };
    for (size_t ti = 0; ti < 4; ti++) {
        mapscan_type t = float_types[ti];
        size_t size = mapscan_type_size(t), n = 40000;
        unsigned char *p = malloc(n * size);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = test_random(&state);
            /* subnormals, tiny normals, values near 1 and random finite patterns */
            uint64_t bits = r % 4 == 0   ? make_bits(t, r >> 63, 0, 1 + (r >> 8) % fraction_mask(t))
                            : r % 4 == 1 ? make_bits(t, r >> 63, 1 + (r >> 8) % 3, (r >> 16) & fraction_mask(t))
                            : r % 4 == 2 ? random_bits(t, FILL_NICE, &state)
                                         : random_bits(t, FILL_FINITE, &state);
            store_bits(p + i * size, t, false, bits);
        }
        float_ref want;
        float_ref_init(&want);
        float_ref_add(&want, p, n, t, false);
        mapscan_result parts[2];
        for (int mode = 0; mode < 5; mode++) {
            if (!set_environment(mode))
                continue;
            mapscan_result got[KERNELS * 4];
            size_t ngot = 0;
            for (size_t k = 0; k < KERNELS; k++) {
                const ms_kernel *kernel = ms_kernel_find(kernel_names[k]);
                if (!kernel)
                    continue;
                got[ngot++] = kernel_result(kernel, t, false, p, n, 0);
                for (unsigned threads = 1; threads <= 3; threads += 2)
                    got[ngot++] = scan_memory(p, n * size, t, false, kernel_names[k], threads);
            }
            parts[0] = scan_memory(p, n / 3 * size, t, false, NULL, 1);
            parts[1] = scan_memory(p + n / 3 * size, (n - n / 3) * size, t, false, NULL, 1);
            mapscan_result_merge(&parts[0], &parts[1]);
            got[ngot++] = parts[0];
            double round_now = mapscan_exact_sum_round(&parts[0].floats.exact);
            double divide_now = mapscan_exact_sum_divide(&parts[0].floats.exact, 7);
            set_environment(0);
            for (size_t g = 0; g < ngot; g++) {
                const char *why = float_ref_check(&want, &got[g]);
                cr_assert_null(why, "%s, %s, result %zu: %s", mapscan_type_name(t), modes[mode], g, why);
            }
            expect_same(round_now, float_ref_sum(&want), modes[mode]);
            expect_same(divide_now, ref_round_quotient(&want.sum, 7), modes[mode]);
        }
        free(p);
    }
}
