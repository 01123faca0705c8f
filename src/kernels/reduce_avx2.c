/* The reduction loops of reduce_impl.h, built with -m flags for avx2 only (see Makefile). */
#define KERNEL_TABLE ms_kernel_avx2
#define KERNEL_NAME "avx2"
#define FLOAT_VECTOR_BYTES 32
#include "reduce_impl.h"
