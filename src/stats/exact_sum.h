/* The exact sum of binary floating-point values (see exact_sum.c). */
#ifndef MAPSCAN_EXACT_SUM_H
#define MAPSCAN_EXACT_SUM_H

#include "../common/common.h"

/* The float arithmetic of the kernels (conversions, the splitting of
 * values) and of the rounding is exact in IEEE 754's default environment
 * only, and threads inherit their creator's. A program built with
 * -ffast-math, or one that loaded a library built so, runs with x86's
 * flush-to-zero and denormals-are-zero flags (AArch64's FZ) set: subnormal
 * values and results would count as 0. Under a directed rounding
 * (fesetround), a value far smaller than the block's sigma would be
 * split into a whole step and a remainder that is not exact. ms_fp_enter
 * sets the default for the span of a call (subnormals kept, round to
 * nearest) and returns the caller's state, which ms_fp_leave puts back. */
#if defined(__SSE2__)
#include <xmmintrin.h>
typedef unsigned ms_fp_saved;
static inline ms_fp_saved ms_fp_enter(void)
{
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr & ~(0x8000u | 0x0040u | 0x6000u));     /* FTZ, DAZ, rounding control */
    return csr;
}
static inline void ms_fp_leave(ms_fp_saved csr) { _mm_setcsr(csr); }
#else
#include <fenv.h>
typedef fenv_t ms_fp_saved;
static inline ms_fp_saved ms_fp_enter(void)
{
    fenv_t env;
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    return env;
}
static inline void ms_fp_leave(ms_fp_saved env) { fesetenv(&env); }
#endif

/* Adds the binary64 value with these bits (NaN ignored). */
void ms_exact_add_bits(mapscan_exact_sum *sum, uint64_t bits);
/* Adds value * 2^shift units (2^(shift - 1074)); shift < 2098. */
void ms_exact_add_wide(mapscan_exact_sum *sum, ms_i128 value, unsigned shift);

#endif
