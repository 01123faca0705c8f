/*
 * The mapped reader: the range mapped once, read-only, and the kernel run
 * straight on the mapping. Before a chunk, the worker asks the kernel to
 * read ahead the chunk it will probably take next; after it, the chunk's
 * pages are dropped from this process's mapping (they stay in the page
 * cache), so the resident set stays bounded by a few chunks per worker
 * whatever the size of the file. A SIGBUS (the file shrank, or a page
 * could not be read) is caught on the worker's thread and reported.
 *
 * It declines (the pread reader serves instead) where a mapping would cost
 * more than it gives: a range with holes (reading a hole through a shared
 * mapping allocates a page for it: on tmpfs, file system space), or a
 * failed mmap under auto.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct mapping {
    const unsigned char *map;   /* page plan.base of the file */
    size_t len;
} mapping;

typedef struct kernel_call {
    const ms_reducer *reducer;
    const unsigned char *p;
    size_t n;
    uint64_t index;
    ms_acc *acc;
} kernel_call;

static void run_kernel(void *arg)
{
    kernel_call *c = arg;
    ms_reduce(c->reducer, c->p, c->n, c->index, c->acc);
}

/* A SIGBUS, by its cause where it can be told: the file ended before the
 * faulting byte, or the page could not be read. */
static void report_sigbus(ms_job *job, const ms_sigbus_info *fault, const unsigned char *map, uint64_t map_base)
{
    uint64_t at = map_base + (uint64_t)((const unsigned char *)fault->addr - map);
    struct stat st;
    char what[200];
    if (job->req->fd >= 0 && fstat(job->req->fd, &st) == 0 && (uint64_t)st.st_size <= at) {
        snprintf(what, sizeof what, "the file shrank during the scan (to %llu bytes; SIGBUS in the mapping)",
                 (unsigned long long)st.st_size);
        ms_job_fail(job, MAPSCAN_E_CHANGED, 0, what);
        return;
    }
    snprintf(what, sizeof what, "the mapping could not be read at byte %llu (SIGBUS%s)", (unsigned long long)at,
             fault->code == BUS_OBJERR ? ": an I/O error" : ": the file system could not supply the page");
    ms_job_fail(job, MAPSCAN_E_IO, EIO, what);
}

bool ms_reduce_guarded(ms_job *job, ms_worker *w, const unsigned char *p, size_t n, uint64_t index,
                       const unsigned char *map, uint64_t map_base)
{
    kernel_call call = { &job->req->reducer, p, n, index, &w->acc };
    ms_sigbus_info fault;
    if (ms_sigbus_guard(run_kernel, &call, &fault))
        return true;
    report_sigbus(job, &fault, map, map_base);
    return false;
}

static void advise(const ms_job *job, const mapping *m, uint64_t chunk, int advice)
{
    const ms_plan *plan = &job->req->plan;
    if (chunk >= plan->chunks)
        return;
    uint64_t start = chunk * plan->chunk_bytes;
    if (start >= m->len)
        return;
    uint64_t len = plan->chunk_bytes;
    if (len > m->len - start)
        len = m->len - start;
    madvise((void *)(m->map + start), len, advice);
}

static bool scan_chunk(ms_job *job, ms_slot *slot, ms_worker *w, uint64_t chunk, uint64_t first, uint64_t end)
{
    const mapping *m = slot->state;
    const ms_scan_request *req = job->req;
    const ms_plan *plan = &req->plan;
    advise(job, m, chunk + req->threads, MADV_WILLNEED);
    const unsigned char *p = m->map + (plan->offset - plan->base) + first * plan->elem_size + req->field_offset;
    bool ok = ms_reduce_guarded(job, w, p, (size_t)(end - first), first, m->map, plan->base);
    advise(job, m, chunk, MADV_DONTNEED);
    if (req->drop_behind)
        posix_fadvise(req->fd, (off_t)(plan->base + chunk * plan->chunk_bytes), (off_t)plan->chunk_bytes,
                      POSIX_FADV_DONTNEED);
    w->used |= MAPSCAN_USED_MMAP;
    return ok;
}

/* Three one-page mincore calls, where a whole-chunk call would look up
 * every page (a third of the chunk's scan time in measurements). */
bool ms_mapped_chunk_cached(const ms_job *job, const void *state, uint64_t chunk)
{
    const mapping *m = state;
    uint64_t start = chunk * job->req->plan.chunk_bytes;
    uint64_t len = job->req->plan.chunk_bytes;
    if (len > m->len - start)
        len = m->len - start;
    uint64_t last = (len - 1) / job->page * job->page;
    const uint64_t probes[3] = { 0, last / 2 / job->page * job->page, last };
    for (int i = 0; i < 3; i++) {
        unsigned char resident;
        if (mincore((void *)(m->map + start + probes[i]), 1, &resident) == 0 && !(resident & 1))
            return false;
    }
    return true;
}

static bool range_has_holes(const ms_job *job)
{
    const ms_plan *plan = &job->req->plan;
    int fd = job->req->fd;
    off_t saved = lseek(fd, 0, SEEK_CUR);     /* SEEK_HOLE moves a descriptor the caller may share */
    off_t hole = lseek(fd, (off_t)plan->offset, SEEK_HOLE);
    if (saved >= 0)
        lseek(fd, saved, SEEK_SET);
    return hole >= 0 && (uint64_t)hole < plan->offset + plan->count * plan->elem_size;
}

static mapscan_status open_mapping(ms_job *job, void **state, mapscan_error *error)
{
    const ms_plan *plan = &job->req->plan;
    *state = NULL;
    if (range_has_holes(job))
        return MAPSCAN_OK;      /* read, whatever the backend asked for: the result says so */
    size_t len = (size_t)(plan->offset - plan->base + plan->count * plan->elem_size);
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, job->req->fd, (off_t)plan->base);
    if (p == MAP_FAILED) {
        int err = errno;
        if (job->req->options->backend != MAPSCAN_BACKEND_MMAP)
            return MAPSCAN_OK;      /* auto reads the whole range instead */
        /* Out of address space (ulimit -v) is the machine's state, not bad input. */
        return ms_fail(error, err == ENOMEM || err == EAGAIN ? MAPSCAN_E_NOMEM : MAPSCAN_E_UNMAPPABLE, err,
                       "cannot map the file: %s", strerror(err));
    }
    mapping *m = malloc(sizeof *m);
    if (!m) {
        munmap(p, len);
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    }
    *m = (mapping){ p, len };
    madvise(p, len, MADV_SEQUENTIAL);
    *state = m;
    return MAPSCAN_OK;
}

static void close_mapping(ms_job *job, void *state)
{
    (void)job;
    mapping *m = state;
    munmap((void *)m->map, m->len);
    free(m);
}

const ms_reader ms_reader_mapped = {
    .name = "mmap",
    .open = open_mapping,
    .scan_chunk = scan_chunk,
    .close = close_mapping,
};
