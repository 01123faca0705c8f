/* The name of what read a scan, built from the bits the readers set: each
 * reader's name, joined by '+' in a fixed order ("mmap+read" for auto's
 * mix). Built once for every combination, so that the strings are static
 * and a new reader adds a line here, not a table of combinations. */
#include "io.h"

#include <pthread.h>
#include <string.h>

static const struct { unsigned bit; const char *name; } reader_bits[] = {
    { MAPSCAN_USED_MMAP, "mmap" },
    { MAPSCAN_USED_READ, "read" },
    { MAPSCAN_USED_DIRECT, "direct" },
    { MAPSCAN_USED_DIRECT_PREAD, "direct-pread" },
};
#define ALL_BITS 32u    /* the MAPSCAN_USED_* bits fit in 5 */

static char names[ALL_BITS][64];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
    for (unsigned bits = 0; bits < ALL_BITS; bits++) {
        char *out = names[bits];
        for (size_t i = 0; i < sizeof reader_bits / sizeof reader_bits[0]; i++) {
            if (!(bits & reader_bits[i].bit))
                continue;
            if (*out)
                strcat(out, "+");
            strcat(out, reader_bits[i].name);
        }
        if (!*out)
            strcpy(out, "none");
    }
}

const char *mapscan_backends_name(unsigned used_bits)
{
    if (used_bits & MAPSCAN_USED_MEMORY)
        return "memory";    /* the caller's buffer: nothing else reads */
    pthread_once(&names_once, build_names);
    return names[used_bits % ALL_BITS];
}
