/* Pipes, standard input, devices and files whose size is not their content:
 * one thread reads in order, keeping a unit (element or record) that a
 * read() cut in two for the next round. */
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_BUFFER_BYTES ((size_t)1 << 20)

ssize_t ms_stream_read(ms_stream *s, unsigned char *buf, size_t len)
{
    size_t got = 0;
    if (s->prefix_len) {
        got = s->prefix_len < len ? s->prefix_len : len;
        memcpy(buf, s->prefix, got);
        s->prefix += got;
        s->prefix_len -= got;
    }
    while (got < len) {
        ssize_t n = read(s->fd, buf + got, len - got);
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

/* One read: what the prefix holds, else what one read() gives (0 at the
 * end), so that the loop below sees data as it arrives. */
static ssize_t read_once(ms_stream *s, unsigned char *buf, size_t len)
{
    if (s->prefix_len)
        return ms_stream_read(s, buf, len < s->prefix_len ? len : s->prefix_len);
    for (;;) {
        ssize_t n = read(s->fd, buf, len);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

/* With a cancel flag, waits for data in slices of 100 ms, so that a cancel
 * is seen even while a pipe stays silent. False when cancelled. */
static bool wait_for_data(const ms_stream *s, volatile sig_atomic_t *cancel)
{
    if (!cancel || s->prefix_len)
        return !(cancel && *cancel);
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    while (!*cancel) {
        int n = poll(&p, 1, 100);
        if (n != 0 && !(n < 0 && errno == EINTR))
            return true;    /* data, the end, an error: read() tells which */
    }
    return false;
}

/* Reads and drops skip bytes. */
static mapscan_status skip_bytes(ms_stream *in, unsigned char *buf, size_t room, uint64_t skip, mapscan_error *error)
{
    uint64_t skipped = 0;
    while (skipped < skip) {
        uint64_t want = skip - skipped;
        ssize_t n = ms_stream_read(in, buf, want < room ? (size_t)want : room);
        if (n < 0)
            return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
        if (n == 0)
            return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the input (%llu bytes)",
                           (unsigned long long)skip, (unsigned long long)skipped);
        skipped += (uint64_t)n;
    }
    return MAPSCAN_OK;
}

/* Reduces the whole units of at most limit bytes as they arrive, keeping a
 * unit a read() cut in two for the next round; *seen gets the bytes read,
 * *total those of whole units. */
static mapscan_status reduce_stream(const ms_scan_request *req, ms_stream *in, unsigned char *buf, size_t room_bytes,
                                    uint64_t limit, ms_acc *acc, uint64_t *seen, uint64_t *total,
                                    mapscan_error *error)
{
    const mapscan_options *o = req->options;
    size_t unit = req->unit, carried = 0;      /* bytes of a partial unit at the start of buf */
    uint64_t left = limit, last_report = 0;
    if (o->progress)
        o->progress(0, 0, o->progress_arg);
    while (left > 0) {
        if (!wait_for_data(in, o->cancel))
            return ms_fail(error, MAPSCAN_E_CANCELLED, 0, "cancelled");
        size_t room = room_bytes - carried;
        if (room > left)
            room = (size_t)left;
        ssize_t n = read_once(in, buf + carried, room);
        if (n < 0)
            return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
        left -= (uint64_t)n;
        *seen += (uint64_t)n;
        size_t have = carried + (size_t)n, whole = have / unit;
        ms_reduce(&req->reducer, buf + req->field_offset, whole, *total / unit, acc);
        *total += whole * unit;
        carried = have - whole * unit;
        memmove(buf, buf + whole * unit, carried);
        if (o->progress && *total - last_report >= ((uint64_t)256 << 20)) {
            o->progress(*total, 0, o->progress_arg);
            last_report = *total;
        }
        if (n == 0)
            break;      /* end of input */
    }
    return MAPSCAN_OK;
}

mapscan_status ms_scan_stream(const ms_scan_request *req, ms_stream *in, uint64_t skip, uint64_t limit,
                              bool probe_rest, uint64_t *seen, bool *more, mapscan_result *result,
                              mapscan_error *error)
{
    size_t unit = req->unit;
    size_t room_bytes = STREAM_BUFFER_BYTES / unit * unit;
    if (room_bytes == 0)
        room_bytes = unit;      /* a record larger than the buffer */
    unsigned char *buf = malloc(room_bytes);
    if (!buf)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    ms_acc acc;
    if (!ms_accs_open(&req->reducer, &acc, true)) {
        ms_accs_close(&req->reducer, &acc);
        free(buf);
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the accumulators");
    }
    double start = ms_now();
    uint64_t total = 0;
    *seen = 0;
    *more = false;
    mapscan_status status = skip_bytes(in, buf, room_bytes, skip, error);
    if (status == MAPSCAN_OK)
        status = reduce_stream(req, in, buf, room_bytes, limit, &acc, seen, &total, error);
    if (status == MAPSCAN_OK && *seen == limit && probe_rest) {
        unsigned char byte;
        ssize_t n = ms_stream_read(in, &byte, 1);
        if (n < 0)
            status = ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
        *more = n > 0;
    }
    if (status == MAPSCAN_OK) {
        result->bytes = total;
        result->backends = MAPSCAN_USED_READ;
        result->seconds = ms_now() - start;
        ms_accs_finish(&req->reducer, &acc, req->options->ddof, result);
    }
    ms_accs_close(&req->reducer, &acc);
    free(buf);
    return status;
}
