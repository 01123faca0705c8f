/* Stage 2, resolve the layout: a .npy header at the start of a file or a
 * stream, parsed, and the layout it and the options give (plan/layout.c);
 * or the options' raw layout. */
#include "stages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parses the whole header in text (and frees it), then the layout. */
static mapscan_status layout_from_header(unsigned char *text, uint64_t size, const mapscan_options *o, ms_layout *l,
                                         mapscan_error *error)
{
    mapscan_npy_header h;
    mapscan_status s = mapscan_npy_parse(text, (size_t)size, &h, error);
    free(text);
    if (s != MAPSCAN_OK)
        return s;
    s = ms_layout_resolve(o, &h, l, error);
    mapscan_npy_free(&h);
    return s;
}

/* What the layout reads of a file: past the page cache for the direct
 * backend, which must leave it as it was. */
static int head_read(int fd, void *dst, size_t len, uint64_t off, const mapscan_options *o)
{
    return o->backend == MAPSCAN_BACKEND_DIRECT ? ms_pread_uncached(fd, dst, len, off)
                                                : ms_pread_full(fd, dst, len, off);
}

/* The layout of a regular file: a .npy header at base, read with pread,
 * or raw. */
mapscan_status ms_layout_of_file(int fd, uint64_t base, uint64_t size, const mapscan_options *o, ms_layout *l,
                                     mapscan_error *error)
{
    unsigned char first[12];
    size_t got = 0;
    memset(l, 0, sizeof *l);    /* freed by the caller whatever happens, also after a bad header */
    if (o->format != MAPSCAN_FORMAT_RAW) {
        uint64_t want = size - base < sizeof first ? size - base : sizeof first;
        int err = head_read(fd, first, (size_t)want, base, o);
        if (err)
            return ms_fail(error, MAPSCAN_E_IO, err, "read failed at byte %llu: %s", (unsigned long long)base,
                           strerror(err));
        got = (size_t)want;
    }
    if (o->format == MAPSCAN_FORMAT_RAW || (o->format == MAPSCAN_FORMAT_AUTO && !mapscan_npy_is_magic(first, got)))
        return ms_layout_resolve(o, NULL, l, error);
    uint64_t header_size;
    mapscan_status s = mapscan_npy_header_size(first, got, &header_size, error);
    if (s != MAPSCAN_OK)
        return s;
    if (header_size > size - base)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header of %llu bytes is longer than the file",
                       (unsigned long long)header_size);
    unsigned char *text = malloc((size_t)header_size);
    if (!text)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    int err = head_read(fd, text, (size_t)header_size, base, o);
    if (err) {
        free(text);
        return ms_fail(error, MAPSCAN_E_IO, err, "read failed: %s", strerror(err));
    }
    return layout_from_header(text, header_size, o, l, error);
}

/* A .npy header at the start of a stream; *header_read tells whether there
 * was one. Bytes read that are not a header are left in in->prefix. */
mapscan_status ms_layout_of_stream(ms_stream *in, unsigned char head[static 12], const mapscan_options *o,
                                    ms_layout *l, mapscan_error *error)
{
    memset(l, 0, sizeof *l);    /* as ms_layout_of_file's */
    if (o->format == MAPSCAN_FORMAT_RAW)
        return ms_layout_resolve(o, NULL, l, error);
    ssize_t n = ms_stream_read(in, head, 6);
    if (n < 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
    if (!mapscan_npy_is_magic(head, (size_t)n)) {
        if (o->format == MAPSCAN_FORMAT_NPY)
            return ms_fail(error, MAPSCAN_E_FORMAT, 0, "not a .npy file (no \\x93NUMPY magic)");
        in->prefix = head;
        in->prefix_len = (size_t)n;
        return ms_layout_resolve(o, NULL, l, error);
    }
    ssize_t more = ms_stream_read(in, head + 6, 6);
    if (more < 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
    uint64_t header_size;
    mapscan_status s = mapscan_npy_header_size(head, 6 + (size_t)more, &header_size, error);
    if (s != MAPSCAN_OK)
        return s;
    /* 12 bytes are read already: a shorter header is no header numpy writes. */
    if (more < 6 || header_size < 12)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header cut short");
    unsigned char *text = malloc((size_t)header_size);
    if (!text)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    memcpy(text, head, 12);
    ssize_t rest = ms_stream_read(in, text + 12, (size_t)header_size - 12);
    if (rest < 0 || (uint64_t)rest < header_size - 12) {
        free(text);
        return rest < 0 ? ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno))
                        : ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header of %llu bytes cut short",
                                  (unsigned long long)header_size);
    }
    return layout_from_header(text, header_size, o, l, error);
}

