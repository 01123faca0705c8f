/* The .npy header parser: never crashes or reads past the buffer (ASan
 * sees to that, as the input is copied to an exact-size allocation); what
 * it accepts is consistent: fields inside their record, a count that is
 * the shape's product, a data offset within the buffer. Then the whole
 * input is scanned as a .npy file, from a memfd and from a pipe: never a
 * crash, and a scan that succeeds counts what the header says. */
#include "../../src/io/io.h"
#include "fuzz.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Scans the input through fd; a success must count the header's elements. */
static void scan_as_npy(int fd, const char *field, bool parsed, uint64_t count)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.format = MAPSCAN_FORMAT_NPY;
    o.field = field;
    o.threads = 2;
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = mapscan_scan_fd(fd, &o, &r, &e);
    if (s == MAPSCAN_OK) {
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(r.stats.count == count);
    } else {
        FUZZ_CHECK(e.message[0] && strchr(e.message, '\n') == NULL);
    }
}

static void scan_both_ways(const unsigned char *data, size_t size, const char *field, bool parsed, uint64_t count)
{
    int fd = memfd_create("mapscan-fuzz-npy", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    fuzz_write_all(fd, data, size);
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
    scan_as_npy(fd, field, parsed, count);
    close(fd);
    if (size > 60000)
        return;
    int fds[2];
    FUZZ_CHECK(pipe(fds) == 0);
    FUZZ_CHECK(fcntl(fds[1], F_SETPIPE_SZ, 1 << 16) >= 0);
    fuzz_write_all(fds[1], data, size);
    close(fds[1]);
    scan_as_npy(fds[0], field, parsed, count);
    close(fds[0]);
}

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
                FUZZ_CHECK(mapscan_type_size(h.fields[i].type) == h.fields[i].size && h.fields[i].count == 1);
            FUZZ_CHECK(mapscan_npy_find_field(&h, h.fields[i].name) == NULL ||
                       mapscan_npy_find_field(&h, h.fields[i].name) == &h.fields[i]);
        }
        if (h.is_integer)
            FUZZ_CHECK(mapscan_type_size(h.type) == h.itemsize);
        const char *field = NULL;
        for (size_t i = 0; i < h.nfields && !field; i++)
            if (h.fields[i].is_integer)
                field = h.fields[i].name;
        scan_both_ways(copy, size, field, true, h.count);
        mapscan_npy_free(&h);
    } else {
        FUZZ_CHECK(e.message[0] && strchr(e.message, '\n') == NULL);
        scan_both_ways(copy, size, NULL, false, 0);
    }
    free(copy);
    return 0;
}
