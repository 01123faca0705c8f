/* The generator: reproducible bytes, an exact oracle, and nothing left behind. */
#include "reference.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/mapscan-gen-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    remove_dir_entries(dir, NULL);
    rmdir(dir);
}

TestSuite(gen, .init = make_dir, .fini = remove_dir);

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*len + 1);
    cr_assert_eq(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

static void generate(const char *name, mapscan_gen_options *o, mapscan_result *r, char *path, size_t path_len)
{
    snprintf(path, path_len, "%s/%s", dir, name);
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, o, r, &e), MAPSCAN_OK, "%s: %s", name, e.message);
}

Test(gen, same_bytes_for_one_two_and_five_threads)
{
    static const unsigned threads[] = { 1, 2, 5 };
    static const char *patterns[] = { "random", "range:-3:70000", "mod:1000", "seq" };
    for (size_t p = 0; p < 4; p++) {
        unsigned char *first = NULL;
        size_t first_len = 0;
        for (size_t t = 0; t < 3; t++) {
            mapscan_gen_options o;
            mapscan_gen_options_init(&o);
            o.type = MAPSCAN_I32;
            o.endian = MAPSCAN_BIG;
            o.count = (5u << 20) / 2 + 3;     /* several blocks, the last one partial */
            o.seed = 42;
            o.threads = threads[t];
            o.force = true;
            mapscan_error e;
            cr_assert_eq(mapscan_pattern_parse(patterns[p], &o, &e), MAPSCAN_OK, "%s", e.message);
            mapscan_result r;
            char path[256];
            generate("same.bin", &o, &r, path, sizeof path);
            size_t len;
            unsigned char *data = read_all(path, &len);
            cr_assert_eq(len, o.count * 4);
            if (!first) {
                first = data;
                first_len = len;
            } else {
                cr_assert(len == first_len && memcmp(data, first, len) == 0, "%s differs with %u threads",
                          patterns[p], threads[t]);
                free(data);
            }
        }
        free(first);
    }
}

static void check_oracle(mapscan_type type, bool big, const char *pattern, uint64_t count)
{
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = type;
    o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    o.count = count;
    o.seed = 7;
    o.force = true;
    mapscan_error e;
    cr_assert_eq(mapscan_pattern_parse(pattern, &o, &e), MAPSCAN_OK, "%s: %s", pattern, e.message);
    mapscan_result g;
    char path[256];
    generate("oracle.bin", &o, &g, path, sizeof path);

    size_t len;
    unsigned char *data = read_all(path, &len);
    ms_acc want;
    ms_acc_init(&want);
    reference_reduce(data, len / mapscan_type_size(type), type, big, &want);
    ms_acc oracle = acc_of_stats(&g.stats);
    char what[128];
    snprintf(what, sizeof what, "%s %s %s", mapscan_type_name(type), big ? "big" : "little", pattern);
    assert_acc_equal(&oracle, &want, what);

    mapscan_options so;
    mapscan_options_init(&so);
    so.type = type;
    so.endian = o.endian;
    mapscan_result s;
    cr_assert_eq(mapscan_scan_path(path, &so, &s, &e), MAPSCAN_OK, "%s", e.message);
    ms_acc scanned = acc_of_stats(&s.stats);
    assert_acc_equal(&scanned, &want, what);
    free(data);
}

Test(gen, reported_stats_equal_an_independent_computation_and_the_scan)
{
    for (int t = 0; t < INTEGER_TYPE_COUNT; t++)
        for (int big = 0; big < 2; big++) {
            bool is_signed = mapscan_type_is_signed((mapscan_type)t);
            check_oracle((mapscan_type)t, big, "random", 100003);
            check_oracle((mapscan_type)t, big, is_signed ? "range:-100:27" : "range:5:127", 100003);
            check_oracle((mapscan_type)t, big, "mod:100", 100003);
            check_oracle((mapscan_type)t, big, "seq", 100003);
            check_oracle((mapscan_type)t, big, is_signed ? "const:-128" : "const:255", 1001);
        }
    check_oracle(MAPSCAN_U64, false, "range:0:18446744073709551615", 5000);
    check_oracle(MAPSCAN_I64, true, "range:-9223372036854775808:9223372036854775807", 5000);
}

static mapscan_result gen_pattern(mapscan_type type, const char *pattern, uint64_t count)
{
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = type;
    o.count = count;
    o.force = true;
    mapscan_error e;
    cr_assert_eq(mapscan_pattern_parse(pattern, &o, &e), MAPSCAN_OK, "%s", e.message);
    mapscan_result r;
    char path[256];
    generate("closed.bin", &o, &r, path, sizeof path);
    return r;
}

Test(gen, mod_seq_and_const_match_their_closed_forms)
{
    uint64_t n = 1000003, m = 977, q = n / m, rem = n % m;
    mapscan_result r = gen_pattern(MAPSCAN_U32, "mod:977", n);
    cr_assert(ms_from_int128(r.stats.sum) == (ms_i128)q * (m * (m - 1) / 2) + (ms_i128)(rem * (rem - 1) / 2));
    cr_assert(ms_from_int128(r.stats.min) == 0 && ms_from_int128(r.stats.max) == (ms_i128)m - 1);

    r = gen_pattern(MAPSCAN_I64, "seq", n);
    cr_assert(ms_from_int128(r.stats.sum) == (ms_i128)n * (n - 1) / 2);
    cr_assert(ms_from_int128(r.stats.max) == (ms_i128)n - 1);

    /* i8 wraps: 0..127, -128..127, ... for 256 * 10 elements sums to -128 * 10. */
    r = gen_pattern(MAPSCAN_I8, "seq", 2560);
    cr_assert(ms_from_int128(r.stats.sum) == -1280);
    cr_assert(ms_from_int128(r.stats.min) == -128 && ms_from_int128(r.stats.max) == 127);

    r = gen_pattern(MAPSCAN_I16, "const:-1234", n);
    cr_assert(ms_from_int128(r.stats.sum) == -1234 * (ms_i128)n);
    cr_assert(ms_from_int128(r.stats.min) == -1234 && ms_from_int128(r.stats.max) == -1234);
}

Test(gen, refuses_to_replace_without_force)
{
    char path[256];
    snprintf(path, sizeof path, "%s/keep.bin", dir);
    FILE *f = fopen(path, "w");
    fputs("precious", f);
    fclose(f);
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.count = 100;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_EXISTS);
    cr_assert(mapscan_status_is_input_error(e.status));
    size_t len;
    unsigned char *data = read_all(path, &len);
    cr_assert(len == 8 && memcmp(data, "precious", 8) == 0);
    free(data);
    cr_assert_eq(count_dir_entries(dir), 1);
    o.force = true;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(count_dir_entries(dir), 1);
}

Test(gen, a_failure_half_way_leaves_no_file_and_no_temporary)
{
    struct rlimit limit = { 3 << 20, 3 << 20 };
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.count = 4 << 20;      /* 16 MiB of i32 */
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_IO);
    cr_assert(strstr(e.message, "File too large"), "message: %s", e.message);
    cr_assert_eq(count_dir_entries(dir), 0);
}

Test(gen, a_file_that_cannot_fit_is_refused_before_writing)
{
    char path[256];
    snprintf(path, sizeof path, "%s/huge.bin", dir);
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = MAPSCAN_U64;
    o.count = (uint64_t)1 << 56;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_NOSPACE);
    cr_assert(strstr(e.message, "needs 576460752303423488 bytes"), "message: %s", e.message);
    cr_assert_eq(count_dir_entries(dir), 0);
}

Test(gen, cancel_leaves_nothing)
{
    static volatile sig_atomic_t stop = 1;
    char path[256];
    snprintf(path, sizeof path, "%s/cancelled.bin", dir);
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.count = 1 << 22;
    o.cancel = &stop;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_CANCELLED);
    cr_assert_eq(count_dir_entries(dir), 0);
}

Test(gen, bad_patterns_and_out_of_range_values_are_rejected)
{
    static const struct { mapscan_type type; const char *text; } bad[] = {
        { MAPSCAN_I8, "const:128" }, { MAPSCAN_U8, "const:-1" }, { MAPSCAN_U16, "range:0:65536" },
        { MAPSCAN_I32, "range:5:4" }, { MAPSCAN_I32, "range:1" }, { MAPSCAN_U8, "mod:257" },
        { MAPSCAN_U32, "mod:0" }, { MAPSCAN_I32, "zigzag" }, { MAPSCAN_I32, "const:1x" },
        { MAPSCAN_U64, "mod:18446744073709551616" }, { MAPSCAN_I64, "const:99999999999999999999999" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mapscan_gen_options o;
        mapscan_gen_options_init(&o);
        o.type = bad[i].type;
        mapscan_error e;
        cr_assert_eq(mapscan_pattern_parse(bad[i].text, &o, &e), MAPSCAN_E_INVALID, "accepted %s for %s",
                     bad[i].text, mapscan_type_name(bad[i].type));
    }
}
