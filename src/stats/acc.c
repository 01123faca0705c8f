#include "acc.h"
#include "exact_sum.h"

#include <math.h>
#include <string.h>

void ms_acc_init(ms_acc *acc)
{
    memset(acc, 0, sizeof *acc);
    acc->fl.min_key = INT64_MAX;
    acc->fl.max_key = INT64_MIN;
}

void ms_acc_fold_ints(ms_acc *acc, uint64_t n, ms_i128 min, ms_i128 max, ms_i128 sum)
{
    if (n == 0)
        return;
    if (acc->count == 0) {
        acc->min = min;
        acc->max = max;
    } else {
        if (min < acc->min)
            acc->min = min;
        if (max > acc->max)
            acc->max = max;
    }
    acc->count += n;
    acc->sum += sum;
}

void ms_acc_merge(ms_acc *into, const ms_acc *from)
{
    ms_acc_fold_ints(into, from->count, from->min, from->max, from->sum);
    into->fl.nan += from->fl.nan;
    if (from->fl.min_key < into->fl.min_key)
        into->fl.min_key = from->fl.min_key;
    if (from->fl.max_key > into->fl.max_key)
        into->fl.max_key = from->fl.max_key;
    mapscan_exact_sum_add(&into->fl.sum, &from->fl.sum);
}

static double from_key(int64_t key)
{
    uint64_t bits = (uint64_t)ms_float_key((uint64_t)key);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* The rounded sum and mean of float stats whose exact sum and extremes are
 * set: the rules of mapscan.h (and README) for zero's sign. */
static void float_totals(mapscan_float_stats *f, uint64_t counted)
{
    f->sum = 0.0;
    f->mean = 0.0;
    if (!counted)
        return;
    f->sum = mapscan_exact_sum_round(&f->exact);
    f->mean = mapscan_exact_sum_divide(&f->exact, counted);
    /* A sum of zero is -0 only when every value was -0, that is when the
     * largest of them is -0 (the infinities are not zero). Compared in the
     * default environment: denormals-are-zero would take a subnormal sum
     * or maximum for 0. */
    ms_fp_saved fp = ms_fp_enter();
    bool all_negative_zero = f->sum == 0 && signbit(f->max) && f->max == 0;
    ms_fp_leave(fp);
    if (all_negative_zero) {
        f->sum = -0.0;
        f->mean = -0.0;
    }
}

void ms_acc_finish(const ms_acc *acc, mapscan_type type, mapscan_result *result)
{
    mapscan_stats *stats = &result->stats;
    stats->count = acc->count;
    memset(&result->floats, 0, sizeof result->floats);
    if (mapscan_type_is_float(type)) {
        stats->min = stats->max = stats->sum = ms_to_int128(0);
        mapscan_float_stats *f = &result->floats;
        uint64_t counted = acc->count - acc->fl.nan;
        f->nan = acc->fl.nan;
        f->exact = acc->fl.sum;
        if (counted) {
            f->min = from_key(acc->fl.min_key);
            f->max = from_key(acc->fl.max_key);
        }
        float_totals(f, counted);
        return;
    }
    stats->min = ms_to_int128(acc->count ? acc->min : 0);
    stats->max = ms_to_int128(acc->count ? acc->max : 0);
    stats->sum = ms_to_int128(acc->sum);
}

void mapscan_stats_merge(mapscan_stats *a, const mapscan_stats *b)
{
    ms_acc x, y;
    ms_acc_init(&x);
    ms_acc_init(&y);
    x.count = a->count, x.min = ms_from_int128(a->min), x.max = ms_from_int128(a->max), x.sum = ms_from_int128(a->sum);
    y.count = b->count, y.min = ms_from_int128(b->min), y.max = ms_from_int128(b->max), y.sum = ms_from_int128(b->sum);
    ms_acc_merge(&x, &y);
    a->count = x.count;
    a->min = ms_to_int128(x.count ? x.min : 0);
    a->max = ms_to_int128(x.count ? x.max : 0);
    a->sum = ms_to_int128(x.sum);
}

long double mapscan_stats_mean(const mapscan_stats *stats)
{
    if (stats->count == 0)
        return 0.0L;
    /* Integer part first, so that the quotient keeps every digit a long
     * double can hold even when the sum does not fit one exactly. */
    ms_i128 sum = ms_from_int128(stats->sum);
    ms_i128 quotient = sum / (ms_i128)stats->count;
    ms_i128 remainder = sum % (ms_i128)stats->count;
    return (long double)quotient + (long double)remainder / (long double)stats->count;
}

char *mapscan_int128_format(mapscan_int128 value, char buf[static 41])
{
    ms_i128 v = ms_from_int128(value);
    ms_u128 magnitude = v < 0 ? -(ms_u128)v : (ms_u128)v;
    char digits[40];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(magnitude % 10));
        magnitude /= 10;
    } while (magnitude);
    char *out = buf;
    if (v < 0)
        *out++ = '-';
    while (n)
        *out++ = digits[--n];
    *out = '\0';
    return buf;
}

/* b's float statistics into a's; counts are a's and b's before the merge. */
static void merge_floats(mapscan_float_stats *a, uint64_t a_count, const mapscan_float_stats *b, uint64_t b_count)
{
    uint64_t a_counted = a_count - a->nan, b_counted = b_count - b->nan;
    if (b_counted) {
        uint64_t ab, bb;
        memcpy(&ab, &a->min, 8), memcpy(&bb, &b->min, 8);
        if (!a_counted || ms_float_key(bb) < ms_float_key(ab))
            a->min = b->min;
        memcpy(&ab, &a->max, 8), memcpy(&bb, &b->max, 8);
        if (!a_counted || ms_float_key(bb) > ms_float_key(ab))
            a->max = b->max;
    }
    a->nan += b->nan;
    mapscan_exact_sum_add(&a->exact, &b->exact);
    float_totals(a, a_counted + b_counted);
}

void mapscan_result_merge(mapscan_result *a, const mapscan_result *b)
{
    if (a->stats.count == 0 && a->bytes == 0 && a->floats.nan == 0)
        a->type = b->type;      /* nothing in a yet (a zeroed total): b says which statistics these are */
    if (mapscan_type_is_float(a->type))
        merge_floats(&a->floats, a->stats.count, &b->floats, b->stats.count);
    mapscan_stats_merge(&a->stats, &b->stats);
    a->bytes += b->bytes;
    a->seconds += b->seconds;
    a->backends |= b->backends;
    if (b->threads > a->threads)
        a->threads = b->threads;
}
