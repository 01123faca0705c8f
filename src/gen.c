/*
 * The test-file generator.
 *
 * Every element is a pure function of (pattern, seed, index), so the file
 * does not depend on how blocks are shared out between threads. Random
 * data is a stream of 64-bit words, word k = splitmix64 of (seed, k); an
 * element of s bytes takes s bytes of that stream, low bytes first, so that
 * i8 and u64 files of one seed are the same bytes. "range" uses one word
 * per element, scaled into [lo, hi] by a 64x64->128-bit multiply.
 *
 * The float types (docs/generator.md): "random" takes the same stream
 * bits and draws a non-finite pattern again from a side stream of (seed,
 * index); "uniform" (range) maps 53 bits of one word to u in [0, 1) and
 * lo + u * (hi - lo) in binary64 to the type; mod and seq round i mod m
 * and i. NaN and infinities replace elements chosen by two more side
 * streams. Rounding to the narrower types is narrow()'s, in integers.
 *
 * Workers take blocks from an atomic counter; each produces a block's
 * values in small batches, folds them into its own stats (plain loops, not
 * the scan kernels: these stats are the oracle a scan is checked against),
 * encodes them in the file's byte order and writes the block with pwrite.
 *
 * The file is written as a temporary in the target's directory, synced
 * and renamed into place only when complete; any failure or cancel removes
 * the temporary, so the target name never holds a partial file.
 */
#include "npy/npy.h"
#include "stats/acc.h"
#include "stats/exact_sum.h"
#include "sys/sys.h"
#include "stages.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <libgen.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define BLOCK_ELEMENTS ((uint64_t)1 << 20)     /* a multiple of 8: blocks start on stream words */
#define BATCH 4096

void mapscan_gen_options_init_sized(mapscan_gen_options *options, size_t struct_size)
{
    memset(options, 0, struct_size);        /* the caller's size: an older header's may be smaller */
    options->struct_size = struct_size;
    if (struct_size < sizeof *options)
        return;     /* older callers get their defaults through abi.c */
    options->type = MAPSCAN_I32;
    options->endian = MAPSCAN_LITTLE;
    options->pattern = MAPSCAN_PATTERN_RANDOM;
}

const char *mapscan_pattern_name(mapscan_pattern pattern)
{
    static const char *names[] = { "random", "range", "mod", "seq", "const" };
    return (unsigned)pattern < 5 ? names[pattern] : "?";
}

/* ---- values ---- */

static uint64_t splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t stream_word(uint64_t seed, uint64_t k)
{
    return splitmix64(seed * 0xd1342543de82ef95u + (k + 1) * 0x9e3779b97f4a7c15u);
}

/* The side streams of the float types, each a function of (seed, tag,
 * element index) that shares nothing with the value stream: tag 1 decides
 * NaN, tag 2 infinity, tags 16 on redraw a non-finite random pattern. */
enum { TAG_NAN = 1, TAG_INF = 2, TAG_REDRAW = 16 };

static uint64_t side_key(uint64_t seed, uint64_t tag)
{
    return splitmix64(seed ^ (tag * 0x9e3779b97f4a7c15u));
}

static uint64_t side_word(uint64_t key, uint64_t k)
{
    return splitmix64(key + (k + 1) * 0xd1342543de82ef95u);
}

/* ---- the float types' encodings ---- */

/* An IEEE 754 binary interchange format: exponent and fraction bits. */
typedef struct float_format {
    unsigned ebits, mbits;
} float_format;

static float_format format_of(mapscan_type type)
{
    switch (type) {
    case MAPSCAN_F16: return (float_format){ 5, 10 };
    case MAPSCAN_BF16: return (float_format){ 8, 7 };
    case MAPSCAN_F32: return (float_format){ 8, 23 };
    default: return (float_format){ 11, 52 };
    }
}

static uint64_t inf_bits_of(float_format f)
{
    return (((uint64_t)1 << f.ebits) - 1) << f.mbits;
}

static uint64_t double_bits(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static double bits_double(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* A value of the format (its bits) as the bits of the same binary64: exact
 * for every value; NaN stays NaN (its payload shifted up with it). */
static uint64_t widen(float_format f, uint64_t b)
{
    if (f.mbits == 52)
        return b;
    unsigned m = f.mbits;
    int bias = (1 << (f.ebits - 1)) - 1;
    uint64_t top = (b >> (m + f.ebits) & 1) << 63;
    uint64_t exponent = b >> m & (((uint64_t)1 << f.ebits) - 1);
    uint64_t fraction = b & (((uint64_t)1 << m) - 1);
    if (exponent == ((uint64_t)1 << f.ebits) - 1)
        return top | (uint64_t)0x7ff << 52 | fraction << (52 - m);
    if (exponent == 0) {
        if (fraction == 0)
            return top;
        /* A subnormal, fraction * 2^(1 - bias - m): normal in binary64. */
        unsigned h = 63 - (unsigned)__builtin_clzll(fraction);
        int64_t e = (int64_t)h + 1 - bias - (int64_t)m;
        return top | (uint64_t)(e + 1023) << 52 | (fraction ^ (uint64_t)1 << h) << (52 - h);
    }
    return top | (exponent - (uint64_t)bias + 1023) << 52 | fraction << (52 - m);
}

/* The binary64 with bits d rounded to the nearest value of the format,
 * ties to even, as IEEE 754 rounds: past the largest finite value by half
 * a step or more is an infinity; NaN is the format's quiet NaN (sign kept,
 * payload dropped). */
static uint64_t narrow(float_format f, uint64_t d)
{
    if (f.mbits == 52)
        return d;
    unsigned m = f.mbits;
    int bias = (1 << (f.ebits - 1)) - 1, emin = 1 - bias;
    uint64_t sign = (d >> 63) << (m + f.ebits), inf = inf_bits_of(f);
    unsigned dexp = (unsigned)(d >> 52) & 0x7ffu;
    uint64_t dfrac = d & (((uint64_t)1 << 52) - 1);
    if (dexp == 0x7ff)
        return sign | inf | (dfrac ? (uint64_t)1 << (m - 1) : 0);
    if (dexp == 0)
        return sign;    /* binary64's subnormals are below half the narrower formats' smallest step */
    int x = (int)dexp - 1023;
    if (x > bias)
        return sign | inf;
    /* The value is sig * 2^(x - 52); the format's step there is 2^(k - m). */
    uint64_t sig = dfrac | (uint64_t)1 << 52;
    int k = x > emin ? x : emin;
    unsigned shift = (unsigned)(52 - (int)m + (k - x));
    if (shift > 53)
        return sign;    /* below half the smallest step */
    uint64_t r = sig >> shift, rest = sig & (((uint64_t)1 << shift) - 1), half = (uint64_t)1 << (shift - 1);
    if (rest > half || (rest == half && (r & 1)))
        r++;
    /* r may carry into the exponent field, up to the infinity: as it should. */
    return sign | (((uint64_t)(k - emin) << m) + r);
}

uint64_t ms_gen_float_bits(mapscan_type type, double value)
{
    return narrow(format_of(type), double_bits(value));
}

double ms_gen_float_value(mapscan_type type, uint64_t bits)
{
    return bits_double(widen(format_of(type), bits));
}

/* Whether v (not NaN) rounds to a finite value of the format. */
static bool float_fits(float_format f, double v)
{
    return (narrow(f, double_bits(v)) & ~((uint64_t)1 << (f.ebits + f.mbits))) != inf_bits_of(f);
}

static double float_largest(float_format f)
{
    return bits_double(widen(f, inf_bits_of(f) - 1));
}

/* The first element count seq cannot reach without an infinity: the
 * largest finite value plus half its step (UINT64_MAX when past 64 bits). */
static uint64_t float_seq_limit(float_format f)
{
    int bias = (1 << (f.ebits - 1)) - 1;
    double limit = float_largest(f) + ldexp(1.0, bias - (int)f.mbits - 1);
    return limit < 0x1p64 ? (uint64_t)limit : UINT64_MAX;
}

typedef struct producer {
    const mapscan_gen_options *o;
    unsigned bits;
    bool is_signed;
    ms_u128 span;       /* range: hi - lo + 1 */
    /* The float types. */
    bool is_float;
    float_format fmt;
    uint64_t mask, sign_bit, inf_bits, nan_bits;
    double lo, hi, width;   /* uniform: the bounds rounded to the type, and hi - lo (infinite: by halves) */
    uint64_t const_bits;
    double nan_cut, inf_cut;    /* a rate times 2^53: a 53-bit draw below it picks the element */
    uint64_t nan_key, inf_key;
} producer;

static void setup_float(producer *p)
{
    const mapscan_gen_options *o = p->o;
    float_format f = p->fmt = format_of(o->type);
    p->is_float = true;
    p->mask = p->bits == 64 ? UINT64_MAX : ((uint64_t)1 << p->bits) - 1;
    p->sign_bit = (uint64_t)1 << (p->bits - 1);
    p->inf_bits = inf_bits_of(f);
    p->nan_bits = p->inf_bits | (uint64_t)1 << (f.mbits - 1);
    p->lo = bits_double(widen(f, narrow(f, double_bits(o->float_lo))));
    p->hi = bits_double(widen(f, narrow(f, double_bits(o->float_hi))));
    p->width = p->hi - p->lo;
    p->const_bits = narrow(f, double_bits(o->float_lo));
    p->nan_cut = o->nan_rate * 0x1p53;
    p->inf_cut = o->inf_rate * 0x1p53;
    p->nan_key = side_key(o->seed, TAG_NAN);
    p->inf_key = side_key(o->seed, TAG_INF);
}

/* Every finite pattern alike: a non-finite one is drawn again from its
 * own side stream, as often as it takes (a chance of 1/32 for f16, 1/256
 * for bf16 and f32, 1/2048 for f64 each time). */
static uint64_t redraw(const producer *p, uint64_t index)
{
    for (uint64_t attempt = 0;; attempt++) {
        uint64_t bits = side_word(side_key(p->o->seed, TAG_REDRAW + attempt), index) & p->mask;
        if ((bits & ~p->sign_bit) < p->inf_bits)
            return bits;
    }
}

/* The element from a binary64: rounded to the type (binary32 by the
 * hardware's conversion, which rounds as narrow does). */
static uint64_t float_of(const producer *p, double v)
{
    if (p->o->type == MAPSCAN_F64)
        return double_bits(v);
    if (p->o->type == MAPSCAN_F32) {
        float f = (float)v;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        return bits;
    }
    return narrow(p->fmt, double_bits(v));
}

/* The random pattern's bits: an element of s bytes takes s bytes of the
 * stream, low bytes first. Batches start on word boundaries (BATCH and
 * blocks are multiples of 8). */
static void random_bits(const producer *p, uint64_t first, size_t n, uint64_t *out)
{
    unsigned per_word = 64 / p->bits;
    uint64_t mask = p->bits == 64 ? UINT64_MAX : ((uint64_t)1 << p->bits) - 1;
    uint64_t k0 = first / per_word;
    for (size_t w = 0; w * per_word < n; w++) {
        uint64_t word = stream_word(p->o->seed, k0 + w);
        for (unsigned b = 0; b < per_word && w * per_word + b < n; b++)
            out[w * per_word + b] = (word >> (p->bits * b)) & mask;
    }
}

static void produce_float(const producer *p, uint64_t first, size_t n, uint64_t *out)
{
    const mapscan_gen_options *o = p->o;
    switch (o->pattern) {
    case MAPSCAN_PATTERN_RANDOM:
        random_bits(p, first, n, out);
        for (size_t i = 0; i < n; i++)
            if ((out[i] & ~p->sign_bit) >= p->inf_bits)
                out[i] = redraw(p, first + i);
        break;
    case MAPSCAN_PATTERN_RANGE:
        for (size_t i = 0; i < n; i++) {
            double u = (double)(stream_word(o->seed, first + i) >> 11) * 0x1p-53;      /* in [0, 1) */
            double v = p->width == 0 ? p->lo
                     : isinf(p->width) ? 2 * (p->lo / 2 + u * (p->hi / 2 - p->lo / 2)) : p->lo + u * p->width;
            out[i] = float_of(p, v < p->lo ? p->lo : v > p->hi ? p->hi : v);
        }
        break;
    case MAPSCAN_PATTERN_MOD:
        for (size_t i = 0; i < n; i++)
            out[i] = float_of(p, (double)((first + i) % o->modulus));
        break;
    case MAPSCAN_PATTERN_SEQ:
        for (size_t i = 0; i < n; i++)
            out[i] = float_of(p, (double)(first + i));
        break;
    case MAPSCAN_PATTERN_CONST:
        for (size_t i = 0; i < n; i++)
            out[i] = p->const_bits;
        break;
    }
    if (p->nan_cut > 0 || p->inf_cut > 0)
        for (size_t i = 0; i < n; i++) {
            if (p->nan_cut > 0 && (double)(side_word(p->nan_key, first + i) >> 11) < p->nan_cut) {
                out[i] = p->nan_bits;
                continue;
            }
            uint64_t word = p->inf_cut > 0 ? side_word(p->inf_key, first + i) : 0;
            if (p->inf_cut > 0 && (double)(word >> 11) < p->inf_cut)
                out[i] = p->inf_bits | (word & 1 ? p->sign_bit : 0);
        }
}

/* Raw bits of elements [first, first + n), n <= BATCH. */
static void produce(const producer *p, uint64_t first, size_t n, uint64_t *out)
{
    const mapscan_gen_options *o = p->o;
    if (p->is_float) {
        produce_float(p, first, n, out);
        return;
    }
    switch (o->pattern) {
    case MAPSCAN_PATTERN_RANDOM:
        random_bits(p, first, n, out);
        break;
    case MAPSCAN_PATTERN_RANGE: {
        ms_i128 lo = ms_from_int128(o->lo);
        for (size_t i = 0; i < n; i++) {
            uint64_t word = stream_word(o->seed, first + i);
            ms_u128 scaled = p->span >> 64 ? word : ((ms_u128)word * p->span) >> 64;
            out[i] = (uint64_t)(lo + (ms_i128)scaled);
        }
        break;
    }
    case MAPSCAN_PATTERN_MOD:
        for (size_t i = 0; i < n; i++)
            out[i] = (first + i) % o->modulus;
        break;
    case MAPSCAN_PATTERN_SEQ:
        for (size_t i = 0; i < n; i++)
            out[i] = first + i;
        break;
    case MAPSCAN_PATTERN_CONST:
        for (size_t i = 0; i < n; i++)
            out[i] = o->lo.lo;
        break;
    }
}

/* A float batch's statistics, one element at a time from its bits (plain
 * loops, not the scan's kernels): NaN counted; the rest ordered by keys
 * that order as the values do, -0 below +0, and summed exactly.
 *
 * binary64 values go into the exact sum (stats/exact_sum.c, the
 * accumulator every scan uses too) one by one. The narrower types' values
 * are sig * 2^(e - bias - m) with sig their significand (m + 1 bits at
 * most) and e their exponent field (1 for subnormals): the batch's
 * significands are summed in one int64 per exponent, exactly (4096 of
 * them stay under 2^36), and each exponent's total, exact in binary64, is
 * added to the exact sum once per batch. The extremes are found on the
 * type's own bits and widened once per batch. */
static void fold_float_batch(const producer *p, const uint64_t *raw, size_t n, ms_acc *acc)
{
    ms_float_acc *f = &acc->fl;
    acc->count += n;
    if (p->fmt.mbits == 52) {
        int64_t lo = f->min_key, hi = f->max_key;
        for (size_t i = 0; i < n; i++) {
            if ((raw[i] & ~p->sign_bit) > p->inf_bits) {
                f->nan++;
                continue;
            }
            int64_t key = ms_float_key(raw[i]);
            lo = key < lo ? key : lo;
            hi = key > hi ? key : hi;
            ms_exact_add_bits(&f->sum, raw[i]);
        }
        f->min_key = lo;
        f->max_key = hi;
        return;
    }
    unsigned m = p->fmt.mbits, shift = 64 - p->bits;
    uint64_t fraction_mask = ((uint64_t)1 << m) - 1, top = (uint64_t)1 << m, keep = p->mask >> 1;
    int64_t by_exponent[256] = { 0 };
    int64_t lo = INT64_MAX, hi = INT64_MIN;      /* keys of the type's bits: sign-extended, negatives' magnitude flipped */
    uint64_t nan = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = raw[i], magnitude = b & ~p->sign_bit;
        if (magnitude > p->inf_bits) {
            nan++;
            continue;
        }
        int64_t s = (int64_t)(b << shift) >> shift;
        int64_t key = s ^ (int64_t)((uint64_t)(s >> 63) & keep);
        lo = key < lo ? key : lo;
        hi = key > hi ? key : hi;
        if (magnitude == p->inf_bits) {
            ms_exact_add_bits(&f->sum, widen(p->fmt, b));       /* an infinity: its flag */
            continue;
        }
        unsigned e = (unsigned)(magnitude >> m);
        int64_t sig = (int64_t)((b & fraction_mask) | (e ? top : 0));
        by_exponent[e ? e : 1] += b & p->sign_bit ? -sig : sig;
    }
    f->nan += nan;
    int bias = (1 << (p->fmt.ebits - 1)) - 1;
    for (unsigned e = 1; e < ((unsigned)1 << p->fmt.ebits) - 1; e++)
        if (by_exponent[e])
            ms_exact_add_wide(&f->sum, by_exponent[e], (unsigned)((int)e - bias - (int)m + 1074));
    if (nan == n)
        return;
    /* The extremes back to the type's bits (the key is its own inverse once
     * cut to the type's width), then to binary64's keys. */
    int64_t lo_key = ms_float_key(widen(p->fmt, (uint64_t)(lo ^ (int64_t)((uint64_t)(lo >> 63) & keep)) & p->mask));
    int64_t hi_key = ms_float_key(widen(p->fmt, (uint64_t)(hi ^ (int64_t)((uint64_t)(hi >> 63) & keep)) & p->mask));
    f->min_key = lo_key < f->min_key ? lo_key : f->min_key;
    f->max_key = hi_key > f->max_key ? hi_key : f->max_key;
}

/* Min, max and sum of a batch, from the raw bits read as the element type
 * (truncated, then sign-extended for signed types). */
static void fold_batch(const producer *p, const uint64_t *raw, size_t n, ms_acc *acc)
{
    unsigned shift = 64 - p->bits;
    struct { ms_i128 min, max, sum; } part = { 0, 0, 0 };
    if (p->is_signed) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < n; i++) {
            int64_t v = (int64_t)(raw[i] << shift) >> shift;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            part.sum += v;
        }
        part.min = lo;
        part.max = hi;
    } else {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = (raw[i] << shift) >> shift;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            part.sum += v;
        }
        part.min = lo;
        part.max = hi;
    }
    ms_acc_fold_ints(acc, n, part.min, part.max, part.sum);
}

#define ENCODE(T, SWAP)                                         \
    for (size_t i = 0; i < n; i++) {                           \
        T v = SWAP((T)raw[i]);                                 \
        memcpy(out + i * sizeof(T), &v, sizeof(T));            \
    }

#define NOSWAP(x) (x)

/* The batch as file bytes; swap when the file's byte order is not the host's. */
static void encode_batch(const uint64_t *raw, size_t n, size_t size, bool swap, unsigned char *out)
{
    switch (size + swap * 16) {
    case 1: case 17: ENCODE(uint8_t, NOSWAP) break;
    case 2: ENCODE(uint16_t, NOSWAP) break;
    case 4: ENCODE(uint32_t, NOSWAP) break;
    case 8: ENCODE(uint64_t, NOSWAP) break;
    case 18: ENCODE(uint16_t, __builtin_bswap16) break;
    case 20: ENCODE(uint32_t, __builtin_bswap32) break;
    case 24: ENCODE(uint64_t, __builtin_bswap64) break;
    }
}

/* ---- writing ---- */

typedef struct gen_job {
    producer prod;
    int fd;
    uint64_t data_offset;   /* the .npy header's size, or 0 */
    size_t size;
    bool swap;     /* file byte order is not the host's */
    uint64_t blocks;
    _Atomic uint64_t next_block;
    _Atomic uint64_t done_bytes;
    atomic_int stop;
    mapscan_error error;
    struct gen_worker {
        ms_acc acc;
        unsigned char *buffer;
    } *workers;
} gen_job;

/* The first error stops every worker; only the one that stopped them writes it. */
static void gen_raise(gen_job *j, mapscan_status status, int err, const char *what)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&j->stop, &expected, 1))
        ms_fail(&j->error, status, err, "%s", what);
}

static bool write_full(int fd, const unsigned char *p, size_t len, uint64_t off, int *err)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : EIO;
            return false;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return true;
}

static void gen_blocks(unsigned index, void *arg)
{
    gen_job *j = arg;
    struct gen_worker *w = &j->workers[index];
    uint64_t raw[BATCH];
    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        uint64_t block = atomic_fetch_add(&j->next_block, 1);
        if (block >= j->blocks)
            return;
        uint64_t first = block * BLOCK_ELEMENTS;
        uint64_t n = j->prod.o->count - first < BLOCK_ELEMENTS ? j->prod.o->count - first : BLOCK_ELEMENTS;
        for (uint64_t done = 0; done < n; done += BATCH) {
            size_t batch = n - done < BATCH ? (size_t)(n - done) : BATCH;
            produce(&j->prod, first + done, batch, raw);
            if (j->prod.is_float)
                fold_float_batch(&j->prod, raw, batch, &w->acc);
            else
                fold_batch(&j->prod, raw, batch, &w->acc);
            encode_batch(raw, batch, j->size, j->swap, w->buffer + done * j->size);
        }
        int err = 0;
        uint64_t at = j->data_offset + first * j->size;
        if (!write_full(j->fd, w->buffer, (size_t)(n * j->size), at, &err)) {
            char what[160];
            snprintf(what, sizeof what, "write failed at byte %llu: %s", (unsigned long long)at, strerror(err));
            gen_raise(j, err == ENOSPC || err == EDQUOT ? MAPSCAN_E_NOSPACE : MAPSCAN_E_IO, err, what);
            return;
        }
        atomic_fetch_add(&j->done_bytes, n * j->size);
    }
}

/* On the calling thread: the only reader of the caller's cancel flag. */
static void gen_poll(void *arg)
{
    gen_job *j = arg;
    const mapscan_gen_options *o = j->prod.o;
    if (o->cancel && *o->cancel)
        gen_raise(j, MAPSCAN_E_CANCELLED, 0, "cancelled");
    if (o->progress)
        o->progress(atomic_load(&j->done_bytes), o->count * j->size, o->progress_arg);
}

/* Room on the target's file system for the most privileged writer (blocks
 * reserved for root included), or UINT64_MAX when it cannot be told: no
 * writer can use more. What this writer may use is found by reserving the
 * file's space (reserve_space). */
static uint64_t free_bytes(const char *dir)
{
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0 || fs.f_blocks == 0)     /* procfs and the like report no size at all */
        return UINT64_MAX;
    return (uint64_t)fs.f_bfree * fs.f_frsize;
}

/* The process's umask, read without changing it (umask() can only be read
 * by setting it, which races with the host's other threads): Linux says it
 * in /proc/self/status since 4.7. Where it cannot be read, 077 keeps the
 * file as private as mkostemp made it. */
static mode_t process_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    unsigned mask = 077;
    char line[128];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    if (f)
        fclose(f);
    return (mode_t)(mask & 0777);
}

/* Reserves the whole file up front, so that a file system without room
 * for this writer (reserved blocks, a quota) says so before any write;
 * file systems that cannot reserve are left to report it on write. */
static mapscan_status reserve_space(int fd, uint64_t total, uint64_t room, mapscan_error *error)
{
    if (total == 0 || total > (uint64_t)INT64_MAX || fallocate(fd, 0, 0, (off_t)total) == 0)
        return MAPSCAN_OK;
    int err = errno;
    if (err == ENOSPC || err == EDQUOT)
        return ms_fail(error, MAPSCAN_E_NOSPACE, err, "needs %llu bytes but the file system refuses them: %s "
                       "(%llu bytes free, reserved blocks included)", (unsigned long long)total, strerror(err),
                       (unsigned long long)room);
    return MAPSCAN_OK;      /* EOPNOTSUPP and the like: the writes will tell */
}

static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Everything that can be said of the target before a byte is written. */
static mapscan_status check_target(const char *path, bool force, mapscan_error *error)
{
    size_t len = strlen(path);
    if (len == 0)
        return ms_fail(error, MAPSCAN_E_INVALID, ENOENT, "an empty file name");
    if (path[len - 1] == '/')
        return ms_fail(error, MAPSCAN_E_INVALID, EISDIR, "names a directory, not a file");
    struct stat st;
    if (lstat(path, &st) != 0)
        return MAPSCAN_OK;
    if (!force)
        return ms_fail(error, MAPSCAN_E_EXISTS, EEXIST, "exists already; not replaced");
    if (!S_ISREG(st.st_mode))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "is %s; --force replaces only regular files", kind_of(st.st_mode));
    return MAPSCAN_OK;
}

#define TMP_SUFFIX ".mapscan-tmp.XXXXXX"

/* PATH.mapscan-tmp.XXXXXX, with the last component cut short where the
 * whole would pass the directory's NAME_MAX. */
static char *temporary_name(const char *path, const char *dir)
{
    const char *slash = strrchr(path, '/');
    size_t base = strlen(slash ? slash + 1 : path);
    long name_max = pathconf(dir, _PC_NAME_MAX);
    size_t room = name_max > (long)sizeof TMP_SUFFIX ? (size_t)name_max - (sizeof TMP_SUFFIX - 1) : 8;
    size_t keep = strlen(path) - (base > room ? base - room : 0);
    char *tmp = malloc(keep + sizeof TMP_SUFFIX);
    if (tmp) {
        memcpy(tmp, path, keep);
        memcpy(tmp + keep, TMP_SUFFIX, sizeof TMP_SUFFIX);
    }
    return tmp;
}

/* Removes the temporary after a failure; if even that fails, the message
 * says what is left behind. */
static void remove_temporary(const char *tmp, mapscan_error *error)
{
    if (unlink(tmp) == 0 || errno == ENOENT || !error)
        return;
    size_t used = strlen(error->message);
    snprintf(error->message + used, sizeof error->message - used, "; the temporary %s could not be removed: %s",
             tmp, strerror(errno));
}

static mapscan_status place_file(const char *tmp, const char *path, bool force, mapscan_error *error)
{
    if (!force) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
            return MAPSCAN_OK;
        if (errno == EEXIST)
            return ms_fail(error, MAPSCAN_E_EXISTS, EEXIST, "exists already; not replaced");
        if (errno != EINVAL && errno != ENOSYS)
            return ms_fail(error, MAPSCAN_E_IO, errno, "cannot rename into place: %s", strerror(errno));
        /* A file system without RENAME_NOREPLACE: link fails on an existing name. */
        if (link(tmp, path) != 0)
            return ms_fail(error, errno == EEXIST ? MAPSCAN_E_EXISTS : MAPSCAN_E_IO, errno,
                           "cannot put the file in place: %s", strerror(errno));
        unlink(tmp);
        return MAPSCAN_OK;
    }
    if (rename(tmp, path) != 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "cannot rename into place: %s", strerror(errno));
    return MAPSCAN_OK;
}

static mapscan_status write_blocks(gen_job *j, unsigned threads, unsigned *ran, mapscan_error *error)
{
    j->workers = calloc(threads, sizeof *j->workers);
    mapscan_status status = j->workers ? MAPSCAN_OK : ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    for (unsigned i = 0; status == MAPSCAN_OK && i < threads; i++) {
        ms_acc_init(&j->workers[i].acc);
        j->workers[i].buffer = malloc((size_t)(BLOCK_ELEMENTS * j->size));
        if (!j->workers[i].buffer)
            status = ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for write buffers");
    }
    if (status == MAPSCAN_OK) {
        gen_poll(j);
        *ran = ms_pool_run(threads, false, gen_blocks, gen_poll, j);
        if (*ran == 0)
            status = ms_fail(error, MAPSCAN_E_NOMEM, errno, "cannot start threads: %s", strerror(errno));
        else if (atomic_load(&j->stop)) {
            *error = j->error;
            status = j->error.status;
        }
    }
    for (unsigned i = 0; j->workers && i < threads; i++) {
        free(j->workers[i].buffer);
        j->workers[i].buffer = NULL;
    }
    return status;
}

/* The float types' fields, however they were set (mapscan_pattern_parse
 * or the caller): rates from 0 to 1, and only for the float types; bounds
 * and values that round to finite values of the type. */
static mapscan_status check_floats(const mapscan_gen_options *o, mapscan_error *error)
{
    const char *tname = mapscan_type_name(o->type);
    if (!mapscan_type_is_float(o->type)) {
        if (o->nan_rate != 0 || o->inf_rate != 0)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "NaN and infinity rates are for the float types "
                           "(f16, bf16, f32, f64), not %s", tname);
        return MAPSCAN_OK;
    }
    if (!(o->nan_rate >= 0 && o->nan_rate <= 1) || !(o->inf_rate >= 0 && o->inf_rate <= 1))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a NaN or infinity rate outside 0 to 1");
    float_format f = format_of(o->type);
    double largest = float_largest(f);
    switch (o->pattern) {
    case MAPSCAN_PATTERN_RANGE:
        if (!isfinite(o->float_lo) || !isfinite(o->float_hi) || !(o->float_lo <= o->float_hi))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "uniform needs finite bounds with LO <= HI");
        if (!float_fits(f, o->float_lo) || !float_fits(f, o->float_hi))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "uniform has a bound past %s's largest finite value, %.9g",
                           tname, largest);
        break;
    case MAPSCAN_PATTERN_CONST:
        if (isfinite(o->float_lo) && !float_fits(f, o->float_lo))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "const %.17g is past %s's largest finite value, %.9g",
                           o->float_lo, tname, largest);
        break;
    case MAPSCAN_PATTERN_MOD:
        if (!float_fits(f, (double)(o->modulus - 1)))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "mod:%llu makes values past %s's largest finite value, %.9g",
                           (unsigned long long)o->modulus, tname, largest);
        break;
    case MAPSCAN_PATTERN_SEQ:
        if (o->count > float_seq_limit(f))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "seq passes %s's largest finite value, %.9g, after %llu "
                           "elements: ask for at most that many", tname, largest,
                           (unsigned long long)float_seq_limit(f));
        break;
    default:
        break;
    }
    return MAPSCAN_OK;
}

/* The request checked: a known type and pattern, and a file size that fits
 * 64 bits with its .npy header (written into header, *header_size bytes). */
static mapscan_status check_request(const mapscan_gen_options *o, unsigned char header[MS_NPY_HEADER_ROOM],
                                    size_t *header_size, mapscan_error *error)
{
    if ((unsigned)o->type >= MAPSCAN_TYPE_COUNT)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown element type");
    if (o->pattern == MAPSCAN_PATTERN_MOD && o->modulus == 0)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "mod needs a modulus of at least 1");
    mapscan_status floats = check_floats(o, error);
    if (floats != MAPSCAN_OK)
        return floats;
    size_t size = mapscan_type_size(o->type);
    *header_size = 0;
    if (o->format == MAPSCAN_FORMAT_NPY) {
        *header_size = ms_npy_header_write(header, MS_NPY_HEADER_ROOM, o->type, o->endian, o->count);
        if (*header_size == 0)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "numpy has no dtype for %s, so it cannot be written as .npy "
                           "(write it raw)", mapscan_type_name(o->type));
    }
    if (o->count > UINT64_MAX / size || o->count * size > UINT64_MAX - *header_size)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "%llu elements do not fit in a file",
                       (unsigned long long)o->count);
    return MAPSCAN_OK;
}

/* The temporary beside path, created with the process's umask applied and
 * total bytes reserved for it; *tmp is its name (the caller frees it). */
static mapscan_status create_temporary(const char *path, uint64_t total, char **tmp, int *fd,
                                       mapscan_error *error)
{
    char *dir = dir_of(path);
    if (!dir)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    uint64_t room = free_bytes(dir);
    *tmp = temporary_name(path, dir);
    free(dir);
    if (!*tmp)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    if (room < total)
        return ms_fail(error, MAPSCAN_E_NOSPACE, ENOSPC, "needs %llu bytes but only %llu are free there",
                       (unsigned long long)total, (unsigned long long)room);
    *fd = mkostemp(*tmp, O_CLOEXEC);
    if (*fd < 0)
        return ms_fail(error, ms_open_status(errno), errno, "cannot create a temporary file beside it: %s",
                       strerror(errno));
    fchmod(*fd, 0666 & ~process_umask());
    mapscan_status reserved = reserve_space(*fd, total, room, error);
    if (reserved != MAPSCAN_OK) {
        close(*fd);
        *fd = -1;
        remove_temporary(*tmp, error);
    }
    return reserved;
}

/* The header, then every block on the writers; the merged statistics of
 * what they wrote into result. */
static mapscan_status write_contents(int fd, const mapscan_gen_options *o, const unsigned char *header,
                                     size_t header_size, mapscan_result *result, mapscan_error *error)
{
    size_t size = mapscan_type_size(o->type);
    unsigned threads = o->threads ? o->threads : mapscan_default_threads(), ran = 0;
    if (threads > ms_thread_cap())
        threads = ms_thread_cap();      /* each writer holds a block: 8 MiB for 64-bit types */
    gen_job *j = calloc(1, sizeof *j);
    if (!j)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    j->prod = (producer){ .o = o, .bits = 8 * (unsigned)size, .is_signed = mapscan_type_is_signed(o->type),
                          .span = (ms_u128)(ms_from_int128(o->hi) - ms_from_int128(o->lo)) + 1 };
    if (mapscan_type_is_float(o->type))
        setup_float(&j->prod);
    j->fd = fd;
    j->data_offset = header_size;
    j->size = size;
    j->swap = mapscan_endian_resolve(o->endian) != mapscan_endian_resolve(MAPSCAN_NATIVE);
    j->blocks = (o->count + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    if (threads > j->blocks)
        threads = j->blocks ? (unsigned)j->blocks : 1;
    int err = 0;
    mapscan_status status = MAPSCAN_OK;
    if (header_size && !write_full(fd, header, header_size, 0, &err))
        status = ms_fail(error, err == ENOSPC || err == EDQUOT ? MAPSCAN_E_NOSPACE : MAPSCAN_E_IO, err,
                         "write failed at byte 0: %s", strerror(err));
    if (status == MAPSCAN_OK)
        status = write_blocks(j, threads, &ran, error);
    if (status == MAPSCAN_OK) {
        ms_acc total;
        ms_acc_init(&total);
        for (unsigned i = 0; i < threads; i++)
            ms_acc_merge(&total, &j->workers[i].acc);
        ms_acc_finish(&total, o->type, result);
        result->format = o->format == MAPSCAN_FORMAT_NPY ? MAPSCAN_FORMAT_NPY : MAPSCAN_FORMAT_RAW;
        result->type = o->type;
        result->endian = o->endian;
        if (o->format == MAPSCAN_FORMAT_NPY) {
            result->ndim = 1;
            result->shape[0] = o->count;
        }
        result->bytes = o->count * size;
        result->threads = ran;
    }
    free(j->workers);
    free(j);
    return status;
}

/* Synced, closed, then renamed into place unless a cancel came first (the
 * sync can take seconds: a cancel raised during it still wins). */
static mapscan_status finish(int fd, const char *tmp, const char *path, const mapscan_gen_options *o,
                             mapscan_status status, mapscan_error *error)
{
    if (status == MAPSCAN_OK && fsync(fd) != 0)
        status = ms_fail(error, MAPSCAN_E_IO, errno, "cannot sync: %s", strerror(errno));
    if (close(fd) != 0 && status == MAPSCAN_OK)
        status = ms_fail(error, MAPSCAN_E_IO, errno, "cannot close: %s", strerror(errno));
    if (status == MAPSCAN_OK && o->cancel && *o->cancel)
        status = ms_fail(error, MAPSCAN_E_CANCELLED, 0, "cancelled");
    if (status == MAPSCAN_OK)
        status = place_file(tmp, path, o->force, error);
    if (status != MAPSCAN_OK)
        remove_temporary(tmp, error);
    return status;
}

static mapscan_status generate(const char *path, const mapscan_gen_options *o, mapscan_result *result,
                               mapscan_error *error)
{
    memset(result, 0, sizeof *result);
    if (error)
        memset(error, 0, sizeof *error);
    unsigned char header[MS_NPY_HEADER_ROOM];
    size_t header_size = 0;
    mapscan_status status = check_request(o, header, &header_size, error);
    if (status == MAPSCAN_OK)
        status = check_target(path, o->force, error);
    if (status != MAPSCAN_OK)
        return status;
    char *tmp = NULL;
    int fd = -1;
    status = create_temporary(path, o->count * mapscan_type_size(o->type) + header_size, &tmp, &fd, error);
    if (status == MAPSCAN_OK) {
        double start = ms_now();
        status = finish(fd, tmp, path, o, write_contents(fd, o, header, header_size, result, error), error);
        result->seconds = ms_now() - start;
    }
    if (status != MAPSCAN_OK)
        memset(result, 0, sizeof *result);      /* nothing was written: no statistics of it */
    free(tmp);
    return status;
}

/* ---- pattern text ---- */

/* A decimal integer, optionally negative, into *v; false when malformed
 * or beyond 64 bits of magnitude. */
static bool parse_integer(const char *s, const char **end, ms_i128 *v)
{
    bool negative = *s == '-';
    if (negative)
        s++;
    if (*s < '0' || *s > '9')
        return false;
    ms_u128 magnitude = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        magnitude = magnitude * 10 + (unsigned)(*s - '0');
        if (magnitude > (ms_u128)UINT64_MAX + 1)
            return false;
    }
    *v = negative ? -(ms_i128)magnitude : (ms_i128)magnitude;
    *end = s;
    return true;
}

static bool fits(mapscan_type type, ms_i128 v)
{
    return v >= ms_from_int128(mapscan_type_min(type)) && v <= ms_from_int128(mapscan_type_max(type));
}

/* A number as strtod reads it in the C locale whatever the caller's (a
 * decimal point; also inf, nan, hexadecimal), into *v; false when s does
 * not start with one. *overflow: a finite literal past binary64's range. */
static bool parse_double(const char *s, const char **end, double *v, bool *overflow)
{
    if (*s == '\0' || isspace((unsigned char)*s))
        return false;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    char *e;
    errno = 0;
    *v = c ? strtod_l(s, &e, c) : strtod(s, &e);
    *overflow = errno == ERANGE && isinf(*v);
    if (c)
        freelocale(c);
    *end = e;
    return e != s;
}

/* The float types' patterns: the values as binary64 in float_lo, float_hi
 * (rounded to the type when the file is written), checked to round to
 * finite values of the type. */
static mapscan_status float_pattern_parse(const char *text, mapscan_gen_options *o, mapscan_error *error)
{
    const char *tname = mapscan_type_name(o->type);
    float_format f = format_of(o->type);
    double largest = float_largest(f), a, b;
    bool over_a = false, over_b = false;
    const char *p;
    ms_i128 m;
    if (strcmp(text, "random") == 0) {
        o->pattern = MAPSCAN_PATTERN_RANDOM;
    } else if (strcmp(text, "seq") == 0) {
        o->pattern = MAPSCAN_PATTERN_SEQ;
    } else if (strncmp(text, "uniform:", 8) == 0 || strncmp(text, "range:", 6) == 0) {
        const char *s = strchr(text, ':') + 1;
        if (!parse_double(s, &p, &a, &over_a) || *p != ':' || !parse_double(p + 1, &p, &b, &over_b) || *p)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not uniform:LO:HI with two numbers", text);
        if (isnan(a) || isnan(b) || (isinf(a) && !over_a) || (isinf(b) && !over_b))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' needs finite bounds", text);
        if (over_a || over_b || !float_fits(f, a) || !float_fits(f, b))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' has a bound past %s's largest finite value, %.9g",
                           text, tname, largest);
        if (a > b)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' has LO greater than HI", text);
        o->pattern = MAPSCAN_PATTERN_RANGE;
        o->float_lo = a;
        o->float_hi = b;
    } else if (strncmp(text, "mod:", 4) == 0) {
        if (!parse_integer(text + 4, &p, &m) || *p || m < 1 || m > (ms_i128)UINT64_MAX)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not mod:M with M a whole number of at least 1", text);
        if (!float_fits(f, (double)(uint64_t)(m - 1)))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' makes values past %s's largest finite value, %.9g",
                           text, tname, largest);
        o->pattern = MAPSCAN_PATTERN_MOD;
        o->modulus = (uint64_t)m;
    } else if (strncmp(text, "const:", 6) == 0) {
        if (!parse_double(text + 6, &p, &a, &over_a) || *p)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not const:V with a number (or inf, -inf, nan)", text);
        if (over_a || (isfinite(a) && !float_fits(f, a)))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is past %s's largest finite value, %.9g", text, tname,
                           largest);
        o->pattern = MAPSCAN_PATTERN_CONST;
        o->float_lo = o->float_hi = a;
    } else {
        return ms_fail(error, MAPSCAN_E_INVALID, 0,
                       "unknown pattern '%s' (random, uniform:LO:HI, mod:M, seq, const:V)", text);
    }
    return MAPSCAN_OK;
}

static mapscan_status pattern_parse(const char *text, mapscan_gen_options *o, mapscan_error *error)
{
    if ((unsigned)o->type >= MAPSCAN_TYPE_COUNT)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown element type");
    if (mapscan_type_is_float(o->type))
        return float_pattern_parse(text, o, error);
    const char *tname = mapscan_type_name(o->type);
    const char *p;
    ms_i128 a, b;
    if (strcmp(text, "random") == 0) {
        o->pattern = MAPSCAN_PATTERN_RANDOM;
    } else if (strcmp(text, "seq") == 0) {
        o->pattern = MAPSCAN_PATTERN_SEQ;
    } else if (strncmp(text, "range:", 6) == 0) {
        if (!parse_integer(text + 6, &p, &a) || *p != ':' || !parse_integer(p + 1, &p, &b) || *p)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not range:LO:HI with whole numbers", text);
        if (!fits(o->type, a) || !fits(o->type, b))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' has a bound outside %s", text, tname);
        if (a > b)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' has LO greater than HI", text);
        o->pattern = MAPSCAN_PATTERN_RANGE;
        o->lo = ms_to_int128(a);
        o->hi = ms_to_int128(b);
    } else if (strncmp(text, "mod:", 4) == 0) {
        if (!parse_integer(text + 4, &p, &a) || *p || a < 1 || a > (ms_i128)UINT64_MAX)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not mod:M with M a whole number of at least 1", text);
        if (!fits(o->type, a - 1))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' makes values beyond the largest %s", text, tname);
        o->pattern = MAPSCAN_PATTERN_MOD;
        o->modulus = (uint64_t)a;
    } else if (strncmp(text, "const:", 6) == 0) {
        if (!parse_integer(text + 6, &p, &a) || *p)
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is not const:V with a whole number", text);
        if (!fits(o->type, a))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "'%s' is outside %s", text, tname);
        o->pattern = MAPSCAN_PATTERN_CONST;
        o->lo = o->hi = ms_to_int128(a);
    } else {
        return ms_fail(error, MAPSCAN_E_INVALID, 0,
                       "unknown pattern '%s' (random, range:LO:HI, mod:M, seq, const:V)", text);
    }
    return MAPSCAN_OK;
}

mapscan_status mapscan_generate(const char *path, const mapscan_gen_options *options, mapscan_result *result,
                                mapscan_error *error)
{
    mapscan_gen_options full;
    mapscan_result out;
    size_t result_size;
    if (error)
        memset(error, 0, sizeof *error);
    if (!ms_abi_gen_options(options, &full, &result_size, error))
        return MAPSCAN_E_INVALID;
    mapscan_status s = generate(path, &full, &out, error);
    memcpy(result, &out, result_size);
    return s;
}

mapscan_status mapscan_pattern_parse(const char *text, mapscan_gen_options *options, mapscan_error *error)
{
    mapscan_gen_options full;
    size_t result_size;
    if (!ms_abi_gen_options(options, &full, &result_size, error))
        return MAPSCAN_E_INVALID;
    mapscan_status s = pattern_parse(text, &full, error);
    if (s == MAPSCAN_OK)
        ms_abi_gen_options_back(options, &full);
    return s;
}
