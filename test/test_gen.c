/* The generator: reproducible bytes, an exact oracle, and nothing left behind. */
#include "float_reference.h"
#include "reference.h"
#include "../src/stages.h"

#include <criterion/criterion.h>
#include <math.h>
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

/* The parser refuses text for type; its message says `says` (when not NULL). */
static void expect_pattern_refused(mapscan_type type, const char *text, const char *says)
{
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = type;
    mapscan_error e;
    cr_assert_eq(mapscan_pattern_parse(text, &o, &e), MAPSCAN_E_INVALID, "accepted %s for %s", text,
                 mapscan_type_name(type));
    if (says)
        cr_assert(strstr(e.message, says), "%s: %s", text, e.message);
}

Test(gen, bad_patterns_and_out_of_range_values_are_rejected)
{
    static const struct { mapscan_type type; const char *text; } bad[] = {
        { MAPSCAN_I8, "const:128" }, { MAPSCAN_U8, "const:-1" }, { MAPSCAN_U16, "range:0:65536" },
        { MAPSCAN_I32, "range:5:4" }, { MAPSCAN_I32, "range:1" }, { MAPSCAN_U8, "mod:257" },
        { MAPSCAN_U32, "mod:0" }, { MAPSCAN_I32, "zigzag" }, { MAPSCAN_I32, "const:1x" },
        { MAPSCAN_U64, "mod:18446744073709551616" }, { MAPSCAN_I64, "const:99999999999999999999999" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_pattern_refused(bad[i].type, bad[i].text, NULL);
}

/* ---- the float types ---- */

static const mapscan_type float_types[] = { MAPSCAN_F16, MAPSCAN_BF16, MAPSCAN_F32, MAPSCAN_F64 };

/* The same binary64 bit for bit (any NaN for NaN). */
static void assert_same_double(double got, double want, const char *what, const char *name)
{
    cr_assert(ref_same_double(got, want), "%s: %s %a (%.17g), want %a (%.17g)", what, name, got, got, want, want);
}

/* One float element of a file as binary64, by the reference's reading. */
static double element(const unsigned char *p, mapscan_type type, bool big)
{
    return ref_value_double(ref_decode(p, type, big));
}

static void float_options(mapscan_gen_options *o, mapscan_type type, bool big, const char *pattern, double nan_rate,
                          double inf_rate, uint64_t count)
{
    mapscan_gen_options_init(o);
    o->type = type;
    o->endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    o->count = count;
    o->seed = 11;
    o->force = true;
    o->nan_rate = nan_rate;
    o->inf_rate = inf_rate;
    mapscan_error e;
    cr_assert_eq(mapscan_pattern_parse(pattern, o, &e), MAPSCAN_OK, "%s %s: %s", mapscan_type_name(type), pattern,
                 e.message);
}

/* Generates, then checks the oracle against the reference (computed from
 * the file's bytes: count, NaN, the exact sum's words and infinity flags,
 * min, max, sum and mean) and against a scan of the file, bit for bit; the
 * reference goes to *ref, the file's bytes to *bytes when asked for. */
static void check_float_oracle(mapscan_type type, bool big, const char *pattern, double nan_rate, double inf_rate,
                               uint64_t count, float_ref *ref, unsigned char **bytes)
{
    mapscan_gen_options o;
    float_options(&o, type, big, pattern, nan_rate, inf_rate, count);
    mapscan_result g;
    char path[256], what[160];
    generate("float.bin", &o, &g, path, sizeof path);
    snprintf(what, sizeof what, "%s %s %s --nan %g --inf %g", mapscan_type_name(type), big ? "big" : "little",
             pattern, nan_rate, inf_rate);
    cr_assert_eq(g.type, type, "%s: result type %d", what, (int)g.type);

    size_t len;
    unsigned char *data = read_all(path, &len);
    cr_assert_eq(len, count * mapscan_type_size(type), "%s", what);
    float_ref want;
    float_ref_init(&want);
    float_ref_add(&want, data, count, type, big);
    const char *why = float_ref_check(&want, &g);
    cr_assert_null(why, "%s: the oracle's %s", what, why);

    mapscan_options so;
    mapscan_options_init(&so);
    so.type = type;
    so.endian = o.endian;
    mapscan_result s;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(path, &so, &s, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(s.stats.count, g.stats.count, "%s", what);
    cr_assert_eq(s.floats.nan, g.floats.nan, "%s", what);
    cr_assert(memcmp(&s.floats.min, &g.floats.min, 8) == 0 && memcmp(&s.floats.max, &g.floats.max, 8) == 0 &&
              memcmp(&s.floats.sum, &g.floats.sum, 8) == 0 && memcmp(&s.floats.mean, &g.floats.mean, 8) == 0,
              "%s: the scan found min %.17g max %.17g sum %.17g mean %.17g, the oracle %.17g %.17g %.17g %.17g", what,
              s.floats.min, s.floats.max, s.floats.sum, s.floats.mean, g.floats.min, g.floats.max, g.floats.sum,
              g.floats.mean);
    cr_assert(memcmp(&s.floats.exact, &g.floats.exact, sizeof s.floats.exact) == 0, "%s: exact sums differ", what);
    if (ref)
        *ref = want;
    if (bytes)
        *bytes = data;
    else
        free(data);
}

Test(gen, float_oracle_equals_the_scan_and_an_independent_reference)
{
    static const struct { const char *pattern; double nan_rate, inf_rate; } cases[] = {
        { "random", 0, 0 }, { "random", 0.1, 0.01 }, { "uniform:-1:1", 0, 0 }, { "range:-0.001:60000", 0.3, 0 },
        { "uniform:1e-7:2e-7", 0, 0.001 }, { "uniform:-0:0", 0, 0 }, { "const:-0", 0, 0 }, { "const:-0", 0.5, 0 },
        { "const:0.1", 0, 0 }, { "const:-inf", 0, 0 }, { "const:nan", 0, 0 }, { "const:3", 0, 1 },
        { "mod:1000", 0, 0 }, { "mod:3", 0.01, 0.01 }, { "seq", 0, 0 }, { "random", 1, 0 },
    };
    for (size_t t = 0; t < sizeof float_types / sizeof float_types[0]; t++)
        for (int big = 0; big < 2; big++)
            for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
                check_float_oracle(float_types[t], big, cases[c].pattern, cases[c].nan_rate, cases[c].inf_rate,
                                   strcmp(cases[c].pattern, "seq") == 0 && float_types[t] == MAPSCAN_F16 ? 65520
                                                                                                          : 30011,
                                   NULL, NULL);
    /* Sums past the range, huge bounds (halved to draw), the narrow types' extremes. */
    check_float_oracle(MAPSCAN_F64, false, "random", 0, 0, 300007, NULL, NULL);
    check_float_oracle(MAPSCAN_F64, true, "uniform:-1.7976931348623157e308:1.7976931348623157e308", 0, 0, 100003,
                       NULL, NULL);
    check_float_oracle(MAPSCAN_F64, false, "uniform:1e308:1.7976931348623157e308", 0, 0, 100003, NULL, NULL);
    check_float_oracle(MAPSCAN_F32, false, "uniform:-3.4e38:3.4e38", 0.001, 0, 100003, NULL, NULL);
    check_float_oracle(MAPSCAN_F16, true, "uniform:-65504:65504", 0, 0, 100003, NULL, NULL);
    check_float_oracle(MAPSCAN_BF16, false, "uniform:-1e-39:1e-39", 0, 0, 100003, NULL, NULL);
    check_float_oracle(MAPSCAN_F64, false, "uniform:-4.9e-324:1e-320", 0, 0, 100003, NULL, NULL);
}

/* The reference's rounding, and the scan's with it, on sums worked out by
 * hand: ties to even, a bit far below a tie, overflow at half a step past
 * the largest finite value, subnormal means, the zeros' signs. */
Test(gen, the_float_reference_rounds_as_ieee_says)
{
    static const struct { double v[3]; size_t n; double sum, mean; } cases[] = {
        { { 1, 0x1p-53 }, 2, 1, 0.5 },
        { { 1, 0x1p-53, 0x1p-1074 }, 3, 1 + 0x1p-52, 0x1.5555555555556p-2 },
        { { 1, 0x3p-53 }, 2, 1 + 0x1p-51, 0.5 + 0x1p-52 },
        { { 1.7976931348623157e308, 1.7976931348623157e308 }, 2, INFINITY, 1.7976931348623157e308 },
        { { 1.7976931348623157e308, 0x1p970 }, 2, INFINITY, 0x1p1023 },
        { { 1.7976931348623157e308, 0x1p969 }, 2, 1.7976931348623157e308, 0x1p1023 - 0x1p970 },
        { { 0x1p-1074, 0 }, 2, 0x1p-1074, 0 },
        { { 0x3p-1074, 0 }, 2, 0x3p-1074, 0x2p-1074 },
        { { -0x1p-1074, 0 }, 2, -0x1p-1074, -0.0 },
        { { -0.0, -0.0 }, 2, -0.0, -0.0 },
        { { -0.0, 0.0 }, 2, 0.0, 0.0 },
        { { INFINITY, -INFINITY, 1 }, 3, NAN, NAN },
        { { INFINITY, NAN, -1 }, 3, INFINITY, INFINITY },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char bytes[24];
        memcpy(bytes, cases[c].v, sizeof bytes);     /* little-endian host */
        float_ref r;
        float_ref_init(&r);
        float_ref_add(&r, bytes, cases[c].n, MAPSCAN_F64, false);
        char what[32];
        snprintf(what, sizeof what, "case %zu", c);
        assert_same_double(float_ref_sum(&r), cases[c].sum, what, "sum");
        assert_same_double(float_ref_mean(&r), cases[c].mean, what, "mean");
        mapscan_options so;
        mapscan_options_init(&so);
        so.type = MAPSCAN_F64;
        so.threads = 1;
        mapscan_result s;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_memory(bytes, cases[c].n * 8, &so, &s, &e), MAPSCAN_OK, "%s", e.message);
        assert_same_double(s.floats.sum, cases[c].sum, what, "scan's sum");
        assert_same_double(s.floats.mean, cases[c].mean, what, "scan's mean");
        const char *why = float_ref_check(&r, &s);
        cr_assert_null(why, "%s: the scan's %s", what, why);
    }
}

static uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* A double spread over every exponent near a type's range, and the
 * halfway points of the type's steps. */
static double test_double(uint64_t *state, int lowest, int highest)
{
    uint64_t r = test_random(state);
    int e = lowest + (int)(test_random(state) % (uint64_t)(highest - lowest + 1));
    double v = ldexp((double)(r >> 11), e - 53);
    if (r & 1)
        v = -v;
    return v;
}

Test(gen, float_rounding_is_ieee_round_to_nearest_even)
{
    uint64_t state = 5;
    /* binary32: the hardware's conversion. */
    for (int i = 0; i < 1000000; i++) {
        double d = test_double(&state, -155, 131);
        if (i % 3 == 0) {   /* a halfway point between two binary32 values (or just off it) */
            int e;
            frexp((double)(float)d, &e);
            d = (double)(float)d + ldexp(i % 2 ? 1.0 : -1.0, e - 25) + (i % 5 == 0 ? ldexp(1.0, e - 51) : 0);
        }
        cr_assert_eq(ms_gen_float_bits(MAPSCAN_F32, d), f32_bits((float)d), "%a", d);
    }
    /* bfloat16: binary32's top half, rounded to nearest even from a binary32. */
    for (int i = 0; i < 1000000; i++) {
        uint32_t b = (uint32_t)test_random(&state);
        if ((b & 0x7f800000u) == 0x7f800000u)
            continue;
        float f;
        memcpy(&f, &b, sizeof f);
        uint64_t want = (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
        cr_assert_eq(ms_gen_float_bits(MAPSCAN_BF16, f), want, "%08x", b);
    }
#ifdef __FLT16_MAX__
    /* binary16: the compiler's _Float16. */
    for (int i = 0; i < 1000000; i++) {
        double d = test_double(&state, -27, 18);
        _Float16 h = (_Float16)d;
        uint16_t want;
        memcpy(&want, &h, sizeof want);
        cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, d), want, "%a", d);
    }
#endif
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, 65519.99), 0x7bff);
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, 65520), 0x7c00);         /* half a step past: infinity */
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, -0x1p-25), 0x8000);      /* a tie with zero: even */
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, 0x1.8p-25), 0x0001);
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_BF16, -INFINITY), 0xff80);
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F16, NAN) & 0x7e00, 0x7e00);
    cr_assert_eq(ms_gen_float_bits(MAPSCAN_F32, 0x1p-1074), 0);
    /* Every value of the narrow types back to binary64, against the reference's reading. */
    for (uint32_t b = 0; b < 65536; b++) {
        unsigned char le[2] = { (unsigned char)b, (unsigned char)(b >> 8) };
        for (int t = 0; t < 2; t++) {
            mapscan_type type = t ? MAPSCAN_BF16 : MAPSCAN_F16;
            double got = ms_gen_float_value(type, b), want = element(le, type, false);
            cr_assert(ref_same_double(got, want), "%s %04x: %a, want %a", mapscan_type_name(type), b, got, want);
            if (!isnan(want))
                cr_assert_eq(ms_gen_float_bits(type, want), b, "%s %04x does not round to itself",
                             mapscan_type_name(type), b);
        }
    }
}

Test(gen, float_files_are_the_same_bytes_for_one_two_and_five_threads)
{
    static const struct { mapscan_type type; const char *pattern; double nan_rate, inf_rate; } cases[] = {
        { MAPSCAN_F16, "random", 0.05, 0.05 }, { MAPSCAN_F64, "uniform:-1e300:1e300", 0.01, 0 },
        { MAPSCAN_BF16, "mod:77", 0, 0.2 },
    };
    static const unsigned threads[] = { 1, 2, 5 };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char *first = NULL;
        size_t first_len = 0;
        mapscan_result first_result;
        for (size_t t = 0; t < 3; t++) {
            mapscan_gen_options o;
            float_options(&o, cases[c].type, true, cases[c].pattern, cases[c].nan_rate, cases[c].inf_rate,
                          (5u << 20) / 2 + 3);     /* several blocks, the last one partial */
            o.threads = threads[t];
            mapscan_result r;
            char path[256];
            generate("same.bin", &o, &r, path, sizeof path);
            size_t len;
            unsigned char *data = read_all(path, &len);
            if (!first) {
                first = data;
                first_len = len;
                first_result = r;
                continue;
            }
            cr_assert(len == first_len && memcmp(data, first, len) == 0, "%s %s differs with %u threads",
                      mapscan_type_name(cases[c].type), cases[c].pattern, threads[t]);
            cr_assert(memcmp(&r.floats, &first_result.floats, sizeof r.floats) == 0);
            free(data);
        }
        free(first);
    }
}

/* How many elements of a file satisfy a property of their value. */
static size_t count_where(const unsigned char *data, size_t n, mapscan_type type, bool (*test)(double, mapscan_type))
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += test(element(data + i * mapscan_type_size(type), type, false), type);
    return hits;
}

static double smallest_normal(mapscan_type type)
{
    return type == MAPSCAN_F16 ? 0x1p-14 : type == MAPSCAN_F64 ? 0x1p-1022 : 0x1p-126;
}

static double largest(mapscan_type type)
{
    return type == MAPSCAN_F16 ? 65504 : type == MAPSCAN_BF16 ? 0x1.fep127 : type == MAPSCAN_F32 ? 0x1.fffffep127
                                                                                                    : 0x1.fffffffffffffp1023;
}

static bool is_subnormal(double v, mapscan_type type) { return v != 0 && fabs(v) < smallest_normal(type); }
static bool is_negative_zero(double v, mapscan_type type) { (void)type; return v == 0 && signbit(v); }
static bool is_positive_zero(double v, mapscan_type type) { (void)type; return v == 0 && !signbit(v); }
static bool is_inf(double v, mapscan_type type) { (void)type; return isinf(v); }

Test(gen, float_patterns_keep_their_promises)
{
    for (size_t t = 0; t < sizeof float_types / sizeof float_types[0]; t++) {
        mapscan_type type = float_types[t];
        const char *name = mapscan_type_name(type);
        float_ref r;
        unsigned char *data;
        size_t n = type == MAPSCAN_F64 ? 1000003 : 300007;
        /* random: finite only, subnormals and the largest magnitudes among them; both zeros for the 16-bit types */
        check_float_oracle(type, false, "random", 0, 0, n, &r, &data);
        cr_assert(r.nan == 0 && isfinite(r.min) && isfinite(r.max), "%s random: nan %llu min %g max %g", name,
                  (unsigned long long)r.nan, r.min, r.max);
        cr_assert(r.max > largest(type) / 2 && r.min < -largest(type) / 2, "%s random: min %g max %g", name, r.min,
                  r.max);
        cr_assert(count_where(data, n, type, is_subnormal) > 0, "%s random: no subnormal", name);
        if (mapscan_type_size(type) == 2)
            cr_assert(count_where(data, n, type, is_negative_zero) > 0 &&
                      count_where(data, n, type, is_positive_zero) > 0, "%s random: a zero missing", name);
        free(data);
        /* uniform: within the bounds rounded to the type */
        check_float_oracle(type, false, "uniform:-2.5:0.1", 0, 0, 100003, &r, NULL);
        double lo = ms_gen_float_value(type, ms_gen_float_bits(type, -2.5)),
               hi = ms_gen_float_value(type, ms_gen_float_bits(type, 0.1));
        cr_assert(r.min >= lo && r.max <= hi && r.min < -2.4 && r.max > 0.09, "%s uniform: [%g, %g]", name, r.min,
                  r.max);
        cr_assert(fabs(float_ref_mean(&r) - (-1.2)) < 0.01, "%s uniform: mean %g", name, float_ref_mean(&r));
        /* const: -0 everywhere sums to -0; one infinity sums to it */
        check_float_oracle(type, true, "const:-0", 0, 0, 1001, &r, NULL);
        cr_assert(ref_same_double(float_ref_sum(&r), -0.0) && ref_same_double(float_ref_mean(&r), -0.0) &&
                  ref_same_double(r.min, -0.0) && ref_same_double(r.max, -0.0), "%s const:-0", name);
        check_float_oracle(type, false, "const:-inf", 0, 0, 1001, &r, NULL);
        cr_assert(float_ref_sum(&r) == -INFINITY && r.min == -INFINITY && r.max == -INFINITY);
        check_float_oracle(type, false, "const:0.1", 0, 0, 1001, &r, NULL);
        cr_assert(r.min == ms_gen_float_value(type, ms_gen_float_bits(type, 0.1)) && r.min == r.max);
        /* mod and seq: whole numbers, exact while the type holds them */
        check_float_oracle(type, false, "mod:200", 0, 0, 100003, &r, NULL);
        cr_assert(float_ref_sum(&r) == 500 * 19900.0 + 3.0 && r.min == 0 && r.max == 199, "%s mod:200: sum %.17g",
                  name, float_ref_sum(&r));
        check_float_oracle(type, false, "seq", 0, 0, 257, &r, NULL);
        cr_assert(r.max == 256 && float_ref_sum(&r) == 256 * 257 / 2, "%s seq: max %g sum %g", name, r.max,
                  float_ref_sum(&r));
        /* NaN and infinities at their rates; every element NaN: no extremes, a sum of +0 */
        check_float_oracle(type, false, "uniform:0:1", 0.25, 0.5, 100003, &r, &data);
        cr_assert(r.nan > 24000 && r.nan < 26000, "%s: %llu NaN of 100003 at 0.25", name, (unsigned long long)r.nan);
        size_t infinities = count_where(data, 100003, type, is_inf);
        cr_assert(infinities > 36500 && infinities < 38500, "%s: %zu infinities at 0.5 of 0.75", name, infinities);
        cr_assert(isnan(float_ref_sum(&r)), "%s: both infinities give NaN", name);
        free(data);
        check_float_oracle(type, false, "random", 1, 0.5, 1001, &r, NULL);
        cr_assert(r.nan == 1001 && ref_same_double(float_ref_sum(&r), 0.0) && r.min == 0 && r.max == 0);
    }
    /* seq in binary16 reaches 65504 at its last allowed element, 65519 (rounded). */
    float_ref r;
    check_float_oracle(MAPSCAN_F16, false, "seq", 0, 0, 65520, &r, NULL);
    cr_assert(r.max == 65504);
}

Test(gen, float_npy_files_carry_numpy_float_headers)
{
    static const struct { mapscan_type type; const char *descr; } cases[] = {
        { MAPSCAN_F16, "'<f2'" }, { MAPSCAN_F32, "'>f4'" }, { MAPSCAN_F64, "'<f8'" },
    };
    for (size_t c = 0; c < 3; c++) {
        mapscan_gen_options o;
        float_options(&o, cases[c].type, cases[c].descr[1] == '>', "uniform:-3:3", 0.1, 0.1, 5000);
        o.format = MAPSCAN_FORMAT_NPY;
        mapscan_result g;
        char path[256];
        generate("float.npy", &o, &g, path, sizeof path);
        size_t len;
        unsigned char *data = read_all(path, &len);
        data[len] = 0;
        cr_assert(strstr((char *)data + 10, cases[c].descr), "%s: %.80s", cases[c].descr, data + 10);
        free(data);
        mapscan_options so;
        mapscan_options_init(&so);
        mapscan_result s;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_path(path, &so, &s, &e), MAPSCAN_OK, "%s", e.message);
        cr_assert(s.format == MAPSCAN_FORMAT_NPY && s.type == cases[c].type && g.format == MAPSCAN_FORMAT_NPY);
        cr_assert(memcmp(&s.floats, &g.floats, sizeof s.floats) == 0 && s.stats.count == g.stats.count);
    }
}

Test(gen, float_requests_that_cannot_be_written_are_refused)
{
    static const struct { mapscan_type type; const char *text, *says; } bad[] = {
        { MAPSCAN_F16, "uniform:0:70000", "largest finite" }, { MAPSCAN_F16, "range:-65520:0", "largest finite" },
        { MAPSCAN_F32, "uniform:1:0", "LO greater" }, { MAPSCAN_F32, "uniform:0:inf", "finite" },
        { MAPSCAN_F64, "uniform:nan:1", "finite" }, { MAPSCAN_F64, "uniform:0:1e999", "largest finite" },
        { MAPSCAN_F32, "uniform:0", "uniform:LO:HI" }, { MAPSCAN_F32, "uniform:0:1x", "uniform:LO:HI" },
        { MAPSCAN_F32, "uniform: 0:1", "uniform:LO:HI" }, { MAPSCAN_F32, "const:1e39", "largest finite" },
        { MAPSCAN_BF16, "const:-3.4e38", "largest finite" }, { MAPSCAN_F64, "const:", "const:V" },
        { MAPSCAN_F16, "mod:65521", "largest finite" }, { MAPSCAN_F16, "mod:0", "mod:M" },
        { MAPSCAN_F32, "zigzag", "unknown pattern" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_pattern_refused(bad[i].type, bad[i].text, bad[i].says);
    /* What only the whole request can tell, refused before any file exists. */
    static const struct { mapscan_type type; const char *pattern; double nan_rate, inf_rate; uint64_t count;
                          mapscan_format format; const char *says; } requests[] = {
        { MAPSCAN_I32, "random", 0.1, 0, 10, MAPSCAN_FORMAT_RAW, "not i32" },
        { MAPSCAN_U8, "random", 0, 1, 10, MAPSCAN_FORMAT_RAW, "float types" },
        { MAPSCAN_F32, "random", 1.5, 0, 10, MAPSCAN_FORMAT_RAW, "0 to 1" },
        { MAPSCAN_F32, "random", 0, -0.1, 10, MAPSCAN_FORMAT_RAW, "0 to 1" },
        { MAPSCAN_F64, "random", NAN, 0, 10, MAPSCAN_FORMAT_RAW, "0 to 1" },
        { MAPSCAN_BF16, "random", 0, 0, 10, MAPSCAN_FORMAT_NPY, "bf16" },
        { MAPSCAN_F16, "seq", 0, 0, 65521, MAPSCAN_FORMAT_RAW, "65520" },
    };
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        mapscan_gen_options o;
        mapscan_gen_options_init(&o);
        o.type = requests[i].type;
        mapscan_error e;
        cr_assert_eq(mapscan_pattern_parse(requests[i].pattern, &o, &e), MAPSCAN_OK);
        o.nan_rate = requests[i].nan_rate;
        o.inf_rate = requests[i].inf_rate;
        o.count = requests[i].count;
        o.format = requests[i].format;
        char path[256];
        snprintf(path, sizeof path, "%s/refused.bin", dir);
        mapscan_result r;
        cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_INVALID, "request %zu accepted", i);
        cr_assert(strstr(e.message, requests[i].says), "request %zu: %s", i, e.message);
        cr_assert_eq(count_dir_entries(dir), 0);
    }
    /* A caller's bounds that skipped the parser are checked too. */
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = MAPSCAN_F16;
    o.pattern = MAPSCAN_PATTERN_RANGE;
    o.float_lo = 0;
    o.float_hi = 1e6;
    o.count = 10;
    char path[256];
    snprintf(path, sizeof path, "%s/refused.bin", dir);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_generate(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "largest finite"), "%s", e.message);
}
