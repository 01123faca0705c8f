/* gen's pattern parser: the first byte picks the type, the rest is the
 * text. Never crashes; whatever it accepts fits the type. */
#include "../../src/io/io.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    mapscan_gen_options o;
    mapscan_gen_options_init(&o);
    o.type = (mapscan_type)(data[0] % MAPSCAN_TYPE_COUNT);
    char *text = fuzz_string(data + 1, size - 1);
    mapscan_error error;
    if (mapscan_pattern_parse(text, &o, &error) == MAPSCAN_OK) {
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
