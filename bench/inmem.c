/* The ceiling: the scan's own reduction kernels over a buffer already in
 * memory (no file, no page faults), on 1..N threads through the scan's pool.
 * Usage: inmem [-t TYPE] [-k KERNEL] [-f FILE] [MiB] [threads...]
 *   -t TYPE    element type as for mapscan -t (default i32)
 *   -k KERNEL  only this kernel (default: avx512, avx2 and scalar, those this CPU runs)
 *   -f FILE    the buffer holds FILE's first MiB (default: a fixed byte pattern, which for
 *              the float types means NaNs and every exponent: give a file of real data)
 * Prints CSV: kernel,threads,gb_per_s,type (the best of 5 passes). */
#include "../src/io/io.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run {
    const unsigned char *data;
    size_t bytes, elem;
    unsigned threads;
    ms_reduce_fn reduce;
    ms_acc acc[64];
} run;

static void work(unsigned i, void *arg)
{
    run *r = arg;
    size_t per = r->bytes / r->threads / r->elem * r->elem;
    ms_acc_init(&r->acc[i]);
    r->reduce(r->data + i * per, per / r->elem, &r->acc[i]);
}

static int fill_from(const char *path, unsigned char *data, size_t bytes)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    size_t got = 0;
    while (got < bytes) {
        ssize_t n = pread(fd, data + got, bytes - got, (off_t)got);
        if (n <= 0) {
            fprintf(stderr, "%s: shorter than %zu bytes\n", path, bytes);
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    mapscan_type type = MAPSCAN_I32;
    const char *only = NULL, *file = NULL;
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (!strcmp(argv[a], "-t")) {
            mapscan_endian endian;
            bool endian_given;
            if (!mapscan_type_parse(argv[a + 1], &type, &endian, &endian_given)) {
                fprintf(stderr, "inmem: unknown type %s\n", argv[a + 1]);
                return 2;
            }
        } else if (!strcmp(argv[a], "-k")) {
            only = argv[a + 1];
        } else if (!strcmp(argv[a], "-f")) {
            file = argv[a + 1];
        } else {
            fprintf(stderr, "usage: inmem [-t TYPE] [-k KERNEL] [-f FILE] [MiB] [threads...]\n");
            return 2;
        }
    }
    size_t mib = argc > a ? strtoul(argv[a], NULL, 10) : 1024;
    size_t bytes = mib << 20, elem = mapscan_type_size(type);
    unsigned char *data = malloc(bytes);
    if (!data)
        return 1;
    if (file) {
        if (fill_from(file, data, bytes) != 0)
            return 1;
    } else {
        for (size_t i = 0; i < bytes; i++)
            data[i] = (unsigned char)(i * 2654435761u >> 13);
    }
    static const char *kernels[] = { "avx512", "avx2", "scalar" };
    unsigned counts[16] = { 1 }, ncounts = 1;
    if (argc > a + 1)
        for (ncounts = 0; ncounts < 16 && (int)ncounts + a + 1 < argc; ncounts++)
            counts[ncounts] = (unsigned)strtoul(argv[ncounts + a + 1], NULL, 10);
    printf("kernel,threads,gb_per_s,type\n");
    for (size_t k = 0; k < 3; k++) {
        const ms_kernel *kernel = ms_kernel_find(kernels[k]);
        if (!kernel || (only && strcmp(only, kernels[k])))
            continue;
        for (unsigned c = 0; c < ncounts; c++) {
            run r = { data, bytes, elem, counts[c] > 64 ? 64 : counts[c], kernel->reduce[type][0], { { 0 } } };
            double best = 1e9;
            for (int rep = 0; rep < 5; rep++) {
                double t0 = ms_now();
                ms_pool_run(r.threads, r.threads <= ms_topo_pus(), work, NULL, &r);
                double t = ms_now() - t0;
                best = t < best ? t : best;
            }
            printf("%s,%u,%.2f,%s\n", kernel->name, r.threads, (double)bytes / best / 1e9, mapscan_type_name(type));
        }
    }
    free(data);
    return 0;
}
