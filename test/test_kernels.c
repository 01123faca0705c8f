/* Every compiled kernel this CPU runs, against the plain reference. */
#include "reference.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const kernel_names[] = { "scalar", "avx2", "avx512" };

typedef enum fill { FILL_RANDOM, FILL_EXTREMES, FILL_MIN_ONLY, FILL_MAX_ONLY } fill;

static void fill_buffer(unsigned char *buf, size_t n, mapscan_type type, bool big, fill how, uint64_t *state)
{
    ms_i128 lo = ms_from_int128(mapscan_type_min(type)), hi = ms_from_int128(mapscan_type_max(type));
    size_t size = mapscan_type_size(type);
    for (size_t i = 0; i < n; i++) {
        ms_i128 v;
        uint64_t r = test_random(state);
        switch (how) {
        case FILL_EXTREMES: v = (r & 3) == 0 ? lo : (r & 3) == 1 ? hi : (r & 3) == 2 ? lo + 1 : hi - 1; break;
        case FILL_MIN_ONLY: v = lo; break;
        case FILL_MAX_ONLY: v = hi; break;
        default: v = lo + (ms_i128)(r % (uint64_t)(hi - lo)) + (ms_i128)(r & 1); break;
        }
        store_element(buf + i * size, type, big, v);
    }
}

static void check_one(const ms_kernel *k, mapscan_type type, bool big, size_t n, size_t misalign, fill how,
                      uint64_t *state)
{
    size_t size = mapscan_type_size(type);
    unsigned char *block = malloc(n * size + 64);
    unsigned char *p = block + misalign;
    fill_buffer(p, n, type, big, how, state);
    bool swap = big != (mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_BIG);
    ms_acc got, want;
    ms_acc_init(&got);
    ms_acc_init(&want);
    k->reduce[type][swap](p, n, &got);
    reference_reduce(p, n, type, big, &want);
    char what[128];
    snprintf(what, sizeof what, "%s %s %s n=%zu misalign=%zu fill=%d", k->name, mapscan_type_name(type),
             big ? "big" : "little", n, misalign, (int)how);
    assert_acc_equal(&got, &want, what);
    free(block);
}

static void check_kernel(const char *name)
{
    const ms_kernel *k = ms_kernel_find(name);
    if (!k)
        cr_skip_test("kernel %s is not available on this CPU", name);
    uint64_t state = 12345;
    for (int t = 0; t < INTEGER_TYPE_COUNT; t++)
        for (int big = 0; big < 2; big++) {
            for (size_t n = 0; n <= 300; n++)
                check_one(k, (mapscan_type)t, big, n, n % 8, FILL_RANDOM, &state);
            for (size_t misalign = 0; misalign < 8; misalign++)
                for (fill how = FILL_RANDOM; how <= FILL_MAX_ONLY; how++) {
                    check_one(k, (mapscan_type)t, big, 1021, misalign, how, &state);
                    check_one(k, (mapscan_type)t, big, 4096 + 3, misalign, how, &state);
                }
        }
}

Test(kernels, scalar_matches_reference) { check_kernel(kernel_names[0]); }
Test(kernels, avx2_matches_reference) { check_kernel(kernel_names[1]); }
Test(kernels, avx512_matches_reference) { check_kernel(kernel_names[2]); }

/* Lanes of narrow sums are flushed every block: cross a block boundary with
 * the values that stress them most. */
Test(kernels, long_runs_of_extremes_cross_sum_blocks)
{
    uint64_t state = 7;
    for (size_t i = 0; i < sizeof kernel_names / sizeof kernel_names[0]; i++) {
        const ms_kernel *k = ms_kernel_find(kernel_names[i]);
        if (!k)
            continue;
        check_one(k, MAPSCAN_U16, false, (1 << 16) + 77, 1, FILL_MAX_ONLY, &state);
        check_one(k, MAPSCAN_I16, true, (1 << 15) * 2 + 5, 3, FILL_MIN_ONLY, &state);
        check_one(k, MAPSCAN_U8, false, (1 << 23) + 9, 0, FILL_MAX_ONLY, &state);
        check_one(k, MAPSCAN_I8, false, (1 << 23) + 9, 0, FILL_MIN_ONLY, &state);
        check_one(k, MAPSCAN_U64, false, 100000, 5, FILL_MAX_ONLY, &state);
        check_one(k, MAPSCAN_I64, true, 100000, 5, FILL_MIN_ONLY, &state);
    }
}

Test(kernels, default_is_the_best_supported_and_env_overrides_it)
{
    const char *best = mapscan_kernel_default();
    cr_assert_not_null(best);
    cr_assert(mapscan_kernel_available(best));
    cr_assert(mapscan_kernel_available("scalar"));
    cr_assert_not(mapscan_kernel_available("sse9"));
    setenv("MAPSCAN_KERNEL", "scalar", 1);
    cr_assert_str_eq(mapscan_kernel_default(), "scalar");
    setenv("MAPSCAN_KERNEL", "nonsense", 1);
    cr_assert_null(mapscan_kernel_default());
    unsetenv("MAPSCAN_KERNEL");
}

/* Records: one element of each, at every offset that fits, for record
 * sizes that are and are not multiples of the element size, counts around
 * the gather batch, against the reference applied record by record. */
static void check_strided(const char *name)
{
    const ms_kernel *k = ms_kernel_find(name);
    if (!k)
        cr_skip_test("kernel %s is not available on this CPU", name);
    static const size_t record_sizes[] = { 1, 2, 3, 5, 8, 12, 16, 19, 24, 64 };
    static const size_t counts[] = { 0, 1, 7, 1023, 4096 + 5 };
    uint64_t state = 777;
    for (int t = 0; t < INTEGER_TYPE_COUNT; t++)
        for (int big = 0; big < 2; big++)
            for (size_t r = 0; r < sizeof record_sizes / sizeof record_sizes[0]; r++) {
                size_t record = record_sizes[r], elem = mapscan_type_size((mapscan_type)t);
                for (size_t field = 0; field + elem <= record; field++)
                    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                        size_t n = counts[c];
                        unsigned char *data = malloc(n * record + 1);
                        for (size_t i = 0; i < n * record; i++)
                            data[i] = (unsigned char)test_random(&state);
                        bool swap = big != (mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_BIG);
                        ms_reducer reducer = ms_reducer_make(k, (mapscan_type)t, swap, record);
                        ms_acc got, want;
                        ms_acc_init(&got);
                        ms_acc_init(&want);
                        ms_reduce(&reducer, data + field, n, 0, &got);
                        for (size_t i = 0; i < n; i++)
                            reference_reduce(data + i * record + field, 1, (mapscan_type)t, big, &want);
                        char what[128];
                        snprintf(what, sizeof what, "%s strided %s %s record %zu field %zu n %zu", k->name,
                                 mapscan_type_name((mapscan_type)t), big ? "big" : "little", record, field, n);
                        assert_acc_equal(&got, &want, what);
                        free(data);
                    }
            }
}

Test(kernels, scalar_strided_matches_reference) { check_strided(kernel_names[0]); }
Test(kernels, avx2_strided_matches_reference) { check_strided(kernel_names[1]); }
Test(kernels, avx512_strided_matches_reference) { check_strided(kernel_names[2]); }
