/* SIZE parser: never crashes; what it accepts starts with a digit and,
 * for plain digits, is the number they spell. */
#include "../../src/io/io.h"
#include "fuzz.h"

#include <ctype.h>
#include <errno.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = fuzz_string(data, size);
    uint64_t bytes = 0;
    bool ok = mapscan_size_parse(text, &bytes);
    if (ok)
        FUZZ_CHECK(isdigit((unsigned char)text[0]));
    size_t digits = strspn(text, "0123456789");
    if (digits > 0 && text[digits] == '\0') {
        errno = 0;
        unsigned long long want = strtoull(text, NULL, 10);
        FUZZ_CHECK(ok == (errno == 0));
        if (ok)
            FUZZ_CHECK(bytes == want);
    }
    free(text);
    return 0;
}
