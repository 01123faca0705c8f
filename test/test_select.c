/* The quantile refinement's driver (src/stats/select.c) against sorting:
 * each pass is counted here over keys in memory, with ms_digit_slot and
 * the digit as select.h defines them; the keys the driver ends with must
 * be those a sorted copy has at the ranks, and the passes must number
 * sum over the levels of ceil(buckets wanted / MS_SELECT_MAX_SLOTS). */
#include "../src/stats/select.h"
#include "fault.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNTS ((size_t)MS_SELECT_MAX_SLOTS << MS_SELECT_DIGIT_BITS)

/* The ranks of q, by frexp (select.c reads the bits): floor(q * (n - 1))
 * and the next one when that is not whole (and below n). */
static void expected_ranks(double q, uint64_t n, uint64_t *r, uint64_t *r1)
{
    int e;
    double f = frexp(q, &e);
    uint64_t m = (uint64_t)ldexp(f, 53);
    int down = 53 - e; /* q in [0, 1]: down >= 52 */
    ms_u128 p = (ms_u128)m * (n - 1);
    *r = down >= 128 ? 0 : (uint64_t)(p >> down);
    bool whole = down >= 128 ? p == 0 : (p & (((ms_u128)1 << down) - 1)) == 0;
    *r1 = !whole && *r + 1 < n ? *r + 1 : *r;
}

static uint64_t key_mask(unsigned key_bits)
{
    return key_bits == 64 ? UINT64_MAX : ((uint64_t)1 << key_bits) - 1;
}

/* What select.h promises of a pass. */
static void check_pass(const ms_digit_pass *p, unsigned key_bits, unsigned number)
{
    unsigned db = key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS;
    cr_assert_eq(p->key_bits, key_bits);
    cr_assert_eq(p->digit_bits, db);
    cr_assert_leq(p->shift + p->digit_bits, key_bits);
    cr_assert_eq(p->shift % db, 0);
    cr_assert(p->nslots >= 1 && p->nslots <= MS_SELECT_MAX_SLOTS, "%u slots", p->nslots);
    if (number == 0)
        cr_assert(p->shift + db == key_bits && p->nslots == 1 && p->prefix[0] == 0, "first pass");
    for (unsigned a = 0; a < p->nslots; a++)
        for (unsigned b = a + 1; b < p->nslots; b++)
            cr_assert_neq(p->prefix[a], p->prefix[b], "slots %u and %u share a prefix", a, b);
}

/* One pass counted over keys in memory. */
static void count_keys(const ms_digit_pass *p, const uint64_t *keys, size_t n, uint64_t *counts)
{
    uint64_t mask = ((uint64_t)1 << p->digit_bits) - 1;
    memset(counts, 0, COUNTS * sizeof *counts);
    for (size_t i = 0; i < n; i++) {
        int s = ms_digit_slot(p, keys[i]);
        if (s >= 0)
            counts[(size_t)s << p->digit_bits | ((keys[i] >> p->shift) & mask)]++;
    }
}

/* One pass counted for the n keys 0 .. n - 1 (each key its own rank),
 * without them: the keys of a slot's digit are an interval. */
static void count_ranks(const ms_digit_pass *p, uint64_t n, uint64_t *counts)
{
    memset(counts, 0, COUNTS * sizeof *counts);
    for (unsigned s = 0; s < p->nslots; s++)
        for (uint64_t g = 0; g >> p->digit_bits == 0; g++) {
            ms_u128 first = ((ms_u128)p->prefix[s] << p->digit_bits | g) << p->shift;
            ms_u128 width = (ms_u128)1 << p->shift, left = first < n ? n - first : 0;
            counts[(size_t)s << p->digit_bits | g] = (uint64_t)(left < width ? left : width);
        }
}

/* Runs the driver to its end (keys NULL: the keys are 0 .. n - 1);
 * lo and hi get each q's keys. Returns the passes. */
static unsigned run(unsigned key_bits, const uint64_t *keys, uint64_t n, const double *q, size_t nq, uint64_t *lo,
                    uint64_t *hi)
{
    ms_select *s = ms_select_new(key_bits, n, q, nq);
    cr_assert_not_null(s);
    uint64_t *counts = malloc(COUNTS * sizeof *counts);
    cr_assert_not_null(counts);
    unsigned levels = key_bits <= MS_SELECT_DIGIT_BITS ? 1 : key_bits / MS_SELECT_DIGIT_BITS;
    unsigned passes = 0, most = 1 + (levels - 1) * (unsigned)((2 * nq + MS_SELECT_MAX_SLOTS - 1) / MS_SELECT_MAX_SLOTS);
    ms_digit_pass p;
    while (ms_select_next(s, &p)) {
        check_pass(&p, key_bits, passes);
        cr_assert_lt(passes, most, "more passes than the bound %u", most);
        if (keys)
            count_keys(&p, keys, n, counts);
        else
            count_ranks(&p, n, counts);
        ms_select_feed(s, counts);
        passes++;
    }
    for (size_t i = 0; i < nq; i++)
        ms_select_keys(s, i, &lo[i], &hi[i]);
    free(counts);
    ms_select_free(s);
    return passes;
}

/* The fewest passes: per level, ceil(distinct prefixes of the wanted keys / slots). */
static unsigned least_passes(unsigned key_bits, const uint64_t *sorted, uint64_t n, const double *q, size_t nq)
{
    unsigned db = key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS, total = nq ? 1 : 0;
    uint64_t *prefix = malloc((2 * nq + 1) * sizeof *prefix);
    cr_assert_not_null(prefix);
    for (unsigned depth = db; depth < key_bits; depth += db) {
        size_t distinct = 0;
        for (size_t i = 0; i < 2 * nq; i++) {
            uint64_t r[2];
            expected_ranks(q[i / 2], n, &r[0], &r[1]);
            uint64_t key = sorted ? sorted[r[i % 2]] : r[i % 2], top = key >> (key_bits - depth);
            size_t k = 0;
            while (k < distinct && prefix[k] != top)
                k++;
            if (k == distinct)
                prefix[distinct++] = top;
        }
        total += (unsigned)((distinct + MS_SELECT_MAX_SLOTS - 1) / MS_SELECT_MAX_SLOTS);
    }
    free(prefix);
    return total;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The driver's keys against a sorted copy, and its passes against the fewest. Returns the passes. */
static unsigned check_select(unsigned key_bits, const uint64_t *keys, size_t n, const double *q, size_t nq)
{
    uint64_t *sorted = malloc(n * sizeof *sorted), *lo = malloc((nq + 1) * sizeof *lo),
             *hi = malloc((nq + 1) * sizeof *hi);
    cr_assert(sorted && lo && hi);
    memcpy(sorted, keys, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    unsigned passes = run(key_bits, keys, n, q, nq, lo, hi);
    for (size_t i = 0; i < nq; i++) {
        uint64_t r, r1;
        expected_ranks(q[i], n, &r, &r1);
        cr_assert_eq(lo[i], sorted[r], "%u bits, n %zu, q %a: low key %#llx, want %#llx (rank %llu)", key_bits, n, q[i],
                     (unsigned long long)lo[i], (unsigned long long)sorted[r], (unsigned long long)r);
        cr_assert_eq(hi[i], sorted[r1], "%u bits, n %zu, q %a: high key %#llx, want %#llx (rank %llu)", key_bits, n,
                     q[i], (unsigned long long)hi[i], (unsigned long long)sorted[r1], (unsigned long long)r1);
    }
    unsigned least = least_passes(key_bits, sorted, n, q, nq);
    cr_assert_eq(passes, least, "%u bits, n %zu, %zu q's: %u passes, the fewest %u", key_bits, n, nq, passes, least);
    free(sorted);
    free(lo);
    free(hi);
    return passes;
}

enum pattern { RANDOM, EQUAL, EXTREMES, TWO, SHARED_PREFIX, PATTERNS };

static uint64_t *make_keys(enum pattern pat, unsigned key_bits, size_t n, uint64_t seed)
{
    uint64_t *k = malloc((n ? n : 1) * sizeof *k), state = seed, mask = key_mask(key_bits);
    cr_assert_not_null(k);
    uint64_t a = test_random(&state) & mask, b = test_random(&state) & mask;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = test_random(&state);
        switch (pat) {
        case RANDOM: k[i] = x & mask; break;
        case EQUAL: k[i] = a; break;
        case EXTREMES: k[i] = x >> 63 ? mask : 0; break;
        case TWO: k[i] = x >> 63 ? a : b; break;
        default: k[i] = (a & ~(uint64_t)0xff) | (x & 0xff); break; /* the low 8 bits differ */
        }
    }
    return k;
}

static unsigned levels_of(unsigned key_bits)
{
    return key_bits <= MS_SELECT_DIGIT_BITS ? 1 : key_bits / MS_SELECT_DIGIT_BITS;
}

static const unsigned all_bits[] = { 8, 16, 32, 64 };
static const size_t all_n[] = { 1, 2, 3, 1000, 100000 };

Test(select, every_width_size_and_pattern_against_a_sort)
{
    const double q[] = { 0, 1, 0.5, 0.25, 0.75, 1e-300, 0.999999999, 1.0 / 3, 0.1, 5e-324, nextafter(1, 0) };
    size_t nq = sizeof q / sizeof q[0];
    for (size_t b = 0; b < 4; b++)
        for (size_t j = 0; j < sizeof all_n / sizeof all_n[0]; j++)
            for (int pat = 0; pat < PATTERNS; pat++) {
                unsigned bits = all_bits[b];
                size_t n = all_n[j];
                uint64_t *keys = make_keys((enum pattern)pat, bits, n, 1 + b * 100 + j * 10 + (size_t)pat);
                check_select(bits, keys, n, q, nq);
                /* one q at a time: at most 2 buckets per level, so one pass per level */
                for (size_t i = 0; i < nq; i++)
                    cr_assert_eq(check_select(bits, keys, n, &q[i], 1), levels_of(bits), "%u bits, n %zu, q %a",
                                 bits, n, q[i]);
                free(keys);
            }
}

Test(select, many_quantiles_wait_for_further_passes)
{
    double q[40];
    for (size_t i = 0; i < 20; i++) {
        q[i] = (double)i / 19;
        q[20 + i] = (double)i / 19 + 1e-7 * (double)(i < 19);
    }
    for (size_t b = 0; b < 4; b++) {
        unsigned bits = all_bits[b];
        uint64_t *keys = make_keys(RANDOM, bits, 100000, 7 + b);
        unsigned passes = check_select(bits, keys, 100000, q, 20);
        if (bits > MS_SELECT_DIGIT_BITS) /* 20 q's fall in more than 4 buckets at the second level */
            cr_assert_gt(passes, levels_of(bits), "%u bits: %u passes", bits, passes);
        else
            cr_assert_eq(passes, 1);
        check_select(bits, keys, 100000, q, 40);
        check_select(bits, keys, 1000, q, 40);
        check_select(bits, keys, 3, q, 40);
        free(keys);
        /* shared prefixes: one bucket per level whatever the q's */
        keys = make_keys(SHARED_PREFIX, bits, 100000, 9 + b);
        cr_assert_eq(check_select(bits, keys, 100000, q, 40), levels_of(bits));
        free(keys);
    }
}

Test(select, four_buckets_per_level_take_one_pass_per_level)
{
    /* 64-bit keys in four far apart groups, each group differing only in its low bits */
    size_t n = 4000;
    uint64_t *keys = malloc(n * sizeof *keys), state = 3;
    cr_assert_not_null(keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint64_t)(i % 4) << 62 | 0x0123456789ab0000u | (test_random(&state) & 0xffff);
    const double four[] = { 0.1, 0.35, 0.6, 0.9 }, five[] = { 0, 0.1, 0.35, 0.6, 0.9 };
    cr_assert_eq(check_select(64, keys, n, four, 4), 4);
    /* q = 0 and 0.1 both in the lowest group: still 4 buckets */
    cr_assert_eq(check_select(64, keys, n, five, 5), 4);
    /* one more group: a fifth bucket at each level below the top */
    for (size_t i = 0; i < n; i += 5)
        keys[i] = (uint64_t)1 << 61 | 0x0123456789ab0000u | (keys[i] & 0xffff);
    const double spread[] = { 0.05, 0.3, 0.5, 0.7, 0.95 };
    cr_assert_eq(check_select(64, keys, n, spread, 5), 1 + 3 * 2);
    free(keys);
}

Test(select, exact_ranks_with_keys_equal_to_their_ranks)
{
    struct {
        uint64_t n;
        double q;
        uint64_t lo, hi;
    } cases[] = {
        { 1, 0.5, 0, 0 },
        { 3, 0.5, 1, 1 },                                  /* h = 1, whole */
        { 4, 0.5, 1, 2 },                                  /* h = 1.5 */
        { 1025, 0.25, 256, 256 },                          /* whole */
        { 4, 1.0 / 3, 0, 1 },                              /* h = 0.999...: 3 * q rounds to 1 in binary64 */
        { 11, 0.1, 1, 2 },                                 /* h = 1.0000000000000000555 */
        { 1000, 1e-300, 0, 1 },
        { 1000, 0.999999999, 998, 999 },
        { 1000, 1, 999, 999 },
        { 2, 5e-324, 0, 1 },
        { UINT64_MAX, 0.5, ((uint64_t)1 << 63) - 1, ((uint64_t)1 << 63) - 1 },
        { UINT64_MAX, 0.75, 3 * ((uint64_t)1 << 62) - 2, 3 * ((uint64_t)1 << 62) - 1 },
        { UINT64_MAX, 1, UINT64_MAX - 1, UINT64_MAX - 1 },
        { UINT64_MAX, 0, 0, 0 },
        { (uint64_t)1 << 40, 0.5, ((uint64_t)1 << 39) - 1, (uint64_t)1 << 39 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t lo, hi, r, r1;
        unsigned passes = run(64, NULL, cases[i].n, &cases[i].q, 1, &lo, &hi);
        cr_assert(lo == cases[i].lo && hi == cases[i].hi, "n %llu, q %a: ranks %llu, %llu, want %llu, %llu",
                  (unsigned long long)cases[i].n, cases[i].q, (unsigned long long)lo, (unsigned long long)hi,
                  (unsigned long long)cases[i].lo, (unsigned long long)cases[i].hi);
        expected_ranks(cases[i].q, cases[i].n, &r, &r1);
        cr_assert(r == lo && r1 == hi, "the test's own ranks differ");
        cr_assert_eq(passes, 4);
    }
    /* huge n, many q's: every wanted rank, against the formula */
    double q[64];
    uint64_t lo[64], hi[64], state = 5;
    for (size_t i = 0; i < 64; i++)
        q[i] = (double)(test_random(&state) >> 11) * 0x1p-53 * (i % 3 ? 1 : 0x1p-40);
    const uint64_t ns[] = { UINT64_MAX, (uint64_t)1 << 53, ((uint64_t)1 << 53) + 3, 999999999999 };
    for (size_t j = 0; j < 4; j++) {
        unsigned passes = run(64, NULL, ns[j], q, 64, lo, hi);
        for (size_t i = 0; i < 64; i++) {
            uint64_t r, r1;
            expected_ranks(q[i], ns[j], &r, &r1);
            cr_assert(lo[i] == r && hi[i] == r1, "n %llu, q %a", (unsigned long long)ns[j], q[i]);
        }
        cr_assert_eq(passes, least_passes(64, NULL, ns[j], q, 64));
    }
}

Test(select, extremes_of_every_width)
{
    for (size_t b = 0; b < 4; b++) {
        uint64_t max = key_mask(all_bits[b]);
        uint64_t keys[] = { max, 0, max, max - 1, 1, 0 };
        const double q[] = { 0, 0.2, 0.5, 0.8, 1 };
        check_select(all_bits[b], keys, 6, q, 5);
        uint64_t lo, hi;
        run(all_bits[b], keys, 6, &q[4], 1, &lo, &hi);
        cr_assert(lo == max && hi == max);
        run(all_bits[b], keys, 6, &q[0], 1, &lo, &hi);
        cr_assert(lo == 0 && hi == 0);
    }
}

Test(select, next_without_feed_repeats_the_pass_and_no_q_needs_no_pass)
{
    double q = 0.5;
    ms_select *s = ms_select_new(32, 10, &q, 1);
    cr_assert_not_null(s);
    ms_digit_pass a, b;
    cr_assert(ms_select_next(s, &a));
    cr_assert(ms_select_next(s, &b));
    cr_assert(memcmp(&a, &b, sizeof a) == 0);
    ms_select_free(s);
    s = ms_select_new(64, 10, NULL, 0);
    cr_assert_not_null(s);
    cr_assert_not(ms_select_next(s, &a));
    ms_select_free(s);
    cr_assert_null(ms_select_new(12, 10, &q, 1));
    cr_assert_null(ms_select_new(0, 10, &q, 1));
}

Test(select, out_of_memory_gives_null)
{
    double q[] = { 0.5, 0.25 };
    for (unsigned k = 0; k < 5; k++) {
        fault_arm("malloc", k, 1, ENOMEM);
        ms_select *s = ms_select_new(64, 1000, q, 2);
        bool fired = fault_fired("malloc");
        fault_disarm();
        if (fired)
            cr_assert_null(s, "allocation %u failed", k);
        else
            cr_assert_not_null(s);
        ms_select_free(s);
    }
}
