/*
 * The order-preserving keys of every type, at the type's own width: a
 * signed integer's bits with the sign bit flipped; a float's bits with the
 * sign bit set when it is positive and every bit flipped when it is
 * negative, so that -inf < ... < -0 < +0 < ... < +inf, with NaN beyond
 * the infinities at both ends (the counting passes leave NaN out). The
 * quantiles' refinement counts digits of these keys (stats/select.c).
 */
#include "kernels.h"

#include <math.h>
#include <string.h>

static uint64_t load(const unsigned char *p, size_t size, bool swap)
{
    uint8_t b8;
    uint16_t b16;
    uint32_t b32;
    uint64_t b64;
    switch (size) {
    case 1: memcpy(&b8, p, 1); return b8;
    case 2: memcpy(&b16, p, 2); return swap ? __builtin_bswap16(b16) : b16;
    case 4: memcpy(&b32, p, 4); return swap ? __builtin_bswap32(b32) : b32;
    default: memcpy(&b64, p, 8); return swap ? __builtin_bswap64(b64) : b64;
    }
}

/* A float type's +inf bits; 0 for the integer types. */
static uint64_t inf_bits(mapscan_type type)
{
    switch (type) {
    case MAPSCAN_F16: return 0x7c00u;
    case MAPSCAN_BF16: return 0x7f80u;
    case MAPSCAN_F32: return 0x7f800000u;
    case MAPSCAN_F64: return 0x7ff0000000000000u;
    default: return 0;
    }
}

uint64_t ms_key_of(mapscan_type type, bool swap, const unsigned char *p, bool *nan)
{
    size_t size = mapscan_type_size(type);
    unsigned bits = (unsigned)size * 8;
    uint64_t sign = (uint64_t)1 << (bits - 1), ones = sign | (sign - 1);
    uint64_t b = load(p, size, swap);
    *nan = false;
    if (!mapscan_type_is_float(type))
        return mapscan_type_is_signed(type) ? b ^ sign : b;
    *nan = (b & (sign - 1)) > inf_bits(type);
    return b & sign ? ~b & ones : b | sign;
}

/* A float type's bits as binary64, exactly. */
static double float_value(mapscan_type type, uint64_t b)
{
    double v;
    uint32_t single;
    float f;
    switch (type) {
    case MAPSCAN_F64:
        memcpy(&v, &b, 8);
        return v;
    case MAPSCAN_F32:
    case MAPSCAN_BF16:
        single = (uint32_t)(type == MAPSCAN_BF16 ? b << 16 : b);
        memcpy(&f, &single, 4);
        return f;
    default: {
        unsigned exponent = (unsigned)(b >> 10) & 0x1fu, fraction = (unsigned)b & 0x3ffu;
        double magnitude = exponent == 0x1f ? (fraction ? NAN : INFINITY)
                           : exponent ? ldexp(1024 + fraction, (int)exponent - 25)
                                      : ldexp(fraction, -24);
        return b & 0x8000u ? -magnitude : magnitude;
    }
    }
}

double ms_key_value(mapscan_type type, uint64_t key)
{
    unsigned bits = (unsigned)mapscan_type_size(type) * 8;
    uint64_t sign = (uint64_t)1 << (bits - 1), ones = sign | (sign - 1);
    if (!mapscan_type_is_float(type)) {
        uint64_t v = mapscan_type_is_signed(type) ? key ^ sign : key;
        if (!mapscan_type_is_signed(type))
            return (double)v;
        return (double)(int64_t)(v & sign ? v | ~ones : v);  /* sign-extended */
    }
    return float_value(type, key & sign ? key & ~sign : ~key & ones);
}

size_t ms_find_first(mapscan_type type, bool swap, const unsigned char *p, size_t n, size_t stride, ms_i128 target)
{
    size_t size = mapscan_type_size(type);
    unsigned bits = (unsigned)size * 8;
    bool is_float = mapscan_type_is_float(type), is_signed = mapscan_type_is_signed(type);
    for (size_t i = 0; i < n; i++) {
        uint64_t b = load(p + i * stride, size, swap);
        ms_i128 v;
        if (is_float) {
            double d = float_value(type, b);
            if (isnan(d))
                continue;       /* never the min or max */
            uint64_t db;
            memcpy(&db, &d, 8);
            v = ms_float_key(db);
        } else if (is_signed && bits < 64) {
            v = (ms_i128)(int64_t)(b << (64 - bits)) >> (64 - bits);
        } else {
            v = is_signed ? (ms_i128)(int64_t)b : (ms_i128)b;
        }
        if (v == target)
            return i;
    }
    return n;
}
