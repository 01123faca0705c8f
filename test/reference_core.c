/* The plain reference every fast path is checked against, and test data:
 * no Criterion here, so that the fuzz harnesses share it. */
#include "reference.h"

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
