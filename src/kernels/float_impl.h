/*
 * The float kernels: count, NaN count, min, max and the exact sum of
 * binary16, bfloat16, binary32 and binary64 elements, written once and
 * compiled once per instruction set with reduce_impl.h (which includes this
 * file at its end). docs/design.md has the same account at more length.
 *
 * How the sum stays exact at the speed of a plain sum. The data goes by
 * blocks of FBLOCK = 1024 elements, each in two steps over a buffer in L1
 * (binary64's road, DEFINE_CONVERT and DEFINE_FLOAT; binary32 and bfloat16
 * survey the raw values first and take the buffer only for a block that
 * needs splitting, DEFINE_BLOCKS; binary16 needs none of it, f16_reduce):
 *
 * 1. Convert. Each element becomes a binary64 (exact for every type),
 *    NaN and the infinities become 0 — NaN is counted — and the loop keeps
 *    min and max (as order-preserving integers of the bits, so that
 *    -0 < +0; an infinity is there when it is an extreme), the largest
 *    magnitude amax and the lowest bit any value has.
 *
 * 2. Extract. With sigma = 2^k a power of two at least 2^11 times amax
 *    (2 * FBLOCK), each value v is split as q = (v + sigma) - sigma and
 *    r = v - q. For |v| <= sigma, in round-to-nearest binary64, q is v
 *    rounded to a multiple of 2^(k-53), r is exactly v - q, and |r| is at
 *    most 2^(k-53) (Rump, Ogita and Oishi's ExtractScalar). Every q, and
 *    every partial sum of up to FBLOCK of them, is a multiple of 2^(k-53)
 *    below 2^k = 2^53 such steps: binary64 holds each one exactly, so the q
 *    are summed in plain binary64 adds, in independent vector lanes, in any
 *    order, with no error at all. Their total goes into the exact
 *    accumulator (stats/exact_sum.c) once per block. The remainders r,
 *    written back over the block, are what that level could not hold:
 *    values more than about 2^41 times smaller than amax, or the low bits
 *    of binary64 values. If any is not zero, the next level does the same
 *    to them with a sigma fitted to their own largest magnitude. A block
 *    whose values all lie on the first level's step has r = 0 throughout:
 *    it is summed directly (direct_sum), the usual case for binary32.
 *
 * binary64 takes two levels as a rule. After FLEVELS levels, or when sigma
 * would pass binary64's range (values above 2^1010), what remains goes into
 * integer bins by exponent one value at a time (bins_add), as does a block
 * spread over more bits than the levels would finish: exact, only slower,
 * and met in hostile data (random bit patterns over every exponent).
 *
 * The loops are plain C that the compiler vectorizes, and GCC vector
 * extensions where it would not do so well; -std=c11 keeps the compiler
 * from contracting or reassociating the additions, which would break the
 * splitting (the Makefile's flags never include -ffast-math). The caller's
 * flush-to-zero and denormals-are-zero flags, or a directed rounding, would
 * break it too: each call runs in IEEE's default environment (exact_sum.h).
 */

#if defined(__F16C__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define FBLOCK 1024
#define FBLOCK_LOG2 10
#define FLANES 32
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

/* binary16 as binary32 bits: exact (every binary16 value is a binary32
 * one). Masks rather than branches, so that the loop around it
 * vectorizes: a subnormal or zero is fraction * 2^-24, computed in binary32
 * (exact); a normal number, an infinity or NaN is rebuilt field by field. */
static inline uint32_t f16_as_f32_bits(uint16_t b)
{
    uint32_t sign = (uint32_t)(b >> 15) << 31;
    uint32_t exponent = (b >> 10) & 0x1fu, fraction = b & 0x3ffu;
    float small_value = (float)fraction * 0x1p-24f;
    uint32_t small;
    memcpy(&small, &small_value, sizeof small);
    uint32_t biased = exponent + 112 + (uint32_t)(exponent == 0x1f) * (0xff - 0x1f - 112);
    uint32_t normal = (biased << 23) | (fraction << 13);
    uint32_t is_normal = 0u - (uint32_t)(exponent != 0);
    return sign | (normal & is_normal) | (small & ~is_normal);
}

static inline double f16_value(uint16_t b) { return f32_value(f16_as_f32_bits(b)); }

static inline double bf16_value(uint16_t b) { return f32_value((uint32_t)b << 16); }

/* The extraction's lanes: GCC's vector extension at the width of the
 * ISA's registers (FLOAT_VECTOR_BYTES, set by the reduce_*.c file: 64 for
 * AVX-512, 32 for AVX2, 8 — one double — for the scalar kernel), FUNROLL
 * of them side by side to hide the adds' latency. Written out because the
 * vectorizer, left to a loop over lane arrays, vectorizes the outer loop
 * and transposes. */
typedef double lanes __attribute__((vector_size(FLOAT_VECTOR_BYTES)));
typedef int64_t lane_bits __attribute__((vector_size(FLOAT_VECTOR_BYTES)));
#define FVEC ((size_t)FLOAT_VECTOR_BYTES / sizeof(double))
#define FUNROLL 4
_Static_assert(FLANES % (FLOAT_VECTOR_BYTES / 8 * FUNROLL) == 0, "a block pads to whole steps");

/* A block whose values are all multiples of the first level's step (2^(k-53),
 * as below) would split into q = v and r = 0: its plain sum, in the same
 * lanes, is already exact. Typical binary32 data takes this road. */
static double direct_sum(const double *x, size_t n)
{
    lanes sums[FUNROLL];
    memset(sums, 0, sizeof sums);
    for (size_t i = 0; i < n; i += FVEC * FUNROLL)
        for (size_t u = 0; u < FUNROLL; u++) {
            lanes v;
            memcpy(&v, x + i + u * FVEC, sizeof v);
            sums[u] += v;
        }
    double total = 0;
    for (size_t u = 0; u < FUNROLL; u++)
        for (size_t j = 0; j < FVEC; j++)
            total += sums[u][j];
    return total;
}

/* What the levels leave, and blocks spread too wide for them, one value at
 * a time: each value's signed 53-bit mantissa goes into a 128-bit integer
 * bin of its exponent (2^74 of them fit), and the bins go into the exact
 * sum once, at the end of the kernel's call. A few instructions a value,
 * where adding each to the 34-word sum would take tens. */
typedef struct exponent_bins {
    bool ready;                 /* set up (zeroed) on first use in a call */
    ms_i128 bin[2048];
} exponent_bins;

static void bins_add(exponent_bins *b, const double *x, size_t n)
{
    if (!b->ready) {
        memset(b->bin, 0, sizeof b->bin);
        b->ready = true;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = bits_of_double(x[i]);
        unsigned exponent = (unsigned)(bits >> 52) & 0x7ffu;
        int64_t mantissa = (int64_t)((bits & (((uint64_t)1 << 52) - 1)) | ((uint64_t)(exponent != 0) << 52));
        b->bin[exponent] += bits >> 63 ? -mantissa : mantissa;
    }
}

static void bins_flush(const exponent_bins *b, mapscan_exact_sum *sum)
{
    if (!b->ready)
        return;
    for (unsigned exponent = 0; exponent < 2048; exponent++)
        if (b->bin[exponent])
            ms_exact_add_wide(sum, b->bin[exponent], exponent ? exponent - 1 : 0);
}

/* Past this spread of bits in a block (top to lowest), the levels would
 * not finish it: it goes to the bins whole. */
#define FSPREAD_FOR_LEVELS 160

/* Sums n values of x (n a multiple of FLANES) exactly into sum; amax_bits
 * are the bits of their largest magnitude, and no value has a bit below
 * 2^low_bit. x is overwritten. */
static void extract_sum(double *x, size_t n, uint64_t amax_bits, int low_bit, exponent_bins *bins,
                        mapscan_exact_sum *sum)
{
    const lane_bits magnitude = (lane_bits){ 0 } + INT64_MAX;
    for (int level = 0; amax_bits && level < FLEVELS; level++) {
        /* |values| < 2^top */
        int biased = (int)(amax_bits >> 52);
        int top = biased ? biased - 1022 : (63 - __builtin_clzll(amax_bits)) - 1073;
        int k = top + FBLOCK_LOG2 + 1;
        if (k > 1022 || (level == 0 && top - low_bit > FSPREAD_FOR_LEVELS))
            break;                      /* 2 * sigma would overflow, or too wide: one by one */
        if (level == 0 && k - 53 <= low_bit) {
            ms_exact_add_bits(sum, bits_of_double(direct_sum(x, n)));
            return;
        }
        const lanes sigma = (lanes){ 0 } + ldexp(1.0, k);
        lanes sums[FUNROLL];
        lane_bits rests[FUNROLL];
        memset(sums, 0, sizeof sums);
        memset(rests, 0, sizeof rests);
        for (size_t i = 0; i < n; i += FVEC * FUNROLL)
            for (size_t u = 0; u < FUNROLL; u++) {
                lanes v;
                memcpy(&v, x + i + u * FVEC, sizeof v);
                lanes q = (v + sigma) - sigma;
                lanes r = v - q;
                sums[u] += q;
                memcpy(x + i + u * FVEC, &r, sizeof r);
                lane_bits m = (lane_bits)r & magnitude;
                lane_bits larger = m > rests[u];       /* all ones where larger */
                rests[u] = (m & larger) | (rests[u] & ~larger);
            }
        double total = 0;
        amax_bits = 0;
        for (size_t u = 0; u < FUNROLL; u++)
            for (size_t j = 0; j < FVEC; j++) {
                total += sums[u][j];    /* exact: each is a partial sum of the q */
                uint64_t r = (uint64_t)rests[u][j];
                amax_bits = r > amax_bits ? r : amax_bits;
            }
        ms_exact_add_bits(sum, bits_of_double(total));
    }
    if (amax_bits)
        bins_add(bins, x, n);
}

/* min, max and the NaN count of a type: U its bits, K the signed integer of
 * the same size, SIGN and INF its sign bit and +inf's bits, VALUE its
 * binary64, SWAP its byte swap. NAME##_key is the order-preserving integer
 * of a value's bits (-0 below +0). The loops take min and max over every
 * element's key first; NAME##_fold_extremes takes them again with NaN
 * left out only for a block that holds NaN (whose keys lie beyond the
 * infinities'), notes an infinity when it is an extreme, and folds them
 * into the accumulator as binary64 keys. */
#define DEFINE_EXTREMES(NAME, U, K, SIGN, INF, VALUE, SWAP)                    \
    static inline K NAME##_key(U b)                                            \
    {                                                                          \
        return (K)(b ^ (U)((U)((K)b >> (8 * sizeof(U) - 1)) & (U)(SIGN - 1))); \
    }                                                                          \
    static void NAME##_fold_extremes(const unsigned char *p, size_t n, bool swap, K lo, K hi, size_t nans, \
                                     ms_float_acc *f)                          \
    {                                                                          \
        const K none_low = (K)(SIGN - 1), none_high = (K)SIGN;                 \
        if (nans) {                                                            \
            lo = none_low, hi = none_high;                                     \
            for (size_t i = 0; i < n; i++) {                                   \
                U b;                                                           \
                memcpy(&b, p + i * sizeof(U), sizeof(U));                      \
                b = swap ? (U)SWAP(b) : b;                                     \
                if ((U)(b & (U)(SIGN - 1)) > (U)(INF))                         \
                    continue;                                                  \
                K key = NAME##_key(b);                                         \
                lo = key < lo ? key : lo;                                      \
                hi = key > hi ? key : hi;                                      \
            }                                                                  \
        }                                                                      \
        f->nan += nans;                                                        \
        if (lo == none_low)                                                    \
            return;                                                            \
        f->sum.pos_inf |= hi == NAME##_key((U)(INF));                          \
        f->sum.neg_inf |= lo == NAME##_key((U)((INF) | (SIGN)));               \
        U lo_bits = (U)((U)lo ^ (U)(lo < 0 ? (U)(SIGN - 1) : 0));              \
        U hi_bits = (U)((U)hi ^ (U)(hi < 0 ? (U)(SIGN - 1) : 0));              \
        int64_t lo_key = ms_float_key(bits_of_double(VALUE(lo_bits)));        \
        int64_t hi_key = ms_float_key(bits_of_double(VALUE(hi_bits)));        \
        f->min_key = lo_key < f->min_key ? lo_key : f->min_key;                \
        f->max_key = hi_key > f->max_key ? hi_key : f->max_key;                \
    }

/* The convert step of binary32 and binary64 (NAME's extremes, SWAP, and
 * FRACTION_BITS the width of the fraction field): each element as a
 * binary64 in x, non-finite ones as 0, with min, max and the NaN count.
 * Returns the bits of the largest finite magnitude as a binary64 and sets
 * *low_bit. n is at most FBLOCK, so counts fit U. The selects are masks
 * (all ones or zero) because GCC 12 does not vectorize a conditional that
 * feeds a min or max reduction. */
#define DEFINE_CONVERT(FN, NAME, U, K, SWAP, SWAPPED, SIGN, INF, FRACTION_BITS, VALUE) \
    static uint64_t FN(const unsigned char *p, size_t n, double *x, int *low_bit, ms_float_acc *f) \
    {                                                                          \
        const U exponent_ones = (U)((INF) >> (FRACTION_BITS));                 \
        K lo = (K)(SIGN - 1), hi = (K)SIGN;                                    \
        U amax = 0, nans = 0, least_exponent = exponent_ones;                  \
        for (size_t i = 0; i < n; i++) {                                       \
            U b;                                                               \
            memcpy(&b, p + i * sizeof(U), sizeof(U));                          \
            b = (U)SWAP(b);                                                    \
            U magnitude = (U)(b & (U)(SIGN - 1));                              \
            U finite = (U)(0u - (U)(magnitude < (U)(INF)));     /* all ones */ \
            K key = NAME##_key(b);                                             \
            lo = key < lo ? key : lo;                                          \
            hi = key > hi ? key : hi;                                          \
            nans += magnitude > (U)(INF);                                      \
            U finite_magnitude = (U)(magnitude & finite);                      \
            amax = finite_magnitude > amax ? finite_magnitude : amax;          \
            U counted = (U)(finite & (U)(0u - (U)(magnitude != 0)));           \
            U exponent = (U)((magnitude >> (FRACTION_BITS)) | (exponent_ones & (U)~counted)); \
            least_exponent = exponent < least_exponent ? exponent : least_exponent; \
            uint64_t keep = 0u - (uint64_t)(finite & 1u);                      \
            x[i] = double_of_bits(bits_of_double(VALUE(b)) & keep);            \
        }                                                                      \
        NAME##_fold_extremes(p, n, SWAPPED, lo, hi, nans, f);                  \
        /* The lowest bit any finite value other than zero can have. */        \
        int least = least_exponent ? (int)least_exponent : 1;                  \
        *low_bit = least - (int)(exponent_ones >> 1) - (FRACTION_BITS);        \
        return bits_of_double(VALUE(amax));                                    \
    }

#define DEFINE_FLOAT(FN, U, CONVERT)                                           \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        _Alignas(64) double x[FBLOCK];                                         \
        exponent_bins bins;                                                    \
        bins.ready = false;                                                    \
        ms_fp_saved fp = ms_fp_enter();     /* subnormals kept: exact_sum.h */ \
        for (size_t start = 0; start < n; start += FBLOCK) {                   \
            size_t m = n - start < FBLOCK ? n - start : FBLOCK;                \
            int low_bit;                                                       \
            uint64_t amax = CONVERT(p + start * sizeof(U), m, x, &low_bit, &acc->fl); \
            size_t padded = (m + FLANES - 1) / FLANES * FLANES;                \
            for (size_t i = m; i < padded; i++)                                \
                x[i] = 0;                                                      \
            extract_sum(x, padded, amax, low_bit, &bins, &acc->fl.sum);        \
        }                                                                      \
        bins_flush(&bins, &acc->fl.sum);                                       \
        ms_fp_leave(fp);                                                       \
        acc->count += n;                                                       \
    }

#define SIGN16 ((uint16_t)0x8000u)
#define SIGN32 ((uint32_t)0x80000000u)

DEFINE_EXTREMES(f16, uint16_t, int16_t, SIGN16, 0x7c00u, f16_value, BSWAP16)
DEFINE_EXTREMES(bf16, uint16_t, int16_t, SIGN16, 0x7f80u, bf16_value, BSWAP16)
DEFINE_EXTREMES(f32, uint32_t, int32_t, SIGN32, 0x7f800000u, f32_value, BSWAP32)
DEFINE_EXTREMES(f64, uint64_t, int64_t, SIGN64, 0x7ff0000000000000u, f64_value, BSWAP64)

DEFINE_CONVERT(c_f64, f64, uint64_t, int64_t, NOSWAP, false, SIGN64, 0x7ff0000000000000u, 52, f64_value)
DEFINE_CONVERT(c_f64s, f64, uint64_t, int64_t, BSWAP64, true, SIGN64, 0x7ff0000000000000u, 52, f64_value)

DEFINE_FLOAT(r_f64, uint64_t, c_f64)
DEFINE_FLOAT(r_f64s, uint64_t, c_f64s)

/* The narrow types' direct road: a step widens WIDE_STEP values to
 * binary32 in registers (binary16 by F16C, bfloat16 by a shift, binary32
 * as it is), zeroes NaN and the infinities, and adds them as binary64 to
 * two accumulators of lanes. The conversions are the ISA's own: GCC 12
 * turns a generic binary32-to-binary64 vector conversion into four
 * instructions where AVX-512 has one. The scalar kernel decodes value by
 * value. */
#if defined(__AVX512F__) && defined(__F16C__)
#define WIDE_STEP 16
typedef __m512i single_bits;
static inline void add_singles(single_bits bits, lanes *low, lanes *high)
{
    const __m512i exponent = _mm512_set1_epi32(0x7f800000);
    __mmask16 finite = _mm512_cmpneq_epi32_mask(_mm512_and_si512(bits, exponent), exponent);
    __m512 singles = _mm512_maskz_mov_ps(finite, _mm512_castsi512_ps(bits));
    *low += (lanes)_mm512_cvtps_pd(_mm512_castps512_ps256(singles));
    *high += (lanes)_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(singles), 1)));
}
static inline single_bits f16_singles(const unsigned char *h)
{
    __m256i halves;
    memcpy(&halves, h, sizeof halves);
    return _mm512_castps_si512(_mm512_cvtph_ps(halves));
}
static inline single_bits bf16_singles(const unsigned char *h)
{
    __m256i halves;
    memcpy(&halves, h, sizeof halves);
    return _mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16);
}
#elif defined(__AVX2__) && defined(__F16C__)
#define WIDE_STEP 8
typedef __m256i single_bits;
static inline void add_singles(single_bits bits, lanes *low, lanes *high)
{
    const __m256i exponent = _mm256_set1_epi32(0x7f800000);
    __m256i special = _mm256_cmpeq_epi32(_mm256_and_si256(bits, exponent), exponent);
    __m256 singles = _mm256_andnot_ps(_mm256_castsi256_ps(special), _mm256_castsi256_ps(bits));
    *low += (lanes)_mm256_cvtps_pd(_mm256_castps256_ps128(singles));
    *high += (lanes)_mm256_cvtps_pd(_mm256_extractf128_ps(singles, 1));
}
static inline single_bits f16_singles(const unsigned char *h)
{
    __m128i halves;
    memcpy(&halves, h, sizeof halves);
    return _mm256_castps_si256(_mm256_cvtph_ps(halves));
}
static inline single_bits bf16_singles(const unsigned char *h)
{
    __m128i halves;
    memcpy(&halves, h, sizeof halves);
    return _mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16);
}
#endif

#if defined(WIDE_STEP)
static inline single_bits f32_singles(const unsigned char *h)
{
    single_bits bits;
    memcpy(&bits, h, sizeof bits);
    return bits;
}
#define DEFINE_STEP(NAME, U, INF, VALUE)                                       \
    static inline void NAME##_step(const unsigned char *h, lanes *low, lanes *high) \
    {                                                                          \
        add_singles(NAME##_singles(h), low, high);                             \
    }
#else
#define WIDE_STEP (2 * FVEC)
#define DEFINE_STEP(NAME, U, INF, VALUE)                                       \
    static inline void NAME##_step(const unsigned char *h, lanes *low, lanes *high) \
    {                                                                          \
        for (size_t j = 0; j < 2 * FVEC; j++) {                                \
            U b;                                                               \
            memcpy(&b, h + sizeof(U) * j, sizeof b);                           \
            double v = (b & (U)(INF)) == (U)(INF) ? 0.0 : VALUE(b);            \
            if (j < FVEC)                                                      \
                (*low)[j] += v;                                                \
            else                                                               \
                (*high)[j - FVEC] += v;                                        \
        }                                                                      \
    }
#endif

DEFINE_STEP(f16, uint16_t, 0x7c00u, f16_value)
DEFINE_STEP(bf16, uint16_t, 0x7f80u, bf16_value)
DEFINE_STEP(f32, uint32_t, 0x7f800000u, f32_value)

/* One narrow type's blocks (binary16, bfloat16, binary32): NAME's extremes
 * and NAME##_step, U its bits, SIGN, INF, FRACTION_BITS as in
 * DEFINE_CONVERT.
 * The first step takes the extremes, the NaN count, the largest finite
 * magnitude and the lowest exponent over the raw values; a block that lies
 * on the first splitting level's step is then summed as it is read
 * (NAME##_step), any other is converted into the buffer and split. */
#define DEFINE_BLOCKS(NAME, U, K, SIGN, INF, FRACTION_BITS, VALUE, STEP)        \
    static double NAME##_direct_sum(const unsigned char *p, size_t n)          \
    {                                                                          \
        lanes s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };                  \
        size_t i = 0;                                                          \
        for (; i + 2 * (STEP) <= n; i += 2 * (STEP)) {                         \
            NAME##_step(p + sizeof(U) * i, &s0, &s1);                          \
            NAME##_step(p + sizeof(U) * (i + (STEP)), &s2, &s3);               \
        }                                                                      \
        double total = 0;                                                      \
        for (; i < n; i++) {                                                   \
            U b;                                                               \
            memcpy(&b, p + sizeof(U) * i, sizeof b);                           \
            total += (b & (U)(INF)) == (U)(INF) ? 0.0 : VALUE(b);              \
        }                                                                      \
        lanes all = (s0 + s1) + (s2 + s3);                                     \
        for (size_t j = 0; j < FVEC; j++)                                      \
            total += all[j];            /* exact: the block lies on one step */ \
        return total;                                                          \
    }                                                                          \
    /* n (<= FBLOCK) values in the host's byte order at p. */                  \
    static void NAME##_block(const unsigned char *p, size_t n, exponent_bins *bins, ms_acc *acc) \
    {                                                                          \
        const U exponent_ones = (U)((INF) >> (FRACTION_BITS));                 \
        K lo = (K)(SIGN - 1), hi = (K)SIGN;                                    \
        U nans = 0, amax = 0, least_exponent = exponent_ones;                  \
        for (size_t i = 0; i < n; i++) {                                       \
            U b;                                                               \
            memcpy(&b, p + sizeof(U) * i, sizeof b);                           \
            K key = NAME##_key(b);                                             \
            lo = key < lo ? key : lo;                                          \
            hi = key > hi ? key : hi;                                          \
            U magnitude = (U)(b & (U)(SIGN - 1));                              \
            nans += magnitude > (U)(INF);                                      \
            U finite = (U)(0u - (U)(magnitude < (U)(INF)));     /* all ones */ \
            U finite_magnitude = (U)(magnitude & finite);                      \
            amax = finite_magnitude > amax ? finite_magnitude : amax;          \
            U counted = (U)(finite & (U)(0u - (U)(magnitude != 0)));           \
            U exponent = (U)((magnitude >> (FRACTION_BITS)) | (exponent_ones & (U)~counted)); \
            least_exponent = exponent < least_exponent ? exponent : least_exponent; \
        }                                                                      \
        NAME##_fold_extremes(p, n, false, lo, hi, nans, &acc->fl);             \
        if (!amax)                                                             \
            return;                                                            \
        uint64_t amax_bits = bits_of_double(VALUE(amax));                      \
        int low_bit = (least_exponent ? (int)least_exponent : 1) - (int)(exponent_ones >> 1) - (FRACTION_BITS); \
        int biased = (int)(amax_bits >> 52);                                   \
        int top = biased ? biased - 1022 : (63 - __builtin_clzll(amax_bits)) - 1073; \
        if (top + FBLOCK_LOG2 + 1 - 53 <= low_bit) {                           \
            ms_exact_add_bits(&acc->fl.sum, bits_of_double(NAME##_direct_sum(p, n))); \
            return;                                                            \
        }                                                                      \
        _Alignas(64) double x[FBLOCK];                                         \
        size_t padded = (n + FLANES - 1) / FLANES * FLANES;                    \
        for (size_t i = 0; i < padded; i++) {                                  \
            U b = 0;                                                           \
            if (i < n)                                                         \
                memcpy(&b, p + sizeof(U) * i, sizeof b);                       \
            x[i] = (b & (U)(INF)) == (U)(INF) ? 0.0 : VALUE(b);                \
        }                                                                      \
        extract_sum(x, padded, amax_bits, low_bit, bins, &acc->fl.sum);        \
    }                                                                          \
    static void NAME##_reduce(const unsigned char *p, size_t n, bool swap, ms_acc *acc) \
    {                                                                          \
        _Alignas(64) U swapped[FBLOCK];                                        \
        exponent_bins bins;                                                    \
        bins.ready = false;                                                    \
        ms_fp_saved fp = ms_fp_enter();     /* subnormals kept: exact_sum.h */ \
        for (size_t start = 0; start < n; start += FBLOCK) {                   \
            size_t m = n - start < FBLOCK ? n - start : FBLOCK;                \
            const unsigned char *block = p + sizeof(U) * start;                \
            if (swap) {                                                        \
                memcpy(swapped, block, sizeof(U) * m);                         \
                for (size_t i = 0; i < m; i++)                                 \
                    swapped[i] = (U)SWAP_OF_##NAME(swapped[i]);                \
                block = (const unsigned char *)swapped;                        \
            }                                                                  \
            NAME##_block(block, m, &bins, acc);                                \
        }                                                                      \
        bins_flush(&bins, &acc->fl.sum);                                       \
        ms_fp_leave(fp);                                                       \
        acc->count += n;                                                       \
    }

#define SWAP_OF_f16 BSWAP16
#define SWAP_OF_bf16 BSWAP16
#define SWAP_OF_f32 BSWAP32

/* binary16 never needs splitting: each of its values is a multiple of
 * 2^-24 below 2^16, so any 2^13 of them add up exactly in binary64, and
 * its survey always finds the block on one step. */
DEFINE_BLOCKS(f16, uint16_t, int16_t, SIGN16, 0x7c00u, 10, f16_value, WIDE_STEP)
DEFINE_BLOCKS(bf16, uint16_t, int16_t, SIGN16, 0x7f80u, 7, bf16_value, WIDE_STEP)
DEFINE_BLOCKS(f32, uint32_t, int32_t, SIGN32, 0x7f800000u, 23, f32_value, WIDE_STEP)

static void r_f16(const unsigned char *p, size_t n, ms_acc *acc) { f16_reduce(p, n, false, acc); }
static void r_f16s(const unsigned char *p, size_t n, ms_acc *acc) { f16_reduce(p, n, true, acc); }
static void r_bf16(const unsigned char *p, size_t n, ms_acc *acc) { bf16_reduce(p, n, false, acc); }
static void r_bf16s(const unsigned char *p, size_t n, ms_acc *acc) { bf16_reduce(p, n, true, acc); }
static void r_f32(const unsigned char *p, size_t n, ms_acc *acc) { f32_reduce(p, n, false, acc); }
static void r_f32s(const unsigned char *p, size_t n, ms_acc *acc) { f32_reduce(p, n, true, acc); }
