/* The scan itself: the first 12 bytes choose type, byte order, backend,
 * threads, offset, length, kernel and a record layout; the rest is the file, scanned from a memfd
 * (and, when small, from a pipe) and compared with the byte-by-byte
 * reference (the float types with float_reference.c's). */
#include "../float_reference.h"
#include "../reference.h"
#include "fuzz.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER 12

static void expect(const mapscan_options *o, const unsigned char *file, size_t file_size, mapscan_status status,
                   const mapscan_result *r)
{
    size_t elem = mapscan_type_size(o->type);
    size_t unit = o->record_size ? (size_t)o->record_size : elem;
    if (o->offset > file_size) {
        FUZZ_CHECK(status == MAPSCAN_E_OFFSET);
        return;
    }
    uint64_t avail = file_size - o->offset;
    if (avail > o->length)
        avail = o->length;
    if (avail % unit && !o->allow_trailing) {
        FUZZ_CHECK(status == MAPSCAN_E_TRAILING);
        return;
    }
    FUZZ_CHECK(status == MAPSCAN_OK);
    bool big = mapscan_endian_resolve(o->endian) == MAPSCAN_BIG;
    if (mapscan_type_is_float(o->type)) {
        float_ref fwant;
        float_ref_init(&fwant);
        for (uint64_t i = 0; i < avail / unit; i++)
            float_ref_add(&fwant, file + o->offset + i * unit + o->field_offset, 1, o->type, big);
        const char *why = float_ref_check(&fwant, r);
        if (why)
            fprintf(stderr, "fuzz_scan: %s\n", why);
        FUZZ_CHECK(why == NULL);
        FUZZ_CHECK(r->bytes == fwant.count * unit);
        return;
    }
    ms_acc want;
    ms_acc_init(&want);
    for (uint64_t i = 0; i < avail / unit; i++)
        reference_reduce(file + o->offset + i * unit + o->field_offset, 1, o->type, big, &want);
    FUZZ_CHECK(r->stats.count == want.count);
    FUZZ_CHECK(r->bytes == want.count * unit);
    if (want.count) {
        FUZZ_CHECK(ms_from_int128(r->stats.min) == want.min);
        FUZZ_CHECK(ms_from_int128(r->stats.max) == want.max);
        FUZZ_CHECK(ms_from_int128(r->stats.sum) == want.sum);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < HEADER)
        return 0;
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = (mapscan_type)(data[0] % MAPSCAN_TYPE_COUNT);
    o.endian = (mapscan_endian)(data[1] % 3);
    o.backend = (mapscan_backend)(data[2] % 4);
    o.threads = 1 + data[3] % 4;
    o.allow_trailing = data[4] & 1;
    o.offset = (uint64_t)data[5] | (uint64_t)(data[6] & 0x3f) << 8;
    uint32_t length = (uint32_t)data[7] | (uint32_t)data[8] << 8 | (uint32_t)data[9] << 16;
    o.length = data[10] & 1 ? length : UINT64_MAX;
    static const char *kernels[] = { NULL, "scalar", "avx2", "avx512" };
    o.kernel = kernels[data[11] % 4];
    o.format = MAPSCAN_FORMAT_RAW;     /* the .npy path has its own harness; here the bytes are data */
    size_t elem = mapscan_type_size(o.type);
    if (data[4] & 2) {      /* records: one element of each */
        o.record_size = elem + data[8] % 13;
        o.field_offset = (data[8] >> 4) % (o.record_size - elem + 1);
    }
    if (o.kernel && !mapscan_kernel_available(o.kernel))
        o.kernel = NULL;
    const unsigned char *file = data + HEADER;
    size_t file_size = size - HEADER;

    int fd = memfd_create("mapscan-fuzz", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    fuzz_write_all(fd, file, file_size);
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
    mapscan_result r;
    mapscan_error e;
    mapscan_status status = mapscan_scan_fd(fd, &o, &r, &e);
    close(fd);
    /* An empty memfd is read as a stream, where an offset past the end is
     * found the same way. */
    expect(&o, file, file_size, status, &r);

    if (file_size <= 60000 && o.backend != MAPSCAN_BACKEND_MMAP) {
        int fds[2];
        FUZZ_CHECK(pipe(fds) == 0);
        FUZZ_CHECK(fcntl(fds[1], F_SETPIPE_SZ, 1 << 16) >= 0);
        fuzz_write_all(fds[1], file, file_size);
        close(fds[1]);
        status = mapscan_scan_fd(fds[0], &o, &r, &e);
        close(fds[0]);
        expect(&o, file, file_size, status, &r);
    }
    return 0;
}
