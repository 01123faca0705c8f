/* The .npy header parser: never crashes or reads past the buffer (ASan
 * sees to that, as the input is copied to an exact-size allocation); what
 * it accepts is consistent: fields inside their record, a count that is
 * the shape's product, a data offset within the buffer. */
#include "../../src/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    mapscan_npy_header h;
    mapscan_error e;
    if (mapscan_npy_parse(copy, size, &h, &e) == MAPSCAN_OK) {
        FUZZ_CHECK(h.data_offset <= size);
        uint64_t product = 1;
        for (unsigned i = 0; i < h.ndim; i++)
            product *= h.shape[i];
        FUZZ_CHECK(product == h.count);
        for (size_t i = 0; i < h.nfields; i++) {
            FUZZ_CHECK(h.fields[i].offset + h.fields[i].size <= h.itemsize);
            if (h.fields[i].is_integer)
                FUZZ_CHECK(mapscan_type_size(h.fields[i].type) == h.fields[i].size);
        }
        if (h.is_integer)
            FUZZ_CHECK(mapscan_type_size(h.type) == h.itemsize);
        mapscan_npy_free(&h);
    } else {
        FUZZ_CHECK(e.message[0] && strchr(e.message, '\n') == NULL);
    }
    free(copy);
    return 0;
}
