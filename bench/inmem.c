/* The ceiling: the scan's own reduction kernels over a buffer already in
 * memory (no file, no page faults), on 1..N threads through the scan's pool.
 * Usage: inmem [MiB] [threads...]; prints CSV: kernel,threads,gb_per_s. */
#include "../src/io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    const unsigned char *data;
    size_t bytes;
    unsigned threads;
    ms_reduce_fn reduce;
    ms_acc acc[64];
} run;

static void work(unsigned i, void *arg)
{
    run *r = arg;
    size_t per = r->bytes / r->threads / 4 * 4;
    ms_acc_init(&r->acc[i]);
    r->reduce(r->data + i * per, per / 4, &r->acc[i]);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    size_t bytes = mib << 20;
    unsigned char *data = malloc(bytes);
    if (!data)
        return 1;
    for (size_t i = 0; i < bytes; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    static const char *kernels[] = { "avx512", "avx2", "scalar" };
    unsigned counts[16] = { 1 }, ncounts = 1;
    if (argc > 2)
        for (ncounts = 0; ncounts < 16 && (int)ncounts + 2 < argc; ncounts++)
            counts[ncounts] = (unsigned)strtoul(argv[ncounts + 2], NULL, 10);
    printf("kernel,threads,gb_per_s\n");
    for (size_t k = 0; k < 3; k++) {
        const ms_kernel *kernel = ms_kernel_find(kernels[k]);
        if (!kernel)
            continue;
        for (unsigned c = 0; c < ncounts; c++) {
            run r = { data, bytes, counts[c] > 64 ? 64 : counts[c], kernel->reduce[MAPSCAN_I32][0], { { 0 } } };
            double best = 1e9;
            for (int rep = 0; rep < 5; rep++) {
                double t0 = ms_now();
                ms_pool_run(r.threads, r.threads <= ms_topo_pus(), work, NULL, &r);
                double t = ms_now() - t0;
                best = t < best ? t : best;
            }
            printf("%s,%u,%.2f\n", kernel->name, r.threads, (double)bytes / best / 1e9);
        }
    }
    free(data);
    return 0;
}
