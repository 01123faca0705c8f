/* Pipes, standard input and devices: one thread reads in order, keeping an
 * element that a read() cut in two for the next round. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_BUFFER_BYTES ((size_t)1 << 20)

/* Reads up to len bytes; returns bytes read (short only at the end), or -1. */
static ssize_t read_some(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

mapscan_status ms_scan_stream(int fd, const mapscan_options *o, ms_reduce_fn reduce,
                              mapscan_result *result, mapscan_error *error)
{
    size_t elem = mapscan_type_size(o->type);
    unsigned char *buf = malloc(STREAM_BUFFER_BYTES);
    if (!buf)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    mapscan_status status = MAPSCAN_OK;
    ms_acc acc;
    ms_acc_init(&acc);
    double start = ms_now();

    uint64_t skipped = 0;
    while (skipped < o->offset) {
        uint64_t want = o->offset - skipped;
        ssize_t n = read_some(fd, buf, want < STREAM_BUFFER_BYTES ? (size_t)want : STREAM_BUFFER_BYTES);
        if (n < 0) {
            status = ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
            goto out;
        }
        if (n == 0) {
            status = ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the input (%llu bytes)",
                             (unsigned long long)o->offset, (unsigned long long)skipped);
            goto out;
        }
        skipped += (uint64_t)n;
    }

    uint64_t total = 0, left = o->length;
    size_t carried = 0;     /* bytes of a partial element at the start of buf */
    uint64_t last_report = 0;
    if (o->progress)
        o->progress(0, 0, o->progress_arg);
    while (left > 0) {
        if (o->cancel && *o->cancel) {
            status = ms_fail(error, MAPSCAN_E_CANCELLED, 0, "cancelled");
            goto out;
        }
        size_t room = STREAM_BUFFER_BYTES - carried;
        if (room > left)
            room = (size_t)left;
        ssize_t n = read_some(fd, buf + carried, room);
        if (n < 0) {
            status = ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
            goto out;
        }
        left -= (uint64_t)n;
        size_t have = carried + (size_t)n;
        size_t whole = have / elem;
        reduce(buf, whole, &acc);
        total += whole * elem;
        carried = have - whole * elem;
        memmove(buf, buf + whole * elem, carried);
        if (o->progress && total - last_report >= ((uint64_t)256 << 20)) {
            o->progress(total, 0, o->progress_arg);
            last_report = total;
        }
        if ((size_t)n < room)
            break;      /* end of input */
    }
    if (carried && !o->allow_trailing) {
        status = ms_fail(error, MAPSCAN_E_TRAILING, 0,
                         "%llu bytes read is not a multiple of the %zu-byte %s: %zu trailing byte%s",
                         (unsigned long long)(total + carried), elem, mapscan_type_name(o->type),
                         carried, carried == 1 ? "" : "s");
        goto out;
    }
    result->bytes = total;
    result->backends = MAPSCAN_USED_READ;
    result->seconds = ms_now() - start;
    ms_acc_to_stats(&acc, &result->stats);
out:
    free(buf);
    return status;
}
