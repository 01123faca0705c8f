/* The reduction kernels, one file per instruction set, and their dispatch. */
#ifndef MAPSCAN_KERNELS_H
#define MAPSCAN_KERNELS_H

#include "../stats/acc.h"

/* ---- dispatch.c, reduce_*.c ----
 * A kernel folds n elements starting at p (any alignment) into acc.
 * Tables are indexed [type][swap], swap = 1 when the file's byte order is
 * not the host's. */
typedef void (*ms_reduce_fn)(const unsigned char *p, size_t n, ms_acc *acc);

/* Copies the n elements at p, p + stride, ... to out, packed. */
typedef void (*ms_gather_fn)(const unsigned char *p, size_t n, size_t stride, unsigned char *out);

typedef struct ms_kernel {
    const char *name;
    ms_reduce_fn reduce[MAPSCAN_TYPE_COUNT][2];
    ms_gather_fn gather[4];     /* by element size: 1, 2, 4, 8 bytes */
} ms_kernel;

/* The reduction of one layout: contiguous elements, or one element of
 * each record (stride > 0: the record size; p then points at the first
 * record's field). */
typedef struct ms_reducer {
    ms_reduce_fn reduce;
    ms_gather_fn gather;
    size_t elem, stride;
} ms_reducer;

ms_reducer ms_reducer_make(const ms_kernel *kernel, mapscan_type type, bool swap, size_t stride);
/* Folds n elements (records) into acc. */
void ms_reduce_strided(const ms_reducer *r, const unsigned char *p, size_t n, ms_acc *acc);
static inline void ms_reduce(const ms_reducer *r, const unsigned char *p, size_t n, ms_acc *acc)
{
    if (r->stride)
        ms_reduce_strided(r, p, n, acc);
    else
        r->reduce(p, n, acc);
}

extern const ms_kernel ms_kernel_scalar;
#if defined(MAPSCAN_HAVE_X86_KERNELS)
extern const ms_kernel ms_kernel_avx2;
extern const ms_kernel ms_kernel_avx512;
#endif

/* NULL name: the default. Returns NULL for an unknown or unsupported name. */
const ms_kernel *ms_kernel_find(const char *name);
/* MAPSCAN_KERNEL when set and not empty, else NULL. */
const char *ms_kernel_from_environment(void);

#endif
