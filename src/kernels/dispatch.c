/*
 * Which kernel a scan runs: the best the CPU and the OS (saved vector
 * state) support, found once per process and cached; or the one named by
 * the scan's options or by MAPSCAN_KERNEL (read at each choice, so that a
 * program may change it between scans), when supported here.
 */
#include "kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(MAPSCAN_HAVE_X86_KERNELS)
#include <cpuid.h>
#endif

static bool avx2_ok, avx512_ok;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

#if defined(MAPSCAN_HAVE_X86_KERNELS)
/* F16C (the binary16 conversions the AVX2 and AVX-512 kernels use), read
 * from CPUID: clang's __builtin_cpu_supports does not know its name. */
static bool has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
#endif

static void detect(void)
{
#if defined(MAPSCAN_HAVE_X86_KERNELS)
    __builtin_cpu_init();
    avx2_ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && has_f16c();
    avx512_ok = avx2_ok && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#endif
}

static bool supported(const ms_kernel *k)
{
    pthread_once(&detect_once, detect);
#if defined(MAPSCAN_HAVE_X86_KERNELS)
    if (k == &ms_kernel_avx512)
        return avx512_ok;
    if (k == &ms_kernel_avx2)
        return avx2_ok;
#endif
    return k == &ms_kernel_scalar;
}

static const ms_kernel *const all_kernels[] = {
#if defined(MAPSCAN_HAVE_X86_KERNELS)
    &ms_kernel_avx512,
    &ms_kernel_avx2,
#endif
    &ms_kernel_scalar,
};

static const ms_kernel *by_name(const char *name)
{
    for (size_t i = 0; i < sizeof all_kernels / sizeof all_kernels[0]; i++)
        if (strcmp(all_kernels[i]->name, name) == 0)
            return supported(all_kernels[i]) ? all_kernels[i] : NULL;
    return NULL;
}

static const ms_kernel *best(void)
{
    for (size_t i = 0; i < sizeof all_kernels / sizeof all_kernels[0]; i++)
        if (supported(all_kernels[i]))
            return all_kernels[i];      /* the flags are cached: a walk of three pointers */
    return &ms_kernel_scalar;
}

const char *ms_kernel_from_environment(void)
{
    const char *forced = getenv("MAPSCAN_KERNEL");
    return forced && *forced ? forced : NULL;
}

const ms_kernel *ms_kernel_find(const char *name)
{
    if (name)
        return by_name(name);
    const char *forced = ms_kernel_from_environment();
    return forced ? by_name(forced) : best();
}

bool mapscan_kernel_known(const char *name)
{
    for (size_t i = 0; name && i < sizeof all_kernels / sizeof all_kernels[0]; i++)
        if (strcmp(all_kernels[i]->name, name) == 0)
            return true;
    return false;
}

const char *mapscan_kernel_default(void)
{
    const ms_kernel *k = ms_kernel_find(NULL);
    return k ? k->name : NULL;
}

bool mapscan_kernel_available(const char *name)
{
    return name && by_name(name) != NULL;
}

ms_reducer ms_reducer_make(const ms_kernel *kernel, mapscan_type type, bool swap, size_t stride)
{
    size_t elem = mapscan_type_size(type);
    unsigned log2 = elem == 1 ? 0 : elem == 2 ? 1 : elem == 4 ? 2 : 3;
    ms_reducer r = { .reduce = kernel->reduce[type][swap], .squares = kernel->squares[type][swap],
                     .gather = kernel->gather[log2], .elem = elem, .stride = stride, .type = type, .swap = swap,
                     .main = true };
    return r;
}
