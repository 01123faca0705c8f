/* The float statistics against the plain reference of test/float_reference.c.
 *
 * The first HEADER bytes choose: [0] the type and byte order, [1] how the
 * rest becomes data (& 3) and the caller's floating-point environment the
 * library is called in (>> 2 & 3: IEEE's default, x86's flush-to-zero and
 * denormals-are-zero, rounding upward, toward zero), [2] the misalignment, [3] the threads (% 3) and the
 * kernel (/ 3) of the scan of memory, [4..5] where to cut the data in two (kernel calls and merged
 * scans), [6] a divisor for the rounding mode. The rest is:
 *   mode 0: the elements' bytes as they are;
 *   mode 1: one byte per element, naming a value built from a sign, an
 *           exponent class (0, 1, around 2^-(fraction bits), 1, 2, half a
 *           step of the largest value, the largest, all ones) and a
 *           fraction class, so that ties, overflows, NaN payloads and
 *           subnormals come often;
 *   mode 2: pairs (run length, value byte as mode 1): long runs that cross
 *           blocks of 1024 (up to 2^17 elements);
 *   mode 3: the words of an exact sum and a divisor, for
 *           mapscan_exact_sum_round and _divide alone.
 * Every available kernel reduces the data directly (whole, and in two
 * calls); the scan of memory reduces it with the chosen kernel, and the
 * two halves' scans are merged; each must agree with the reference bit for
 * bit. */
#include "../float_reference.h"
#include "../reference.h"
#include "fuzz.h"

#include <fenv.h>
#include <math.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#define HEADER 7
#define MAX_ELEMENTS ((size_t)1 << 17)

static const mapscan_type types[] = { MAPSCAN_F16, MAPSCAN_BF16, MAPSCAN_F32, MAPSCAN_F64 };
static const char *const kernels[] = { "scalar", "avx2", "avx512" };

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_floats: %s: %s\n", what, why);
    abort();
}

static void check(const float_ref *want, const mapscan_result *r, const char *what)
{
    const char *why = float_ref_check(want, r);
    if (why)
        fail(what, why);
}

/* A value of type t named by one byte (see the comment at the top). */
static uint64_t named_bits(mapscan_type t, unsigned char b)
{
    unsigned exponent_bits = t == MAPSCAN_F16 ? 5 : t == MAPSCAN_F64 ? 11 : 8;
    unsigned fraction_bits = (unsigned)mapscan_type_size(t) * 8 - 1 - exponent_bits;
    uint64_t ones = ((uint64_t)1 << exponent_bits) - 1, bias = ones >> 1;
    uint64_t mask = ((uint64_t)1 << fraction_bits) - 1, quiet = (mask + 1) >> 1;
    uint64_t exponents[8] = { 0, 1, bias - fraction_bits - 1, bias, bias + 1, ones - 2 - fraction_bits, ones - 1,
                              ones };
    uint64_t fractions[16] = { 0, 1, 2, 3, mask, mask - 1, quiet, quiet | 1, quiet - 1, mask >> 2, 5, 7,
                               0x55 & mask, 0xaa & mask, mask ^ 1, quiet >> 1 };
    uint64_t sign = b & 1;
    return sign << (exponent_bits + fraction_bits) | exponents[(b >> 1) & 7] << fraction_bits | fractions[b >> 4];
}

static void store(unsigned char *p, size_t size, bool big, uint64_t bits)
{
    for (size_t b = 0; b < size; b++)
        p[big ? size - 1 - b : b] = (unsigned char)(bits >> (8 * b));
}

/* The environment the library is called in; 0 puts the default back. */
static void environment(unsigned which)
{
    fesetenv(FE_DFL_ENV);
#if defined(__x86_64__) || defined(__i386__)
    if (which == 1)
        _mm_setcsr(_mm_getcsr() | 0x8040);
#endif
    if (which == 2)
        fesetround(FE_UPWARD);
    if (which == 3)
        fesetround(FE_TOWARDZERO);
}

static void rounding(const unsigned char *data, size_t size, uint64_t n_seed, unsigned env)
{
    uint64_t word[MAPSCAN_EXACT_SUM_WORDS] = { 0 };
    size_t bytes = size < sizeof word ? size : sizeof word;
    for (size_t i = 0; i < bytes; i++)
        word[i / 8] |= (uint64_t)data[i] << (8 * (i % 8));
    /* the last word byte repeated upward: sums of either sign, and of any length */
    if (bytes && bytes < sizeof word && (data[bytes - 1] & 0x80))
        for (size_t i = bytes; i < sizeof word; i++)
            word[i / 8] |= (uint64_t)0xff << (8 * (i % 8));
    mapscan_exact_sum s;
    memset(&s, 0, sizeof s);
    memcpy(s.word, word, sizeof word);
    ref_big x;
    ref_big_from_words(&x, word);
    const uint64_t divisors[] = { 1, 1, 2, 3, n_seed | 1, n_seed + 1, n_seed << 32 | n_seed | 1, UINT64_MAX };
    enum { DIVISORS = sizeof divisors / sizeof divisors[0] };
    double have[DIVISORS];
    environment(env);
    have[0] = mapscan_exact_sum_round(&s);
    for (size_t i = 1; i < DIVISORS; i++)
        have[i] = mapscan_exact_sum_divide(&s, divisors[i]);
    environment(0);
    for (size_t i = 0; i < DIVISORS; i++) {
        double want = ref_round_quotient(&x, divisors[i]);
        if (!ref_same_double(have[i], want)) {
            fprintf(stderr, "%s %llu: %a, want %a\n", i ? "divide by" : "round, as divide by",
                    (unsigned long long)divisors[i], have[i], want);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < HEADER)
        return 0;
    mapscan_type t = types[data[0] & 3];
    bool big = (data[0] >> 2) & 1;
    unsigned mode = data[1] & 3, env = (data[1] >> 2) & 3;
    size_t misalign = data[2] & 7;
    unsigned threads = 1 + data[3] % 3;
    size_t cut_seed = (size_t)data[4] | (size_t)data[5] << 8;
    const unsigned char *in = data + HEADER;
    size_t in_size = size - HEADER, elem = mapscan_type_size(t);
    if (mode == 3) {
        rounding(in, in_size, (uint64_t)data[6] * 0x9e3779b97f4a7c15u >> (data[6] & 63), env);
        return 0;
    }

    size_t n;
    if (mode == 0) {
        n = in_size / elem;
    } else if (mode == 1) {
        n = in_size;
    } else {
        n = 0;
        for (size_t i = 0; i + 1 < in_size; i += 2)
            n += 1 + (size_t)in[i] * 4;
    }
    if (n > MAX_ELEMENTS)
        n = MAX_ELEMENTS;
    unsigned char *block = malloc(n * elem + 8);
    FUZZ_CHECK(block);
    unsigned char *p = block + misalign;
    if (mode == 0) {
        memcpy(p, in, n * elem);
    } else if (mode == 1) {
        for (size_t i = 0; i < n; i++)
            store(p + i * elem, elem, big, named_bits(t, in[i]));
    } else {
        size_t at = 0;
        for (size_t i = 0; i + 1 < in_size && at < n; i += 2)
            for (size_t k = 0; k < 1 + (size_t)in[i] * 4 && at < n; k++)
                store(p + elem * at++, elem, big, named_bits(t, in[i + 1]));
    }

    float_ref want;
    float_ref_init(&want);
    float_ref_add(&want, p, n, t, big);
    size_t cut = n ? cut_seed % (n + 1) : 0;
    bool swap = big != (mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_BIG);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = t;
    o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    /* the library's results in the chosen environment, checked in the default one */
    mapscan_result got[2 * sizeof kernels / sizeof kernels[0] + 2];
    const char *what[sizeof got / sizeof got[0]];
    size_t ngot = 0;
    environment(env);
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        const ms_kernel *kernel = ms_kernel_find(kernels[k]);
        if (!kernel)
            continue;
        /* directly: whole, then in two calls into one accumulator */
        for (int pieces = 1; pieces <= 2; pieces++) {
            ms_acc acc;
            ms_acc_init(&acc);
            if (pieces == 1) {
                kernel->reduce[t][swap](p, n, &acc);
            } else {
                kernel->reduce[t][swap](p, cut, &acc);
                kernel->reduce[t][swap](p + cut * elem, n - cut, &acc);
            }
            memset(&got[ngot], 0, sizeof got[ngot]);
            ms_acc_finish(&acc, t, &got[ngot]);
            what[ngot++] = pieces == 1 ? kernels[k] : "two calls";
        }
    }
    /* the scan of memory with one kernel (a scan costs a thread), and its two halves merged */
    o.kernel = kernels[data[3] / 3 % 3];
    if (!mapscan_kernel_available(o.kernel))
        o.kernel = NULL;
    o.threads = threads;
    mapscan_result first;
    mapscan_error e;
    FUZZ_CHECK(mapscan_scan_memory(p, n * elem, &o, &got[ngot], &e) == MAPSCAN_OK);
    what[ngot++] = "scan of memory";
    o.threads = 1;
    FUZZ_CHECK(mapscan_scan_memory(p, cut * elem, &o, &first, &e) == MAPSCAN_OK);
    FUZZ_CHECK(mapscan_scan_memory(p + cut * elem, (n - cut) * elem, &o, &got[ngot], &e) == MAPSCAN_OK);
    mapscan_result_merge(&got[ngot], &first);
    what[ngot++] = "merge";
    environment(0);
    for (size_t g = 0; g < ngot; g++)
        check(&want, &got[g], what[g]);
    free(block);
    return 0;
}
