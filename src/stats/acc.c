#include "acc.h"

void ms_acc_init(ms_acc *acc)
{
    acc->count = 0;
    acc->min = 0;
    acc->max = 0;
    acc->sum = 0;
}

void ms_acc_merge(ms_acc *into, const ms_acc *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0) {
        into->min = from->min;
        into->max = from->max;
    } else {
        if (from->min < into->min)
            into->min = from->min;
        if (from->max > into->max)
            into->max = from->max;
    }
    into->count += from->count;
    into->sum += from->sum;
}

void ms_acc_to_stats(const ms_acc *acc, mapscan_stats *stats)
{
    stats->count = acc->count;
    stats->min = ms_to_int128(acc->count ? acc->min : 0);
    stats->max = ms_to_int128(acc->count ? acc->max : 0);
    stats->sum = ms_to_int128(acc->sum);
}

void mapscan_stats_merge(mapscan_stats *a, const mapscan_stats *b)
{
    ms_acc x = { a->count, ms_from_int128(a->min), ms_from_int128(a->max), ms_from_int128(a->sum) };
    ms_acc y = { b->count, ms_from_int128(b->min), ms_from_int128(b->max), ms_from_int128(b->sum) };
    ms_acc_merge(&x, &y);
    ms_acc_to_stats(&x, a);
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

void mapscan_result_merge(mapscan_result *a, const mapscan_result *b)
{
    mapscan_stats_merge(&a->stats, &b->stats);
    a->bytes += b->bytes;
    a->seconds += b->seconds;
    a->backends |= b->backends;
    if (b->threads > a->threads)
        a->threads = b->threads;
}
