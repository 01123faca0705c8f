/* The reduction loops of reduce_impl.h, built with the vectorizer off: the portable path. */
#define KERNEL_TABLE ms_kernel_scalar
#define KERNEL_NAME "scalar"
#define FLOAT_VECTOR_BYTES 8
#include "reduce_impl.h"
