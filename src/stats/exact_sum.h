/* The exact sum of binary floating-point values (see exact_sum.c). */
#ifndef MAPSCAN_EXACT_SUM_H
#define MAPSCAN_EXACT_SUM_H

#include "../common/common.h"

/* Adds the binary64 value with these bits (NaN ignored). */
void ms_exact_add_bits(mapscan_exact_sum *sum, uint64_t bits);
/* Adds value * 2^shift units (2^(shift - 1074)); shift < 2098. */
void ms_exact_add_wide(mapscan_exact_sum *sum, ms_i128 value, unsigned shift);
/* Whether the finite part is zero. */
bool ms_exact_is_zero(const mapscan_exact_sum *sum);

#endif
