/*
 * The float kernels: count, NaN count, min, max and the exact sum of
 * binary16, bfloat16, binary32 and binary64 elements, written once and
 * compiled once per instruction set with reduce_impl.h (which includes this
 * file at its end).
 *
 * How the sum stays exact at the speed of a plain sum. The data goes by
 * blocks of FBLOCK = 1024 elements, each in two steps over a buffer in L1:
 *
 * 1. Convert. Each element becomes a binary64 (exact for every type),
 *    NaN and the infinities become 0 — NaN is counted, an infinity raises
 *    a flag — and the loop keeps min and max (as order-preserving integers
 *    of the bits, so that -0 < +0 and NaN can be left out with a select)
 *    and the largest magnitude, amax.
 *
 * 2. Extract. With sigma = 2^k a power of two at least 2^11 times amax
 *    (2 * FBLOCK), each value v is split as q = (v + sigma) - sigma and
 *    r = v - q. For |v| <= sigma, in round-to-nearest binary64, q is v
 *    rounded to a multiple of 2^(k-53), r is exactly v - q, and |r| is at
 *    most 2^(k-53) (Rump, Ogita and Oishi's ExtractScalar; see
 *    docs/design.md). Every q, and every partial sum of up to FBLOCK of
 *    them, is a multiple of 2^(k-53) below 2^k = 2^53 such steps: binary64
 *    holds each one exactly, so the q are summed in plain binary64 adds, in
 *    FLANES independent lanes that the compiler turns into vector adds, in
 *    any order, with no error at all. Their total goes into the exact
 *    accumulator (stats/exact_sum.c) once per block. The remainders r,
 *    written back over the block, are what that level could not hold:
 *    values more than about 2^41 times smaller than amax, or the low bits
 *    of binary64 values. If any is not zero, the next level does the same
 *    to them with a sigma fitted to their own largest magnitude.
 *
 * binary16 values always fit one level (their whole range spans 2^40);
 * bfloat16 and binary32 need a second only for a block whose values spread
 * over more than about 2^17 (bfloat16: 2^33); binary64 takes two as a rule.
 * After FLEVELS levels, or when sigma would pass binary64's range (values
 * above 2^1010), what remains is added to the exact accumulator one value
 * at a time: exact, only slower, and met in hostile data (random bit
 * patterns spread over every exponent), not in measurements.
 *
 * The loops are plain C that the compiler vectorizes; -std=c11 keeps it
 * from contracting or reassociating the additions, which would break the
 * splitting (the Makefile's flags never include -ffast-math). The caller's
 * flush-to-zero and denormals-are-zero flags, or a directed rounding, would
 * break it too: each call runs in IEEE's default environment (exact_sum.h).
 */

#define FBLOCK 1024
#define FBLOCK_LOG2 10
#define FLANES 16
#define FLEVELS 3

static inline double double_of_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline uint64_t bits_of_double(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

/* The four types, each as binary64. */
static inline double f64_value(uint64_t b) { return double_of_bits(b); }

static inline double f32_value(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return (double)f;
}

static inline double bf16_value(uint16_t b) { return f32_value((uint32_t)b << 16); }

static inline double f16_value(uint16_t b)
{
    uint64_t sign = (uint64_t)(b >> 15) << 63;
    uint64_t exponent = (b >> 10) & 0x1fu, fraction = b & 0x3ffu;
    /* A subnormal or zero is fraction * 2^-24 (exact); a normal number,
     * an infinity or NaN is rebuilt field by field (exponent 31 -> 0x7ff).
     * Masks rather than branches, so that the loop around it vectorizes. */
    uint64_t small = bits_of_double((double)fraction * 0x1p-24) | sign;
    uint64_t biased = exponent + 1008 + (uint64_t)(exponent == 0x1f) * (0x7ff - 0x1f - 1008);
    uint64_t normal = sign | (biased << 52) | (fraction << 42);
    uint64_t is_normal = 0u - (uint64_t)(exponent != 0);
    return double_of_bits((normal & is_normal) | (small & ~is_normal));
}

/* Sums n values of x (n a multiple of FLANES) exactly into sum; amax_bits
 * are the bits of their largest magnitude. x is overwritten. */
static void extract_sum(double *x, size_t n, uint64_t amax_bits, mapscan_exact_sum *sum)
{
    for (int level = 0; amax_bits && level < FLEVELS; level++) {
        /* |values| < 2^top */
        int biased = (int)(amax_bits >> 52);
        int top = biased ? biased - 1022 : (63 - __builtin_clzll(amax_bits)) - 1073;
        int k = top + FBLOCK_LOG2 + 1;
        if (k > 1022)
            break;                      /* 2 * sigma would overflow: the rest one by one */
        double sigma = ldexp(1.0, k);
        double lane_sum[FLANES] = { 0 };
        uint64_t lane_max[FLANES] = { 0 };
        for (size_t i = 0; i < n; i += FLANES)
            for (size_t j = 0; j < FLANES; j++) {
                double v = x[i + j];
                double q = (v + sigma) - sigma;
                double r = v - q;
                lane_sum[j] += q;
                x[i + j] = r;
                uint64_t magnitude = bits_of_double(r) & ~((uint64_t)1 << 63);
                lane_max[j] = magnitude > lane_max[j] ? magnitude : lane_max[j];
            }
        double total = 0;
        amax_bits = 0;
        for (size_t j = 0; j < FLANES; j++) {
            total += lane_sum[j];       /* exact: a partial sum of the q */
            amax_bits = lane_max[j] > amax_bits ? lane_max[j] : amax_bits;
        }
        ms_exact_add_bits(sum, bits_of_double(total));
    }
    if (amax_bits)
        for (size_t i = 0; i < n; i++)
            if (x[i] != 0)
                ms_exact_add_bits(sum, bits_of_double(x[i]));
}

/* The convert step for one type: U its bits, K the signed integer of the
 * same size, SIGN, INF its sign bit and +inf's bits, VALUE its binary64.
 * Returns the bits of the largest finite magnitude as a binary64. n is at
 * most FBLOCK, so counts fit U. The selects are masks (all ones or zero)
 * because GCC 12 does not vectorize a conditional that feeds a min or max
 * reduction. */
#define DEFINE_CONVERT(FN, U, K, SWAP, SIGN, INF, VALUE)                       \
    static uint64_t FN(const unsigned char *p, size_t n, double *x, ms_float_acc *f) \
    {                                                                          \
        const K none_low = (K)(SIGN - 1), none_high = (K)SIGN;                 \
        K lo = none_low, hi = none_high;                                       \
        U amax = 0, nans = 0, pos_inf = 0, neg_inf = 0;                        \
        for (size_t i = 0; i < n; i++) {                                       \
            U b;                                                               \
            memcpy(&b, p + i * sizeof(U), sizeof(U));                          \
            b = (U)SWAP(b);                                                    \
            U magnitude = (U)(b & (U)(SIGN - 1));                              \
            U nan = (U)(0u - (U)(magnitude > (U)(INF)));        /* all ones */ \
            U finite = (U)(0u - (U)(magnitude < (U)(INF)));                    \
            K key = (K)(b ^ (U)((U)((K)b < 0 ? (U)(SIGN - 1) : 0)));           \
            K key_lo = (K)(((U)key & (U)~nan) | ((U)none_low & nan));          \
            K key_hi = (K)(((U)key & (U)~nan) | ((U)none_high & nan));         \
            lo = key_lo < lo ? key_lo : lo;                                    \
            hi = key_hi > hi ? key_hi : hi;                                    \
            nans += nan & 1u;                                                  \
            pos_inf += b == (U)(INF);                                          \
            neg_inf += b == (U)((INF) | (SIGN));                               \
            U finite_magnitude = (U)(magnitude & finite);                      \
            amax = finite_magnitude > amax ? finite_magnitude : amax;          \
            uint64_t keep = 0u - (uint64_t)(finite & 1u);                      \
            x[i] = double_of_bits(bits_of_double(VALUE(b)) & keep);            \
        }                                                                      \
        f->nan += nans;                                                        \
        f->sum.pos_inf |= pos_inf != 0;                                        \
        f->sum.neg_inf |= neg_inf != 0;                                        \
        if (lo != none_low) {                                                  \
            U lo_bits = (U)((U)lo ^ (U)(lo < 0 ? (U)(SIGN - 1) : 0));          \
            U hi_bits = (U)((U)hi ^ (U)(hi < 0 ? (U)(SIGN - 1) : 0));          \
            int64_t lo_key = ms_float_key(bits_of_double(VALUE(lo_bits)));    \
            int64_t hi_key = ms_float_key(bits_of_double(VALUE(hi_bits)));    \
            f->min_key = lo_key < f->min_key ? lo_key : f->min_key;            \
            f->max_key = hi_key > f->max_key ? hi_key : f->max_key;            \
        }                                                                      \
        return bits_of_double(VALUE(amax));                                    \
    }

#define DEFINE_FLOAT(FN, U, CONVERT)                                           \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        _Alignas(64) double x[FBLOCK];                                         \
        ms_fp_saved fp = ms_fp_enter();     /* subnormals kept: exact_sum.h */ \
        for (size_t start = 0; start < n; start += FBLOCK) {                   \
            size_t m = n - start < FBLOCK ? n - start : FBLOCK;                \
            uint64_t amax = CONVERT(p + start * sizeof(U), m, x, &acc->fl);    \
            size_t padded = (m + FLANES - 1) / FLANES * FLANES;                \
            for (size_t i = m; i < padded; i++)                                \
                x[i] = 0;                                                      \
            extract_sum(x, padded, amax, &acc->fl.sum);                        \
        }                                                                      \
        ms_fp_leave(fp);                                                       \
        acc->count += n;                                                       \
    }

#define SIGN16 ((uint16_t)0x8000u)
#define SIGN32 ((uint32_t)0x80000000u)

DEFINE_CONVERT(c_f16, uint16_t, int16_t, NOSWAP, SIGN16, 0x7c00u, f16_value)
DEFINE_CONVERT(c_f16s, uint16_t, int16_t, BSWAP16, SIGN16, 0x7c00u, f16_value)
DEFINE_CONVERT(c_bf16, uint16_t, int16_t, NOSWAP, SIGN16, 0x7f80u, bf16_value)
DEFINE_CONVERT(c_bf16s, uint16_t, int16_t, BSWAP16, SIGN16, 0x7f80u, bf16_value)
DEFINE_CONVERT(c_f32, uint32_t, int32_t, NOSWAP, SIGN32, 0x7f800000u, f32_value)
DEFINE_CONVERT(c_f32s, uint32_t, int32_t, BSWAP32, SIGN32, 0x7f800000u, f32_value)
DEFINE_CONVERT(c_f64, uint64_t, int64_t, NOSWAP, SIGN64, 0x7ff0000000000000u, f64_value)
DEFINE_CONVERT(c_f64s, uint64_t, int64_t, BSWAP64, SIGN64, 0x7ff0000000000000u, f64_value)

DEFINE_FLOAT(r_f16, uint16_t, c_f16)
DEFINE_FLOAT(r_f16s, uint16_t, c_f16s)
DEFINE_FLOAT(r_bf16, uint16_t, c_bf16)
DEFINE_FLOAT(r_bf16s, uint16_t, c_bf16s)
DEFINE_FLOAT(r_f32, uint32_t, c_f32)
DEFINE_FLOAT(r_f32s, uint32_t, c_f32s)
DEFINE_FLOAT(r_f64, uint64_t, c_f64)
DEFINE_FLOAT(r_f64s, uint64_t, c_f64s)
