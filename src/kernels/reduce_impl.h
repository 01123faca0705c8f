/*
 * The fused min/max/sum loops, written once and compiled once per
 * instruction set: reduce_scalar.c (vectorizer off), reduce_avx2.c and
 * reduce_avx512.c (compiled with those -m flags). The includer defines
 * KERNEL_TABLE, the name of the ms_kernel it exports, and KERNEL_NAME.
 *
 * Each loop is kept plain so that the compiler vectorizes it: loads through
 * memcpy (any alignment), an optional byte swap, and three reductions.
 * Sums go into narrow lanes inside blocks short enough that a lane cannot
 * overflow, and into a 128-bit total between blocks. 64-bit values are
 * summed as two 32-bit halves, after flipping the sign bit of signed
 * values so that both halves are unsigned (the bias is taken off at the end).
 * 32-bit values are summed as two 16-bit halves in 32-bit lanes: shifts,
 * masks and adds, where widening each value to 64 bits needs cross-lane
 * shuffles that cost a third of the speed on AVX-512.
 */
#include "kernels.h"
#include "../stats/exact_sum.h"

#include <math.h>
#include <string.h>

#define BSWAP8(x) (x)
#define BSWAP16(x) __builtin_bswap16(x)
#define BSWAP32(x) __builtin_bswap32(x)
#define BSWAP64(x) __builtin_bswap64(x)
#define NOSWAP(x) (x)

static inline void fold(ms_acc *acc, uint64_t n, ms_i128 min, ms_i128 max, ms_i128 sum)
{
    ms_acc_fold_ints(acc, n, min, max, sum);
}

/* 8-, 16- and 32-bit elements: T is the element type, U the unsigned type
 * of the same size, LANE the per-block sum type, BLOCK its element count. */
#define DEFINE_NARROW(FN, T, U, SWAP, LANE, BLOCK, TMIN, TMAX)                  \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        T lo = TMAX, hi = TMIN;                                                \
        ms_i128 total = 0;                                                     \
        for (size_t start = 0; start < n; start += (BLOCK)) {                  \
            size_t end = n - start < (BLOCK) ? n : start + (BLOCK);            \
            LANE s = 0;                                                        \
            for (size_t i = start; i < end; i++) {                             \
                U raw;                                                         \
                memcpy(&raw, p + i * sizeof(U), sizeof(U));                    \
                T v = (T)SWAP(raw);                                            \
                lo = v < lo ? v : lo;                                          \
                hi = v > hi ? v : hi;                                          \
                s += v;                                                        \
            }                                                                  \
            total += s;                                                        \
        }                                                                      \
        fold(acc, n, lo, hi, total);                                           \
    }

/* 32-bit elements: SIGNED_HALF is int32_t for signed types (arithmetic
 * shift), uint32_t for unsigned. Per block of 2^15 elements the high-half
 * lane sum stays within 2^31 and the low-half one within 2^31. */
#define DEFINE_32(FN, T, SWAP, HALF, TMIN, TMAX)                               \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        T lo = TMAX, hi = TMIN;                                                \
        ms_i128 total = 0;                                                     \
        const size_t block = (size_t)1 << 15;                                  \
        for (size_t start = 0; start < n; start += block) {                    \
            size_t end = n - start < block ? n : start + block;                \
            HALF high_half = 0;                                                \
            uint32_t low_half = 0;                                             \
            for (size_t i = start; i < end; i++) {                             \
                uint32_t raw;                                                  \
                memcpy(&raw, p + i * 4, 4);                                    \
                T v = (T)SWAP(raw);                                            \
                lo = v < lo ? v : lo;                                          \
                hi = v > hi ? v : hi;                                          \
                high_half += (HALF)(v >> 16);                                  \
                low_half += (uint32_t)v & 0xffffu;                             \
            }                                                                  \
            total += (ms_i128)high_half * 65536 + (ms_i128)low_half;           \
        }                                                                      \
        fold(acc, n, lo, hi, total);                                           \
    }

#define DEFINE_WIDE(FN, T, SWAP, BIAS, TMIN, TMAX)                             \
    static void FN(const unsigned char *p, size_t n, ms_acc *acc)              \
    {                                                                          \
        T lo = TMAX, hi = TMIN;                                                \
        ms_i128 total = 0;                                                     \
        const size_t block = (size_t)1 << 30;                                  \
        for (size_t start = 0; start < n; start += block) {                    \
            size_t end = n - start < block ? n : start + block;                \
            uint64_t low_half = 0, high_half = 0;                              \
            for (size_t i = start; i < end; i++) {                             \
                uint64_t raw;                                                  \
                memcpy(&raw, p + i * 8, 8);                                    \
                raw = SWAP(raw);                                               \
                T v = (T)raw;                                                  \
                lo = v < lo ? v : lo;                                          \
                hi = v > hi ? v : hi;                                          \
                uint64_t biased = raw ^ (BIAS);                                \
                low_half += biased & 0xffffffffu;                              \
                high_half += biased >> 32;                                     \
            }                                                                  \
            total += ((ms_i128)high_half << 32) + (ms_i128)low_half;           \
            total -= (ms_i128)(end - start) * (ms_i128)(BIAS);                 \
        }                                                                      \
        fold(acc, n, lo, hi, total);                                           \
    }

#define SIGN64 ((uint64_t)1 << 63)

DEFINE_NARROW(r_i8, int8_t, uint8_t, NOSWAP, int32_t, (size_t)1 << 23, INT8_MIN, INT8_MAX)
DEFINE_NARROW(r_u8, uint8_t, uint8_t, NOSWAP, uint32_t, (size_t)1 << 23, 0, UINT8_MAX)
DEFINE_NARROW(r_i16, int16_t, uint16_t, NOSWAP, int32_t, (size_t)1 << 15, INT16_MIN, INT16_MAX)
DEFINE_NARROW(r_u16, uint16_t, uint16_t, NOSWAP, uint32_t, (size_t)1 << 16, 0, UINT16_MAX)
DEFINE_NARROW(r_i16s, int16_t, uint16_t, BSWAP16, int32_t, (size_t)1 << 15, INT16_MIN, INT16_MAX)
DEFINE_NARROW(r_u16s, uint16_t, uint16_t, BSWAP16, uint32_t, (size_t)1 << 16, 0, UINT16_MAX)
DEFINE_32(r_i32, int32_t, NOSWAP, int32_t, INT32_MIN, INT32_MAX)
DEFINE_32(r_u32, uint32_t, NOSWAP, uint32_t, 0, UINT32_MAX)
DEFINE_32(r_i32s, int32_t, BSWAP32, int32_t, INT32_MIN, INT32_MAX)
DEFINE_32(r_u32s, uint32_t, BSWAP32, uint32_t, 0, UINT32_MAX)
DEFINE_WIDE(r_i64, int64_t, NOSWAP, SIGN64, INT64_MIN, INT64_MAX)
DEFINE_WIDE(r_u64, uint64_t, NOSWAP, 0, 0, UINT64_MAX)
DEFINE_WIDE(r_i64s, int64_t, BSWAP64, SIGN64, INT64_MIN, INT64_MAX)
DEFINE_WIDE(r_u64s, uint64_t, BSWAP64, 0, 0, UINT64_MAX)

/* Records: the element at p + i * stride copied to out[i], so that the
 * loops above reduce a field of a record file from a buffer in L1. */
#define DEFINE_GATHER(FN, T)                                                   \
    static void FN(const unsigned char *p, size_t n, size_t stride, unsigned char *out) \
    {                                                                          \
        for (size_t i = 0; i < n; i++) {                                       \
            T v;                                                               \
            memcpy(&v, p + i * stride, sizeof v);                              \
            memcpy(out + i * sizeof v, &v, sizeof v);                          \
        }                                                                      \
    }

DEFINE_GATHER(g8, uint8_t)
DEFINE_GATHER(g16, uint16_t)
DEFINE_GATHER(g32, uint32_t)
DEFINE_GATHER(g64, uint64_t)

#include "float_impl.h"
#include "squares_impl.h"
#include "tally_impl.h"
#include "split_impl.h"

const ms_kernel KERNEL_TABLE = {
    KERNEL_NAME,
    {
        [MAPSCAN_I8] = { r_i8, r_i8 },
        [MAPSCAN_U8] = { r_u8, r_u8 },
        [MAPSCAN_I16] = { r_i16, r_i16s },
        [MAPSCAN_U16] = { r_u16, r_u16s },
        [MAPSCAN_I32] = { r_i32, r_i32s },
        [MAPSCAN_U32] = { r_u32, r_u32s },
        [MAPSCAN_I64] = { r_i64, r_i64s },
        [MAPSCAN_U64] = { r_u64, r_u64s },
        [MAPSCAN_F16] = { r_f16, r_f16s },
        [MAPSCAN_BF16] = { r_bf16, r_bf16s },
        [MAPSCAN_F32] = { r_f32, r_f32s },
        [MAPSCAN_F64] = { r_f64, r_f64s },
    },
    { g8, g16, g32, g64 },
    {
        [MAPSCAN_I8] = { s_i8, s_i8 },
        [MAPSCAN_U8] = { s_u8, s_u8 },
        [MAPSCAN_I16] = { s_i16, s_i16s },
        [MAPSCAN_U16] = { s_u16, s_u16s },
        [MAPSCAN_I32] = { s_i32, s_i32s },
        [MAPSCAN_U32] = { s_u32, s_u32s },
        [MAPSCAN_I64] = { s_i64, s_i64s },
        [MAPSCAN_U64] = { s_u64, s_u64s },
        [MAPSCAN_F16] = { s_f16, s_f16s },
        [MAPSCAN_BF16] = { s_bf16, s_bf16s },
        [MAPSCAN_F32] = { s_f32, s_f32s },
        [MAPSCAN_F64] = { s_f64, s_f64s },
    },
    {
        [MAPSCAN_I8] = { d_i8, d_i8 },
        [MAPSCAN_U8] = { d_u8, d_u8 },
        [MAPSCAN_I16] = { d_i16, d_i16s },
        [MAPSCAN_U16] = { d_u16, d_u16s },
        [MAPSCAN_I32] = { d_i32, d_i32s },
        [MAPSCAN_U32] = { d_u32, d_u32s },
        [MAPSCAN_I64] = { d_i64, d_i64s },
        [MAPSCAN_U64] = { d_u64, d_u64s },
        [MAPSCAN_F16] = { d_f16, d_f16s },
        [MAPSCAN_BF16] = { d_bf16, d_bf16s },
        [MAPSCAN_F32] = { d_f32, d_f32s },
        [MAPSCAN_F64] = { d_f64, d_f64s },
    },
    {
        [MAPSCAN_I8] = { b_i8, b_i8 },
        [MAPSCAN_U8] = { b_u8, b_u8 },
        [MAPSCAN_I16] = { b_i16, b_i16s },
        [MAPSCAN_U16] = { b_u16, b_u16s },
        [MAPSCAN_I32] = { b_i32, b_i32s },
        [MAPSCAN_U32] = { b_u32, b_u32s },
        [MAPSCAN_F16] = { b_f16, b_f16s },
        [MAPSCAN_BF16] = { b_bf16, b_bf16s },
        [MAPSCAN_F32] = { b_f32, b_f32s },
        [MAPSCAN_F64] = { b_f64, b_f64s },
    },
    { split1, split2, split4, split8 },
    { words4, words8 },
};
