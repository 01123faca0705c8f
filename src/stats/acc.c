#include "acc.h"
#include "exact_sum.h"
#include "wide.h"

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

void ms_squares_add(mapscan_square_sum *s, ms_u128 v, unsigned bit)
{
    unsigned w = bit / 64, shift = bit % 64;
    uint64_t part[3] = { (uint64_t)v, (uint64_t)(v >> 64), 0 };
    if (shift) {
        part[2] = part[1] >> (64 - shift);
        part[1] = part[1] << shift | part[0] >> (64 - shift);
        part[0] <<= shift;
    }
    unsigned carry = 0;
    for (unsigned i = 0; w + i < MAPSCAN_SQUARE_SUM_WORDS && (i < 3 || carry); i++) {
        uint64_t add = i < 3 ? part[i] : 0;
        uint64_t *word = &s->word[w + i];
        unsigned c1 = __builtin_add_overflow(*word, add, word);
        unsigned c2 = __builtin_add_overflow(*word, (uint64_t)carry, word);
        carry = c1 | c2;
    }
}

static void squares_merge(mapscan_square_sum *a, const mapscan_square_sum *b)
{
    unsigned carry = 0;
    for (unsigned i = 0; i < MAPSCAN_SQUARE_SUM_WORDS; i++) {
        unsigned c1 = __builtin_add_overflow(a->word[i], b->word[i], &a->word[i]);
        unsigned c2 = __builtin_add_overflow(a->word[i], (uint64_t)carry, &a->word[i]);
        carry = c1 | c2;
    }
    a->inf |= b->inf;
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
    squares_merge(&into->squares, &from->squares);
    mapscan_exact_sum_add(&into->small_squares, &from->small_squares);
}

/* Whether b's extreme (as an order-preserving key or an integer) and its
 * position come before a's. */
static bool earlier(ms_i128 b, uint64_t b_at, ms_i128 a, uint64_t a_at, bool smaller)
{
    if (b != a)
        return smaller ? b < a : b > a;
    return b_at < a_at;
}

void ms_acc_merge_positions(ms_acc *into, const ms_acc *from, bool is_float)
{
    uint64_t from_counted = from->count - from->fl.nan, into_counted = into->count - into->fl.nan;
    if (!from_counted)
        return;
    ms_i128 fmin = is_float ? from->fl.min_key : from->min, fmax = is_float ? from->fl.max_key : from->max;
    ms_i128 imin = is_float ? into->fl.min_key : into->min, imax = is_float ? into->fl.max_key : into->max;
    if (!into_counted || earlier(fmin, from->argmin, imin, into->argmin, true))
        into->argmin = from->argmin;
    if (!into_counted || earlier(fmax, from->argmax, imax, into->argmax, false))
        into->argmax = from->argmax;
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

/* The small squares (units of 2^-1074) joined to the others (units of
 * 2^-2148): shifted up by 1074 bits. They are never negative. */
static void squares_join(mapscan_square_sum *out, const mapscan_exact_sum *small)
{
    for (unsigned i = 0; i < MAPSCAN_EXACT_SUM_WORDS; i++)
        if (small->word[i])
            ms_squares_add(out, small->word[i], 1074 + 64 * i);
    out->inf |= small->pos_inf;
}

void ms_result_variance(mapscan_result *r)
{
    mapscan_extra_stats *x = &r->extra;
    uint64_t n = ms_result_counted(r);
    x->var = x->std = NAN;
    if (n <= x->ddof || x->squares.inf)
        return;
    ms_wide s1, s2;
    int scale = 0;
    if (mapscan_type_is_float(r->type)) {
        ms_wide_from_words(&s1, r->floats.exact.word, MAPSCAN_EXACT_SUM_WORDS, true);
        scale = -1074;
    } else {
        ms_wide_from_i128(&s1, ms_from_int128(r->stats.sum));
    }
    ms_wide_from_words(&s2, x->squares.word, MAPSCAN_SQUARE_SUM_WORDS, false);
    ms_fp_saved fp = ms_fp_enter();
    x->var = ms_wide_variance(n, x->ddof, &s1, &s2, scale);
    x->std = sqrt(x->var);
    ms_fp_leave(fp);
}

void ms_acc_finish_extra(const ms_acc *acc, unsigned stats, uint64_t ddof, mapscan_result *result)
{
    mapscan_extra_stats *x = &result->extra;
    x->computed = stats & MAPSCAN_STAT_ALL;
    x->ddof = ddof;
    bool counted = ms_result_counted(result) > 0;
    if (stats & MAPSCAN_STAT_VAR) {
        x->squares = acc->squares;
        squares_join(&x->squares, &acc->small_squares);
        ms_result_variance(result);
    }
    if (stats & MAPSCAN_STAT_ARGMIN)
        x->argmin = counted ? acc->argmin : 0;
    if (stats & MAPSCAN_STAT_ARGMAX)
        x->argmax = counted ? acc->argmax : 0;
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

/* An extreme of a result as an order-preserving integer. */
static ms_i128 extreme_key(const mapscan_result *r, bool max)
{
    if (!mapscan_type_is_float(r->type))
        return ms_from_int128(max ? r->stats.max : r->stats.min);
    uint64_t bits;
    memcpy(&bits, max ? &r->floats.max : &r->floats.min, 8);
    return ms_float_key(bits);
}

/* b's positions into a's (before the statistics are merged). */
static void merge_positions(mapscan_extra_stats *x, const mapscan_result *a, const mapscan_result *b)
{
    if (!ms_result_counted(b))
        return;
    bool a_empty = !ms_result_counted(a);
    if ((x->computed & MAPSCAN_STAT_ARGMIN) &&
        (a_empty || earlier(extreme_key(b, false), b->extra.argmin, extreme_key(a, false), x->argmin, true)))
        x->argmin = b->extra.argmin;
    if ((x->computed & MAPSCAN_STAT_ARGMAX) &&
        (a_empty || earlier(extreme_key(b, true), b->extra.argmax, extreme_key(a, true), x->argmax, false)))
        x->argmax = b->extra.argmax;
}

static bool same_edges(const mapscan_extra_stats *a, const mapscan_extra_stats *b)
{
    return a->counts && b->counts && a->counts != b->counts && a->bins == b->bins && a->ranged == b->ranged &&
           memcmp(&a->lo, &b->lo, sizeof a->lo) == 0 && memcmp(&a->hi, &b->hi, sizeof a->hi) == 0;
}

/* What a keeps of the extra statistics (mapscan.h), merged with b's; the
 * default statistics are not merged yet. */
static void merge_extra(mapscan_result *a, const mapscan_result *b)
{
    mapscan_extra_stats *x = &a->extra;
    const mapscan_extra_stats *y = &b->extra;
    if (b->stats.count == 0)
        return;     /* nothing counted (a zeroed result, an empty part): a keeps its own */
    x->computed &= y->computed;
    merge_positions(x, a, b);
    x->origin = y->origin < x->origin ? y->origin : x->origin;
    x->origin_whole &= y->origin_whole;
    if (x->computed & MAPSCAN_STAT_VAR)
        squares_merge(&x->squares, &y->squares);
    x->nquantiles = 0;
    if (x->bins && same_edges(x, y)) {
        for (uint64_t i = 0; i < x->bins; i++)
            x->counts[i] += y->counts[i];
        x->below += y->below;
        x->above += y->above;
    } else {
        x->bins = 0;
    }
}

void mapscan_result_merge(mapscan_result *a, const mapscan_result *b)
{
    bool a_empty = a->stats.count == 0 && a->bytes == 0 && a->floats.nan == 0;
    if (a_empty) {
        a->type = b->type;      /* nothing in a yet (a zeroed total): b says which statistics these are */
        if (!a->extra.computed && !a->extra.bins) {
            a->extra = b->extra;    /* and which extra ones (but a histogram needs a's own counts) */
            a->extra.counts = NULL;
            a->extra.bins = 0;
            a->extra.nquantiles = 0;
            memset(&a->extra.squares, 0, sizeof a->extra.squares);
        }
    }
    merge_extra(a, b);
    if (mapscan_type_is_float(a->type))
        merge_floats(&a->floats, a->stats.count, &b->floats, b->stats.count);
    mapscan_stats_merge(&a->stats, &b->stats);
    a->bytes += b->bytes;
    a->seconds += b->seconds;
    a->backends |= b->backends;
    if (b->threads > a->threads)
        a->threads = b->threads;
    if (a->extra.computed & MAPSCAN_STAT_VAR)
        ms_result_variance(a);
    if (a->ncolumns && a->ncolumns == b->ncolumns && a->columns && b->columns && a->columns != b->columns)
        for (size_t c = 0; c < a->ncolumns; c++)
            mapscan_result_merge(&a->columns[c], &b->columns[c]);
}
