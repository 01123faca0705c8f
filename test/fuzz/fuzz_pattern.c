/* gen's pattern parser: the first byte picks the type, the rest is the
 * text. Never crashes; whatever it accepts fits the type (for a float
 * type: rounds to its finite values where it must). */
#include "../../src/stages.h"
#include "fuzz.h"

#include <math.h>

/* v as the generator writes it in a float type. */
static double rounded(mapscan_type type, double v)
{
    return ms_gen_float_value(type, ms_gen_float_bits(type, v));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = (mapscan_type)(data[0] % MAPSCAN_TYPE_COUNT);
    char *text = fuzz_string(data + 1, size - 1);
    mapscan_error error;
    mapscan_status status = mapscan_pattern_parse(text, &o, &error);
    if (status == MAPSCAN_OK && mapscan_type_is_float(o.type)) {
        /* The float types' values are doubles; the integer fields stay 0. */
        FUZZ_CHECK(o.lo.lo == 0 && o.lo.hi == 0 && o.hi.lo == 0 && o.hi.hi == 0);
        if (o.pattern == MAPSCAN_PATTERN_RANGE)
            FUZZ_CHECK(isfinite(o.float_lo) && isfinite(o.float_hi) && o.float_lo <= o.float_hi &&
                       isfinite(rounded(o.type, o.float_lo)) && isfinite(rounded(o.type, o.float_hi)));
        if (o.pattern == MAPSCAN_PATTERN_CONST)
            FUZZ_CHECK(!isfinite(o.float_lo) || isfinite(rounded(o.type, o.float_lo)));
        if (o.pattern == MAPSCAN_PATTERN_MOD)
            FUZZ_CHECK(o.modulus >= 1 && isfinite(rounded(o.type, (double)(o.modulus - 1))));
    } else if (status == MAPSCAN_OK) {
        ms_i128 lo = ms_from_int128(o.lo), hi = ms_from_int128(o.hi);
        ms_i128 min = ms_from_int128(mapscan_type_min(o.type)), max = ms_from_int128(mapscan_type_max(o.type));
        if (o.pattern == MAPSCAN_PATTERN_RANGE || o.pattern == MAPSCAN_PATTERN_CONST)
            FUZZ_CHECK(min <= lo && lo <= hi && hi <= max);
        if (o.pattern == MAPSCAN_PATTERN_MOD)
            FUZZ_CHECK(o.modulus >= 1 && (ms_i128)o.modulus - 1 <= max);
    } else {
        FUZZ_CHECK(error.status == MAPSCAN_E_INVALID);
        FUZZ_CHECK(strchr(error.message, '\n') == NULL);
    }
    free(text);
    return 0;
}
