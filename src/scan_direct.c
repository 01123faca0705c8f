/*
 * The direct backend: the file opened a second time with O_DIRECT, read in
 * large aligned pieces into each worker's aligned buffer, past the page
 * cache (which it neither fills nor evicts from).
 *
 * O_DIRECT wants offsets, lengths and buffers aligned to the device's
 * logical block; DIRECT_ALIGN (4096) is a multiple of every logical block
 * size up to 4 KiB, so it serves without asking the device. Any offset,
 * element size and tail are handled by reading the enclosing aligned
 * blocks: a piece starts at the aligned block holding the next unit not yet
 * reduced, and only the whole units inside it are reduced. A unit cut by
 * the piece's end is read again at the start of the next piece, so nothing
 * is carried between pieces (at most DIRECT_ALIGN + unit bytes read twice
 * per piece of DIRECT_BUFFER_BYTES).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ms_direct_open(int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return open(path, O_RDONLY | O_DIRECT | O_CLOEXEC | O_NOCTTY);
}

int ms_direct_reduce(int fd, unsigned char *buf, uint64_t at, uint64_t len, const ms_reducer *r, size_t unit,
                     size_t field_offset, ms_acc *acc)
{
    const uint64_t align = DIRECT_ALIGN;
    uint64_t cur = at, end = at + len;
    while (cur < end) {
        uint64_t piece = cur / align * align;
        uint64_t want = (end - piece + align - 1) / align * align;
        if (want > DIRECT_BUFFER_BYTES)
            want = DIRECT_BUFFER_BYTES;
        ssize_t got = pread(fd, buf, (size_t)want, (off_t)piece);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno;
        uint64_t have = piece + (uint64_t)got;      /* bytes up to here are in buf */
        if (have > end)
            have = end;
        uint64_t units = have > cur ? (have - cur) / unit : 0;
        if (units == 0)
            return ENODATA;     /* the file ended before the range did */
        ms_reduce(r, buf + (cur - piece) + field_offset, (size_t)units, acc);
        cur += units * unit;
    }
    return 0;
}

int ms_pread_uncached(int fd, void *dst, size_t len, uint64_t off)
{
    int direct = ms_direct_open(fd);
    if (direct < 0)
        return ms_pread_full(fd, dst, len, off);
    uint64_t start = off / DIRECT_ALIGN * DIRECT_ALIGN;
    size_t span = (size_t)((off + len - start + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN);
    unsigned char *buf = aligned_alloc(DIRECT_ALIGN, span);
    int err = buf ? 0 : ENOMEM;
    size_t got = 0;
    while (!err && got < span) {
        ssize_t n = pread(direct, buf + got, span - got, (off_t)(start + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        got += (size_t)n;
    }
    if (!err && got < off - start + len)
        err = ENODATA;
    if (!err)
        memcpy(dst, buf + (off - start), len);
    free(buf);
    close(direct);
    return err;
}
