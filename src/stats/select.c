/*
 * Exact quantiles by radix refinement: the driver. It decides which digit
 * of the keys each counting pass counts, and reads the keys at the wanted
 * ranks off the counts; the caller runs the passes over the data (and
 * sums the counts over threads and ranks). No I/O here.
 *
 * The wanted ranks. For each q, h = q * (n - 1) is taken exactly: q is a
 * binary64 M * 2^-D with M an integer below 2^53 (q = 0 and q = 1 are
 * taken apart), so M * (n - 1) fits in 117 bits and floor(h) is that
 * product shifted right by D (zero once D reaches 128), and h is whole
 * when the bits shifted out are all zero. The ranks wanted are floor(h)
 * and, when h is not whole, floor(h) + 1 (which is then at most n - 1).
 * Every distinct rank is one target; the q's point at their targets.
 *
 * The refinement. A target knows its key's top `depth` bits (its prefix)
 * and its rank among the keys that share them (its bucket). At first
 * depth = 0, the bucket is every key and the rank is the global rank. A
 * pass counts the next digit (16 bits, or all key_bits when that is less)
 * of the keys in up to MS_SELECT_MAX_SLOTS buckets of one depth, one slot
 * per bucket. Walking a slot's counts in digit order, each target in that
 * bucket falls into the digit g whose counts below it are at most its
 * rank and whose counts up to and including it exceed it; its prefix
 * gains g, its depth the digit's bits, and its rank loses the counts of
 * the digits below g. A target whose depth reaches key_bits knows its key.
 * Targets are kept sorted by rank, so those of one bucket are adjacent and
 * in order of rank, and one walk of the slot's counts settles them all;
 * the ranks r and r + 1 of a q, or ranks of several q's, that share a
 * bucket share its slot.
 *
 * Grouping slots by depth (each pass has a single shift): a pass takes
 * the shallowest depth any unfinished target is at, and the first
 * MS_SELECT_MAX_SLOTS distinct prefixes (in rank order, which is key
 * order) of the targets at that depth; the others at that depth wait for
 * the next pass, which takes the shallowest depth again. So every depth is
 * finished before a deeper one starts, and when a depth is started every
 * target that will ever be at it is there: its P distinct buckets take
 * ceil(P / MS_SELECT_MAX_SLOTS) passes, the fewest any rule can, since a
 * pass counts one depth only and the buckets of a depth do not depend on
 * the order of the passes.
 *
 * The bound. With L = key_bits / digit_bits levels (1 for 8 and 16 bits,
 * 2 for 32, 4 for 64) and P_d distinct buckets wanted at level d
 * (P_0 = 1), the passes number sum over d of ceil(P_d / 4): exactly L =
 * ceil(key_bits / 16) when no level wants more than 4 buckets (always so
 * for at most 2 quantiles), and at most 1 + (L - 1) * ceil(T / 4) for T
 * distinct wanted ranks (at most 2 per q). A key's low bits cannot be
 * known before its last level is counted, so L passes is also the least.
 *
 * Memory: one target (24 bytes) per distinct rank and two indices per q;
 * the counts arrays, MS_SELECT_MAX_SLOTS << digit_bits of them, are the
 * caller's. Counts that are not the data's (fewer keys in a bucket than
 * its ranks need) give wrong keys but nothing undefined: such a target
 * is put at the bucket's last digit.
 */
#include "select.h"

#include <stdlib.h>
#include <string.h>

typedef struct target {
    uint64_t rank;   /* among the keys whose top `depth` bits are prefix */
    uint64_t prefix; /* the key's top `depth` bits */
    unsigned depth;
} target;

struct ms_select {
    unsigned key_bits, digit_bits;
    size_t ntargets, nq;
    target *t;       /* sorted by rank, the ranks distinct */
    size_t *which;   /* per q: the targets of its low and high rank */
    bool pending;    /* pass was given by ms_select_next and not yet fed */
    unsigned pass_depth;
    ms_digit_pass pass;
};

/* floor(q * (n - 1)) and the next rank when that is not whole (else the same). */
static void wanted_ranks(double q, uint64_t n, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    if (!(q > 0)) /* 0, and (outside the contract) NaN and negatives */
        return;
    if (q >= 1) {
        *lo = *hi = n - 1;
        return;
    }
    uint64_t bits;
    memcpy(&bits, &q, sizeof bits);
    unsigned biased = (unsigned)(bits >> 52) & 0x7ff;
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    unsigned down = 1074; /* q = m * 2^-down; subnormal: m * 2^-1074 */
    if (biased) {
        m |= (uint64_t)1 << 52;
        down = 1075 - biased; /* q < 1: biased <= 1022, down >= 53 */
    }
    ms_u128 product = (ms_u128)m * (n - 1);
    bool whole = down >= 128 ? product == 0 : (product & (((ms_u128)1 << down) - 1)) == 0;
    uint64_t r = down >= 128 ? 0 : (uint64_t)(product >> down);
    *lo = *hi = r;
    if (!whole && r < n - 1)
        *hi = r + 1;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The index of rank in the sorted distinct ranks (it is there). */
static size_t find_rank(const uint64_t *ranks, size_t count, uint64_t rank)
{
    size_t lo = 0, hi = count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ranks[mid] <= rank)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The targets: the q's ranks, sorted and made distinct; each q's indices. */
static bool make_targets(ms_select *s, uint64_t n, const double *q)
{
    size_t count = 2 * s->nq;
    uint64_t *ranks = malloc((count ? count : 1) * sizeof *ranks);
    s->which = malloc((count ? count : 1) * sizeof *s->which);
    s->t = calloc(count ? count : 1, sizeof *s->t);
    if (!ranks || !s->which || !s->t) {
        free(ranks);
        return false;
    }
    for (size_t i = 0; i < s->nq; i++)
        wanted_ranks(q[i], n, &ranks[2 * i], &ranks[2 * i + 1]);
    uint64_t *sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted) {
        free(ranks);
        return false;
    }
    memcpy(sorted, ranks, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_value);
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++)
        if (distinct == 0 || sorted[i] != sorted[distinct - 1])
            sorted[distinct++] = sorted[i];
    for (size_t i = 0; i < count; i++)
        s->which[i] = find_rank(sorted, distinct, ranks[i]);
    for (size_t i = 0; i < distinct; i++)
        s->t[i].rank = sorted[i]; /* prefix 0, depth 0: every key */
    s->ntargets = distinct;
    free(sorted);
    free(ranks);
    return true;
}

ms_select *ms_select_new(unsigned key_bits, uint64_t n, const double *q, size_t nq)
{
    if ((key_bits != 8 && key_bits != 16 && key_bits != 32 && key_bits != 64) ||
        nq > SIZE_MAX / 2 / sizeof(target))
        return NULL;
    ms_select *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->key_bits = key_bits;
    s->digit_bits = key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS;
    s->nq = nq;
    if (!make_targets(s, n ? n : 1, q)) {
        ms_select_free(s);
        return NULL;
    }
    return s;
}

void ms_select_free(ms_select *s)
{
    if (!s)
        return;
    free(s->t);
    free(s->which);
    free(s);
}

static int slot_of(const ms_digit_pass *pass, uint64_t prefix)
{
    for (unsigned k = 0; k < pass->nslots; k++)
        if (pass->prefix[k] == prefix)
            return (int)k;
    return -1;
}

bool ms_select_next(ms_select *s, ms_digit_pass *pass)
{
    unsigned depth = s->key_bits;
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->t[i].depth < depth)
            depth = s->t[i].depth;
    s->pending = false;
    if (depth >= s->key_bits)
        return false;
    ms_digit_pass *p = &s->pass;
    memset(p, 0, sizeof *p);
    p->key_bits = s->key_bits;
    p->digit_bits = s->digit_bits;
    p->shift = s->key_bits - depth - s->digit_bits;
    for (size_t i = 0; i < s->ntargets && p->nslots < MS_SELECT_MAX_SLOTS; i++)
        if (s->t[i].depth == depth && slot_of(p, s->t[i].prefix) < 0)
            p->prefix[p->nslots++] = s->t[i].prefix;
    s->pass_depth = depth;
    s->pending = true;
    *pass = *p;
    return true;
}

static void settle(target *t, unsigned digit_bits, uint64_t digit, uint64_t rank)
{
    t->prefix = t->prefix << digit_bits | digit;
    t->depth += digit_bits;
    t->rank = rank;
}

/* Targets [i, end), of one bucket and in order of rank, through the
 * bucket's counts c: each into the digit its rank falls in. */
static void descend(ms_select *s, const uint64_t *c, size_t i, size_t end)
{
    unsigned d = s->digit_bits;
    uint64_t last = ((uint64_t)1 << d) - 1, below = 0;
    /* each target left has rank >= below: were it less, an earlier digit took it */
    for (uint64_t g = 0; g <= last && i < end; g++) {
        for (; i < end && s->t[i].rank - below < c[g]; i++)
            settle(&s->t[i], d, g, s->t[i].rank - below);
        below += c[g];
    }
    for (; i < end; i++) /* counts with too few keys: not this pass's data */
        settle(&s->t[i], d, last, 0);
}

void ms_select_feed(ms_select *s, const uint64_t *counts)
{
    if (!s->pending)
        return;
    s->pending = false;
    unsigned depth = s->pass_depth;
    for (size_t i = 0; i < s->ntargets;) {
        const target *t = &s->t[i];
        int slot = t->depth == depth ? slot_of(&s->pass, t->prefix) : -1;
        if (slot < 0) {
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < s->ntargets && s->t[end].depth == depth && s->t[end].prefix == t->prefix)
            end++;
        descend(s, counts + ((size_t)slot << s->digit_bits), i, end);
        i = end;
    }
}

/* The key of a finished target; before that, its known top bits. */
static uint64_t key_of(const ms_select *s, const target *t)
{
    if (t->depth == 0)
        return 0;
    return t->prefix << (s->key_bits - t->depth);
}

void ms_select_keys(const ms_select *s, size_t i, uint64_t *lo, uint64_t *hi)
{
    *lo = key_of(s, &s->t[s->which[2 * i]]);
    *hi = key_of(s, &s->t[s->which[2 * i + 1]]);
}
