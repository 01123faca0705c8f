/* The extra statistics (var, std, the sum of squares, argmin, argmax,
 * quantiles, histograms) of mapscan_scan_memory against the plain
 * reference of test/extra_reference.c.
 *
 * The first HEADER bytes choose:
 *   [0] % 12 the type, [0] >> 7 the byte order;
 *   [1] & 3 how the rest becomes data (below), [1] >> 2 & 7 the stats
 *       bits, [1] >> 5 & 1 a histogram with a range, [1] >> 6 & 3 which
 *       range (0-2: named pairs, 3: two raw binary64 values after the q's,
 *       a named pair when they are not finite and ordered);
 *   [2] & 1 threads - 1 (each worker's counting pass costs a walk of up to
 *       2^18 counters), [2] >> 2 & 3 the kernel (3: the default),
 *       [2] >> 4 & 7 the misalignment;
 *   [3] % 10 the number of q's (each read as fuzz_select reads them: a kind
 *       byte & 3 — 0 a named q, 1 (kind >> 2) / 63, 2 a 53-bit fraction
 *       scaled down by 2^-(kind >> 2), 3 a raw binary64 folded into [0, 1]);
 *   [4] the bins: 0 none, 1-7 one of 1 2 3 7 10 64 1000, else [4] itself;
 *   [5] ddof: & 3, or n - (& 3) when bit 7 is set;
 *   [6..7] where to cut the data for the merge of two halves.
 * After the q's (and the range), the data:
 *   mode 0: the elements' bytes as they are;
 *   mode 1: one byte per element, naming a value: for integers the type's
 *           extremes and their neighbours, 0, 1, -1, or small values; for
 *           floats a sign, an exponent class and a fraction class (ties,
 *           overflow, NaN payloads, subnormals, infinities);
 *   mode 2: pairs (run length, mode 1 byte): runs crossing blocks, up to
 *           MAX_ELEMENTS;
 *   mode 3: 8 bytes of a base, then one byte per element replacing the
 *           base's low byte: keys that share every higher bit, so that
 *           64-bit quantiles take every pass, and histograms of values a
 *           few steps apart near any magnitude (2^53, 2^63).
 * The scan (chosen kernel and threads) must agree with the reference bit
 * for bit (a histogram without a range over infinite data must be refused
 * with MAPSCAN_E_INVALID); then the two halves are scanned apart, the
 * second's positions shifted, merged, and var, std, squares, argmin,
 * argmax and a ranged histogram must be the whole's. */
#include "../extra_reference.h"
#include "fuzz.h"

#include <math.h>

#define HEADER 8
#define MAX_ELEMENTS ((size_t)1 << 16)

static const char *const kernels[] = { "scalar", "avx2", "avx512", NULL };

static size_t width(mapscan_type t) { return mapscan_type_size(t); }

static void store(unsigned char *p, size_t size, bool big, uint64_t bits)
{
    for (size_t b = 0; b < size; b++)
        p[big ? size - 1 - b : b] = (unsigned char)(bits >> (8 * b));
}

/* A value of type t named by one byte. */
static uint64_t named_bits(mapscan_type t, unsigned char b)
{
    unsigned bits = (unsigned)width(t) * 8;
    uint64_t all = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    if (!mapscan_type_is_float(t)) {
        uint64_t top = (uint64_t)1 << (bits - 1);
        bool is_signed = mapscan_type_is_signed(t);
        uint64_t min = is_signed ? top : 0, max = is_signed ? top - 1 : all;
        uint64_t choices[8] = { min, min + 1, max, max - 1, 0, 1, all /* -1 or the max */, (uint64_t)(b >> 3) };
        return choices[b & 7] & all;
    }
    unsigned exponent_bits = t == MAPSCAN_F16 ? 5 : t == MAPSCAN_F64 ? 11 : 8;
    unsigned fraction_bits = bits - 1 - exponent_bits;
    uint64_t ones = ((uint64_t)1 << exponent_bits) - 1, bias = ones >> 1;
    uint64_t mask = ((uint64_t)1 << fraction_bits) - 1, quiet = (mask + 1) >> 1;
    uint64_t exponents[8] = { 0, 1, bias - fraction_bits - 1, bias, bias + 1, ones - 2 - fraction_bits, ones - 1,
                              ones };
    uint64_t fractions[16] = { 0, 1, 2, 3, mask, mask - 1, quiet, quiet | 1, quiet - 1, mask >> 2, 5, 7,
                               0x55 & mask, 0xaa & mask, mask ^ 1, quiet >> 1 };
    return (uint64_t)(b & 1) << (exponent_bits + fraction_bits) | exponents[(b >> 1) & 7] << fraction_bits |
           fractions[b >> 4];
}

static void range_of(unsigned which, fuzz_input *in, double *lo, double *hi)
{
    static const double pairs[3][2] = { { -100.5, 77.25 }, { 0x1p53, 0x1p53 + 8 }, { -0x1p63, 0x1p63 } };
    if (which < 3) {
        *lo = pairs[which][0], *hi = pairs[which][1];
        return;
    }
    uint64_t a = fuzz_take(in, 8), b = fuzz_take(in, 8);
    memcpy(lo, &a, 8);
    memcpy(hi, &b, 8);
    if (!(isfinite(*lo) && isfinite(*hi) && *lo < *hi))
        *lo = pairs[0][0], *hi = pairs[0][1];
}

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_extra: %s: %s\n", what, why);
    abort();
}

/* Scans n elements at p as w asks; the status. */
static mapscan_status scan(const extra_want *w, const unsigned char *p, size_t n, const char *kernel,
                           unsigned threads, uint64_t *counts, mapscan_result *r)
{
    mapscan_options o;
    mapscan_options_init(&o);
    extra_want_options(w, &o);
    o.kernel = kernel && mapscan_kernel_available(kernel) ? kernel : NULL;
    o.threads = threads;
    o.histogram_counts = counts;
    mapscan_error e;
    mapscan_status s = mapscan_scan_memory(p, n * width(w->type), &o, r, &e);
    if (s != MAPSCAN_OK && s != MAPSCAN_E_INVALID)
        fail("scan", e.message);
    return s;
}

static size_t make_data(mapscan_type t, bool big, unsigned mode, fuzz_input *in, unsigned char *p)
{
    size_t elem = width(t), n = 0;
    if (mode == 0) {
        n = in->left / elem;
        if (n > MAX_ELEMENTS)
            n = MAX_ELEMENTS;
        memcpy(p, in->p, n * elem);
    } else if (mode == 1) {
        for (; in->left && n < MAX_ELEMENTS; n++)
            store(p + n * elem, elem, big, named_bits(t, (unsigned char)fuzz_take(in, 1)));
    } else if (mode == 2) {
        while (in->left >= 2 && n < MAX_ELEMENTS) {
            size_t run = 1 + fuzz_take(in, 1) * 4;
            uint64_t bits = named_bits(t, (unsigned char)fuzz_take(in, 1));
            for (size_t k = 0; k < run && n < MAX_ELEMENTS; k++)
                store(p + elem * n++, elem, big, bits);
        }
    } else {
        uint64_t base = fuzz_take(in, 8);
        for (; in->left && n < MAX_ELEMENTS; n++)
            store(p + n * elem, elem, big, (base & ~(uint64_t)0xff) | fuzz_take(in, 1));
    }
    return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < HEADER)
        return 0;
    mapscan_type t = (mapscan_type)(data[0] % 12);
    bool big = data[0] >> 7;
    unsigned mode = data[1] & 3, stats = (data[1] >> 2) & 7;
    bool ranged = (data[1] >> 5) & 1;
    unsigned which_range = (data[1] >> 6) & 3;
    unsigned threads = 1 + (data[2] & 1);
    const char *kernel = kernels[(data[2] >> 2) & 3];
    size_t misalign = (data[2] >> 4) & 7;
    size_t nq = data[3] % 10;
    static const uint64_t named_bins[] = { 1, 2, 3, 7, 10, 64, 1000 };
    uint64_t bins = data[4] == 0 ? 0 : data[4] <= 7 ? named_bins[data[4] - 1] : data[4];
    size_t cut_seed = (size_t)data[6] | (size_t)data[7] << 8;
    fuzz_input in = { data + HEADER, size - HEADER };

    extra_want w;
    memset(&w, 0, sizeof w);
    w.type = t;
    w.big = big;
    w.stats = stats;
    w.nq = nq;
    for (size_t i = 0; i < nq; i++)
        w.q[i] = fuzz_take_q(&in);
    w.bins = bins;
    w.ranged = ranged && bins;
    if (w.ranged)
        range_of(which_range, &in, &w.range_lo, &w.range_hi);

    size_t elem = width(t);
    unsigned char *block = malloc(MAX_ELEMENTS * elem + 8);
    FUZZ_CHECK(block);
    unsigned char *p = block + misalign;
    size_t n = make_data(t, big, mode, &in, p);
    w.ddof = data[5] & 0x80 ? (n >= (data[5] & 3u) ? n - (data[5] & 3u) : 0) : data[5] & 3u;

    extra_want_compute(&w, p, n, elem);
    uint64_t *counts = calloc(bins ? bins : 1, sizeof *counts), *b_counts = calloc(bins ? bins : 1, sizeof *counts);
    FUZZ_CHECK(counts && b_counts);
    mapscan_result r;
    mapscan_status s = scan(&w, p, n, kernel, threads, bins ? counts : NULL, &r);
    if (w.histogram_refused) {
        FUZZ_CHECK(s == MAPSCAN_E_INVALID);
    } else {
        FUZZ_CHECK(s == MAPSCAN_OK);
        const char *why = extra_want_check(&w, &r);
        if (why)
            fail("the scan", why);
    }

    /* two halves, merged: no quantiles (they are never merged) */
    size_t cut = n ? cut_seed % (n + 1) : 0;
    extra_want h = w;
    h.nq = 0;
    mapscan_result a, b;
    memset(counts, 0, (bins ? bins : 1) * sizeof *counts);
    mapscan_status sa = scan(&h, p, cut, "scalar", 1, bins ? counts : NULL, &a);
    mapscan_status sb = scan(&h, p + cut * elem, n - cut, kernel, threads, bins ? b_counts : NULL, &b);
    if (sa == MAPSCAN_OK && sb == MAPSCAN_OK && !w.histogram_refused) {
        b.extra.argmin += cut;
        b.extra.argmax += cut;
        mapscan_result_merge(&a, &b);
        if (!w.ranged && a.extra.bins == 0)
            h.bins = 0;     /* halves with other edges than each other: no histogram */
        if (!w.ranged && a.extra.bins && (memcmp(&a.extra.lo, &h.lo, sizeof h.lo) || memcmp(&a.extra.hi, &h.hi, sizeof h.hi))) {
            /* halves whose edges agree with each other but not with the
             * whole's (each constant: min = max, widened by 0.5): their
             * counts add up over their own edges, every value counted */
            uint64_t total = 0;
            for (uint64_t i = 0; i < a.extra.bins; i++)
                total += a.extra.counts[i];
            FUZZ_CHECK(total == a.stats.count - (mapscan_type_is_float(a.type) ? a.floats.nan : 0));
            h.bins = 0;
            a.extra.bins = 0;
        }
        const char *why = extra_want_check(&h, &a);
        if (why)
            fail("merged halves", why);
        FUZZ_CHECK(a.stats.count == n);
    }
    extra_want_free(&w);
    free(counts);
    free(b_counts);
    free(block);
    return 0;
}
