/*
 * The little of io_uring the direct backend uses, behind calls of its own:
 * one ring per worker, reads queued with a tag, completions taken one at a
 * time. Keeping liburing's inline functions behind these lets the tests
 * wrap ms_ring_complete and ms_ring_init to inject short reads, -EAGAIN,
 * -EIO and a kernel without io_uring.
 */
#include "io.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

struct ms_ring {
    struct io_uring ring;
    unsigned queued;        /* prepared, not yet submitted */
};

int ms_ring_init(ms_ring **out, unsigned depth)
{
    *out = NULL;
    ms_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    int err = io_uring_queue_init(depth, &r->ring, 0);
    if (err < 0) {
        free(r);
        return err;     /* -ENOSYS: no io_uring; -EPERM: kernel.io_uring_disabled or seccomp */
    }
    *out = r;
    return 0;
}

void ms_ring_exit(ms_ring *r)
{
    if (!r)
        return;
    io_uring_queue_exit(&r->ring);
    free(r);
}

int ms_ring_read(ms_ring *r, int fd, void *buf, unsigned len, uint64_t off, uint64_t tag)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (!sqe)
        return -EBUSY;
    io_uring_prep_read(sqe, fd, buf, len, off);
    io_uring_sqe_set_data64(sqe, tag);
    r->queued++;
    return 0;
}

int ms_ring_submit(ms_ring *r)
{
    while (r->queued) {
        int n = io_uring_submit(&r->ring);
        if (n == -EINTR || n == -EAGAIN)
            continue;
        if (n < 0)
            return n;
        r->queued -= (unsigned)n < r->queued ? (unsigned)n : r->queued;
    }
    return 0;
}

int ms_ring_complete(ms_ring *r, uint64_t *tag, int *res)
{
    struct io_uring_cqe *cqe;
    int err;
    do
        err = io_uring_wait_cqe(&r->ring, &cqe);
    while (err == -EINTR);
    if (err < 0)
        return err;
    *tag = io_uring_cqe_get_data64(cqe);
    *res = cqe->res;
    io_uring_cqe_seen(&r->ring, cqe);
    return 0;
}
