#include "reference.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void reference_reduce(const unsigned char *p, size_t n, mapscan_type type, bool big_endian, ms_acc *acc)
{
    size_t size = mapscan_type_size(type);
    for (size_t i = 0; i < n; i++) {
        uint64_t raw = 0;
        for (size_t b = 0; b < size; b++) {
            size_t byte = big_endian ? b : size - 1 - b;
            raw = (raw << 8) | p[i * size + byte];
        }
        ms_i128 v = raw;
        if (mapscan_type_is_signed(type) && (raw >> (8 * size - 1)) & 1)
            v -= (ms_i128)1 << (8 * size);
        if (acc->count == 0 || v < acc->min)
            acc->min = v;
        if (acc->count == 0 || v > acc->max)
            acc->max = v;
        acc->sum += v;
        acc->count++;
    }
}

void store_element(unsigned char *p, mapscan_type type, bool big_endian, ms_i128 value)
{
    size_t size = mapscan_type_size(type);
    ms_u128 bits = (ms_u128)value;
    for (size_t b = 0; b < size; b++)
        p[big_endian ? size - 1 - b : b] = (unsigned char)(bits >> (8 * b));
}

uint64_t test_random(uint64_t *state)
{
    /* xorshift64*: independent of the generator's splitmix64. */
    uint64_t x = *state ? *state : 88172645463325252u;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717u;
}

void write_temp_file(char *path, size_t path_len, const void *data, size_t len)
{
    snprintf(path, path_len, "/tmp/mapscan-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp failed");
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        cr_assert(n > 0, "write failed");
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

void assert_acc_equal(const ms_acc *got, const ms_acc *want, const char *what)
{
    char a[41], b[41];
    cr_assert_eq(got->count, want->count, "%s: count %llu, want %llu", what,
                 (unsigned long long)got->count, (unsigned long long)want->count);
    if (want->count == 0)
        return;
    cr_assert(got->min == want->min, "%s: min %s, want %s", what, mapscan_int128_format(ms_to_int128(got->min), a),
              mapscan_int128_format(ms_to_int128(want->min), b));
    cr_assert(got->max == want->max, "%s: max %s, want %s", what, mapscan_int128_format(ms_to_int128(got->max), a),
              mapscan_int128_format(ms_to_int128(want->max), b));
    cr_assert(got->sum == want->sum, "%s: sum %s, want %s", what, mapscan_int128_format(ms_to_int128(got->sum), a),
              mapscan_int128_format(ms_to_int128(want->sum), b));
}
