/*
 * The direct backend: the file opened a second time with O_DIRECT, read in
 * large aligned pieces into each worker's aligned buffer, past the page
 * cache (which it neither fills nor evicts from).
 *
 * O_DIRECT wants offsets, lengths and buffers aligned to the device's
 * logical block; DIRECT_ALIGN (4096) is a multiple of every logical block
 * size up to 4 KiB, and statx(STATX_DIOALIGN), where the kernel has it,
 * raises it for a file system that needs more. Any offset,
 * element size and tail are handled by reading the enclosing aligned
 * blocks: a piece starts at the aligned block holding the next unit not yet
 * reduced, and only the whole units inside it are reduced. A unit cut by
 * the piece's end is read again at the start of the next piece, so nothing
 * is carried between pieces (at most an alignment and a unit read twice
 * per piece).
 */
#include "io.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t ms_direct_align_override;

int ms_direct_open(int fd, size_t *align)
{
    uint32_t offset_align = 0, memory_align = 0;
    uint64_t a = DIRECT_ALIGN;
    int known = ms_dio_alignment(fd, &offset_align, &memory_align);
    if (known == 1 && offset_align == 0) {
        errno = EINVAL;     /* the file system says it has no direct I/O for this file */
        return -1;
    }
    if (known == 1) {
        a = offset_align > a ? offset_align : a;
        a = memory_align > a ? memory_align : a;
    }
    if (ms_direct_align_override)
        a = ms_direct_align_override;
    if (a > DIRECT_MAX_ALIGN || (a & (a - 1))) {
        errno = EINVAL;
        return -1;
    }
    *align = (size_t)a;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return open(path, O_RDONLY | O_DIRECT | O_CLOEXEC | O_NOCTTY);
}

int ms_direct_reduce(int fd, size_t align, unsigned char *buf, uint64_t at, uint64_t len, const ms_reducer *r,
                     size_t unit, size_t field_offset, ms_acc *acc)
{
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
        ms_reduce(r, buf + (cur - piece) + field_offset, (size_t)units, ms_reducer_index(r, cur), acc);
        cur += units * unit;
    }
    return 0;
}

/* One read in flight: the aligned span of the file that holds units
 * whole units starting at byte first. */
typedef struct slot {
    unsigned char *buf;
    uint64_t span;          /* file offset of buf[0], aligned */
    uint64_t want;          /* bytes of the span, aligned */
    uint64_t got;           /* bytes in buf so far */
    uint64_t first;         /* file offset of the first unit */
    uint64_t units;
    bool busy;
} slot;

typedef struct pipeline {
    ms_ring *ring;
    int fd;
    const ms_direct_work *work;
    slot *slots;
    unsigned depth, in_flight;
    uint64_t cur, end;      /* the part of the current range not yet queued */
    int err;                /* first failure: errno, ENODATA when the file ended early */
    uint64_t err_at;
} pipeline;

static void fail_at(pipeline *p, int err, uint64_t at)
{
    if (!p->err) {
        p->err = err;
        p->err_at = at;
    }
}

static bool submit(pipeline *p, unsigned i)
{
    slot *s = &p->slots[i];
    int err = ms_ring_read(p->ring, p->fd, s->buf + s->got, (unsigned)(s->want - s->got), s->span + s->got, i);
    if (!err)
        err = ms_ring_submit(p->ring);
    if (err) {
        fail_at(p, -err, s->span + s->got);
        return false;
    }
    s->busy = true;
    p->in_flight++;
    return true;
}

/* The next piece into slot i: as many whole units as fit io_size (one at
 * least), from the current range or the next one claimed. */
static bool queue_next(pipeline *p, unsigned i)
{
    const ms_direct_work *w = p->work;
    while (p->cur == p->end)
        if (p->err || !w->next(w->arg, &p->cur, &p->end))
            return false;
    uint64_t units = w->io_size / w->unit;
    if (units == 0)
        units = 1;
    if (units > (p->end - p->cur) / w->unit)
        units = (p->end - p->cur) / w->unit;
    slot *s = &p->slots[i];
    s->first = p->cur;
    s->units = units;
    s->span = p->cur / w->align * w->align;
    s->want = (p->cur + units * w->unit - s->span + w->align - 1) / w->align * w->align;
    s->got = 0;
    p->cur += units * w->unit;
    return submit(p, i);
}

/* A completion: the piece is reduced once its units are all in, read on
 * after a short read or -EAGAIN, and a failure noted with its offset. */
static void complete(pipeline *p, unsigned i, int res)
{
    const ms_direct_work *w = p->work;
    slot *s = &p->slots[i];
    s->busy = false;
    p->in_flight--;
    uint64_t needed = s->first + s->units * w->unit - s->span;
    if (res == -EAGAIN || res == -EINTR) {
        if (!p->err)
            submit(p, i);
        return;
    }
    if (res < 0) {
        fail_at(p, -res, s->span + s->got);
        return;
    }
    s->got += (uint64_t)res;
    if (s->got >= needed) {
        ms_reduce(w->reducer, s->buf + (s->first - s->span) + w->field_offset, (size_t)s->units,
                  ms_reducer_index(w->reducer, s->first), w->acc);
        w->done(w->arg, s->units * w->unit);
        if (!p->err)
            queue_next(p, i);
        return;
    }
    /* Short: at the end of the file (nothing, or not a whole block), the
     * file ended before the range; otherwise read the rest. */
    if (res == 0 || s->got % w->align)
        fail_at(p, ENODATA, s->span + s->got);
    else if (!p->err)
        submit(p, i);
}

int ms_direct_pipeline(ms_ring *ring, int fd, unsigned char *const *bufs, unsigned depth, const ms_direct_work *work,
                       uint64_t *err_at)
{
    slot slots[MS_DIRECT_MAX_DEPTH];
    pipeline p = { .ring = ring, .fd = fd, .work = work, .slots = slots, .depth = depth };
    for (unsigned i = 0; i < depth; i++)
        slots[i] = (slot){ .buf = bufs[i] };
    for (unsigned i = 0; i < depth && queue_next(&p, i); i++)
        ;
    /* Every read submitted is waited for, failure or not: the kernel
     * writes into these buffers until it completes them. */
    while (p.in_flight) {
        uint64_t tag;
        int res;
        int err = ms_ring_complete(ring, &tag, &res);
        if (err) {
            fail_at(&p, -err, p.cur);
            break;      /* the ring itself failed: its teardown cancels what is left */
        }
        if (tag < depth && slots[tag].busy)
            complete(&p, (unsigned)tag, res);
    }
    *err_at = p.err_at;
    return p.err;
}

int ms_pread_uncached(int fd, void *dst, size_t len, uint64_t off)
{
    size_t align;
    int direct = ms_direct_open(fd, &align);
    if (direct < 0)
        return ms_pread_full(fd, dst, len, off);
    uint64_t start = off / align * align;
    size_t span = (size_t)((off + len - start + align - 1) / align * align);
    unsigned char *buf = aligned_alloc(align, span);
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

size_t ms_direct_slot_bytes(uint64_t io_size, size_t unit, size_t align)
{
    uint64_t span = io_size > unit ? io_size : unit;
    return (size_t)((span + 2 * align - 1) / align * align);
}
