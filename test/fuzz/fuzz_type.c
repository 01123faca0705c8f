/* Type, byte-order and backend names: never crash; an accepted type's own
 * name parses back to it, and a byte order is only ever set with one. */
#include "../../src/io/io.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = fuzz_string(data, size);
    mapscan_type type = MAPSCAN_TYPE_COUNT;
    mapscan_endian endian = MAPSCAN_LITTLE;
    bool given = false;
    if (mapscan_type_parse(text, &type, &endian, &given)) {
        FUZZ_CHECK((unsigned)type < MAPSCAN_TYPE_COUNT);
        FUZZ_CHECK(!given || mapscan_type_size(type) > 1);
        mapscan_type again = MAPSCAN_TYPE_COUNT;
        bool again_given = false;
        FUZZ_CHECK(mapscan_type_parse(mapscan_type_name(type), &again, &endian, &again_given));
        FUZZ_CHECK(again == type && !again_given);
    } else {
        FUZZ_CHECK(!given);
    }
    mapscan_endian order;
    if (mapscan_endian_parse(text, &order))
        FUZZ_CHECK(order == MAPSCAN_LITTLE || order == MAPSCAN_BIG || order == MAPSCAN_NATIVE);
    mapscan_backend backend;
    if (mapscan_backend_parse(text, &backend))
        FUZZ_CHECK((unsigned)backend <= MAPSCAN_BACKEND_DIRECT);
    free(text);
    return 0;
}
