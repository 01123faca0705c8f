/*
 * Counting passes: a histogram, or one digit of the quantiles' keys
 * (stats/select.h), counted by each worker into 32-bit counters of its
 * own, so that counting is a load, a few instructions and an increment in
 * L1 or L2, with nothing shared. A worker adds its counters into the
 * plan's 64-bit totals (atomically: they are shared) before any could
 * overflow, and once at the end.
 *
 * A histogram's bin is found as numpy finds it: a first guess from the
 * value's distance to the lowest edge, then corrected against the edges
 * themselves — but compared exactly: every value of a type but the
 * 64-bit integers is a binary64 value, and those are compared with an
 * edge without rounding (a 64-bit integer near 2^53 and above is not
 * rounded to binary64 first, as numpy does).
 */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ms_tally *ms_tally_new(const ms_tally_plan *plan)
{
    ms_tally *t = calloc(1, sizeof *t);
    if (t)
        t->counts = calloc(plan->ncounters, sizeof *t->counts);
    if (t && !t->counts) {
        free(t);
        return NULL;
    }
    return t;
}

static void flush(const ms_tally_plan *plan, ms_tally *t)
{
    for (size_t i = 0; i < plan->ncounters; i++)
        if (t->counts[i])
            __atomic_fetch_add(&plan->totals[i], t->counts[i], __ATOMIC_RELAXED);
    memset(t->counts, 0, plan->ncounters * sizeof *t->counts);
    __atomic_fetch_add(&plan->totals[plan->ncounters], t->below, __ATOMIC_RELAXED);
    __atomic_fetch_add(&plan->totals[plan->ncounters + 1], t->above, __ATOMIC_RELAXED);
    t->below = t->above = 0;
    t->pending = 0;
}

void ms_tally_end(const ms_tally_plan *plan, ms_tally *t)
{
    if (!t)
        return;
    flush(plan, t);
    free(t->counts);
    free(t);
}

/* ---- histograms ---- */

/* -1, 0, 1 as x <, ==, > e, exactly (e not NaN). */
static int compare_i64(int64_t x, double e)
{
    if (e >= 0x1p63)
        return -1;
    if (e < -0x1p63)
        return 1;
    double f = floor(e);
    int64_t fi = (int64_t)f;
    if (x != fi)
        return x < fi ? -1 : 1;
    return e > f ? -1 : 0;
}

static int compare_u64(uint64_t x, double e)
{
    if (e >= 0x1p64)
        return -1;
    if (e < 0)
        return 1;
    double f = floor(e);
    uint64_t fi = (uint64_t)f;
    if (x != fi)
        return x < fi ? -1 : 1;
    return e > f ? -1 : 0;
}

/* The value of an element, for comparing with the edges. */
typedef struct hvalue {
    double d;                   /* exact, or rounded for a 64-bit integer */
    int kind;                   /* 0: d is exact; 1: int64 i; 2: uint64 u */
    int64_t i;
    uint64_t u;
} hvalue;

static int compare(const hvalue *v, double e)
{
    if (v->kind == 1)
        return compare_i64(v->i, e);
    if (v->kind == 2)
        return compare_u64(v->u, e);
    return v->d < e ? -1 : v->d > e;
}

/* The bin of v: 0 to bins - 1, or -1 below the lowest edge, bins above the highest. */
static int64_t bin_of(const ms_tally_plan *plan, const hvalue *v)
{
    const double *e = plan->edges;
    int64_t bins = (int64_t)plan->bins;
    if (compare(v, e[0]) < 0)
        return -1;
    if (compare(v, e[bins]) > 0)
        return bins;
    double guess = (v->d - e[0]) * plan->scale;
    int64_t b = guess >= (double)bins ? bins - 1 : guess > 0 ? (int64_t)guess : 0;
    while (b > 0 && compare(v, e[b]) < 0)
        b--;
    while (b + 1 < bins && compare(v, e[b + 1]) >= 0)
        b++;
    return b;
}

/* Counts a value of bin b (-1: below the lowest edge; bins: above the highest). */
static void place(const ms_tally_plan *plan, ms_tally *t, int64_t b)
{
    int64_t bins = (int64_t)plan->bins;
    if (b < 0 && !plan->clamp)
        t->below++;
    else if (b >= bins && !plan->clamp)
        t->above++;
    else
        t->counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
}

static bool value_of(const ms_tally_plan *plan, const unsigned char *p, hvalue *v)
{
    bool nan;
    uint64_t key = ms_key_of(plan->type, plan->swap, p, &nan);
    if (nan)
        return false;
    v->d = ms_key_value(plan->type, key);
    v->kind = 0;
    if (plan->type == MAPSCAN_I64) {
        v->kind = 1;
        v->i = (int64_t)(key ^ ((uint64_t)1 << 63));
    } else if (plan->type == MAPSCAN_U64) {
        v->kind = 2;
        v->u = key;
    }
    return true;
}

/* The 64-bit integers' bins, each value placed exactly. */
static void count_bins_exactly(const ms_tally_plan *plan, ms_tally *t, const unsigned char *p, size_t n, size_t elem)
{
    for (size_t i = 0; i < n; i++) {
        hvalue v;
        if (value_of(plan, p + i * elem, &v))
            place(plan, t, bin_of(plan, &v));
    }
}

void ms_bins_count(const ms_tally_plan *plan, ms_tally *t, const int64_t *mark, const double *value, size_t n)
{
    const int64_t bins = (int64_t)plan->bins;
    for (size_t i = 0; i < n; i++) {
        int64_t b = mark[i];
        if (b < bins) {
            t->counts[b]++;
        } else if (b == bins + 3) {
            hvalue v = { .d = value[i] };
            place(plan, t, bin_of(plan, &v));
        } else if (b != bins + 2) {
            place(plan, t, b == bins ? bins : -1);
        }
    }
}

void ms_tally_count(const ms_tally_plan *plan, ms_tally *t, const unsigned char *p, size_t n)
{
    const size_t most = (size_t)1 << 30, elem = mapscan_type_size(plan->type);
    while (n > 0) {
        size_t m = n < most ? n : most;
        if (t->pending + m > UINT32_MAX)
            flush(plan, t);     /* before a 32-bit counter could overflow */
        if (plan->kind == MS_TALLY_DIGITS)
            plan->digits_loop(plan, t->counts, p, m);
        else if (plan->bins_loop)
            plan->bins_loop(plan, t, p, m);
        else
            count_bins_exactly(plan, t, p, m, elem);
        t->pending += m;
        p += m * elem;
        n -= m;
    }
}

bool ms_tallies_open(const ms_reducer *r, ms_acc *acc)
{
    for (unsigned i = 0; i < MS_TALLIES; i++)
        if (r->tally[i] && !(acc->tally[i] = ms_tally_new(r->tally[i])))
            return false;
    for (size_t c = 0; acc->columns && c < r->ncolumns; c++)     /* a column's own, counted in the first pass */
        if (!ms_tallies_open(&r->columns[c], &acc->columns[c]))
            return false;
    return true;
}

void ms_tallies_close(const ms_reducer *r, ms_acc *acc)
{
    for (unsigned i = 0; i < MS_TALLIES; i++) {
        if (acc->tally[i])
            ms_tally_end(r->tally[i], acc->tally[i]);
        acc->tally[i] = NULL;
    }
    for (size_t c = 0; acc->columns && c < r->ncolumns; c++)
        ms_tallies_close(&r->columns[c], &acc->columns[c]);
}
