/* A program as a user builds it: the installed header only, linked with
 * the shared library. It checks that its own structures are served, and
 * that a caller whose header had smaller ones (stamped with a smaller
 * struct_size no release had) is refused with a message, its result
 * untouched, while one built against 0.4's header (options without
 * result_size, a result without floats) is served as much as it has and
 * refused float data, and one built against 0.5's (options before stats,
 * a result before extra) gets its floats and nothing past its result.
 * Prints 'N passed, N failed'. */
#include <mapscan.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok)
        passed++;
    else
        failed++, printf("FAIL: %s\n", what);
}

int main(void)
{
    static const uint16_t data[5] = { 1, 2, 3, 4, 65535 };
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_U16;
    mapscan_result r;
    mapscan_error e;
    check(mapscan_scan_memory(data, sizeof data, &o, &r, &e) == MAPSCAN_OK, "a scan with this header's options");
    check(r.stats.count == 5 && r.stats.sum.lo == 65545 && r.stats.max.lo == 65535, "its answer");
    check(strcmp(mapscan_version(), MAPSCAN_VERSION) == 0, "the library is this header's release");

    /* 0.4's header: options ended before result_size, the result before floats. */
    mapscan_options old;
    mapscan_options_init(&old);
    old.type = MAPSCAN_U16;
    old.struct_size = offsetof(mapscan_options, result_size);
    memset(&r, 0x5a, sizeof r);
    check(mapscan_scan_memory(data, sizeof data, &old, &r, &e) == MAPSCAN_OK, "0.4's options served");
    check(r.stats.count == 5 && r.stats.sum.lo == 65545, "with the answer");
    int beyond = 1;
    for (size_t i = offsetof(mapscan_result, floats); i < sizeof r; i++)
        beyond &= ((const unsigned char *)&r)[i] == 0x5a;
    check(beyond, "nothing written past 0.4's result");
    static const float floats[2] = { 1.5f, -2.0f };
    old.type = MAPSCAN_F32;
    check(mapscan_scan_memory(floats, sizeof floats, &old, &r, &e) == MAPSCAN_E_FORMAT, "0.4's caller refused floats");
    check(strstr(e.message, "floating point") != NULL, "saying why");
    o.type = MAPSCAN_F32;
    check(mapscan_scan_memory(floats, sizeof floats, &o, &r, &e) == MAPSCAN_OK && r.floats.sum == -0.5, "this header's floats");

    /* 0.5's header: options ended before stats, the result before extra. */
    mapscan_options five;
    mapscan_options_init(&five);
    five.type = MAPSCAN_F32;
    five.struct_size = offsetof(mapscan_options, stats);
    five.result_size = offsetof(mapscan_result, extra);
    memset(&r, 0x5a, sizeof r);
    check(mapscan_scan_memory(floats, sizeof floats, &five, &r, &e) == MAPSCAN_OK && r.floats.sum == -0.5,
          "0.5's caller served floats");
    beyond = 1;
    for (size_t i = offsetof(mapscan_result, extra); i < sizeof r; i++)
        beyond &= ((const unsigned char *)&r)[i] == 0x5a;
    check(beyond, "nothing written past 0.5's result");
    static const double qs[1] = { 0.5 };
    o.stats = MAPSCAN_STAT_ALL;
    o.nquantiles = 1;
    o.quantiles = qs;
    check(mapscan_scan_memory(floats, sizeof floats, &o, &r, &e) == MAPSCAN_OK && r.extra.var == 3.0625 &&
          r.extra.argmin == 1 && r.extra.quantile[0] == -0.25, "this header's extra statistics");
    o.stats = 0;
    o.nquantiles = 0;

    o.struct_size = sizeof o - 4;      /* no release's size */
    memset(&r, 0x5a, sizeof r);
    check(mapscan_scan_memory(data, sizeof data, &o, &r, &e) == MAPSCAN_E_INVALID, "smaller options refused");
    check(strstr(e.message, "does not know") != NULL, "with a message");
    const unsigned char *bytes = (const unsigned char *)&r;
    int untouched = 1;
    for (size_t i = 0; i < sizeof r; i++)
        untouched &= bytes[i] == 0x5a;
    check(untouched, "the result untouched");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
