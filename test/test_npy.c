/* The .npy header parser on hand-made headers: every version, dtype form,
 * structured layouts, and a list of broken headers. */
#include "reference.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* magic, version, little-endian length, the dict, a newline */
static size_t make_header(unsigned char *buf, unsigned major, const char *dict)
{
    size_t prefix = major == 1 ? 10 : 12, text = strlen(dict) + 1;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++)
        buf[8 + i] = (unsigned char)(text >> (8 * i));
    memcpy(buf + prefix, dict, text - 1);
    buf[prefix + text - 1] = '\n';
    return prefix + text;
}

static mapscan_npy_header parse_ok(unsigned major, const char *dict)
{
    static unsigned char buf[20000];
    size_t len = make_header(buf, major, dict);
    mapscan_npy_header h;
    mapscan_error e;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_OK, "%s: %s", dict, e.message);
    cr_assert_eq(h.data_offset, len);
    return h;
}

Test(npy, each_version_gives_the_data_offset_and_count)
{
    for (unsigned major = 1; major <= 3; major++) {
        mapscan_npy_header h = parse_ok(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }");
        cr_assert_eq(h.major, major);
        cr_assert_eq(h.count, 3);
        cr_assert(h.is_integer && h.type == MAPSCAN_I32 && h.endian == MAPSCAN_LITTLE);
        cr_assert_eq(h.itemsize, 4);
        mapscan_npy_free(&h);
    }
}

Test(npy, every_integer_dtype_and_byte_order)
{
    static const struct { const char *descr; mapscan_type type; mapscan_endian endian; } cases[] = {
        { "|i1", MAPSCAN_I8, MAPSCAN_NATIVE }, { "|u1", MAPSCAN_U8, MAPSCAN_NATIVE },
        { "<i2", MAPSCAN_I16, MAPSCAN_LITTLE }, { ">u2", MAPSCAN_U16, MAPSCAN_BIG },
        { ">i4", MAPSCAN_I32, MAPSCAN_BIG }, { "<u4", MAPSCAN_U32, MAPSCAN_LITTLE },
        { "<i8", MAPSCAN_I64, MAPSCAN_LITTLE }, { ">u8", MAPSCAN_U64, MAPSCAN_BIG },
        { "=i8", MAPSCAN_I64, MAPSCAN_NATIVE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'shape': (2, 5), 'fortran_order': True, 'descr': '%s'}", cases[i].descr);
        mapscan_npy_header h = parse_ok(1, dict);
        cr_assert(h.is_integer, "%s", cases[i].descr);
        cr_assert_eq(h.type, cases[i].type, "%s", cases[i].descr);
        cr_assert_eq(h.endian, cases[i].endian, "%s", cases[i].descr);
        cr_assert(h.fortran_order);
        cr_assert_eq(h.count, 10);
        mapscan_npy_free(&h);
    }
}

Test(npy, other_dtypes_parse_but_are_not_integers)
{
    static const struct { const char *descr; uint64_t size; } cases[] = {
        { "<f8", 8 }, { "|b1", 1 }, { "<M8[ns]", 8 }, { "<m8", 8 }, { "|S10", 10 }, { "<U5", 20 }, { "|V7", 7 },
        { "<c16", 16 }, { "<f2", 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{\"descr\": \"%s\", \"fortran_order\": False, \"shape\": (4,)}", cases[i].descr);
        mapscan_npy_header h = parse_ok(2, dict);
        cr_assert_not(h.is_integer, "%s", cases[i].descr);
        cr_assert_eq(h.itemsize, cases[i].size, "%s", cases[i].descr);
        mapscan_npy_free(&h);
    }
}

Test(npy, shapes_zero_d_empty_and_many_dimensions)
{
    mapscan_npy_header h = parse_ok(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }");
    cr_assert_eq(h.ndim, 0);
    cr_assert_eq(h.count, 1);
    mapscan_npy_free(&h);
    h = parse_ok(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 0), }");
    cr_assert_eq(h.count, 0);
    mapscan_npy_free(&h);
    /* Python 2's 2L: numpy filters it from 1.0 and 2.0 headers only */
    h = parse_ok(2, "{'descr':'<u2','fortran_order':False,'shape':(2L,3,4)}");
    cr_assert_eq(h.ndim, 3);
    cr_assert_eq(h.count, 24);
    mapscan_npy_free(&h);
    unsigned char buf[256];
    size_t len = make_header(buf, 3, "{'descr':'<u2','fortran_order':False,'shape':(2L,3,4)}");
    mapscan_error e;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
}

Test(npy, structured_fields_with_padding_titles_nesting_and_subarrays)
{
    mapscan_npy_header h = parse_ok(
        1, "{'descr': [('a', '|u1'), ('', '|V3'), (('a title', 'b'), '<i4'), ('s', [('x', '>i2'), ('f', '<f8')]), "
           "('arr', '<i2', (3, 2)), ('z', '<u8', ())], 'fortran_order': False, 'shape': (7,), }");
    cr_assert(h.structured);
    cr_assert_eq(h.count, 7);
    /* a 1, pad 3, b 4, s.x 2, s.f 8, arr 12, z 8 */
    cr_assert_eq(h.itemsize, 1 + 3 + 4 + 2 + 8 + 12 + 8);
    static const struct { const char *name; uint64_t offset; bool integer; mapscan_type type; } want[] = {
        { "a", 0, true, MAPSCAN_U8 }, { "b", 4, true, MAPSCAN_I32 }, { "s.x", 8, true, MAPSCAN_I16 },
        { "s.f", 10, false, 0 }, { "arr", 18, false, 0 }, { "z", 30, true, MAPSCAN_U64 },
    };
    cr_assert_eq(h.nfields, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < h.nfields; i++) {
        const mapscan_npy_field *f = mapscan_npy_find_field(&h, want[i].name);
        cr_assert_not_null(f, "%s", want[i].name);
        cr_assert_eq(f->offset, want[i].offset, "%s at %llu", want[i].name, (unsigned long long)f->offset);
        cr_assert_eq(f->is_integer, want[i].integer, "%s", want[i].name);
        if (want[i].integer)
            cr_assert_eq(f->type, want[i].type, "%s", want[i].name);
    }
    cr_assert_eq(mapscan_npy_find_field(&h, "s.x")->endian, MAPSCAN_BIG);
    cr_assert_eq(mapscan_npy_find_field(&h, "arr")->size, 12);     /* a sub-array: all of it (a fuzz finding) */
    cr_assert_null(mapscan_npy_find_field(&h, ""));
    mapscan_npy_free(&h);
}

Test(npy, broken_headers_are_refused_with_one_line)
{
    static const char *dicts[] = {
        "{'descr': '<i4', 'fortran_order': False}",                               /* a missing key */
        "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'extra': 1}",    /* an extra key */
        "{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (3,)}", /* a key twice */
        "{'descr': '<i4', 'fortran_order': False, 'shape': (-3,)}",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (3.5,)}",
        "{'descr': '<i4', 'fortran_order': Maybe, 'shape': (3,)}",
        "{'descr': '<i4, 'fortran_order': False, 'shape': (3,)}",                  /* an unterminated string */
        "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}",                  /* pickled objects */
        "{'descr': '<q9', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (3,)} trailing",
        "{'descr': [('a', '<i4'), ('b'], 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999)}",
        "['descr', '<i4']",
        "",
    };
    unsigned char buf[4096];
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
        size_t len = make_header(buf, 1, dicts[i]);
        mapscan_npy_header h;
        mapscan_error e;
        cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT, "accepted: %s", dicts[i]);
        cr_assert(e.message[0] && !strchr(e.message, '\n'), "%s: '%s'", dicts[i], e.message);
        cr_assert(mapscan_status_is_input_error(e.status));
    }
}

Test(npy, bad_magic_version_and_lengths)
{
    unsigned char buf[256];
    size_t len = make_header(buf, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}");
    mapscan_npy_header h;
    mapscan_error e;
    uint64_t size;
    cr_assert_eq(mapscan_npy_header_size(buf, 9, &size, &e), MAPSCAN_E_FORMAT);    /* cut short */
    cr_assert_eq(mapscan_npy_parse(buf, len - 1, &h, &e), MAPSCAN_E_FORMAT);        /* header past the buffer */
    buf[6] = 4;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
    cr_assert(strstr(e.message, "version 4.0"), "%s", e.message);
    buf[6] = 1;
    buf[7] = 1;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
    buf[7] = 0;
    buf[0] = 'x';
    cr_assert_not(mapscan_npy_is_magic(buf, len));
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
    /* a header length past numpy's limit */
    unsigned char big[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x11, 0x27, 0, 0 };    /* 10001 */
    cr_assert_eq(mapscan_npy_header_size(big, sizeof big, &size, &e), MAPSCAN_E_FORMAT);
    cr_assert(strstr(e.message, "10000"), "%s", e.message);
}

Test(npy, names_are_decoded_as_python_and_spelled_as_field_takes_them)
{
    /* version 1.0: latin-1 bytes; repr()'s escapes; a dot and a backslash in a name */
    mapscan_npy_header h = parse_ok(1, "{'descr': [('\\tb', '<i4'), ('\xe9', '<i2'), ('\\x41\\101', 'u1'), "
                                       "('q\\\\', 'u1'), (\"it's\", 'u1'), ('a.b', 'u1'), ('\\u20ac\\U0001F600', 'u1'), "
                                       "('\\x00', 'u1'), ('\\q', 'u1')], 'fortran_order': False, 'shape': (1,)}");
    static const char *want[] = { "\\tb", "\xc3\xa9", "AA", "q\\\\", "it's", "a\\.b",
                                  "\xe2\x82\xac\xf0\x9f\x98\x80", "\\x00", "\\\\q" };
    cr_assert_eq(h.nfields, 9);
    for (size_t i = 0; i < 9; i++)
        cr_assert_str_eq(h.fields[i].name, want[i]);
    cr_assert_eq(mapscan_npy_find_field(&h, "\tb"), &h.fields[0]);         /* as typed */
    cr_assert_eq(mapscan_npy_find_field(&h, "\\tb"), &h.fields[0]);        /* as spelled */
    cr_assert_eq(mapscan_npy_find_field(&h, "\xc3\xa9"), &h.fields[1]);
    cr_assert_eq(mapscan_npy_find_field(&h, "a.b"), &h.fields[5]);
    cr_assert_eq(mapscan_npy_find_field(&h, "a\\.b"), &h.fields[5]);
    cr_assert_null(mapscan_npy_find_field(&h, "a\\.c"));
    cr_assert_eq(mapscan_npy_find_field(&h, "\\x00"), &h.fields[7]);
    mapscan_npy_free(&h);
    /* version 3.0: UTF-8 as it is */
    h = parse_ok(3, "{'descr': [('\xc3\xa9', '<i2')], 'fortran_order': False, 'shape': (1,)}");
    cr_assert_str_eq(h.fields[0].name, "\xc3\xa9");
    mapscan_npy_free(&h);
}

Test(npy, a_name_that_could_mean_two_fields_finds_none)
{
    mapscan_npy_header h = parse_ok(1, "{'descr': [('a.b', '<i4'), ('a', [('b', '<i2')])], "
                                       "'fortran_order': False, 'shape': (1,)}");
    cr_assert_null(mapscan_npy_find_field(&h, "a.b"));
    cr_assert_eq(mapscan_npy_find_field(&h, "a\\.b"), &h.fields[0]);
    cr_assert_eq(mapscan_npy_find_field(&h, "\\a.b"), &h.fields[1]);
    mapscan_npy_free(&h);
}

Test(npy, sub_arrays_count_their_elements_and_are_not_scannable)
{
    mapscan_npy_header h = parse_ok(1, "{'descr': [('s', [('x', '<i2'), ('y', '>i2')], (2,)), ('a', '<i4', (3,)), "
                                       "('one', '<i4', (1,)), ('n', '<i4', 2), ('b', '>i4')], "
                                       "'fortran_order': False, 'shape': (5,)}");
    static const struct { const char *name; uint64_t offset, count; bool integer; } want[] = {
        { "s.x", 0, 2, false }, { "s.y", 2, 2, false }, { "a", 8, 3, false }, { "one", 20, 1, true },
        { "n", 24, 2, false }, { "b", 32, 1, true },
    };
    cr_assert_eq(h.nfields, 6);
    cr_assert_eq(h.itemsize, 36);
    for (size_t i = 0; i < 6; i++) {
        const mapscan_npy_field *f = mapscan_npy_find_field(&h, want[i].name);
        cr_assert_not_null(f, "%s", want[i].name);
        cr_assert_eq(f->offset, want[i].offset, "%s", want[i].name);
        cr_assert_eq(f->count, want[i].count, "%s", want[i].name);
        cr_assert_eq(f->is_integer, want[i].integer, "%s", want[i].name);
    }
    mapscan_npy_free(&h);
}

Test(npy, type_strings_as_numpy_dtype_reads_them)
{
    static const struct { const char *descr; uint64_t size; bool integer; mapscan_type type; } ok[] = {
        { "b", 1, true, MAPSCAN_I8 }, { "B", 1, true, MAPSCAN_U8 }, { "<h", 2, true, MAPSCAN_I16 },
        { ">H", 2, true, MAPSCAN_U16 }, { "<l", 8, true, MAPSCAN_I64 }, { "<q", 8, true, MAPSCAN_I64 },
        { "<p", 8, true, MAPSCAN_I64 }, { "P", 8, true, MAPSCAN_U64 }, { "int32", 4, true, MAPSCAN_I32 },
        { "uint8", 1, true, MAPSCAN_U8 }, { "i04", 4, true, MAPSCAN_I32 }, { "?", 1, false, 0 },
        { "e", 2, false, 0 }, { "g", 16, false, 0 }, { "c", 1, false, 0 }, { "float64", 8, false, 0 },
        { "datetime64[ns]", 8, false, 0 }, { "<m8[25s]", 8, false, 0 }, { "S", 0, false, 0 }, { "U3", 12, false, 0 },
        { "<c32", 32, false, 0 }, { "|V0", 0, false, 0 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2,)}", ok[i].descr);
        mapscan_npy_header h = parse_ok(1, dict);
        cr_assert_eq(h.itemsize, ok[i].size, "%s", ok[i].descr);
        cr_assert_eq(h.is_integer, ok[i].integer, "%s", ok[i].descr);
        if (ok[i].integer)
            cr_assert_eq(h.type, ok[i].type, "%s", ok[i].descr);
        mapscan_npy_free(&h);
    }
    static const char *refused[] = { "<int32", "l8", "<i16", "i3", "b2", "?1", "M[ns]", "M8[xx]", "<f12", "c64",
                                     "i4,i4", "(2,)i4", "2i4", "i 4", "Int8", "bfloat16", "", "O", "|O8" };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2,)}", refused[i]);
        unsigned char buf[256];
        size_t len = make_header(buf, 1, dict);
        mapscan_npy_header h;
        mapscan_error e;
        cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT, "accepted '%s'", refused[i]);
    }
}

Test(npy, what_numpy_refuses_is_refused_with_its_reason)
{
    static const struct { const char *dict; const char *why; } cases[] = {
        { "{'descr': [('a', '<i4'), ('a', '<i2')], 'fortran_order': False, 'shape': (1,)}", "name already used" },
        { "{'descr': [(('a', 'b'), '<i4'), ('a', '<i2')], 'fortran_order': False, 'shape': (1,)}", "already used" },
        { "{'descr': [(('b', 'b'), '<i4')], 'fortran_order': False, 'shape': (1,)}", "title already used" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (012,)}", "leading zero" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (3)}", "not a tuple" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (0x3,)}", "never writes" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (1_0,)}", "never writes" },
        { "{'descr': b'<i4', 'fortran_order': False, 'shape': (1,)}", "bytes" },
        { "{'descr': '''<i4''', 'fortran_order': False, 'shape': (1,)}", "triple-quoted" },
        { "{'descr': ('<i4', (2,)), 'fortran_order': False, 'shape': (1,)}", "sub-array dtype" },
        { "{'descr': [('a', '<i4', (-1,))], 'fortran_order': False, 'shape': (1,)}", "negative" },
        { "{'descr': [('\\x4', '<i4')], 'fortran_order': False, 'shape': (1,)}", "truncated" },
        { "{'descr': [('\\N{DASH}', '<i4')], 'fortran_order': False, 'shape': (1,)}", "\\N" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char buf[512];
        size_t len = make_header(buf, 1, cases[i].dict);
        mapscan_npy_header h;
        mapscan_error e;
        cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT, "accepted: %s", cases[i].dict);
        cr_assert(strstr(e.message, cases[i].why), "%s: '%s'", cases[i].dict, e.message);
    }
    /* a 3.0 header is UTF-8: a lone latin-1 byte is refused there, read in 1.0 */
    unsigned char buf[256];
    size_t len = make_header(buf, 3, "{'descr': [('\xe9', '<i4')], 'fortran_order': False, 'shape': (1,)}");
    mapscan_npy_header h;
    mapscan_error e;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
    cr_assert(strstr(e.message, "UTF-8"), "%s", e.message);
}

Test(npy, messages_escape_control_bytes_as_text_does)
{
    unsigned char buf[256];
    size_t len = make_header(buf, 1, "{'descr': '<i4\t\x01', 'fortran_order': False, 'shape': (1,)}");
    mapscan_npy_header h;
    mapscan_error e;
    cr_assert_eq(mapscan_npy_parse(buf, len, &h, &e), MAPSCAN_E_FORMAT);
    cr_assert(strstr(e.message, "'<i4\\t\\x01'"), "%s", e.message);
}

Test(npy, float_dtypes_are_scannable_with_their_type_and_order)
{
    static const struct { const char *descr; mapscan_type type; mapscan_endian endian; uint64_t size; } cases[] = {
        { "<f2", MAPSCAN_F16, MAPSCAN_LITTLE, 2 }, { ">f2", MAPSCAN_F16, MAPSCAN_BIG, 2 },
        { "<f4", MAPSCAN_F32, MAPSCAN_LITTLE, 4 }, { ">f4", MAPSCAN_F32, MAPSCAN_BIG, 4 },
        { "<f8", MAPSCAN_F64, MAPSCAN_LITTLE, 8 }, { ">f8", MAPSCAN_F64, MAPSCAN_BIG, 8 },
        { "=f8", MAPSCAN_F64, MAPSCAN_NATIVE, 8 }, { "e", MAPSCAN_F16, MAPSCAN_NATIVE, 2 },
        { "f", MAPSCAN_F32, MAPSCAN_NATIVE, 4 }, { "d", MAPSCAN_F64, MAPSCAN_NATIVE, 8 },
        { ">d", MAPSCAN_F64, MAPSCAN_BIG, 8 }, { "float64", MAPSCAN_F64, MAPSCAN_NATIVE, 8 },
        { "float16", MAPSCAN_F16, MAPSCAN_NATIVE, 2 }, { "half", MAPSCAN_F16, MAPSCAN_NATIVE, 2 },
        { "single", MAPSCAN_F32, MAPSCAN_NATIVE, 4 }, { "double", MAPSCAN_F64, MAPSCAN_NATIVE, 8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (3,)}", cases[i].descr);
        mapscan_npy_header h = parse_ok(1, dict);
        cr_assert_not(h.is_integer, "%s", cases[i].descr);
        cr_assert_eq(h.type, cases[i].type, "%s: type %d", cases[i].descr, (int)h.type);
        cr_assert_eq(mapscan_endian_resolve(h.endian), mapscan_endian_resolve(cases[i].endian), "%s",
                     cases[i].descr);
        cr_assert_eq(h.itemsize, cases[i].size, "%s", cases[i].descr);
        mapscan_npy_free(&h);
    }
}

Test(npy, long_double_complex_and_other_dtypes_are_not_scannable)
{
    static const struct { const char *descr; uint64_t size; } cases[] = {
        { "<f16", 16 }, { ">f16", 16 }, { "g", 16 }, { "longdouble", 16 }, { "float128", 16 }, { "<c8", 8 },
        { ">c16", 16 }, { "<c32", 32 }, { "F", 8 }, { "D", 16 }, { "complex128", 16 }, { "|b1", 1 },
        { "<M8[ns]", 8 }, { "<m8", 8 }, { "|S4", 4 }, { "<U2", 8 }, { "|V8", 8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (3,)}", cases[i].descr);
        mapscan_npy_header h = parse_ok(1, dict);
        cr_assert_not(h.is_integer, "%s", cases[i].descr);
        cr_assert_eq(h.type, MAPSCAN_TYPE_COUNT, "%s: type %d", cases[i].descr, (int)h.type);
        cr_assert_eq(h.itemsize, cases[i].size, "%s", cases[i].descr);
        mapscan_npy_free(&h);
    }
}

Test(npy, float_fields_carry_their_type)
{
    mapscan_npy_header h = parse_ok(
        1, "{'descr': [('h', '<f2'), ('s', [('f', '>f4'), ('d', '<f8')]), ('ld', '<f16'), ('c', '<c8'), "
           "('arr', '<f4', (2,)), ('i', '<i4')], 'fortran_order': False, 'shape': (4,), }");
    static const struct { const char *name; uint64_t offset, count; mapscan_type type; mapscan_endian endian; } want[] = {
        { "h", 0, 1, MAPSCAN_F16, MAPSCAN_LITTLE }, { "s.f", 2, 1, MAPSCAN_F32, MAPSCAN_BIG },
        { "s.d", 6, 1, MAPSCAN_F64, MAPSCAN_LITTLE }, { "ld", 14, 1, MAPSCAN_TYPE_COUNT, MAPSCAN_LITTLE },
        { "c", 30, 1, MAPSCAN_TYPE_COUNT, MAPSCAN_LITTLE }, { "arr", 38, 2, MAPSCAN_F32, MAPSCAN_LITTLE },
        { "i", 46, 1, MAPSCAN_I32, MAPSCAN_LITTLE },
    };
    cr_assert_eq(h.nfields, sizeof want / sizeof want[0]);
    cr_assert_eq(h.itemsize, 50);
    for (size_t i = 0; i < h.nfields; i++) {
        const mapscan_npy_field *f = mapscan_npy_find_field(&h, want[i].name);
        cr_assert_not_null(f, "%s", want[i].name);
        cr_assert_eq(f->offset, want[i].offset, "%s at %llu", want[i].name, (unsigned long long)f->offset);
        cr_assert_eq(f->count, want[i].count, "%s", want[i].name);
        cr_assert_eq(f->type, want[i].type, "%s: type %d", want[i].name, (int)f->type);
        cr_assert_eq(f->is_integer, want[i].type == MAPSCAN_I32, "%s", want[i].name);
        if (want[i].type != MAPSCAN_TYPE_COUNT)
            cr_assert_eq(mapscan_endian_resolve(f->endian), want[i].endian, "%s", want[i].name);
    }
    mapscan_npy_free(&h);
}

/* The scan of a .npy file with float data and fields, through a real file. */
Test(npy, float_files_and_fields_scan)
{
    unsigned char buf[512];
    size_t len = make_header(buf, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }");
    const double vals[] = { 1.5, -0.0, 1e300 };
    for (int i = 0; i < 3; i++) {
        uint64_t bits;
        memcpy(&bits, &vals[i], 8);
        for (int b = 0; b < 8; b++)
            buf[len + 8 * (size_t)i + (size_t)b] = (unsigned char)(bits >> (56 - 8 * b));
    }
    char path[64];
    write_temp_file(path, sizeof path, buf, len + 24);
    mapscan_options o;
    mapscan_options_init(&o);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(r.type, MAPSCAN_F64);
    cr_assert_eq(r.endian, MAPSCAN_BIG);
    cr_assert_eq(r.stats.count, 3);
    cr_assert(r.floats.sum == 1e300 && r.floats.max == 1e300 && r.floats.min == -0.0 && signbit(r.floats.min));
    o.type = MAPSCAN_F32;
    o.type_set = true;
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "contradicts"), "%s", e.message);
    unlink(path);

    /* a structured file: the f4 field, the long double refused */
    len = make_header(buf, 1, "{'descr': [('a', '<i2'), ('x', '<f4'), ('ld', '<f16')], 'fortran_order': False, "
                              "'shape': (2,), }");
    memset(buf + len, 0, 2 * 22);
    const float xs[] = { 0.25f, -8.0f };
    for (int i = 0; i < 2; i++)
        memcpy(buf + len + 22 * (size_t)i + 2, &xs[i], 4);     /* the test runs little-endian */
    write_temp_file(path, sizeof path, buf, len + 44);
    mapscan_options_init(&o);
    o.field = "x";
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(r.type, MAPSCAN_F32);
    cr_assert_eq(r.record_size, 22);
    cr_assert_eq(r.field_offset, 2);
    cr_assert(r.floats.sum == -7.75 && r.floats.min == -8.0 && r.floats.max == 0.25);
    o.field = "ld";
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "not a number mapscan scans"), "%s", e.message);
    cr_assert(strstr(e.message, "numeric fields: a, x"), "%s", e.message);
    unlink(path);
}
