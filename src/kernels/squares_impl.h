/*
 * The exact sum of squares, for var and std: written once and compiled per
 * instruction set with the other kernels (included by reduce_impl.h).
 *
 * Integers: the square of an 8- or 16-bit value fits 32 bits and of a
 * 32-bit one 64; they are summed in 64-bit lanes (a 32-bit value's square
 * as two 32-bit halves) inside blocks too short for a lane to overflow,
 * and each block's total goes into the wide sum. A 64-bit value's square
 * needs 128 bits: one multiply each, summed into 192 bits.
 *
 * binary16, bfloat16, binary32: a square is an exact binary64 value (24
 * bits of mantissa squared are 48), so a block of squares is summed exactly
 * by the float kernels' own extraction (float_impl.h) into small_squares.
 * binary64: a square needs 106 bits; its mantissa squared goes into a
 * 128-bit bin per exponent, and the bins into the wide sum at the end of
 * the call.
 */

#define DEFINE_SQUARES_16(FN, T, U, SWAP)                                       \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        const size_t block = (size_t)1 << 31;   /* squares < 2^32 */           \
        for (size_t start = 0; start < n; start += block) {                    \
            size_t end = n - start < block ? n : start + block;                \
            uint64_t s = 0;                                                    \
            for (size_t i = start; i < end; i++) {                             \
                U raw;                                                         \
                memcpy(&raw, p + i * sizeof(U), sizeof(U));                    \
                int32_t v = (T)SWAP(raw);                                      \
                s += (uint32_t)v * (uint32_t)v;                                \
            }                                                                  \
            ms_squares_add(&acc->squares, s, 0);                               \
        }                                                                      \
    }

#define DEFINE_SQUARES_32(FN, T, SWAP)                                         \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        const size_t block = (size_t)1 << 31;                                  \
        for (size_t start = 0; start < n; start += block) {                    \
            size_t end = n - start < block ? n : start + block;                \
            uint64_t low = 0, high = 0;                                        \
            for (size_t i = start; i < end; i++) {                             \
                uint32_t raw;                                                  \
                memcpy(&raw, p + i * 4, 4);                                    \
                int64_t v = (T)SWAP(raw);                                      \
                uint64_t sq = (uint64_t)v * (uint64_t)v;                       \
                low += sq & 0xffffffffu;                                       \
                high += sq >> 32;                                              \
            }                                                                  \
            ms_squares_add(&acc->squares, ((ms_u128)high << 32) + low, 0);     \
        }                                                                      \
    }

#define DEFINE_SQUARES_64(FN, SIGNED, SWAP)                                       \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        ms_u128 low = 0;                                                       \
        uint64_t high = 0;      /* carries out of low: units of 2^128 */      \
        for (size_t i = 0; i < n; i++) {                                       \
            uint64_t raw;                                                      \
            memcpy(&raw, p + i * 8, 8);                                        \
            raw = SWAP(raw);                                                   \
            uint64_t magnitude = (SIGNED) && (raw >> 63) ? 0 - raw : raw;      \
            ms_u128 sq = (ms_u128)magnitude * magnitude;                       \
            low += sq;                                                         \
            high += low < sq;                                                  \
        }                                                                      \
        ms_squares_add(&acc->squares, low, 0);                                 \
        if (high)                                                              \
            ms_squares_add(&acc->squares, high, 128);                          \
    }

DEFINE_SQUARES_16(s_i8, int8_t, uint8_t, NOSWAP)
DEFINE_SQUARES_16(s_u8, uint8_t, uint8_t, NOSWAP)
DEFINE_SQUARES_16(s_i16, int16_t, uint16_t, NOSWAP)
DEFINE_SQUARES_16(s_u16, uint16_t, uint16_t, NOSWAP)
DEFINE_SQUARES_16(s_i16s, int16_t, uint16_t, BSWAP16)
DEFINE_SQUARES_16(s_u16s, uint16_t, uint16_t, BSWAP16)
DEFINE_SQUARES_32(s_i32, int32_t, NOSWAP)
DEFINE_SQUARES_32(s_u32, uint32_t, NOSWAP)
DEFINE_SQUARES_32(s_i32s, int32_t, BSWAP32)
DEFINE_SQUARES_32(s_u32s, uint32_t, BSWAP32)
DEFINE_SQUARES_64(s_i64, true, NOSWAP)
DEFINE_SQUARES_64(s_u64, false, NOSWAP)
DEFINE_SQUARES_64(s_i64s, true, BSWAP64)
DEFINE_SQUARES_64(s_u64s, false, BSWAP64)

/* A block of binary16, bfloat16 or binary32 squares, exact in binary64:
 * infinities noted, NaN left out (both as 0 in the block), then summed by
 * the extraction with the block's largest square and lowest bit. */
#define DEFINE_SQUARES_SMALL(FN, U, SWAP, INF, VALUE)                          \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        _Alignas(64) double x[FBLOCK];                                         \
        U raw[FBLOCK];                                                         \
        exponent_bins bins;                                                    \
        bins.ready = false;                                                    \
        ms_fp_saved fp = ms_fp_enter();                                        \
        for (size_t start = 0; start < n; start += FBLOCK) {                   \
            size_t m = n - start < FBLOCK ? n - start : FBLOCK;                \
            uint64_t amax = 0, least = 0x7ff;                                  \
            U infinities = 0;                                                  \
            memcpy(raw, p + start * sizeof(U), m * sizeof(U));                 \
            /* masks, not selects: GCC vectorizes a min or max fed by them */ \
            for (size_t i = 0; i < m; i++) {                                   \
                U magnitude = (U)((U)SWAP(raw[i]) & (U)((INF) | ((INF) - 1))); \
                infinities |= (U)(magnitude == (U)(INF));                      \
                double v = VALUE(magnitude);                                   \
                uint64_t keep = 0u - (uint64_t)(magnitude < (U)(INF));         \
                uint64_t sq = bits_of_double(v * v) & keep;                    \
                x[i] = double_of_bits(sq);                                     \
                amax = sq > amax ? sq : amax;                                  \
                uint64_t exponent = (sq >> 52) | (0x7ffu & (0u - (uint64_t)(sq == 0))); \
                least = exponent < least ? exponent : least;                   \
            }                                                                  \
            acc->small_squares.pos_inf |= infinities != 0;                     \
            size_t padded = (m + FLANES - 1) / FLANES * FLANES;                \
            for (size_t i = m; i < padded; i++)                                \
                x[i] = 0;                                                      \
            extract_sum(x, padded, amax, (int)least - 1075, &bins, &acc->small_squares); \
        }                                                                      \
        bins_flush(&bins, &acc->small_squares);                                \
        ms_fp_leave(fp);                                                       \
    }

DEFINE_SQUARES_SMALL(s_f16, uint16_t, NOSWAP, 0x7c00u, f16_value)
DEFINE_SQUARES_SMALL(s_f16s, uint16_t, BSWAP16, 0x7c00u, f16_value)
DEFINE_SQUARES_SMALL(s_bf16, uint16_t, NOSWAP, 0x7f80u, bf16_value)
DEFINE_SQUARES_SMALL(s_bf16s, uint16_t, BSWAP16, 0x7f80u, bf16_value)
DEFINE_SQUARES_SMALL(s_f32, uint32_t, NOSWAP, 0x7f800000u, f32_value)
DEFINE_SQUARES_SMALL(s_f32s, uint32_t, BSWAP32, 0x7f800000u, f32_value)

/* Bins from lowest to highest are in use; e joins them, those between zeroed. */
static inline void widen_bins(ms_u128 *bin, unsigned *lowest, unsigned *highest, unsigned e)
{
    unsigned lo = *lowest, hi = *highest;
    if (lo > hi) {
        bin[e] = 0;
        *lowest = *highest = e;
        return;
    }
    for (unsigned k = e; k < lo; k++)
        bin[k] = 0;
    for (unsigned k = hi + 1; k <= e; k++)
        bin[k] = 0;
    *lowest = e < lo ? e : lo;
    *highest = e > hi ? e : hi;
}

/* binary64: mantissa squared into a bin of its exponent. A value
 * m * 2^(e - 1075) (e the biased exponent, at least 1) squares to m^2 *
 * 2^(2e - 2150), at bit 2e - 2 of units 2^-2148; a bin takes 2^22 squares
 * of 106 bits. */
#define DEFINE_SQUARES_F64(FN, SWAP)                                           \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        ms_u128 bin[2048];                                                     \
        const size_t block = (size_t)1 << 22;                                  \
        for (size_t start = 0; start < n; start += block) {                    \
            size_t end = n - start < block ? n : start + block;                \
            unsigned lowest = 2047, highest = 0;                               \
            for (size_t i = start; i < end; i++) {                             \
                uint64_t b;                                                    \
                memcpy(&b, p + i * 8, 8);                                      \
                b = SWAP(b);                                                   \
                unsigned e = (unsigned)(b >> 52) & 0x7ffu;                     \
                uint64_t m = (b & (((uint64_t)1 << 52) - 1)) | ((uint64_t)(e != 0) << 52); \
                if (e == 0x7ff) {                                              \
                    acc->squares.inf |= m == ((uint64_t)1 << 52);              \
                    continue;                                                  \
                }                                                              \
                e = e ? e : 1;                                                 \
                if (e < lowest || e > highest)                                 \
                    widen_bins(bin, &lowest, &highest, e);                     \
                bin[e] += (ms_u128)m * m;                                      \
            }                                                                  \
            for (unsigned e = lowest; e <= highest; e++)                       \
                if (bin[e])                                                    \
                    ms_squares_add(&acc->squares, bin[e], 2 * e - 2);          \
        }                                                                      \
    }

DEFINE_SQUARES_F64(s_f64, NOSWAP)
DEFINE_SQUARES_F64(s_f64s, BSWAP64)
