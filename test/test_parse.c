#include "reference.h"

#include <criterion/criterion.h>

Test(parse, sizes_take_binary_and_decimal_suffixes)
{
    uint64_t v;
    cr_assert(mapscan_size_parse("0", &v) && v == 0);
    cr_assert(mapscan_size_parse("4096", &v) && v == 4096);
    cr_assert(mapscan_size_parse("4K", &v) && v == 4096);
    cr_assert(mapscan_size_parse("3M", &v) && v == 3u << 20);
    cr_assert(mapscan_size_parse("2G", &v) && v == 2ull << 30);
    cr_assert(mapscan_size_parse("1T", &v) && v == 1ull << 40);
    cr_assert(mapscan_size_parse("5KB", &v) && v == 5000);
    cr_assert(mapscan_size_parse("7GB", &v) && v == 7000000000ull);
    cr_assert(mapscan_size_parse("1TB", &v) && v == 1000000000000ull);
    cr_assert(mapscan_size_parse("2MiB", &v) && v == 2u << 20);
    cr_assert(mapscan_size_parse("1GiB", &v) && v == 1u << 30);
    cr_assert(mapscan_size_parse("18446744073709551615", &v) && v == UINT64_MAX);
}

Test(parse, sizes_reject_garbage_and_overflow)
{
    uint64_t v;
    static const char *bad[] = { "", "-1", "K", "1.5G", "12Q", "1 K", "18446744073709551616", "16777216T", "1k" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(mapscan_size_parse(bad[i], &v), "accepted '%s'", bad[i]);
}

static void expect_type(const char *text, mapscan_type want, int want_order)
{
    mapscan_type t = MAPSCAN_TYPE_COUNT;
    mapscan_endian e = MAPSCAN_NATIVE;
    bool given = false;
    cr_assert(mapscan_type_parse(text, &t, &e, &given), "rejected '%s'", text);
    cr_assert_eq(t, want, "'%s' parsed as %s", text, mapscan_type_name(t));
    if (want_order < 0)
        cr_assert_not(given, "'%s' set a byte order", text);
    else
        cr_assert(given && e == (mapscan_endian)want_order, "'%s' byte order", text);
}

/* Every one of the n texts is refused as a type. */
static void expect_types_refused(const char *const *bad, size_t n)
{
    mapscan_type t;
    mapscan_endian e;
    bool given;
    for (size_t i = 0; i < n; i++)
        cr_assert_not(mapscan_type_parse(bad[i], &t, &e, &given), "accepted '%s'", bad[i]);
}

Test(parse, types_in_mapscan_and_numpy_spellings)
{
    expect_type("i8", MAPSCAN_I8, -1);
    expect_type("u64", MAPSCAN_U64, -1);
    expect_type("int32", MAPSCAN_I32, -1);
    expect_type("uint16", MAPSCAN_U16, -1);
    expect_type("<i4", MAPSCAN_I32, MAPSCAN_LITTLE);
    expect_type(">u2", MAPSCAN_U16, MAPSCAN_BIG);
    expect_type("<i8", MAPSCAN_I64, MAPSCAN_LITTLE);
    expect_type(">u8", MAPSCAN_U64, MAPSCAN_BIG);
    expect_type("=i2", MAPSCAN_I16, MAPSCAN_NATIVE);
    expect_type("|i1", MAPSCAN_I8, -1);
    expect_type("|u1", MAPSCAN_U8, -1);
    expect_type("i4", MAPSCAN_I32, -1);
    expect_type(">int64", MAPSCAN_I64, MAPSCAN_BIG);
}

Test(parse, types_reject_unknown_names)
{
    static const char *bad[] = { "", "i3", "float128", "<f16", "f1", "|f4", "|i4", "int128", "<", "u", "c8", "g" };
    expect_types_refused(bad, sizeof bad / sizeof bad[0]);
}

Test(parse, type_limits)
{
    cr_assert(ms_from_int128(mapscan_type_min(MAPSCAN_I64)) == -((ms_i128)1 << 63));
    cr_assert(ms_from_int128(mapscan_type_max(MAPSCAN_U64)) == (ms_i128)UINT64_MAX);
    cr_assert(ms_from_int128(mapscan_type_min(MAPSCAN_U8)) == 0);
    cr_assert(ms_from_int128(mapscan_type_max(MAPSCAN_I16)) == 32767);
}

Test(stats, int128_prints_every_digit)
{
    char buf[41];
    cr_assert_str_eq(mapscan_int128_format(ms_to_int128(0), buf), "0");
    cr_assert_str_eq(mapscan_int128_format(ms_to_int128(-42), buf), "-42");
    ms_i128 big = (ms_i128)UINT64_MAX * 1000 + 7;
    cr_assert_str_eq(mapscan_int128_format(ms_to_int128(big), buf), "18446744073709551615007");
    ms_i128 most_negative = -(ms_i128)(((ms_u128)1 << 127) - 1) - 1;
    cr_assert_str_eq(mapscan_int128_format(ms_to_int128(most_negative), buf),
                     "-170141183460469231731687303715884105728");
}

Test(stats, merge_keeps_extremes_and_skips_empty)
{
    mapscan_stats a = { 0 }, b = { 3, ms_to_int128(-5), ms_to_int128(9), ms_to_int128(6) };
    mapscan_stats c = { 2, ms_to_int128(-7), ms_to_int128(1), ms_to_int128(-6) }, empty = { 0 };
    mapscan_stats_merge(&a, &b);
    mapscan_stats_merge(&a, &empty);
    mapscan_stats_merge(&a, &c);
    cr_assert_eq(a.count, 5);
    cr_assert(ms_from_int128(a.min) == -7 && ms_from_int128(a.max) == 9 && ms_from_int128(a.sum) == 0);
    cr_assert(mapscan_stats_mean(&a) == 0.0L);
    mapscan_stats d = { 4, ms_to_int128(0), ms_to_int128(3), ms_to_int128(-6) };
    cr_assert(mapscan_stats_mean(&d) == -1.5L);
    cr_assert(mapscan_stats_mean(&empty) == 0.0L);
}

Test(parse, float_types_in_mapscan_and_numpy_spellings)
{
    expect_type("f16", MAPSCAN_F16, -1);        /* bare: binary16, not numpy's 16-byte long double */
    expect_type("bf16", MAPSCAN_BF16, -1);
    expect_type("f32", MAPSCAN_F32, -1);
    expect_type("f64", MAPSCAN_F64, -1);
    expect_type("float16", MAPSCAN_F16, -1);
    expect_type("float32", MAPSCAN_F32, -1);
    expect_type("float64", MAPSCAN_F64, -1);
    expect_type("bfloat16", MAPSCAN_BF16, -1);
    expect_type("F64", MAPSCAN_F64, -1);
    expect_type("BF16", MAPSCAN_BF16, -1);
    expect_type("f2", MAPSCAN_F16, -1);
    expect_type("f4", MAPSCAN_F32, -1);
    expect_type("f8", MAPSCAN_F64, -1);
    expect_type("<f2", MAPSCAN_F16, MAPSCAN_LITTLE);
    expect_type(">f4", MAPSCAN_F32, MAPSCAN_BIG);
    expect_type("<f8", MAPSCAN_F64, MAPSCAN_LITTLE);
    expect_type("=f8", MAPSCAN_F64, MAPSCAN_NATIVE);
    expect_type("e", MAPSCAN_F16, -1);
    expect_type("f", MAPSCAN_F32, -1);
    expect_type("d", MAPSCAN_F64, -1);
    expect_type(">e", MAPSCAN_F16, MAPSCAN_BIG);
    expect_type("<d", MAPSCAN_F64, MAPSCAN_LITTLE);
    expect_type(">float32", MAPSCAN_F32, MAPSCAN_BIG);
}

Test(parse, float_types_numpy_has_but_mapscan_does_not_scan_are_refused)
{
    static const char *bad[] = { "<f16", ">f16", "=f16", "f128", "float128", "<f12", "f1", "f3", "f6", "<f1",
                                 "|f2", "|f8", "|e", "g", "<g", "c8", "<c8", "<c16", "c32", "F", "D", "G", "E",
                                 "complex64", "complex128", "<bf16", ">bf16", "bf", "ff4", "f4 ", " f4",
                                 "f44", "float", "double", "half", "bfloat", "b16", "e2", "<ee" };
    expect_types_refused(bad, sizeof bad / sizeof bad[0]);
}

Test(parse, float_type_properties)
{
    static const struct { mapscan_type t; const char *name; size_t size; } types[] = {
        { MAPSCAN_F16, "f16", 2 }, { MAPSCAN_BF16, "bf16", 2 }, { MAPSCAN_F32, "f32", 4 }, { MAPSCAN_F64, "f64", 8 },
    };
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(mapscan_type_name(types[i].t), types[i].name);
        cr_assert_eq(mapscan_type_size(types[i].t), types[i].size);
        cr_assert(mapscan_type_is_float(types[i].t));
        cr_assert(mapscan_type_is_signed(types[i].t));
        cr_assert(ms_from_int128(mapscan_type_min(types[i].t)) == 0);
        cr_assert(ms_from_int128(mapscan_type_max(types[i].t)) == 0);
        mapscan_type back;
        mapscan_endian e;
        bool given = false;
        cr_assert(mapscan_type_parse(types[i].name, &back, &e, &given) && back == types[i].t && !given);
    }
    for (int t = 0; t < MAPSCAN_F16; t++)
        cr_assert_not(mapscan_type_is_float((mapscan_type)t), "%s", mapscan_type_name((mapscan_type)t));
    cr_assert_not(mapscan_type_is_float(MAPSCAN_TYPE_COUNT));
}
