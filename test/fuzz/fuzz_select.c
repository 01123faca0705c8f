/* The quantile refinement's driver (src/stats/select.c) against a sort.
 *
 * [0] & 3 chooses key_bits (8, 16, 32, 64), [0] >> 2 & 3 how the keys are
 * made; [1] % 17 is the number of q's. Each q is a kind byte (& 3) and
 * its value: 0: a named q (0, 1, 0.5, 1/3, 0.1, 1e-300, the smallest
 * subnormal, the largest below 1, ...) chosen by the kind's high bits;
 * 1: (kind >> 2) / 63; 2: 8 more bytes, a 53-bit fraction scaled down by
 * 2^-(kind >> 2); 3: 8 more bytes, a binary64 taken as it is, folded into
 * [0, 1] (|x|, or 1 / |x| above 1; NaN is 0.5). The rest makes the keys:
 *   mode 0: key_bits / 8 bytes per key, little-endian;
 *   mode 1: 8 bytes of a base, then one key per byte: the base with that
 *           byte as its low 8 bits (keys sharing every higher bit, so that
 *           every level is counted);
 *   mode 2: 16 bytes of two values a and b, then one key per byte from an
 *           alphabet of 8 (0, the largest key, a, b, a + 1, b - 1, a ^ b,
 *           the middle): few distinct keys, many equal ones;
 *   mode 3: as mode 2, but byte pairs (run length, alphabet byte): runs of
 *           up to 1021 equal keys, MAX_KEYS in all.
 * Each pass is counted here with ms_digit_slot and select.h's digit. The
 * keys must be those of a sorted copy at the ranks floor(q * (n - 1)) and
 * the next (computed exactly, by frexp), the passes must be as select.h
 * describes them, and they must number sum over the levels of
 * ceil(buckets wanted / MS_SELECT_MAX_SLOTS), no more, no fewer. */
#include "../../src/stats/select.h"
#include "fuzz.h"

#include <math.h>

#define MAX_KEYS ((size_t)1 << 15)
#define MAX_Q 16
#define COUNTS ((size_t)MS_SELECT_MAX_SLOTS << MS_SELECT_DIGIT_BITS)

static size_t make_keys(fuzz_input *in, unsigned mode, unsigned key_bits, uint64_t *keys)
{
    uint64_t mask = key_bits == 64 ? UINT64_MAX : ((uint64_t)1 << key_bits) - 1;
    size_t n = 0, key_bytes = key_bits / 8;
    if (mode == 0) {
        while (in->left >= key_bytes && n < MAX_KEYS)
            keys[n++] = fuzz_take(in, key_bytes);
        return n;
    }
    if (mode == 1) {
        uint64_t base = fuzz_take(in, 8) & mask & ~(uint64_t)0xff;
        while (in->left && n < MAX_KEYS)
            keys[n++] = (base | fuzz_take(in, 1)) & mask;
        return n;
    }
    uint64_t a = fuzz_take(in, 8) & mask, b = fuzz_take(in, 8) & mask;
    const uint64_t alphabet[8] = { 0, mask, a, b, (a + 1) & mask, (b - 1) & mask, a ^ b, mask >> 1 };
    while (in->left && n < MAX_KEYS) {
        size_t run = mode == 2 ? 1 : 1 + 4 * fuzz_take(in, 1);
        uint64_t key = alphabet[fuzz_take(in, 1) & 7];
        for (size_t k = 0; k < run && n < MAX_KEYS; k++)
            keys[n++] = key;
    }
    return n;
}

/* floor(q * (n - 1)) and the next rank when that is not whole. */
static void ranks_of(double q, uint64_t n, uint64_t *r, uint64_t *r1)
{
    int e;
    double f = frexp(q, &e);
    uint64_t m = (uint64_t)ldexp(f, 53);
    int down = 53 - e;
    unsigned __int128 p = (unsigned __int128)m * (n - 1);
    *r = down >= 128 ? 0 : (uint64_t)(p >> down);
    bool whole = down >= 128 ? p == 0 : (p & (((unsigned __int128)1 << down) - 1)) == 0;
    *r1 = !whole && *r + 1 < n ? *r + 1 : *r;
}

static void check_pass(const ms_digit_pass *p, unsigned key_bits, unsigned number)
{
    unsigned db = key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS;
    FUZZ_CHECK(p->key_bits == key_bits && p->digit_bits == db);
    FUZZ_CHECK(p->shift + db <= key_bits && p->shift % db == 0);
    FUZZ_CHECK(p->nslots >= 1 && p->nslots <= MS_SELECT_MAX_SLOTS);
    if (number == 0)
        FUZZ_CHECK(p->shift + db == key_bits && p->nslots == 1 && p->prefix[0] == 0);
    for (unsigned a = 0; a < p->nslots; a++)
        for (unsigned b = a + 1; b < p->nslots; b++)
            FUZZ_CHECK(p->prefix[a] != p->prefix[b]);
}

/* Runs the driver over the keys; counts is zero on entry and on return. */
static unsigned run(unsigned key_bits, const uint64_t *keys, size_t n, const double *q, size_t nq,
                    uint64_t *counts, uint64_t *lo, uint64_t *hi)
{
    ms_select *s = ms_select_new(key_bits, n, q, nq);
    FUZZ_CHECK(s);
    unsigned passes = 0;
    ms_digit_pass p;
    while (ms_select_next(s, &p)) {
        check_pass(&p, key_bits, passes);
        FUZZ_CHECK(passes++ < 1 + 3 * ((2 * MAX_Q + MS_SELECT_MAX_SLOTS - 1) / MS_SELECT_MAX_SLOTS));
        uint64_t mask = ((uint64_t)1 << p.digit_bits) - 1;
        for (int clear = 0; clear < 2; clear++) {
            for (size_t i = 0; i < n; i++) {
                int slot = ms_digit_slot(&p, keys[i]);
                if (slot < 0)
                    continue;
                uint64_t *c = &counts[(size_t)slot << p.digit_bits | ((keys[i] >> p.shift) & mask)];
                *c = clear ? 0 : *c + 1;
            }
            if (!clear)
                ms_select_feed(s, counts);
        }
    }
    for (size_t i = 0; i < nq; i++)
        ms_select_keys(s, i, &lo[i], &hi[i]);
    ms_select_free(s);
    return passes;
}

/* Per level below the top, ceil(distinct prefixes of the wanted keys / slots). */
static unsigned least_passes(unsigned key_bits, const uint64_t *sorted, size_t n, const double *q, size_t nq)
{
    unsigned db = key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS, total = nq ? 1 : 0;
    for (unsigned depth = db; depth < key_bits; depth += db) {
        uint64_t prefix[2 * MAX_Q];
        size_t distinct = 0;
        for (size_t i = 0; i < 2 * nq; i++) {
            uint64_t r[2];
            ranks_of(q[i / 2], n, &r[0], &r[1]);
            uint64_t top = sorted[r[i % 2]] >> (key_bits - depth);
            size_t k = 0;
            while (k < distinct && prefix[k] != top)
                k++;
            if (k == distinct)
                prefix[distinct++] = top;
        }
        total += (unsigned)((distinct + MS_SELECT_MAX_SLOTS - 1) / MS_SELECT_MAX_SLOTS);
    }
    return total;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned widths[] = { 8, 16, 32, 64 };
    static uint64_t keys[MAX_KEYS], sorted[MAX_KEYS], counts[COUNTS];
    if (size < 2)
        return 0;
    unsigned key_bits = widths[data[0] & 3], mode = (data[0] >> 2) & 3;
    size_t nq = data[1] % (MAX_Q + 1);
    fuzz_input in = { data + 2, size - 2 };
    double q[MAX_Q];
    uint64_t lo[MAX_Q], hi[MAX_Q];
    for (size_t i = 0; i < nq; i++)
        q[i] = fuzz_take_q(&in);
    size_t n = make_keys(&in, mode, key_bits, keys);
    if (n == 0)
        return 0;
    memcpy(sorted, keys, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    unsigned passes = run(key_bits, keys, n, q, nq, counts, lo, hi);
    for (size_t i = 0; i < nq; i++) {
        uint64_t r, r1;
        ranks_of(q[i], n, &r, &r1);
        if (lo[i] != sorted[r] || hi[i] != sorted[r1]) {
            fprintf(stderr, "fuzz_select: %u bits, n %zu, q %a: keys %#llx %#llx, want %#llx %#llx\n", key_bits, n,
                    q[i], (unsigned long long)lo[i], (unsigned long long)hi[i], (unsigned long long)sorted[r],
                    (unsigned long long)sorted[r1]);
            abort();
        }
    }
    unsigned least = least_passes(key_bits, sorted, n, q, nq);
    if (passes != least) {
        fprintf(stderr, "fuzz_select: %u bits, n %zu, %zu q's: %u passes, the fewest %u\n", key_bits, n, nq, passes,
                least);
        abort();
    }
    return 0;
}
