/*
 * The direct reader: the file opened a second time with O_DIRECT, so that
 * the scan neither fills nor evicts the page cache (the mechanics of
 * alignment and of the io_uring pipeline are in direct_io.c).
 *
 * Each worker keeps io_depth reads of io_size bytes in flight on its own
 * io_uring ring, reducing each as it completes. The reads are taken from
 * one cursor all workers share, one read's worth of units at a time, so
 * that the reads in flight, all workers' together, form one sequential
 * stream (the disk served two streams a chunk apart measurably slower than
 * one). Where io_uring cannot be had (an old kernel,
 * kernel.io_uring_disabled, a seccomp filter), the workers take chunks and
 * read each with blocking preads instead, and the result's backend says
 * "direct-pread". It declines where the file system refuses O_DIRECT
 * (tmpfs before 6.6: EINVAL), or a unit and its alignment would not fit
 * the blocking path's buffer: the pread reader serves then.
 */
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct direct_job {
    int fd;                     /* the file opened with O_DIRECT */
    size_t align;               /* what its offsets, lengths and buffers need */
    bool ring;                  /* every worker has an io_uring */
    unsigned depth;
    uint64_t io_size;
    uint64_t units_per_read;
    _Atomic uint64_t next_unit; /* the shared cursor, in units */
} direct_job;

typedef struct direct_worker {
    ms_ring *ring;
    unsigned char *slots[MS_DIRECT_MAX_DEPTH];
    unsigned char *buffer;      /* the blocking path's */
} direct_worker;

/* Defaults shrink (reads to 256 KiB, then depth to 2) until all workers'
 * buffers together fit MS_DIRECT_BUFFER_BUDGET. */
static void size_reads(direct_job *d, const mapscan_options *o, unsigned workers, size_t unit)
{
    d->depth = o->io_depth ? o->io_depth : MS_DIRECT_DEFAULT_DEPTH;
    d->io_size = o->io_size ? o->io_size : MS_DIRECT_DEFAULT_IO_SIZE;
    while (!o->io_size && d->io_size > (256 << 10) && workers * d->depth * d->io_size > MS_DIRECT_BUFFER_BUDGET)
        d->io_size /= 2;
    while (!o->io_depth && d->depth > 2 && workers * d->depth * d->io_size > MS_DIRECT_BUFFER_BUDGET)
        d->depth--;
    d->units_per_read = d->io_size / unit ? d->io_size / unit : 1;
}

static mapscan_status open_direct(ms_job *job, void **state, mapscan_error *error)
{
    *state = NULL;
    size_t align;
    int fd = ms_direct_open(job->req->fd, &align);
    if (fd < 0)
        return MAPSCAN_OK;
    if (job->req->unit + align > DIRECT_BUFFER_BYTES) {
        close(fd);
        return MAPSCAN_OK;
    }
    direct_job *d = malloc(sizeof *d);
    if (!d) {
        close(fd);
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    }
    d->fd = fd;
    d->align = align;
    size_reads(d, job->req->options, job->nworkers, job->req->unit);
    d->ring = true;             /* until a worker's ring cannot be had */
    atomic_init(&d->next_unit, 0);
    *state = d;
    return MAPSCAN_OK;
}

/* A ring and depth aligned buffers. Where a ring cannot be had, every
 * worker reads with blocking preads (d->ring is read only once all workers
 * are set up). */
static mapscan_status open_ring(direct_job *d, direct_worker *dw, size_t unit, mapscan_error *error)
{
    int err = ms_ring_init(&dw->ring, d->depth);
    if (err == -ENOMEM)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for io_uring");
    if (err) {
        dw->ring = NULL;
        d->ring = false;
        return MAPSCAN_OK;
    }
    size_t bytes = ms_direct_slot_bytes(d->io_size, unit, d->align);
    for (unsigned k = 0; k < d->depth; k++) {
        dw->slots[k] = aligned_alloc(d->align, bytes);
        if (!dw->slots[k])
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for direct read buffers");
        memset(dw->slots[k], 0, bytes);     /* fault it in before anything is timed */
    }
    return MAPSCAN_OK;
}

static mapscan_status open_worker(ms_job *job, ms_slot *slot, ms_worker *w, mapscan_error *error)
{
    direct_job *d = slot->state;
    direct_worker *dw = calloc(1, sizeof *dw);
    if (!dw)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    w->state[slot->index] = dw;
    if (d->ring)
        return open_ring(d, dw, job->req->unit, error);
    return MAPSCAN_OK;
}

/* The blocking path's buffer, made when the worker first needs it. */
static bool blocking_buffer(ms_job *job, const direct_job *d, direct_worker *dw)
{
    if (dw->buffer)
        return true;
    dw->buffer = aligned_alloc(d->align, (size_t)DIRECT_BUFFER_BYTES);
    if (!dw->buffer) {
        ms_job_fail(job, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for read buffers");
        return false;
    }
    memset(dw->buffer, 0, (size_t)DIRECT_BUFFER_BYTES);
    return true;
}

typedef struct cursor {
    ms_job *job;
    direct_job *d;
} cursor;

/* The pipeline's source of ranges: the next read's worth of units. */
static bool next_range(void *arg, uint64_t *at, uint64_t *end)
{
    cursor *c = arg;
    const ms_plan *plan = &c->job->req->plan;
    if (atomic_load_explicit(&c->job->stop, memory_order_relaxed))
        return false;
    uint64_t first = atomic_fetch_add_explicit(&c->d->next_unit, c->d->units_per_read, memory_order_relaxed);
    if (first >= plan->count)
        return false;
    uint64_t last = plan->count - first < c->d->units_per_read ? plan->count : first + c->d->units_per_read;
    *at = plan->offset + first * plan->elem_size;
    *end = plan->offset + last * plan->elem_size;
    return true;
}

static void range_done(void *arg, uint64_t bytes)
{
    ms_job_done(((cursor *)arg)->job, bytes);
}

static bool drain(ms_job *job, ms_slot *slot, ms_worker *w)
{
    direct_job *d = slot->state;
    direct_worker *dw = w->state[slot->index];
    if (!d->ring)
        return false;
    const ms_scan_request *req = job->req;
    cursor c = { job, d };
    ms_direct_work work = {
        &req->reducer, req->unit, req->field_offset, d->align, d->io_size, &w->acc, next_range, range_done, &c,
    };
    uint64_t at;
    int err = ms_direct_pipeline(dw->ring, d->fd, dw->slots, d->depth, &work, &at);
    w->used |= MAPSCAN_USED_DIRECT;
    char what[160];
    if (err == ENODATA) {
        snprintf(what, sizeof what, "the file shrank during the scan (a read ended at byte %llu)",
                 (unsigned long long)at);
        ms_job_fail(job, MAPSCAN_E_CHANGED, 0, what);
    } else if (err) {
        snprintf(what, sizeof what, "read failed at byte %llu: %s", (unsigned long long)at, strerror(err));
        ms_job_fail(job, MAPSCAN_E_IO, err, what);
    }
    return true;
}

/* Without io_uring: the chunk with blocking preads. */
static bool scan_chunk(ms_job *job, ms_slot *slot, ms_worker *w, uint64_t chunk, uint64_t first, uint64_t end)
{
    (void)chunk;
    direct_job *d = slot->state;
    direct_worker *dw = w->state[slot->index];
    const ms_scan_request *req = job->req;
    if (!blocking_buffer(job, d, dw))
        return false;
    uint64_t at, len;
    ms_job_chunk_bytes(job, first, end, &at, &len);
    int err = ms_direct_reduce(d->fd, d->align, dw->buffer, at, len, &req->reducer, req->unit, req->field_offset,
                               &w->acc);
    w->used |= MAPSCAN_USED_DIRECT_PREAD;
    if (err == ENODATA)
        ms_job_fail(job, MAPSCAN_E_CHANGED, 0, "the file shrank during the scan (read ended early)");
    else if (err) {
        char what[160];
        snprintf(what, sizeof what, "read failed near byte %llu: %s", (unsigned long long)at, strerror(err));
        ms_job_fail(job, MAPSCAN_E_IO, err, what);
    }
    return err == 0;
}

static void close_worker(ms_job *job, ms_slot *slot, ms_worker *w)
{
    direct_job *d = slot->state;
    direct_worker *dw = w->state[slot->index];
    (void)job;
    if (!dw)
        return;
    ms_ring_exit(dw->ring);
    for (unsigned k = 0; k < d->depth; k++)
        free(dw->slots[k]);
    free(dw->buffer);
    free(dw);
}

static void close_direct(ms_job *job, void *state)
{
    (void)job;
    direct_job *d = state;
    close(d->fd);
    free(d);
}

const ms_reader ms_reader_direct = {
    .name = "direct",
    .open = open_direct,
    .worker_open = open_worker,
    .scan_chunk = scan_chunk,
    .drain = drain,
    .close = close_direct,
    .worker_close = close_worker,
};
