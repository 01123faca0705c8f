/* The plain standard-I/O baseline: one thread, fread into a 1 MiB buffer,
 * min/max/sum of little-endian int32 in a simple loop. Prints JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fread_scan FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static int32_t buf[1 << 18];
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    int64_t sum = 0;
    uint64_t count = 0;
    size_t n;
    while ((n = fread(buf, sizeof buf[0], sizeof buf / sizeof buf[0], f)) > 0) {
        for (size_t i = 0; i < n; i++) {
            lo = buf[i] < lo ? buf[i] : lo;
            hi = buf[i] > hi ? buf[i] : hi;
            sum += buf[i];
        }
        count += n;
    }
    if (ferror(f)) {
        perror(argv[1]);
        return 1;
    }
    fclose(f);
    printf("{\"count\":%" PRIu64 ",\"min\":%" PRId32 ",\"max\":%" PRId32 ",\"sum\":%" PRId64 "}\n", count, lo, hi, sum);
    return 0;
}
