/* Shared by the libFuzzer harnesses: the input as a C string, and a check
 * that aborts (a finding) with a message. */
#ifndef MAPSCAN_FUZZ_H
#define MAPSCAN_FUZZ_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* A NUL-terminated copy of the input, cut at its first NUL. */
static inline char *fuzz_string(const unsigned char *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static inline void fuzz_write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        FUZZ_CHECK(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* The input read as numbers: up to 8 bytes at a time, little-endian,
 * zeros past its end. */
typedef struct fuzz_input {
    const unsigned char *p;
    size_t left;
} fuzz_input;

static inline uint64_t fuzz_take(fuzz_input *in, size_t bytes)
{
    uint64_t v = 0;
    for (size_t b = 0; b < bytes && in->left; b++, in->p++, in->left--)
        v |= (uint64_t)*in->p << (8 * b);
    return v;
}

/* A quantile from the input: one of the hard ones by name, a multiple of
 * 1/63, a fraction with a tiny exponent, or any binary64 folded into [0, 1]. */
static inline double fuzz_take_q(fuzz_input *in)
{
    static const double named[] = { 0, 1, 0.5, 0.25, 0.75, 1.0 / 3, 0.1, 1e-300, 5e-324, 0x1.fffffffffffffp-1,
                                    0.999999999, 0x1p-1022, 0.9, 2.0 / 3, 1e-9, 0.5 + 0x1p-53 };
    unsigned kind = (unsigned)fuzz_take(in, 1);
    switch (kind & 3) {
    case 0: return named[(kind >> 2) % (sizeof named / sizeof named[0])];
    case 1: return (double)(kind >> 2) / 63;
    case 2: return ldexp((double)(fuzz_take(in, 8) >> 11), -53 - (int)(kind >> 2));
    default: {
        uint64_t bits = fuzz_take(in, 8);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isnan(x))
            return 0.5;
        x = fabs(x);
        return x > 1 ? 1 / x : x;
    }
    }
}

#endif
