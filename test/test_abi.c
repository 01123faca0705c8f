/* Structures stamped with the size the caller's header gave them: a size
 * the library knows is served, any other refused with a message and
 * nothing written to the result. */
#include "reference.h"

#include <criterion/criterion.h>
#include <string.h>

static const int32_t values[4] = { 5, -7, 11, 2 };

static mapscan_status scan_with_size(size_t struct_size, mapscan_result *r, mapscan_error *e)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.struct_size = struct_size;
    o.threads = 1;
    return mapscan_scan_memory(values, sizeof values, &o, r, e);
}

Test(abi, options_stamped_by_init_are_served)
{
    mapscan_options o;
    mapscan_options_init(&o);
    cr_assert_eq(o.struct_size, sizeof o);
    cr_assert_eq(o.type, MAPSCAN_I32);
    cr_assert_eq(o.length, UINT64_MAX);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(scan_with_size(sizeof o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(r.stats.count, 4);
    cr_assert_eq(r.stats.sum.lo, 11);
}

Test(abi, sizes_of_no_known_header_are_refused_and_the_result_is_untouched)
{
    const size_t sizes[] = { 0, sizeof(mapscan_options) - 4, sizeof(mapscan_options) + 8, 4, 120 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mapscan_result r;
        memset(&r, 0xab, sizeof r);
        mapscan_error e;
        cr_assert_eq(scan_with_size(sizes[i], &r, &e), MAPSCAN_E_INVALID, "size %zu", sizes[i]);
        cr_assert(strstr(e.message, "mapscan_options"), "%s", e.message);
        cr_assert(strstr(e.message, sizes[i] ? "does not know" : "struct_size 0"), "%s", e.message);
        const unsigned char *bytes = (const unsigned char *)&r;
        for (size_t k = 0; k < sizeof r; k++)
            cr_assert_eq(bytes[k], 0xab, "byte %zu of the result was written", k);
    }
}

Test(abi, generator_options_too)
{
    mapscan_gen_options g;
    mapscan_gen_options_init(&g);
    cr_assert_eq(g.struct_size, sizeof g);
    mapscan_error e;
    cr_assert_eq(mapscan_pattern_parse("range:1:9", &g, &e), MAPSCAN_OK);
    cr_assert_eq(g.pattern, MAPSCAN_PATTERN_RANGE);
    cr_assert_eq(g.struct_size, sizeof g);
    g.struct_size = sizeof g - 4;
    cr_assert_eq(mapscan_pattern_parse("seq", &g, &e), MAPSCAN_E_INVALID);
    cr_assert_eq(g.pattern, MAPSCAN_PATTERN_RANGE);     /* untouched */
    mapscan_result r;
    cr_assert_eq(mapscan_generate("/nonexistent/x", &g, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "mapscan_gen_options"), "%s", e.message);
}

Test(abi, results_merge_as_one_scan)
{
    mapscan_result a, b;
    mapscan_error e;
    cr_assert_eq(scan_with_size(sizeof(mapscan_options), &a, &e), MAPSCAN_OK);
    cr_assert_eq(scan_with_size(sizeof(mapscan_options), &b, &e), MAPSCAN_OK);
    b.threads = 3;
    mapscan_result_merge(&a, &b);
    cr_assert_eq(a.stats.count, 8);
    cr_assert_eq(a.stats.sum.lo, 22);
    cr_assert_eq(a.bytes, 32);
    cr_assert_eq(a.threads, 3);
    cr_assert_eq(a.backends, MAPSCAN_USED_MEMORY);
}
