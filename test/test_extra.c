/* The extra statistics (mapscan_extra_stats: var and std, argmin and
 * argmax, quantiles, histograms) against the plain reference of
 * test/extra_reference.c (exact big-integer sums, rounding by search,
 * sorting, exact comparisons with numpy's edges): every kernel, type and
 * byte order; hostile values; positions over pieces, threads and records;
 * quantiles over every number of passes; histograms' edges and ends;
 * merges of halves; a scan split in parts that meet through the sync hook;
 * files through every backend, streams, and the options refused. */
#include "extra_reference.h"
#include "float_reference.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const kernel_names[] = { "scalar", "avx2", "avx512" };
#define KERNELS (sizeof kernel_names / sizeof kernel_names[0])
#define TYPES MAPSCAN_TYPE_COUNT

/* ---- values as bits ---- */

typedef struct format {
    unsigned exponent_bits, fraction_bits;
} format;

static bool is_float(mapscan_type t) { return mapscan_type_is_float(t); }
static size_t size_of(mapscan_type t) { return mapscan_type_size(t); }

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

static uint64_t ones_of(mapscan_type t) { return ((uint64_t)1 << format_of(t).exponent_bits) - 1; }
static uint64_t mask_of(mapscan_type t) { return ((uint64_t)1 << format_of(t).fraction_bits) - 1; }

/* The bits of v in float type t (v exact there). */
static uint64_t fbits(mapscan_type t, double v)
{
    format f = format_of(t);
    int bias = (1 << (f.exponent_bits - 1)) - 1;
    bool negative = signbit(v);
    double a = fabs(v);
    if (isnan(v))
        return make_bits(t, negative, ones_of(t), (mask_of(t) + 1) >> 1);
    if (isinf(v))
        return make_bits(t, negative, ones_of(t), 0);
    if (a == 0)
        return make_bits(t, negative, 0, 0);
    int e;
    frexp(a, &e);
    int biased = e - 1 + bias;
    if (biased >= 1) {
        double m = ldexp(a, (int)f.fraction_bits - (e - 1));
        cr_assert(m == floor(m) && biased < (int)ones_of(t), "%a is not a %s", v, mapscan_type_name(t));
        return make_bits(t, negative, (uint64_t)biased, (uint64_t)m & mask_of(t));
    }
    double m = ldexp(a, (int)f.fraction_bits + bias - 1);
    cr_assert(m == floor(m), "%a is not a %s", v, mapscan_type_name(t));
    return make_bits(t, negative, 0, (uint64_t)m);
}

static void store_bits(unsigned char *p, mapscan_type t, bool big, uint64_t bits)
{
    size_t size = size_of(t);
    for (size_t b = 0; b < size; b++)
        p[big ? size - 1 - b : b] = (unsigned char)(bits >> (8 * b));
}

/* An integer value (two's complement, cut to the type) or a float value's bits. */
static void store_int(unsigned char *p, mapscan_type t, bool big, __int128 v)
{
    store_bits(p, t, big, (uint64_t)v);
}

static void store_double(unsigned char *p, mapscan_type t, bool big, double v)
{
    if (is_float(t))
        store_bits(p, t, big, fbits(t, v));
    else
        store_int(p, t, big, (__int128)v);
}

static __int128 type_min(mapscan_type t)
{
    mapscan_int128 m = mapscan_type_min(t);
    return (__int128)((unsigned __int128)(uint64_t)m.hi << 64 | m.lo);
}

static __int128 type_max(mapscan_type t)
{
    mapscan_int128 m = mapscan_type_max(t);
    return (__int128)((unsigned __int128)(uint64_t)m.hi << 64 | m.lo);
}

/* ---- data ---- */

typedef enum fill {
    FILL_BYTES,         /* any bit pattern (NaN and infinities among the floats) */
    FILL_SMALL,         /* a few small values: many duplicates */
    FILL_EXTREME,       /* the type's extremes and special values */
    FILL_FINITE,        /* any finite value */
    FILL_COUNT
} fill;

static uint64_t random_bits(mapscan_type t, fill how, uint64_t *state)
{
    uint64_t r = test_random(state);
    unsigned bits = (unsigned)size_of(t) * 8;
    uint64_t all = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    if (how == FILL_BYTES)
        return r & all;
    if (!is_float(t)) {
        if (how == FILL_SMALL)
            return (uint64_t)(mapscan_type_is_signed(t) ? (int64_t)(r % 7) - 3 : (int64_t)(r % 7)) & all;
        if (how == FILL_EXTREME) {
            __int128 choices[] = { type_min(t), type_min(t) + 1, type_max(t), type_max(t) - 1, 0, 1,
                                   mapscan_type_is_signed(t) ? -1 : 2 };
            return (uint64_t)choices[r % 7] & all;
        }
        return r & all;
    }
    uint64_t ones = ones_of(t), mask = mask_of(t);
    bool negative = r >> 63;
    switch (how) {
    case FILL_SMALL: {
        static const double v[] = { 0, -0.0, 1, -1, 2, 0.5, -3, 1.5 };
        return fbits(t, v[r % 8]);
    }
    case FILL_EXTREME: {
        uint64_t choices[] = {
            make_bits(t, negative, 0, 0), make_bits(t, negative, 0, 1), make_bits(t, negative, 0, mask),
            make_bits(t, negative, 1, 0), make_bits(t, negative, ones - 1, mask), make_bits(t, negative, ones, 0),
            make_bits(t, negative, ones, (mask + 1) >> 1), make_bits(t, negative, ones >> 1, 0),
            make_bits(t, negative, ones - 1, mask - 1),
        };
        return choices[(r >> 8) % 9];
    }
    default:
        for (;;) {
            uint64_t b = r & all;
            if (((b >> format_of(t).fraction_bits) & ones) != ones)
                return b;
            r = test_random(state);
        }
    }
}

static unsigned char *random_data(mapscan_type t, bool big, size_t n, size_t misalign, fill how, uint64_t *state,
                                  unsigned char **block)
{
    size_t size = size_of(t);
    *block = malloc(n * size + 16);
    cr_assert_not_null(*block);
    unsigned char *p = *block + misalign;
    for (size_t i = 0; i < n; i++)
        store_bits(p + i * size, t, big, random_bits(t, how, state));
    return p;
}

/* ---- scanning ---- */

typedef struct layout {
    size_t offset;      /* bytes skipped */
    size_t record;      /* 0: contiguous elements */
    size_t field;
} layout;

static const layout contiguous = { 0, 0, 0 };

static size_t unit_of(const extra_want *w, const layout *l)
{
    return l->record ? l->record : size_of(w->type);
}

/* The reference's answers for len bytes at data as l lays them out. */
static void want_of(extra_want *w, const unsigned char *data, size_t len, const layout *l)
{
    size_t unit = unit_of(w, l);
    cr_assert_geq(len, l->offset);
    extra_want_compute(w, data + l->offset + l->field, (len - l->offset) / unit, unit);
}

static extra_want request(mapscan_type t, bool big, unsigned stats, uint64_t ddof)
{
    extra_want w;
    memset(&w, 0, sizeof w);
    w.type = t;
    w.big = big;
    w.stats = stats;
    w.ddof = ddof;
    return w;
}

static void add_q(extra_want *w, double q)
{
    cr_assert_lt(w->nq, MAPSCAN_MAX_QUANTILES);
    w->q[w->nq++] = q;
}

static void set_bins(extra_want *w, uint64_t bins)
{
    w->bins = bins;
    w->ranged = false;
}

static void set_range(extra_want *w, uint64_t bins, double lo, double hi)
{
    w->bins = bins;
    w->ranged = true;
    w->range_lo = lo;
    w->range_hi = hi;
}

static void options_of(const extra_want *w, const layout *l, const char *kernel, unsigned threads,
                       mapscan_options *o)
{
    mapscan_options_init(o);
    extra_want_options(w, o);
    o->kernel = kernel;
    o->threads = threads;
    o->offset = l->offset;
    o->record_size = l->record;
    o->field_offset = l->field;
}

static uint64_t *new_counts(uint64_t bins)
{
    uint64_t *c = malloc((bins ? bins : 1) * sizeof *c);
    cr_assert_not_null(c);
    memset(c, 0xab, (bins ? bins : 1) * sizeof *c);     /* the scan must overwrite them */
    return c;
}

/* The offset's whole units, and whether it is whole (mapscan_unravel's origin). */
static void expect_origin(const mapscan_result *r, const extra_want *w, const layout *l, const char *what)
{
    size_t unit = unit_of(w, l);
    cr_assert_eq(r->extra.origin, l->offset / unit, "%s: origin %llu, want %zu", what,
                 (unsigned long long)r->extra.origin, l->offset / unit);
    cr_assert_eq(r->extra.origin_whole, l->offset % unit == 0, "%s: origin_whole", what);
}

/* Scans memory as w asks and checks the answers (the histogram's refusal too). */
static void expect_memory(const extra_want *w, const unsigned char *data, size_t len, const layout *l,
                          const char *kernel, unsigned threads, const char *what)
{
    mapscan_options o;
    options_of(w, l, kernel, threads, &o);
    uint64_t *counts = new_counts(w->bins);
    o.histogram_counts = w->bins ? counts : NULL;
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = mapscan_scan_memory(data, len, &o, &r, &e);
    if (w->histogram_refused) {
        cr_assert_eq(s, MAPSCAN_E_INVALID, "%s: %s %s, %s kernel, %u threads: an infinite range is %d, %s", what,
                     mapscan_type_name(w->type), w->big ? "big" : "little", kernel ? kernel : "default", threads,
                     s, e.message);
        free(counts);
        return;
    }
    cr_assert_eq(s, MAPSCAN_OK, "%s: %s", what, e.message);
    const char *why = extra_want_check(w, &r);
    cr_assert_null(why, "%s: %s %s, n=%llu, %s kernel, %u threads, offset %zu record %zu field %zu: %s", what,
                   mapscan_type_name(w->type), w->big ? "big" : "little", (unsigned long long)w->count,
                   kernel ? kernel : "default", threads, l->offset, l->record, l->field, why);
    cr_assert_eq(r.stats.count, w->count, "%s: count", what);
    expect_origin(&r, w, l, what);
    free(counts);
}

/* The reference once, then the scan with every available kernel and each thread count up to max_threads. */
static void expect_everywhere(extra_want *w, const unsigned char *data, size_t len, const layout *l,
                              unsigned max_threads, const char *what)
{
    want_of(w, data, len, l);
    for (size_t k = 0; k < KERNELS; k++) {
        if (!mapscan_kernel_available(kernel_names[k]))
            continue;
        for (unsigned threads = 1; threads <= max_threads; threads++)
            expect_memory(w, data, len, l, kernel_names[k], threads, what);
    }
    extra_want_free(w);
}

static mapscan_result scan_ok(const extra_want *w, const unsigned char *data, size_t len, const layout *l,
                              const char *kernel, unsigned threads, uint64_t *counts)
{
    mapscan_options o;
    options_of(w, l, kernel, threads, &o);
    o.histogram_counts = counts;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(data, len, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    return r;
}

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void expect_same(double have, double want, const char *what)
{
    cr_assert(ref_same_double(have, want), "%s: %a (%.17g), want %a (%.17g)", what, have, have, want, want);
}

/* ---- the reference itself, on values known by hand ---- */

static double ref_var(mapscan_type t, const double *v, size_t n, uint64_t ddof, extra_want *w)
{
    unsigned char *buf = malloc(n * 8 + 1);
    for (size_t i = 0; i < n; i++)
        store_double(buf + i * size_of(t), t, false, v[i]);
    *w = request(t, false, MAPSCAN_STAT_ALL, ddof);
    extra_want_compute(w, buf, n, size_of(t));
    free(buf);
    return w->var;
}

Test(extra, the_reference_knows_values_by_hand)
{
    extra_want w;
    double a[] = { 1, 2, 3, 4 };
    expect_same(ref_var(MAPSCAN_I32, a, 4, 0, &w), 1.25, "var 1..4");
    expect_same(ref_var(MAPSCAN_F64, a, 4, 1, &w), 5.0 / 3, "var 1..4 ddof 1");
    expect_same(w.std, sqrt(5.0 / 3), "std 1..4 ddof 1");
    cr_assert(w.argmin == 0 && w.argmax == 3);
    double c[] = { 7, 7, 7 };
    expect_same(ref_var(MAPSCAN_F16, c, 3, 0, &w), 0.0, "constants");
    cr_assert(isnan(ref_var(MAPSCAN_U8, c, 3, 3, &w)), "n == ddof");
    double inf[] = { 1, INFINITY };
    cr_assert(isnan(ref_var(MAPSCAN_F32, inf, 2, 0, &w)));
    /* var of 0 and 0.2 is (0.2 / 2)^2, with 0.2 / 2 = 3602879701896397 * 2^-55 exactly: m^2 * 2^-110 rounded once */
    double d[] = { 0.0, 0.2 };
    double want = ref_var(MAPSCAN_F64, d, 2, 0, &w);
    double m = 3602879701896397.0;
    double fm = fma(m, m, 0), err = fma(m, m, -fm);      /* m^2 = fm + err exactly */
    double exact = ldexp(fm, -110) + ldexp(err, -110);     /* both scalings exact, one rounding */
    expect_same(want, exact, "var of 0 and 0.2");
    /* int64 extremes: var = (2^63 - 0.5)^2 = 2^126 - 2^63 + 0.25, rounded: 2^126 */
    unsigned char e[16];
    store_int(e, MAPSCAN_I64, false, type_min(MAPSCAN_I64));
    store_int(e + 8, MAPSCAN_I64, false, type_max(MAPSCAN_I64));
    w = request(MAPSCAN_I64, false, MAPSCAN_STAT_ALL, 0);
    extra_want_compute(&w, e, 2, 8);
    expect_same(w.var, 0x1p126, "int64 extremes");
    cr_assert(w.squares[0] == 1 && w.squares[1] == INT64_MAX && w.squares[2] == 0,
              "(2^63)^2 + (2^63 - 1)^2 = 2^127 - 2^64 + 1: words %llx %llx", (unsigned long long)w.squares[1],
              (unsigned long long)w.squares[0]);
    /* quantiles of 1 2 4 8 (numpy: 1, 3, 2, 6.8, 8) */
    double qv[] = { 8, 2, 4, 1 };
    unsigned char qb[32];
    for (int i = 0; i < 4; i++)
        store_double(qb + 8 * i, MAPSCAN_F64, false, qv[i]);
    w = request(MAPSCAN_F64, false, 0, 0);
    add_q(&w, 0), add_q(&w, 0.5), add_q(&w, 1.0 / 3), add_q(&w, 0.9), add_q(&w, 1);
    extra_want_compute(&w, qb, 4, 8);
    expect_same(w.quantile[0], 1, "q 0");
    expect_same(w.quantile[1], 3, "q 0.5");
    /* h = (1/3 as binary64) * 3 = 1 - 2^-54 exactly: 1 + (1 - 2^-54) rounds to 2 */
    expect_same(w.quantile[2], 2, "q 1/3");
    /* h = 3 * 0.9 = 2.70000000000000006661338147750939242541790008544921875: 4 + 4 * 0.70000000000000006661...
     * = 7656119366529843.5 * 2^-50 exactly, a tie between 6.8 (odd) and the next binary64 up (even) */
    expect_same(w.quantile[3], 0x1.b333333333334p+2, "q 0.9: the exact tie goes to even, past 6.8");
    expect_same(w.quantile[4], 8, "q 1");
    /* histogram: numpy.histogram([0, 0.1, 0.3, 0.30000000000000004, 1], bins=10) has edge 3 at 0.30000000000000004 */
    double hv[] = { 0, 0.1, 0.3, 0.30000000000000004, 1 };
    unsigned char hb[40];
    for (int i = 0; i < 5; i++)
        store_double(hb + 8 * i, MAPSCAN_F64, false, hv[i]);
    w = request(MAPSCAN_F64, false, 0, 0);
    set_bins(&w, 10);
    extra_want_compute(&w, hb, 5, 8);
    expect_same(xr_edge(0, 1, 10, 3), 0.30000000000000004, "edge 3");
    uint64_t hist[10] = { 1, 1, 1, 1, 0, 0, 0, 0, 0, 1 };
    for (int i = 0; i < 10; i++)
        cr_assert_eq(w.counts[i], hist[i], "bin %d: %llu", i, (unsigned long long)w.counts[i]);
    extra_want_free(&w);
}

Test(extra, histogram_edges_are_numpys_linspace)
{
    /* numpy.linspace(0, 1, 11)[3] and [7]; linspace(-1, 2, 4); a step that underflows to 0 */
    expect_same(mapscan_histogram_edge(0, 1, 10, 3), 0.30000000000000004, "0..1 / 10, edge 3");
    expect_same(mapscan_histogram_edge(0, 1, 10, 7), 0.7000000000000001, "0..1 / 10, edge 7");
    expect_same(mapscan_histogram_edge(0, 1, 10, 10), 1.0, "the last edge is hi");
    expect_same(mapscan_histogram_edge(-1, 2, 3, 1), 0.0, "-1..2 / 3");
    /* the step 2^-1076 rounds to 0: i / bins * delta + lo, 0.75 * 2^-1074 rounds to 2^-1074 */
    expect_same(mapscan_histogram_edge(0, 0x1p-1074, 4, 3), 0x1p-1074, "a step of 0: i / bins * delta + lo");
    expect_same(mapscan_histogram_edge(0, 0x1p-1074, 4, 1), 0, "a step of 0, edge 1");
    uint64_t state = 77;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = test_random(&state);
        double lo = ldexp((double)(int64_t)test_random(&state), (int)(r % 200) - 150);
        double hi = lo + ldexp((double)(test_random(&state) >> 11), (int)((r >> 8) % 220) - 170);
        if (!(hi > lo))
            continue;
        uint64_t bins = 1 + test_random(&state) % 1000;
        uint64_t k = test_random(&state) % (bins + 1);
        expect_same(mapscan_histogram_edge(lo, hi, bins, k), xr_edge(lo, hi, bins, k), "random edge");
    }
}

Test(extra, unravel_follows_c_and_fortran_order)
{
    mapscan_result r;
    memset(&r, 0, sizeof r);
    r.ndim = 3;
    r.shape[0] = 2, r.shape[1] = 3, r.shape[2] = 4;
    uint64_t index[64];
    cr_assert_eq(mapscan_unravel(&r, 23, index), 0);       /* not a .npy result: no index */
    r.format = MAPSCAN_FORMAT_NPY;
    r.extra.origin_whole = true;
    cr_assert_eq(mapscan_unravel(&r, 23, index), 3);
    cr_assert(index[0] == 1 && index[1] == 2 && index[2] == 3);
    mapscan_unravel(&r, 13, index);     /* 13 = 1*12 + 0*4 + 1 */
    cr_assert(index[0] == 1 && index[1] == 0 && index[2] == 1);
    r.fortran_order = true;
    mapscan_unravel(&r, 13, index);     /* 13 = 1 + 0*2 + 2*6 */
    cr_assert(index[0] == 1 && index[1] == 0 && index[2] == 2, "%llu %llu %llu", (unsigned long long)index[0],
              (unsigned long long)index[1], (unsigned long long)index[2]);
    r.extra.origin = 12;                /* an offset of 12 elements: 1 + 12 = 13 */
    mapscan_unravel(&r, 1, index);
    cr_assert(index[0] == 1 && index[1] == 0 && index[2] == 2);
    r.extra.origin_whole = false;       /* an offset that splits elements */
    cr_assert_eq(mapscan_unravel(&r, 1, index), 0);
    r.extra.origin_whole = true;
    r.ndim = 0;
    cr_assert_eq(mapscan_unravel(&r, 0, index), 0);
}

/* A .npy file in Fortran order: positions count in the file's order, and
 * mapscan_unravel reads them down the first axis. */
Test(extra, positions_of_a_fortran_order_npy_file)
{
    for (int fortran = 0; fortran < 2; fortran++) {
        char header[128];
        int len = snprintf(header, sizeof header, "\x93NUMPY\x01%c%c%c{'descr': '<i4', 'fortran_order': %s, "
                           "'shape': (2, 3), }", 0, 0, 0, fortran ? "True" : "False");
        cr_assert(len > 0 && len < 127);
        memset(header + len, ' ', sizeof header - (size_t)len);
        header[127] = '\n';
        header[8] = 128 - 10;       /* the header's length after its first 10 bytes */
        unsigned char file[128 + 24];
        memcpy(file, header, 128);
        int32_t v[6] = { 4, -9, 3, 11, 0, -9 };     /* the max at 3, the first min at 1 */
        for (int i = 0; i < 6; i++)
            store_int(file + 128 + 4 * i, MAPSCAN_I32, false, v[i]);
        char path[64];
        write_temp_file(path, sizeof path, file, sizeof file);
        mapscan_options o;
        mapscan_options_init(&o);
        o.stats = MAPSCAN_STAT_ALL;
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
        unlink(path);
        cr_assert_eq(r.format, MAPSCAN_FORMAT_NPY);
        cr_assert_eq(r.fortran_order, fortran);
        cr_assert(r.extra.argmax == 3 && r.extra.argmin == 1, "%llu %llu", (unsigned long long)r.extra.argmax,
                  (unsigned long long)r.extra.argmin);
        uint64_t index[64];
        cr_assert_eq(mapscan_unravel(&r, r.extra.argmax, index), 2);
        /* C order: 3 = 1 * 3 + 0; Fortran order: 3 = 1 + 2 * 1 */
        cr_assert(index[0] == 1 && index[1] == (fortran ? 1u : 0u), "%s order: (%llu, %llu)",
                  fortran ? "Fortran" : "C", (unsigned long long)index[0], (unsigned long long)index[1]);
    }
}

/* ---- 1. var and std: every kernel, type, byte order, length and alignment ---- */

static void check_kernel(const char *name)
{
    if (!mapscan_kernel_available(name))
        cr_skip_test("kernel %s is not available on this CPU", name);
    uint64_t state = 1919;
    size_t extra_lengths[] = { 1023, 1024, 1025, 0, 0, 0 };
    for (int t = 0; t < TYPES; t++)
        for (int big = 0; big < 2; big++) {
            extra_lengths[3] = 41 + test_random(&state) % 3000;
            extra_lengths[4] = 41 + test_random(&state) % 300;
            extra_lengths[5] = 2048 + test_random(&state) % 9000;
            size_t all = 41 + sizeof extra_lengths / sizeof extra_lengths[0];
            for (size_t i = 0; i < all; i++) {
                size_t n = i <= 40 ? i : extra_lengths[i - 41];
                fill how = (fill)((i + (size_t)big) % FILL_COUNT);
                unsigned char *block;
                size_t misalign = (n + (size_t)how + (size_t)t) % 8;
                unsigned char *p = random_data((mapscan_type)t, big, n, misalign, how, &state, &block);
                extra_want w = request((mapscan_type)t, big, MAPSCAN_STAT_ALL, (n + how) % 3 == 0 ? 1 : 0);
                want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
                char what[64];
                snprintf(what, sizeof what, "fill %d misalign %zu", (int)how, misalign);
                expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, name, 1, what);
                extra_want_free(&w);
                free(block);
            }
        }
}

Test(extra, scalar_kernel_var_std_and_positions) { check_kernel("scalar"); }
Test(extra, avx2_kernel_var_std_and_positions) { check_kernel("avx2"); }
Test(extra, avx512_kernel_var_std_and_positions) { check_kernel("avx512"); }

/* Values of type t given as doubles (exact there) or, for integers, as 128-bit values. */
static unsigned char *doubles_data(mapscan_type t, bool big, const double *v, size_t n)
{
    unsigned char *p = malloc(n * size_of(t) + 1);
    for (size_t i = 0; i < n; i++)
        store_double(p + i * size_of(t), t, big, v[i]);
    return p;
}

static void expect_doubles(mapscan_type t, const double *v, size_t n, uint64_t ddof, const char *what)
{
    for (int big = 0; big < 2; big++) {
        unsigned char *p = doubles_data(t, big, v, n);
        extra_want w = request(t, big, MAPSCAN_STAT_ALL, ddof);
        expect_everywhere(&w, p, n * size_of(t), &contiguous, 1, what);
        free(p);
    }
}

static double var_of(mapscan_type t, const double *v, size_t n, uint64_t ddof, const char *kernel)
{
    unsigned char *p = doubles_data(t, false, v, n);
    extra_want w = request(t, false, MAPSCAN_STAT_ALL, ddof);
    mapscan_result r = scan_ok(&w, p, n * size_of(t), &contiguous, kernel, 1, NULL);
    free(p);
    return r.extra.var;
}

Test(extra, variance_of_the_64_bit_extremes_needs_more_than_128_bits)
{
    for (int t = MAPSCAN_I64; t <= MAPSCAN_U64; t++)
        for (int big = 0; big < 2; big++) {
            size_t n = 20000;
            unsigned char *p = malloc(n * 8);
            for (size_t i = 0; i < n; i++)
                store_int(p + 8 * i, (mapscan_type)t, big, i % 3 == 2 ? type_max((mapscan_type)t)
                                                                       : type_min((mapscan_type)t) + (i % 3));
            extra_want w = request((mapscan_type)t, big, MAPSCAN_STAT_ALL, 0);
            want_of(&w, p, n * 8, &contiguous);
            cr_assert(w.squares[2] != 0 || t == MAPSCAN_U64, "Σx² past 128 bits");
            extra_want_free(&w);
            expect_everywhere(&w, p, n * 8, &contiguous, 3, "extremes");
            /* only the largest magnitude: u64 max squared 20000 times needs 143 bits */
            for (size_t i = 0; i < n; i++)
                store_int(p + 8 * i, (mapscan_type)t, big, t == MAPSCAN_U64 ? type_max(MAPSCAN_U64)
                                                                             : type_min(MAPSCAN_I64));
            want_of(&w, p, n * 8, &contiguous);
            cr_assert(w.squares[2] != 0, "Σx² past 128 bits");
            cr_assert(w.var == 0 && !signbit(w.var));
            extra_want_free(&w);
            expect_everywhere(&w, p, n * 8, &contiguous, 3, "constant extremes");
            free(p);
        }
}

Test(extra, constants_have_a_variance_of_exactly_zero)
{
    for (int t = 0; t < TYPES; t++) {
        double values[] = { 0, 1, 3, 100, 127 };
        for (size_t k = 0; k < 5; k++) {
            double c[300];
            for (int i = 0; i < 300; i++)
                c[i] = values[k];
            for (size_t kernel = 0; kernel < KERNELS; kernel++) {
                if (!mapscan_kernel_available(kernel_names[kernel]))
                    continue;
                double v = var_of((mapscan_type)t, c, 300, 1, kernel_names[kernel]);
                cr_assert(v == 0 && !signbit(v), "%s constant %g: var %a", mapscan_type_name((mapscan_type)t),
                          values[k], v);
            }
        }
    }
    double big[4] = { DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX };
    expect_doubles(MAPSCAN_F64, big, 4, 0, "DBL_MAX four times");
    cr_assert(var_of(MAPSCAN_F64, big, 4, 0, NULL) == 0);
    double tiny[3] = { 0x1p-1074, 0x1p-1074, 0x1p-1074 };
    cr_assert(var_of(MAPSCAN_F64, tiny, 3, 0, NULL) == 0);
}

Test(extra, squares_past_binary64s_range_stay_exact)
{
    /* Σx² of values near 1e160 is past DBL_MAX; their variance is not */
    double a[] = { 1e160, nextafter(1e160, INFINITY), 1e160, nextafter(1e160, 0) };
    expect_doubles(MAPSCAN_F64, a, 4, 0, "near 1e160");
    double v = var_of(MAPSCAN_F64, a, 4, 0, NULL);
    cr_assert(v > 0 && isfinite(v), "var %a", v);
    double b[] = { 1e300, -1e300, 1e300, 5 };
    expect_doubles(MAPSCAN_F64, b, 4, 1, "±1e300: var past the range");
    cr_assert(isinf(var_of(MAPSCAN_F64, b, 4, 1, NULL)));
    double c[] = { DBL_MAX, -DBL_MAX, 1e308, -1e308, 0x1p-1074, -0x1p-1074 };
    expect_doubles(MAPSCAN_F64, c, 6, 0, "the largest and the smallest");
    /* 1e300 and 1e300 + ulp, many times: the exact sums cancel to a small difference */
    size_t n = 5000;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = i % 2 ? 1e200 : nextafter(1e200, INFINITY);
    expect_doubles(MAPSCAN_F64, d, n, 0, "1e200 and its neighbour");
    free(d);
    /* f32's and bf16's largest, squared past binary32's range */
    double f[] = { FLT_MAX, -FLT_MAX, FLT_MAX, 1 };
    expect_doubles(MAPSCAN_F32, f, 4, 0, "FLT_MAX");
    double g[] = { 0x1.fep127, 0x1p-133, -0x1.fep127 };
    expect_doubles(MAPSCAN_BF16, g, 3, 1, "bf16's extremes");
    double h[] = { 65504, -65504, 0x1p-24, 0x1p-14 };
    expect_doubles(MAPSCAN_F16, h, 4, 0, "f16's extremes");
}

Test(extra, subnormals_infinities_and_nan)
{
    double a[] = { 0x1p-1074, 0x1p-1073, 0x1p-1022, -0x1p-1074, 0x1p-500, 0 };
    expect_doubles(MAPSCAN_F64, a, 6, 0, "subnormals");
    double b[] = { 0x1p-520, 0x1p-530, 0x1p-540 };      /* var near 2^-1040: itself subnormal */
    expect_doubles(MAPSCAN_F64, b, 3, 0, "a subnormal variance");
    double c[] = { 0x1p-24, 0x1p-23, 0x3p-24, 0 };
    expect_doubles(MAPSCAN_F16, c, 4, 1, "f16 subnormals");
    double d[] = { 0x1p-149, 0x1p-148, -0x1p-149 };
    expect_doubles(MAPSCAN_F32, d, 3, 0, "f32 subnormals");
    double e[] = { 1, 2, INFINITY, 3 };
    for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++) {
        expect_doubles((mapscan_type)t, e, 4, 0, "an infinity");
        cr_assert(isnan(var_of((mapscan_type)t, e, 4, 0, NULL)));
        double f[] = { NAN, 1, NAN, 2, 3, NAN };
        expect_doubles((mapscan_type)t, f, 6, 1, "NaN left out");
        expect_same(var_of((mapscan_type)t, f, 6, 1, NULL), 1.0, "var of 1 2 3, NaN left out");
        double g[] = { NAN, NAN };
        expect_doubles((mapscan_type)t, g, 2, 0, "only NaN");
        double h[] = { -INFINITY, INFINITY, NAN };
        expect_doubles((mapscan_type)t, h, 3, 0, "both infinities");
    }
}

Test(extra, ddof_from_zero_past_the_count)
{
    uint64_t state = 5;
    for (int t = 0; t < TYPES; t++) {
        size_t n = 1 + test_random(&state) % 50;
        unsigned char *block;
        unsigned char *p = random_data((mapscan_type)t, false, n, 1, FILL_FINITE, &state, &block);
        uint64_t ddofs[] = { 0, 1, n - 1, n, n + 1, UINT64_MAX };
        for (size_t k = 0; k < 6; k++) {
            extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_VAR, ddofs[k]);
            expect_everywhere(&w, p, n * size_of((mapscan_type)t), &contiguous, 1, "ddof");
            want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
            cr_assert_eq(isnan(w.var), ddofs[k] >= n, "NaN exactly when n <= ddof");
            extra_want_free(&w);
        }
        free(block);
    }
}

Test(extra, every_statistic_alone)
{
    uint64_t state = 31;
    unsigned sets[] = { 0, MAPSCAN_STAT_VAR, MAPSCAN_STAT_ARGMIN, MAPSCAN_STAT_ARGMAX,
                        MAPSCAN_STAT_ARGMIN | MAPSCAN_STAT_ARGMAX, MAPSCAN_STAT_ALL };
    for (int t = 0; t < TYPES; t++) {
        size_t n = 100000 / size_of((mapscan_type)t) + 13;
        unsigned char *block;
        unsigned char *p = random_data((mapscan_type)t, t % 2, n, 3, FILL_BYTES, &state, &block);
        for (size_t s = 0; s < 6; s++) {
            extra_want w = request((mapscan_type)t, t % 2, sets[s], 0);
            want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
            expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, NULL, 1 + (unsigned)(s % 4), "stats");
            extra_want_free(&w);
        }
        free(block);
    }
}

/* ---- 2. argmin and argmax ---- */

/* i32 data of n values from f(i), scanned at 1 to 4 threads, every kernel. */
static void expect_positions(size_t n, int32_t (*f)(size_t i, size_t n), const layout *l, unsigned max_threads,
                             const char *what)
{
    size_t unit = l->record ? l->record : 4;
    size_t len = l->offset + n * unit;
    unsigned char *data = malloc(len);
    memset(data, 0x5a, len);
    for (size_t i = 0; i < n; i++)
        store_int(data + l->offset + i * unit + l->field, MAPSCAN_I32, false, f(i, n));
    extra_want w = request(MAPSCAN_I32, false, MAPSCAN_STAT_ARGMIN | MAPSCAN_STAT_ARGMAX, 0);
    expect_everywhere(&w, data, len, l, max_threads, what);
    free(data);
}

static int32_t descending(size_t i, size_t n) { return (int32_t)((n - 1 - i) / 3) - 1000000; }
static int32_t ascending(size_t i, size_t n) { return (int32_t)(i / 3) - (int32_t)(n / 7); }
static int32_t extremes_at_the_end(size_t i, size_t n)
{
    return i == n - 1 ? INT32_MIN : i == n - 2 ? INT32_MAX : (int32_t)(i % 1000);
}
static int32_t repeated(size_t i, size_t n)
{
    (void)n;
    uint64_t h = i * 0x9e3779b97f4a7c15u;
    if (i > 300000 && h % 9973 == 0)
        return 5000;        /* the max, first far in */
    if (i > 100000 && h % 7919 == 0)
        return -5000;       /* the min */
    return (int32_t)(h >> 40) % 4000;
}

Test(extra, positions_are_first_occurrences_over_pieces_and_threads)
{
    size_t n = (size_t)3 << 19;     /* 6 MiB: several chunks of the scan of memory */
    expect_positions(n, descending, &contiguous, 4, "descending: every piece a new min");
    expect_positions(n, ascending, &contiguous, 2, "ascending: every piece a new max");
    expect_positions(n, extremes_at_the_end, &contiguous, 3, "extremes at the end");
    expect_positions(n, repeated, &contiguous, 4, "repeated extremes");
    layout records = { 5, 12, 3 };
    expect_positions(n / 4, descending, &records, 2, "records, descending");
    expect_positions(n / 4, repeated, &records, 3, "records, repeated");
    layout offset = { 8, 0, 0 };
    expect_positions(1000, extremes_at_the_end, &offset, 2, "an offset");
}

Test(extra, float_positions_leave_nan_out_and_put_minus_zero_first)
{
    struct { double v[8]; size_t n; uint64_t argmin, argmax; } cases[] = {
        { { NAN, 0.0, -0.0, -0.0, 0.0, NAN }, 6, 2, 1 },
        { { 0.0, -0.0 }, 2, 1, 0 },
        { { NAN, 1, INFINITY, -INFINITY, INFINITY, -INFINITY }, 6, 3, 2 },
        { { NAN, NAN, NAN }, 3, 0, 0 },
        { { NAN, 3 }, 2, 1, 1 },
        { { -1, NAN, -1, 2, 2 }, 5, 0, 3 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++)
            for (int big = 0; big < 2; big++) {
                unsigned char *p = doubles_data((mapscan_type)t, big, cases[c].v, cases[c].n);
                extra_want w = request((mapscan_type)t, big, MAPSCAN_STAT_ALL, 0);
                want_of(&w, p, cases[c].n * size_of((mapscan_type)t), &contiguous);
                cr_assert(w.argmin == cases[c].argmin && w.argmax == cases[c].argmax, "reference, case %zu", c);
                extra_want_free(&w);
                expect_everywhere(&w, p, cases[c].n * size_of((mapscan_type)t), &contiguous, 2, "float positions");
                free(p);
            }
    /* long runs: -0 first at 70000, +0 everywhere else, NaN in between */
    size_t n = 300000;
    for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++) {
        unsigned char *p = malloc(n * 8);
        for (size_t i = 0; i < n; i++)
            store_bits(p + i * size_of((mapscan_type)t), (mapscan_type)t, false,
                       fbits((mapscan_type)t, i % 5 == 1 ? NAN : i >= 70000 && i % 7 == 0 ? -0.0 : 0.0));
        extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ARGMIN | MAPSCAN_STAT_ARGMAX, 0);
        expect_everywhere(&w, p, n * size_of((mapscan_type)t), &contiguous, 3, "runs of zeros");
        free(p);
    }
}

/* ---- 3. quantiles ---- */

/* A few q's: the ends, the smallest, ties and fractions that do not end
 * (each distinct rank may cost a bucket, and buckets past 4 a level cost
 * passes: the many-bucket cases have tests of their own). */
static void standard_qs(extra_want *w, uint64_t *state, size_t random_ones)
{
    double qs[] = { 0, 1, 1e-300, 0.5, 1.0 / 3, 0.999, 1 - 0x1p-53, 0x1p-1074 };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        add_q(w, qs[i]);
    for (size_t i = 0; i < random_ones; i++)
        add_q(w, (double)(test_random(state) >> 11) * 0x1p-53);
}

Test(extra, quantiles_of_every_type_and_size)
{
    uint64_t state = 2024;
    size_t sizes[] = { 1, 2, 3, 17, 1000, 0, 0 };
    for (int t = 0; t < TYPES; t++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s] ? sizes[s] : 1 + test_random(&state) % (s == 5 ? 60000 : 20000);
            fill how = n > 30000 ? FILL_BYTES : (fill)((s + (size_t)t) % FILL_COUNT);
            int big = (int)(test_random(&state) & 1);
            unsigned char *block;
            unsigned char *p = random_data((mapscan_type)t, big, n, s % 8, how, &state, &block);
            extra_want w = request((mapscan_type)t, big, 0, 0);
            standard_qs(&w, &state, 2);
            want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
            size_t k = test_random(&state) % KERNELS;
            const char *kernel = mapscan_kernel_available(kernel_names[k]) ? kernel_names[k] : NULL;
            expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, kernel,
                          1 + (unsigned)(test_random(&state) % 3), "quantiles");
            extra_want_free(&w);
            free(block);
        }
}

/* 64-bit values that share their top bits: every 16-bit digit takes a pass. */
Test(extra, quantiles_of_keys_with_long_shared_prefixes)
{
    uint64_t state = 99;
    for (int t = MAPSCAN_I64; t <= MAPSCAN_F64; t++) {
        if (t != MAPSCAN_I64 && t != MAPSCAN_U64 && t != MAPSCAN_F64)
            continue;
        for (int variant = 0; variant < 3; variant++) {
            size_t n = 8000 + variant * 7;
            unsigned char *p = malloc(n * 8);
            for (size_t i = 0; i < n; i++) {
                uint64_t r = test_random(&state);
                uint64_t low = variant == 0 ? r % 5 : variant == 1 ? r & 0xffff : r & 0xffffffffffu;
                uint64_t bits;
                if (t == MAPSCAN_F64) {
                    double d = 1e10 + (double)low;      /* shares the sign, exponent and top mantissa */
                    memcpy(&bits, &d, 8);
                } else {
                    bits = (t == MAPSCAN_I64 ? 0xfedcba9876500000u : 0x8000000000000000u) + low;
                }
                store_bits(p + 8 * i, (mapscan_type)t, variant == 1, bits);
            }
            extra_want w = request((mapscan_type)t, variant == 1, 0, 0);
            standard_qs(&w, &state, 4);
            want_of(&w, p, n * 8, &contiguous);
            const char *kernel = kernel_names[(size_t)(variant + t) % KERNELS];
            expect_memory(&w, p, n * 8, &contiguous, mapscan_kernel_available(kernel) ? kernel : NULL,
                          1 + (unsigned)variant, "shared prefixes");
            extra_want_free(&w);
            free(p);
        }
    }
}

/* Quantiles in many different top digits: more than 4 buckets a level,
 * more passes (64 q's over 32-bit keys: 33 passes; 16 over 64-bit ones). */
Test(extra, many_quantiles_in_many_buckets)
{
    uint64_t state = 4711;
    mapscan_type types[] = { MAPSCAN_I32, MAPSCAN_F32, MAPSCAN_U64, MAPSCAN_F64, MAPSCAN_I16, MAPSCAN_BF16 };
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        mapscan_type t = types[ti];
        size_t n = 6000;
        unsigned char *block;
        unsigned char *p = random_data(t, ti % 2, n, 0, is_float(t) ? FILL_FINITE : FILL_BYTES, &state, &block);
        extra_want w = request(t, ti % 2, 0, 0);
        int nq = size_of(t) == 8 ? 16 : MAPSCAN_MAX_QUANTILES;
        for (int i = 0; i < nq; i++)
            add_q(&w, (i + 0.5) / nq);
        w.q[7] = 0, w.q[8] = 1, w.q[9] = 1e-300, w.q[10] = 0.5;     /* and repeats */
        w.q[11] = 0.5;
        want_of(&w, p, n * size_of(t), &contiguous);
        expect_memory(&w, p, n * size_of(t), &contiguous, ti % 2 ? NULL : "scalar", 1 + (unsigned)(ti % 3),
                      "many quantiles");
        extra_want_free(&w);
        free(block);
    }
}

Test(extra, quantiles_with_duplicates_nan_zeros_and_infinities)
{
    uint64_t state = 8;
    /* hand cases: n = 1, 2, 3; infinities at the ranks (IEEE's formula) */
    struct { double v[6]; size_t n; double q, want; } cases[] = {
        { { 5 }, 1, 0.3, 5 },
        { { 1, 2 }, 2, 0.5, 1.5 },
        { { 3, 1, 2 }, 3, 0.75, 2.5 },
        { { 1, INFINITY }, 2, 0.5, INFINITY },
        { { -INFINITY, 1 }, 2, 0.5, NAN },
        { { -INFINITY, INFINITY }, 2, 0.5, NAN },
        { { INFINITY, INFINITY, 1 }, 3, 0.75, INFINITY },
        { { -INFINITY, -INFINITY, 5 }, 3, 0.25, -INFINITY },
        { { -INFINITY, 5, NAN }, 2 + 1, 0, -INFINITY },
        { { -INFINITY, 5, NAN }, 3, 1, 5 },
        { { NAN, 2, NAN, 4 }, 4, 0.5, 3 },
        { { 1, INFINITY, 3 }, 3, 0.5, 3 },
        { { -0.0, 0.0, -0.0 }, 3, 0, 0.0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++)
            for (int big = 0; big < 2; big++) {
                unsigned char *p = doubles_data((mapscan_type)t, big, cases[c].v, cases[c].n);
                extra_want w = request((mapscan_type)t, big, 0, 0);
                add_q(&w, cases[c].q);
                want_of(&w, p, cases[c].n * size_of((mapscan_type)t), &contiguous);
                expect_same(w.quantile[0], cases[c].want, "the reference's hand case");
                const char *kernel = kernel_names[(c + (size_t)t + (size_t)big) % KERNELS];
                expect_memory(&w, p, cases[c].n * size_of((mapscan_type)t), &contiguous,
                              mapscan_kernel_available(kernel) ? kernel : NULL, 1, "hand quantiles");
                extra_want_free(&w);
                free(p);
            }
    /* random data with NaN, infinities and few values */
    for (int t = 0; t < TYPES; t++)
        for (fill how = FILL_SMALL; how <= FILL_EXTREME; how++) {
            size_t n = 3000 + test_random(&state) % 3000;
            unsigned char *block;
            unsigned char *p = random_data((mapscan_type)t, false, n, 0, how, &state, &block);
            extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
            standard_qs(&w, &state, 3);
            want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
            const char *kernel = kernel_names[((size_t)t + how) % KERNELS];
            expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous,
                          mapscan_kernel_available(kernel) ? kernel : NULL, 1 + (unsigned)(how % 2), "few values");
            extra_want_free(&w);
            free(block);
        }
}

Test(extra, quantiles_of_an_empty_scan_are_nan)
{
    unsigned char none[8] = { 0 };
    for (int t = 0; t < TYPES; t++) {
        extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
        add_q(&w, 0.5);
        set_bins(&w, 3);
        expect_everywhere(&w, none, 0, &contiguous, 1, "empty");
    }
}

/* ---- 4. histograms ---- */

Test(extra, histograms_of_every_type_bins_and_range)
{
    uint64_t state = 314;
    uint64_t bins[] = { 1, 2, 7, 1000 };
    for (int t = 0; t < TYPES; t++)
        for (size_t b = 0; b < 4; b++)
            for (fill how = (fill)((b + (size_t)t) % 2); how < FILL_COUNT; how += 2) {
                size_t n = 1 + test_random(&state) % 5000;
                unsigned char *block;
                unsigned char *p = random_data((mapscan_type)t, how % 2, n, 1, how, &state, &block);
                extra_want w = request((mapscan_type)t, how % 2, 0, 0);
                set_bins(&w, bins[b]);
                want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
                const char *kernel = kernel_names[(b + (size_t)how + (size_t)t) % KERNELS];
                kernel = mapscan_kernel_available(kernel) ? kernel : NULL;
                expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, kernel, 1 + (unsigned)(b % 3),
                              "histogram");
                extra_want_free(&w);
                /* a range inside the data's, and one around it */
                double lo = -100.5, hi = 77.25;
                if (!mapscan_type_is_signed((mapscan_type)t))
                    lo = 3.3;
                set_range(&w, bins[b], lo, hi);
                want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
                expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, kernel, 2, "ranged histogram");
                extra_want_free(&w);
                set_range(&w, bins[b], -1e300, 1e300);
                want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
                expect_memory(&w, p, n * size_of((mapscan_type)t), &contiguous, "scalar", 1, "wide range");
                extra_want_free(&w);
                free(block);
            }
}

/* int64 values near 2^53 and ±2^63 against edges that are not integers, or
 * that the values round to. */
Test(extra, histograms_compare_64_bit_integers_exactly)
{
    __int128 two53 = (__int128)1 << 53;
    struct { mapscan_type t; __int128 v[8]; size_t n; double lo, hi; uint64_t bins; } cases[] = {
        /* edges 2^53 + 0.5 steps: the values fall each side of them exactly */
        { MAPSCAN_I64, { two53, two53 + 1, two53 + 2, two53 + 3, two53 + 4 }, 5, 0x1p53, 0x1p53 + 4, 4 },
        { MAPSCAN_I64, { two53 + 1, two53 + 3, two53 + 5, two53 + 7 }, 4, 0x1p53, 0x1p53 + 8, 3 },
        /* data min 2^53 + 3 rounds up to 2^53 + 4, past the value: it goes to the first bin */
        { MAPSCAN_I64, { two53 + 3, two53 + 10, two53 + 100 }, 3, 0, 0, 5 },
        /* min and max round to the same double: ±0.5 is lost, every value in the last bin */
        { MAPSCAN_I64, { ((__int128)1 << 60) + 1, ((__int128)1 << 60) + 2 }, 2, 0, 0, 3 },
        { MAPSCAN_I64, { -((__int128)1 << 63), ((__int128)1 << 63) - 1, 0, -1, 1 }, 5, 0, 0, 7 },
        { MAPSCAN_U64, { ((__int128)1 << 64) - 1, ((__int128)1 << 64) - 2, 0, ((__int128)1 << 63) }, 4, 0, 0, 2 },
        { MAPSCAN_U64, { ((__int128)1 << 64) - 1, ((__int128)1 << 63) + 1, ((__int128)1 << 63) - 1 }, 3, 0x1p63,
          0x1p64, 1000 },
        { MAPSCAN_I64, { -((__int128)1 << 63), -((__int128)1 << 63) + 1, ((__int128)1 << 63) - 1 }, 3, -0x1p63,
          0x1p63, 2 },
        /* edges at x.5 with small integers */
        { MAPSCAN_I32, { 0, 1, 2, 3, 4, 5, 6 }, 7, -0.5, 6.5, 7 },
        { MAPSCAN_I8, { -128, 127, 0 }, 3, -127.5, 126.5, 3 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int big = 0; big < 2; big++) {
            mapscan_type t = cases[c].t;
            size_t n = cases[c].n;
            unsigned char p[64];
            for (size_t i = 0; i < n; i++)
                store_int(p + i * size_of(t), t, big, cases[c].v[i]);
            extra_want w = request(t, big, 0, 0);
            if (cases[c].lo == cases[c].hi)
                set_bins(&w, cases[c].bins);
            else
                set_range(&w, cases[c].bins, cases[c].lo, cases[c].hi);
            char what[64];
            snprintf(what, sizeof what, "64-bit case %zu", c);
            expect_everywhere(&w, p, n * size_of(t), &contiguous, 1, what);
        }
    /* by hand: the range 2^53 + 0.5 .. 2^53 + 3.5 is 2^53 .. 2^53 + 4 in binary64; its edges are 2^53 + 0, 1, 2, 3,
     * 4 rounded (ties to even): 2^53, 2^53, 2^53 + 2, 2^53 + 4, 2^53 + 4 */
    unsigned char p[64];
    uint64_t counts[8];
    for (int i = 0; i < 5; i++)
        store_int(p + 8 * i, MAPSCAN_I64, false, two53 + i);
    extra_want w = request(MAPSCAN_I64, false, 0, 0);
    set_range(&w, 4, 0x1p53 + 0.5, 0x1p53 + 3.5);
    mapscan_result r = scan_ok(&w, p, 40, &contiguous, NULL, 1, counts);
    double edges[] = { 0x1p53, 0x1p53, 0x1p53 + 2, 0x1p53 + 4, 0x1p53 + 4 };
    for (uint64_t i = 0; i <= 4; i++)
        expect_same(mapscan_histogram_edge(0x1p53 + 0.5, 0x1p53 + 3.5, 4, i), edges[i], "edge near 2^53");
    cr_assert(r.extra.below == 0 && r.extra.above == 0);
    cr_assert(counts[0] == 0 && counts[1] == 2 && counts[2] == 2 && counts[3] == 1, "%llu %llu %llu %llu",
              (unsigned long long)counts[0], (unsigned long long)counts[1], (unsigned long long)counts[2],
              (unsigned long long)counts[3]);
    /* 2^53 + 3, + 10, + 100 without a range: lo is 2^53 + 3 rounded, 2^53 + 4, above the value itself */
    for (int i = 0; i < 3; i++)
        store_int(p + 8 * i, MAPSCAN_I64, false, i == 0 ? two53 + 3 : i == 1 ? two53 + 10 : two53 + 100);
    w = request(MAPSCAN_I64, false, 0, 0);
    set_bins(&w, 5);
    r = scan_ok(&w, p, 24, &contiguous, NULL, 1, counts);
    expect_same(r.extra.lo, 0x1p53 + 4, "lo is the min as a double");
    cr_assert(counts[0] == 2 && counts[4] == 1, "2^53 + 3, below the first edge, still counts in bin 0");
}

Test(extra, histogram_ends_constants_empty_nan_and_infinities)
{
    /* values on the edges: half-open bins, the last closed */
    double a[] = { 0, 1, 2, 3, 4, 0.5, 3.75, 4 };
    for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++) {
        unsigned char *p = doubles_data((mapscan_type)t, false, a, 8);
        extra_want w = request((mapscan_type)t, false, 0, 0);
        set_range(&w, 4, 0, 4);
        mapscan_result r;
        uint64_t counts[4];
        r = scan_ok(&w, p, 8 * size_of((mapscan_type)t), &contiguous, NULL, 1, counts);
        cr_assert(counts[0] == 2 && counts[1] == 1 && counts[2] == 1 && counts[3] == 4 && r.extra.above == 0,
                  "%s: %llu %llu %llu %llu", mapscan_type_name((mapscan_type)t), (unsigned long long)counts[0],
                  (unsigned long long)counts[1], (unsigned long long)counts[2], (unsigned long long)counts[3]);
        expect_everywhere(&w, p, 8 * size_of((mapscan_type)t), &contiguous, 1, "values on edges");
        free(p);
    }
    /* constants: lo - 0.5 to hi + 0.5; -0 and +0 are equal */
    double c[] = { 3, 3, 3 }, z[] = { -0.0, 0.0, -0.0 };
    for (int t = 0; t < TYPES; t++)
        for (uint64_t bins = 1; bins <= 3; bins++) {
            unsigned char *p = doubles_data((mapscan_type)t, false, c, 3);
            extra_want w = request((mapscan_type)t, false, 0, 0);
            set_bins(&w, bins);
            uint64_t *counts = new_counts(bins);
            mapscan_result r = scan_ok(&w, p, 3 * size_of((mapscan_type)t), &contiguous, NULL, 1, counts);
            expect_same(r.extra.lo, 2.5, "constant lo");
            expect_same(r.extra.hi, 3.5, "constant hi");
            cr_assert_eq(counts[bins / 2], 3, "%llu bins: the middle one", (unsigned long long)bins);
            free(counts);
            expect_everywhere(&w, p, 3 * size_of((mapscan_type)t), &contiguous, 1, "constant");
            free(p);
            if (is_float((mapscan_type)t)) {
                p = doubles_data((mapscan_type)t, false, z, 3);
                expect_everywhere(&w, p, 3 * size_of((mapscan_type)t), &contiguous, 1, "zeros of both signs");
                free(p);
            }
        }
    /* edges closer than the values' steps: many of them equal after rounding */
    for (int t = MAPSCAN_F32; t <= MAPSCAN_F64; t += 1) {
        double step = t == MAPSCAN_F64 ? 0x1p-52 : 0x1p-23;
        double v[40];
        for (int i = 0; i < 40; i++)
            v[i] = 1 + (i % 10) * step - (i % 3 == 0 ? step : 0);
        unsigned char *p = doubles_data((mapscan_type)t, false, v, 40);
        extra_want w = request((mapscan_type)t, false, 0, 0);
        set_range(&w, 1000, 1, 1 + 4 * step);
        expect_everywhere(&w, p, 40 * size_of((mapscan_type)t), &contiguous, 1, "edges rounded together");
        set_bins(&w, 999);
        expect_everywhere(&w, p, 40 * size_of((mapscan_type)t), &contiguous, 1, "data edges rounded together");
        free(p);
    }
    /* empty data and only NaN: 0 to 1, nothing counted */
    double nan[] = { NAN, NAN };
    for (int t = 0; t < TYPES; t++) {
        extra_want w = request((mapscan_type)t, false, 0, 0);
        set_bins(&w, 7);
        uint64_t counts[7];
        mapscan_result r = scan_ok(&w, (const unsigned char *)"", 0, &contiguous, NULL, 1, counts);
        cr_assert(r.extra.bins == 7 && r.extra.lo == 0 && r.extra.hi == 1, "empty: %a..%a", r.extra.lo, r.extra.hi);
        for (int i = 0; i < 7; i++)
            cr_assert_eq(counts[i], 0);
        if (is_float((mapscan_type)t)) {
            unsigned char *p = doubles_data((mapscan_type)t, true, nan, 2);
            expect_everywhere(&w, p, 2 * size_of((mapscan_type)t), &contiguous, 1, "only NaN");
            set_range(&w, 7, -1, 1);
            expect_everywhere(&w, p, 2 * size_of((mapscan_type)t), &contiguous, 1, "only NaN, ranged");
            free(p);
        }
    }
    /* infinities: below and above a range; without one the range is not finite (refused) */
    double inf[] = { -INFINITY, 1, NAN, INFINITY, INFINITY, -5, 5, 2 };
    for (int t = MAPSCAN_F16; t <= MAPSCAN_F64; t++) {
        unsigned char *p = doubles_data((mapscan_type)t, false, inf, 8);
        extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
        set_range(&w, 2, -1, 3);
        want_of(&w, p, 8 * size_of((mapscan_type)t), &contiguous);
        cr_assert(w.below == 2 && w.above == 3 && w.counts[0] == 0 && w.counts[1] == 2, "reference");
        extra_want_free(&w);
        expect_everywhere(&w, p, 8 * size_of((mapscan_type)t), &contiguous, 2, "infinities, ranged");
        set_bins(&w, 2);
        expect_everywhere(&w, p, 8 * size_of((mapscan_type)t), &contiguous, 1, "infinities, no range");
        free(p);
    }
}

/* ---- 5. merges ---- */

static void shift_positions(mapscan_result *r, uint64_t by)
{
    r->extra.argmin += by;
    r->extra.argmax += by;
}

static void expect_same_extra(const mapscan_result *have, const mapscan_result *want, const char *what)
{
    const mapscan_extra_stats *a = &have->extra, *b = &want->extra;
    cr_assert_eq(have->stats.count, want->stats.count, "%s: count", what);
    cr_assert_eq(a->computed, b->computed, "%s: computed", what);
    if (b->computed & MAPSCAN_STAT_VAR) {
        cr_assert(same_bits(a->var, b->var) || (isnan(a->var) && isnan(b->var)), "%s: var %a, want %a", what,
                  a->var, b->var);
        cr_assert(same_bits(a->std, b->std) || (isnan(a->std) && isnan(b->std)), "%s: std %a, want %a", what,
                  a->std, b->std);
        cr_assert(memcmp(a->squares.word, b->squares.word, sizeof a->squares.word) == 0, "%s: squares", what);
        cr_assert_eq(a->squares.inf, b->squares.inf, "%s: squares.inf", what);
        cr_assert_eq(a->ddof, b->ddof, "%s: ddof", what);
    }
    if (b->computed & MAPSCAN_STAT_ARGMIN)
        cr_assert_eq(a->argmin, b->argmin, "%s: argmin %llu, want %llu", what, (unsigned long long)a->argmin,
                     (unsigned long long)b->argmin);
    if (b->computed & MAPSCAN_STAT_ARGMAX)
        cr_assert_eq(a->argmax, b->argmax, "%s: argmax %llu, want %llu", what, (unsigned long long)a->argmax,
                     (unsigned long long)b->argmax);
}

static void expect_same_counts(const mapscan_result *have, const mapscan_result *want, const char *what)
{
    const mapscan_extra_stats *a = &have->extra, *b = &want->extra;
    cr_assert_eq(a->bins, b->bins, "%s: bins", what);
    cr_assert(same_bits(a->lo, b->lo) && same_bits(a->hi, b->hi), "%s: edges", what);
    for (uint64_t i = 0; i < b->bins; i++)
        cr_assert_eq(a->counts[i], b->counts[i], "%s: bin %llu", what, (unsigned long long)i);
    cr_assert(a->below == b->below && a->above == b->above, "%s: below, above", what);
}

static void merge_case(mapscan_type t, bool big, const unsigned char *p, size_t n, size_t cut, uint64_t ddof,
                       bool quantiles, const char *what)
{
    size_t size = size_of(t);
    extra_want w = request(t, big, MAPSCAN_STAT_ALL, ddof);
    set_range(&w, 9, -50.5, 50.5);
    if (quantiles)
        add_q(&w, 0.5);
    uint64_t whole_counts[9], a_counts[9], b_counts[9];
    mapscan_result whole = scan_ok(&w, p, n * size, &contiguous, NULL, 2, whole_counts);
    mapscan_result a = scan_ok(&w, p, cut * size, &contiguous, NULL, 1, a_counts);
    mapscan_result b = scan_ok(&w, p + cut * size, (n - cut) * size, &contiguous, "scalar", 3, b_counts);
    shift_positions(&b, cut);
    mapscan_result total;
    memset(&total, 0, sizeof total);
    mapscan_result_merge(&total, &a);
    mapscan_result_merge(&total, &b);
    mapscan_result_merge(&a, &b);
    expect_same_extra(&a, &whole, what);
    expect_same_counts(&a, &whole, what);
    cr_assert_eq(a.extra.nquantiles, 0, "%s: quantiles are never merged", what);
    expect_same_extra(&total, &whole, what);
    cr_assert_eq(total.extra.bins, 0, "%s: a zeroed total takes no histogram", what);
    cr_assert_eq(total.extra.nquantiles, 0);
    /* the check against the reference too */
    want_of(&w, p, n * size, &contiguous);
    w.nq = 0;
    mapscan_result copy = a;
    copy.extra.nquantiles = 0;
    const char *why = extra_want_check(&w, &copy);
    cr_assert_null(why, "%s: merged halves against the reference: %s", what, why);
    extra_want_free(&w);
}

Test(extra, merged_halves_equal_the_whole)
{
    uint64_t state = 606;
    for (int t = 0; t < TYPES; t++)
        for (fill how = (fill)(t % 2); how < FILL_COUNT; how += 2) {
            size_t n = 2 + test_random(&state) % 4000;
            unsigned char *block;
            unsigned char *p = random_data((mapscan_type)t, how & 1, n, 0, how, &state, &block);
            size_t cuts[] = { 0, 1, n / 2, n - 1, n, test_random(&state) % n };
            for (size_t c = 0; c < 6; c++)
                merge_case((mapscan_type)t, how & 1, p, n, cuts[c], c % 2, c == 2, "halves");
            free(block);
        }
    /* the same extremes in both halves: the first half's positions win */
    int32_t v[] = { 5, -7, 9, 1, -7, 9, 0 };
    unsigned char p[28];
    for (int i = 0; i < 7; i++)
        store_int(p + 4 * i, MAPSCAN_I32, false, v[i]);
    for (size_t cut = 0; cut <= 7; cut++)
        merge_case(MAPSCAN_I32, false, p, 7, cut, 0, cut == 3, "tied extremes");
}

Test(extra, merges_keep_what_both_computed_and_same_edges_only)
{
    int32_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    unsigned char p[32];
    for (int i = 0; i < 8; i++)
        store_int(p + 4 * i, MAPSCAN_I32, false, v[i]);
    /* a asked for var alone, b for everything: a keeps var only */
    extra_want wa = request(MAPSCAN_I32, false, MAPSCAN_STAT_VAR, 1), wb = request(MAPSCAN_I32, false,
                                                                                    MAPSCAN_STAT_ALL, 0);
    mapscan_result a = scan_ok(&wa, p, 16, &contiguous, NULL, 1, NULL);
    mapscan_result b = scan_ok(&wb, p + 16, 16, &contiguous, NULL, 1, NULL);
    mapscan_result_merge(&a, &b);
    cr_assert_eq(a.extra.computed, MAPSCAN_STAT_VAR);
    cr_assert_eq(a.extra.ddof, 1, "a's ddof");
    expect_same(a.extra.var, 6.0, "var of 1..8 with ddof 1");
    /* histograms without a range: the same edges merge, other edges are dropped */
    int32_t same1[] = { 0, 9, 3, 4 }, same2[] = { 9, 0, 8, 8 }, other[] = { 1, 5 };
    unsigned char q1[16], q2[16], q3[8];
    for (int i = 0; i < 4; i++) {
        store_int(q1 + 4 * i, MAPSCAN_I32, false, same1[i]);
        store_int(q2 + 4 * i, MAPSCAN_I32, false, same2[i]);
    }
    for (int i = 0; i < 2; i++)
        store_int(q3 + 4 * i, MAPSCAN_I32, false, other[i]);
    extra_want h = request(MAPSCAN_I32, false, 0, 0);
    set_bins(&h, 3);
    uint64_t c1[3], c2[3], c3[3];
    mapscan_result r1 = scan_ok(&h, q1, 16, &contiguous, NULL, 1, c1);
    mapscan_result r2 = scan_ok(&h, q2, 16, &contiguous, NULL, 1, c2);
    mapscan_result r3 = scan_ok(&h, q3, 8, &contiguous, NULL, 1, c3);
    mapscan_result_merge(&r1, &r2);
    cr_assert(r1.extra.bins == 3 && c1[0] == 2 && c1[1] == 2 && c1[2] == 4, "%llu %llu %llu",
              (unsigned long long)c1[0], (unsigned long long)c1[1], (unsigned long long)c1[2]);
    cr_assert(c2[0] == 1 && c2[1] == 0 && c2[2] == 3, "b's counts untouched");
    mapscan_result_merge(&r1, &r3);
    cr_assert_eq(r1.extra.bins, 0, "other edges: no histogram");
    cr_assert(c1[0] == 2 && c1[1] == 2 && c1[2] == 4, "a's counts untouched by a refused merge");
    /* a merge with itself's counts (a result merged into a copy sharing its array) is refused too */
    mapscan_result r4 = scan_ok(&h, q2, 16, &contiguous, NULL, 1, c2), r5 = r4;
    mapscan_result_merge(&r4, &r5);
    cr_assert_eq(r4.extra.bins, 0, "the same counts array on both sides");
}

/* ---- 6. a scan split in parts that meet through the sync hook ---- */

#define MAX_PARTS 4

typedef struct meeting {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned parts, arrived, generation;
    mapscan_result res[MAX_PARTS];
    uint64_t *data[MAX_PARTS];
    size_t n[MAX_PARTS];
    mapscan_sync_point point[MAX_PARTS];
    mapscan_status status[MAX_PARTS];
    uint64_t start[MAX_PARTS];      /* each part's first unit */
    unsigned stats_calls[MAX_PARTS], counts_calls[MAX_PARTS];
    bool timed_out, out_of_step;
} meeting;

typedef struct part {
    meeting *m;
    unsigned index;
    const unsigned char *data;
    size_t len;
    mapscan_options o;
    uint64_t *counts;
    mapscan_result r;
    mapscan_error e;
    mapscan_status s;
} part;

/* false when the others did not come within 30 s */
static bool barrier(meeting *m)
{
    pthread_mutex_lock(&m->mu);
    unsigned gen = m->generation;
    bool ok = true;
    if (++m->arrived == m->parts) {
        m->arrived = 0;
        m->generation++;
        pthread_cond_broadcast(&m->cv);
    } else {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 30;
        while (gen == m->generation && ok)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &deadline) == ETIMEDOUT)
                ok = false;
        if (!ok)
            m->timed_out = true;
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

static mapscan_status hook(mapscan_sync_point point, void *data, size_t n, mapscan_status status,
                           mapscan_error *error, void *arg)
{
    part *me = arg;
    meeting *m = me->m;
    unsigned i = me->index;
    m->point[i] = point;
    m->n[i] = n;
    m->status[i] = status;
    if (point == MAPSCAN_SYNC_STATS) {
        m->stats_calls[i]++;
        m->res[i] = *(mapscan_result *)data;
        if (status == MAPSCAN_OK)
            shift_positions(&m->res[i], m->start[i]);
    } else {
        m->counts_calls[i]++;
        m->data[i] = data;
    }
    if (!barrier(m)) {
        snprintf(error->message, sizeof error->message, "the other parts did not come");
        return error->status = MAPSCAN_E_IO;
    }
    mapscan_status out = MAPSCAN_OK;
    for (unsigned j = 0; j < m->parts; j++)
        if (m->status[j] != MAPSCAN_OK && out == MAPSCAN_OK) {
            out = m->status[j];
            snprintf(error->message, sizeof error->message, "part %u failed", j);
            error->status = out;
        }
    for (unsigned j = 0; j < m->parts; j++)
        if (m->point[j] != point || m->n[j] != n)
            m->out_of_step = true;
    mapscan_result total;
    uint64_t *sums = NULL;
    if (out == MAPSCAN_OK && !m->out_of_step) {
        if (point == MAPSCAN_SYNC_STATS) {
            total = m->res[0];
            for (unsigned j = 1; j < m->parts; j++)
                mapscan_result_merge(&total, &m->res[j]);
        } else {
            sums = calloc(n, sizeof *sums);
            for (unsigned j = 0; j < m->parts; j++)
                for (size_t k = 0; k < n; k++)
                    sums[k] += m->data[j][k];
        }
    } else if (out == MAPSCAN_OK) {
        out = error->status = MAPSCAN_E_INVALID;
        snprintf(error->message, sizeof error->message, "parts out of step");
    }
    if (!barrier(m)) {
        free(sums);
        snprintf(error->message, sizeof error->message, "the other parts did not come");
        return error->status = MAPSCAN_E_IO;
    }
    if (out == MAPSCAN_OK && point == MAPSCAN_SYNC_STATS)
        *(mapscan_result *)data = total;
    else if (out == MAPSCAN_OK)
        memcpy(data, sums, n * sizeof *sums);
    free(sums);
    return out;
}

static void *run_part(void *arg)
{
    part *p = arg;
    p->s = mapscan_scan_memory(p->data, p->len, &p->o, &p->r, &p->e);
    return NULL;
}

/* The data cut at the given units into parts, each scanned on a thread of
 * its own with the hook; returns the parts (statuses and results). */
static void run_split(meeting *m, part *parts, const extra_want *w, const unsigned char *data, size_t n,
                      const size_t *cuts, unsigned nparts, const mapscan_options *base)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    m->parts = nparts;
    size_t size = size_of(w->type);
    pthread_t th[MAX_PARTS];
    for (unsigned i = 0; i < nparts; i++) {
        size_t from = i ? cuts[i - 1] : 0, to = i + 1 < nparts ? cuts[i] : n;
        m->start[i] = from;
        part *p = &parts[i];
        memset(p, 0, sizeof *p);
        p->m = m;
        p->index = i;
        p->data = data + from * size;
        p->len = (to - from) * size;
        p->o = *base;
        p->o.sync = hook;
        p->o.sync_arg = p;
        p->counts = new_counts(w->bins);
        p->o.histogram_counts = w->bins ? p->counts : NULL;
        p->o.threads = 1 + i % 3;
    }
    for (unsigned i = 0; i < nparts; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, run_part, &parts[i]), 0);
    for (unsigned i = 0; i < nparts; i++)
        pthread_join(th[i], NULL);
    cr_assert_not(m->timed_out, "a part waited for the others in vain");
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
}

static void free_parts(part *parts, unsigned nparts)
{
    for (unsigned i = 0; i < nparts; i++)
        free(parts[i].counts);
}

static void split_case(extra_want *w, const unsigned char *data, size_t n, const size_t *cuts, unsigned nparts,
                       const char *what)
{
    mapscan_options o;
    options_of(w, &contiguous, NULL, 1, &o);
    uint64_t *counts = new_counts(w->bins);
    o.histogram_counts = w->bins ? counts : NULL;
    mapscan_result whole;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(data, n * size_of(w->type), &o, &whole, &e), MAPSCAN_OK, "%s", e.message);
    want_of(w, data, n * size_of(w->type), &contiguous);
    const char *why = extra_want_check(w, &whole);
    cr_assert_null(why, "%s: the whole against the reference: %s", what, why);
    meeting m;
    part parts[MAX_PARTS];
    run_split(&m, parts, w, data, n, cuts, nparts, &o);
    cr_assert_not(m.out_of_step, "%s: the parts met at different points", what);
    for (unsigned i = 0; i < nparts; i++) {
        cr_assert_eq(parts[i].s, MAPSCAN_OK, "%s: part %u: %s", what, i, parts[i].e.message);
        cr_assert_eq(m.stats_calls[i], 1, "%s: part %u met once after the first pass", what, i);
        cr_assert_eq(m.counts_calls[i], m.counts_calls[0]);
        why = extra_want_check(w, &parts[i].r);
        cr_assert_null(why, "%s: part %u of %u against the reference: %s", what, i, nparts, why);
        expect_same_extra(&parts[i].r, &whole, what);
        cr_assert_eq(parts[i].r.stats.sum.lo, whole.stats.sum.lo);
        cr_assert(same_bits(parts[i].r.floats.sum, whole.floats.sum) ||
                  (isnan(parts[i].r.floats.sum) && isnan(whole.floats.sum)));
    }
    extra_want_free(w);
    free_parts(parts, nparts);
    free(counts);
}

Test(extra, split_scans_meet_and_answer_as_one)
{
    uint64_t state = 123;
    mapscan_type types[] = { MAPSCAN_I32, MAPSCAN_F64, MAPSCAN_U16 };
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        mapscan_type t = types[ti];
        size_t n = 8000 + test_random(&state) % 1000;
        unsigned char *block;     /* no infinities: a histogram without a range refuses them */
        unsigned char *p = random_data(t, false, n, 0, is_float(t) ? FILL_FINITE : FILL_BYTES, &state, &block);
        size_t two[] = { n / 3 }, three[] = { 1000, 1000 + n / 2 }, with_empty[] = { n / 2, n / 2 };
        extra_want w = request(t, false, MAPSCAN_STAT_ALL, 1);
        add_q(&w, 0.5), add_q(&w, 1e-300), add_q(&w, 1.0 / 3), add_q(&w, 1);
        set_bins(&w, 7);
        if (!is_float(t))
            split_case(&w, p, n, two, 2, "two parts");
        split_case(&w, p, n, with_empty, 3, "three parts, one empty");
        set_range(&w, 7, -1e4, 1e4);
        split_case(&w, p, n, three, 3, "three parts, ranged");
        free(block);
    }
}

/* One part alone, with a hook that counts the meetings: one after the
 * first pass (STATS, when more passes follow), and one per count (COUNTS):
 * the quantiles' first digit, each later pass, a histogram's. */
typedef struct tally_meetings {
    unsigned stats, counts;
} tally_meetings;

static mapscan_status count_meetings(mapscan_sync_point point, void *data, size_t n, mapscan_status status,
                                     mapscan_error *error, void *arg)
{
    (void)data, (void)n, (void)error;
    tally_meetings *t = arg;
    if (point == MAPSCAN_SYNC_STATS)
        t->stats++;
    else
        t->counts++;
    return status;
}

Test(extra, quantiles_take_one_pass_per_16_bit_digit)
{
    uint64_t state = 17;
    for (int t = 0; t < TYPES; t++) {
        size_t n = 5000;
        unsigned char *block;
        unsigned char *p = random_data((mapscan_type)t, false, n, 0, FILL_FINITE, &state, &block);
        unsigned digits = (unsigned)(size_of((mapscan_type)t) + 1) / 2;    /* 16-bit digits of a key */
        for (int hist = 0; hist < 3; hist++) {
            extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
            add_q(&w, 0.5);
            add_q(&w, 0.25);
            if (hist == 1)
                set_bins(&w, 10);
            else if (hist == 2)
                set_range(&w, 10, -5, 5);
            want_of(&w, p, n * size_of((mapscan_type)t), &contiguous);
            mapscan_options o;
            options_of(&w, &contiguous, NULL, 2, &o);
            uint64_t counts[10];
            o.histogram_counts = counts;
            tally_meetings met = { 0, 0 };
            o.sync = count_meetings;
            o.sync_arg = &met;
            mapscan_result r;
            mapscan_error e;
            cr_assert_eq(mapscan_scan_memory(p, n * size_of((mapscan_type)t), &o, &r, &e), MAPSCAN_OK, "%s",
                         e.message);
            const char *why = extra_want_check(&w, &r);
            cr_assert_null(why, "%s: %s", mapscan_type_name((mapscan_type)t), why);
            /* the first digit's count, each later digit's pass, the histogram's count */
            cr_assert_eq(met.stats, 1);
            cr_assert_eq(met.counts, digits + (hist ? 1 : 0),
                         "%s, %s: %u counts met, want %u (%u passes of 16-bit digits%s)",
                         mapscan_type_name((mapscan_type)t), hist == 0 ? "quantiles" : hist == 1 ? "and a histogram"
                         : "and a ranged histogram", met.counts, digits + (hist ? 1 : 0), digits,
                         hist ? ", one histogram" : "");
            extra_want_free(&w);
        }
        free(block);
    }
}

Test(extra, a_failing_part_stops_every_part)
{
    uint64_t state = 9;
    size_t n = 20000;
    unsigned char *block;
    unsigned char *p = random_data(MAPSCAN_I64, false, n, 0, FILL_BYTES, &state, &block);
    size_t cuts[] = { 7000, 14000 };
    for (unsigned bad = 0; bad < 3; bad++)
        for (int how = 0; how < 3; how++) {
            extra_want w = request(MAPSCAN_I64, false, MAPSCAN_STAT_ALL, 0);
            add_q(&w, 0.5);
            set_bins(&w, 5);
            mapscan_options o;
            options_of(&w, &contiguous, NULL, 1, &o);
            meeting m;
            part parts[MAX_PARTS];
            static const double bad_q[] = { 1.5 };
            memset(&m, 0, sizeof m);
            pthread_mutex_init(&m.mu, NULL);
            pthread_cond_init(&m.cv, NULL);
            m.parts = 3;
            pthread_t th[3];
            for (unsigned i = 0; i < 3; i++) {
                size_t from = i ? cuts[i - 1] : 0, to = i < 2 ? cuts[i] : n;
                part *q = &parts[i];
                memset(q, 0, sizeof *q);
                q->m = &m;
                q->index = i;
                q->data = p + from * 8;
                q->len = (to - from) * 8;
                m.start[i] = from;
                q->o = o;
                q->o.sync = hook;
                q->o.sync_arg = q;
                q->counts = new_counts(5);
                q->o.histogram_counts = q->counts;
                q->o.threads = 2;
                if (i == bad) {
                    if (how == 0)
                        q->o.offset = q->len + 8;       /* past the end: MAPSCAN_E_OFFSET */
                    else if (how == 1)
                        q->o.quantiles = bad_q;          /* MAPSCAN_E_INVALID */
                    else
                        q->len -= 3;                     /* trailing bytes: MAPSCAN_E_TRAILING */
                }
            }
            for (unsigned i = 0; i < 3; i++)
                cr_assert_eq(pthread_create(&th[i], NULL, run_part, &parts[i]), 0);
            for (unsigned i = 0; i < 3; i++)
                pthread_join(th[i], NULL);
            cr_assert_not(m.timed_out, "part %u bad (%d): a part waited in vain", bad, how);
            mapscan_status want_bad = how == 0 ? MAPSCAN_E_OFFSET : how == 1 ? MAPSCAN_E_INVALID : MAPSCAN_E_TRAILING;
            for (unsigned i = 0; i < 3; i++) {
                cr_assert_neq(parts[i].s, MAPSCAN_OK, "part %u bad (%d): part %u succeeded", bad, how, i);
                if (i == bad)
                    cr_assert_eq(parts[i].s, want_bad, "the bad part's own status: %d (%s)", parts[i].s,
                                 parts[i].e.message);
                else
                    cr_assert_eq(parts[i].s, want_bad, "the others have its status: %d (%s)", parts[i].s,
                                 parts[i].e.message);
                cr_assert_eq(m.stats_calls[i], 1, "part %u met %u times", i, m.stats_calls[i]);
                cr_assert_eq(m.counts_calls[i], 0);
            }
            pthread_mutex_destroy(&m.mu);
            pthread_cond_destroy(&m.cv);
            free_parts(parts, 3);
        }
    free(block);
}

/* ---- 7. files, backends, streams, options ---- */

static void expect_same_result(const mapscan_result *a, const mapscan_result *b, const uint64_t *ca,
                               const uint64_t *cb, const char *what)
{
    expect_same_extra(a, b, what);
    cr_assert_eq(a->extra.nquantiles, b->extra.nquantiles);
    for (size_t i = 0; i < a->extra.nquantiles; i++)
        cr_assert(same_bits(a->extra.quantile[i], b->extra.quantile[i]), "%s: quantile %zu %a, then %a", what, i,
                  a->extra.quantile[i], b->extra.quantile[i]);
    cr_assert_eq(a->extra.bins, b->extra.bins);
    cr_assert(same_bits(a->extra.lo, b->extra.lo) && same_bits(a->extra.hi, b->extra.hi));
    cr_assert(memcmp(ca, cb, a->extra.bins * sizeof *ca) == 0, "%s: counts differ", what);
}

Test(extra, files_through_every_backend_and_thread_count_agree)
{
    uint64_t state = 2718;
    struct { mapscan_type t; size_t n; layout l; } cases[] = {
        { MAPSCAN_I64, 300000, { 0, 0, 0 } },       /* 2.4 MB: two chunks */
        { MAPSCAN_F32, 200000, { 4, 0, 0 } },
        { MAPSCAN_I16, 100000, { 3, 10, 4 } },      /* records */
        { MAPSCAN_F64, 30000, { 0, 24, 8 } },
    };
    mapscan_backend backends[] = { MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ, MAPSCAN_BACKEND_DIRECT };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mapscan_type t = cases[c].t;
        layout l = cases[c].l;
        size_t unit = l.record ? l.record : size_of(t), len = l.offset + cases[c].n * unit;
        unsigned char *data = malloc(len);
        for (size_t i = 0; i < len; i++)
            data[i] = (unsigned char)test_random(&state);
        bool big = c % 2;
        if (c == 0)     /* descending in places: positions move in every piece */
            for (size_t i = 0; i < cases[c].n / 2; i++)
                store_int(data + 8 * i, t, big, -(__int128)i);
        char path[64];
        write_temp_file(path, sizeof path, data, len);
        extra_want w = request(t, big, MAPSCAN_STAT_ALL, 0);
        add_q(&w, 0), add_q(&w, 0.5), add_q(&w, 1e-300), add_q(&w, 1);
        if (is_float(t))
            set_range(&w, 1000, -1e30, 1e30);      /* random bits hold infinities */
        else
            set_bins(&w, 1000);
        want_of(&w, data, len, &l);
        mapscan_result first;
        uint64_t *first_counts = new_counts(w.bins);
        bool have_first = false;
        for (size_t b = 0; b < 3; b++)
            for (unsigned threads = 1; threads <= 3; threads += 2) {
                mapscan_options o;
                options_of(&w, &l, NULL, threads, &o);
                o.backend = backends[b];
                if (backends[b] == MAPSCAN_BACKEND_DIRECT) {
                    o.io_size = 64 << 10;       /* many pieces; buffers each pass zeroes stay small */
                    o.io_depth = 4;
                }
                uint64_t *counts = new_counts(w.bins);
                o.histogram_counts = counts;
                mapscan_result r;
                mapscan_error e;
                cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_OK, "backend %d: %s", (int)backends[b],
                             e.message);
                const char *why = extra_want_check(&w, &r);
                cr_assert_null(why, "file case %zu, backend %s, %u threads: %s", c, mapscan_backends_name(r.backends),
                               threads, why);
                expect_origin(&r, &w, &l, "file");
                if (!have_first) {
                    first = r;
                    memcpy(first_counts, counts, w.bins * sizeof *counts);
                    have_first = true;
                } else {
                    expect_same_result(&r, &first, counts, first_counts, "backends and threads");
                }
                free(counts);
            }
        extra_want_free(&w);
        free(first_counts);
        unlink(path);
        free(data);
    }
}

/* A pipe holding len bytes (under its capacity), its writer closed. */
static int pipe_of(const unsigned char *data, size_t len)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fds[1], data + done, len - done);
        cr_assert_gt(k, 0);
        done += (size_t)k;
    }
    close(fds[1]);
    return fds[0];
}

Test(extra, streams_answer_what_one_pass_can)
{
    signal(SIGPIPE, SIG_IGN);
    uint64_t state = 1;
    size_t n = 16000;
    for (int t = 0; t < TYPES; t++) {
        unsigned char *block;
        unsigned char *p = random_data((mapscan_type)t, false, n / size_of((mapscan_type)t), 0, FILL_BYTES, &state,
                                       &block);
        size_t len = n / size_of((mapscan_type)t) * size_of((mapscan_type)t);
        bool one_pass = size_of((mapscan_type)t) <= 2;
        /* quantiles: one pass for 8- and 16-bit keys */
        extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
        standard_qs(&w, &state, 3);
        want_of(&w, p, len, &contiguous);
        mapscan_options o;
        options_of(&w, &contiguous, NULL, 0, &o);
        mapscan_result r;
        mapscan_error e;
        int fd = pipe_of(p, len);
        mapscan_status s = mapscan_scan_fd(fd, &o, &r, &e);
        close(fd);
        if (one_pass) {
            cr_assert_eq(s, MAPSCAN_OK, "%s: %s", mapscan_type_name((mapscan_type)t), e.message);
            const char *why = extra_want_check(&w, &r);
            cr_assert_null(why, "stream, %s: %s", mapscan_type_name((mapscan_type)t), why);
        } else {
            cr_assert_eq(s, MAPSCAN_E_UNMAPPABLE, "%s quantiles from a pipe: %d %s",
                         mapscan_type_name((mapscan_type)t), s, e.message);
        }
        extra_want_free(&w);
        /* a histogram with a range: one pass; without: refused */
        w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 1);
        set_range(&w, 13, -1000, 3000);
        want_of(&w, p, len, &contiguous);
        options_of(&w, &contiguous, NULL, 0, &o);
        uint64_t counts[13];
        o.histogram_counts = counts;
        fd = pipe_of(p, len);
        s = mapscan_scan_fd(fd, &o, &r, &e);
        close(fd);
        cr_assert_eq(s, MAPSCAN_OK, "%s: %s", mapscan_type_name((mapscan_type)t), e.message);
        const char *why = extra_want_check(&w, &r);
        cr_assert_null(why, "stream, ranged histogram, %s: %s", mapscan_type_name((mapscan_type)t), why);
        extra_want_free(&w);
        o.histogram_range = false;
        fd = pipe_of(p, len);
        s = mapscan_scan_fd(fd, &o, &r, &e);
        close(fd);
        cr_assert_eq(s, MAPSCAN_E_UNMAPPABLE, "histogram without a range from a pipe: %d %s", s, e.message);
        free(block);
    }
}

Test(extra, bad_options_are_refused)
{
    unsigned char p[64] = { 0 };
    double q_ok[] = { 0.5 }, q_high[] = { 1.5 }, q_low[] = { -0.1 }, q_nan[] = { NAN }, q_inf[] = { INFINITY },
           many[MAPSCAN_MAX_QUANTILES + 1];
    for (int i = 0; i <= MAPSCAN_MAX_QUANTILES; i++)
        many[i] = 0.5;
    uint64_t counts[4];
    for (int c = 0; c < 13; c++) {
        mapscan_options o;
        mapscan_options_init(&o);
        o.type = MAPSCAN_I32;
        switch (c) {
        case 0: o.nquantiles = 1, o.quantiles = q_high; break;
        case 1: o.nquantiles = 1, o.quantiles = q_low; break;
        case 2: o.nquantiles = 1, o.quantiles = q_nan; break;
        case 3: o.nquantiles = 1, o.quantiles = q_inf; break;
        case 4: o.nquantiles = MAPSCAN_MAX_QUANTILES + 1, o.quantiles = many; break;
        case 5: o.nquantiles = 1, o.quantiles = NULL; break;
        case 6: o.histogram_bins = MAPSCAN_MAX_BINS + 1, o.histogram_counts = counts; break;
        case 7: o.histogram_bins = 4, o.histogram_counts = NULL; break;
        case 8: o.histogram_bins = 4, o.histogram_counts = counts, o.histogram_range = true, o.range_lo = 1,
                o.range_hi = 1; break;
        case 9: o.histogram_bins = 4, o.histogram_counts = counts, o.histogram_range = true, o.range_lo = 2,
                o.range_hi = 1; break;
        case 10: o.histogram_bins = 4, o.histogram_counts = counts, o.histogram_range = true, o.range_lo = NAN,
                 o.range_hi = 1; break;
        case 11: o.histogram_bins = 4, o.histogram_counts = counts, o.histogram_range = true, o.range_lo = 0,
                 o.range_hi = INFINITY; break;
        default: o.stats = 8; break;
        }
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_memory(p, sizeof p, &o, &r, &e), MAPSCAN_E_INVALID, "case %d: %s", c, e.message);
        cr_assert(e.message[0], "case %d has a message", c);
        cr_assert(mapscan_status_is_input_error(e.status));
        char path[64];
        write_temp_file(path, sizeof path, p, sizeof p);
        cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID, "file, case %d", c);
        unlink(path);
    }
    /* the limits themselves are fine */
    mapscan_options o;
    mapscan_options_init(&o);
    o.nquantiles = MAPSCAN_MAX_QUANTILES;
    o.quantiles = many;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(p, sizeof p, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(r.extra.nquantiles, MAPSCAN_MAX_QUANTILES);
    o.nquantiles = 1;
    o.quantiles = q_ok;
    o.histogram_bins = 4;
    o.histogram_counts = NULL;
    cr_assert_eq(mapscan_scan_memory(p, sizeof p, &o, &r, &e), MAPSCAN_E_INVALID);
}

Test(extra, the_most_bins)
{
    uint64_t *counts = new_counts(MAPSCAN_MAX_BINS);
    uint64_t state = 3;
    size_t n = 50000;
    unsigned char *block;
    unsigned char *p = random_data(MAPSCAN_F64, false, n, 0, FILL_FINITE, &state, &block);
    extra_want w = request(MAPSCAN_F64, false, 0, 0);
    set_range(&w, MAPSCAN_MAX_BINS, -1e300, 1e300);
    want_of(&w, p, n * 8, &contiguous);
    mapscan_options o;
    options_of(&w, &contiguous, NULL, 2, &o);
    o.histogram_counts = counts;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(p, n * 8, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    const char *why = extra_want_check(&w, &r);
    cr_assert_null(why, "%s", why);
    extra_want_free(&w);
    free(counts);
    free(block);
}

/* An empty regular file is read as a stream (its size 0 could be a procfs
 * file's); what needs a second pass is refused there only when it held
 * data, so the same request answers as on an empty buffer (NaN quantiles,
 * bins from 0 to 1): no pass is needed when nothing was counted. */
Test(extra, an_empty_file_answers_as_an_empty_buffer)
{
    char path[64];
    write_temp_file(path, sizeof path, "", 0);
    for (int t = 0; t < TYPES; t++) {
        extra_want w = request((mapscan_type)t, false, MAPSCAN_STAT_ALL, 0);
        add_q(&w, 0.5);
        set_bins(&w, 4);
        want_of(&w, (const unsigned char *)"", 0, &contiguous);
        mapscan_options o;
        options_of(&w, &contiguous, NULL, 1, &o);
        uint64_t counts[4];
        o.histogram_counts = counts;
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_OK, "%s, empty file: %s",
                     mapscan_type_name((mapscan_type)t), e.message);
        const char *why = extra_want_check(&w, &r);
        cr_assert_null(why, "%s", why);
        extra_want_free(&w);
    }
    unlink(path);
}
