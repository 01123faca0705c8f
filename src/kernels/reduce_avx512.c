/* The reduction loops of reduce_impl.h, built with -m flags for avx512 only (see Makefile). */
#define KERNEL_TABLE ms_kernel_avx512
#define KERNEL_NAME "avx512"
#define FLOAT_VECTOR_BYTES 64
#include "reduce_impl.h"
