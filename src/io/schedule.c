/*
 * The parallel scan of a regular file.
 *
 * The coordinator (ms_scan_parallel) maps the range once, read-only, and
 * starts the pool. Workers take chunk indices from one atomic counter, so a
 * slow core simply takes fewer chunks. Each worker reduces its chunks into
 * its own cache-line-aligned slot; nothing else is written in the hot path
 * but the progress counter, once a chunk. The coordinator merges the slots
 * in worker order after all are joined.
 *
 * A chunk is read one of two ways:
 *  - mmap: the kernel runs straight on the mapping. Before it, the worker
 *    asks the kernel to read ahead the chunk it will probably take next;
 *    after it, the chunk's pages are dropped from this process's mapping
 *    (they stay in the page cache), so the resident set stays bounded by a
 *    few chunks per worker whatever the size of the file.
 *  - read: pread() into a private buffer that fits the L2 cache, then the
 *    kernel on the buffer.
 * With the auto backend a chunk that is not wholly in the page cache is
 * read with pread: the kernel's read-ahead then serves it in large
 * requests, where faulting it in through the mapping stalls on small ones
 * (on a virtio disk, 1.6 GB/s against 4.0 for pread). For cached chunks
 * each worker keeps the last rate it measured for each path, uses the
 * faster, and tries the other one after PROBE_MIN chunks, backing off to
 * PROBE_MAX while the other keeps losing, so that a
 * wrong first impression (the first pread into a fresh buffer while the
 * other worker faults in the mapping measured 1.5 GB/s, against 10 a
 * moment later) costs a few chunks, not the scan. The paths' costs change
 * with the page cache: a mapping of a file that entered the cache by being
 * written costs a fault per page (0.93 s for 4 GiB, then 0.35 and 0.17 on
 * the next scans), while pread took 0.175 s each time.
 *
 * The first error stops every worker at its next chunk; only the worker
 * that raised the stop flag writes the error.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_MIN 16
#define PROBE_MAX 256
#define READ_BUFFER_BYTES ((size_t)1 << 20)
typedef enum method { BY_MMAP, BY_READ, BY_DIRECT } method;

typedef struct worker {
    ms_acc acc;
    unsigned used;              /* MAPSCAN_USED_* */
    unsigned char *buffer;
    ms_ring *ring;                  /* the direct backend's, when io_uring is there */
    unsigned char *slots[MS_DIRECT_MAX_DEPTH];
    uint64_t chunks_done;
    double mmap_rate, read_rate;    /* bytes/s of the last chunk each way */
    method preferred;
    uint64_t probe_interval, next_probe;    /* in chunks_done */
} __attribute__((aligned(64))) worker;

typedef struct job {
    const ms_scan_request *req;
    const unsigned char *map;       /* page plan.base of the file, or NULL */
    size_t map_len;
    size_t page;
    size_t read_bytes;              /* per pread, a multiple of the element size */
    int direct_fd;                  /* the file opened with O_DIRECT, or -1 */
    size_t direct_align;            /* what its offsets, lengths and buffers need */
    bool ring;                      /* direct reads go through each worker's io_uring */
    unsigned io_depth;
    uint64_t io_size;
    worker *workers;
    _Atomic uint64_t next_chunk;
    _Atomic uint64_t next_unit;     /* the direct pipeline's cursor, in units */
    uint64_t direct_units;          /* units per direct read */
    _Atomic uint64_t done_bytes;
    atomic_int stop;
    mapscan_error error;
} job;

static void raise_error(job *j, mapscan_status status, int sys_errno, const char *what)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&j->stop, &expected, 1))
        ms_fail(&j->error, status, sys_errno, "%s", what);
}

typedef struct kernel_call {
    const ms_reducer *reducer;
    const unsigned char *p;
    size_t n;
    ms_acc *acc;
} kernel_call;

static void run_kernel(void *arg)
{
    kernel_call *c = arg;
    ms_reduce(c->reducer, c->p, c->n, c->acc);
}

static void advise(const job *j, uint64_t chunk, int advice)
{
    if (j->req->memory)
        return;     /* the caller's memory: MADV_DONTNEED would zero it */
    const ms_plan *plan = &j->req->plan;
    if (chunk >= plan->chunks)
        return;
    uint64_t start = chunk * plan->chunk_bytes;
    if (start >= j->map_len)
        return;
    uint64_t len = plan->chunk_bytes;
    if (len > j->map_len - start)
        len = j->map_len - start;
    madvise((void *)(j->map + start), len, advice);
}

/* A SIGBUS in the mapping, by its cause where it can be told: the file
 * ended before the faulting byte, or the page could not be read. */
static void report_sigbus(job *j, const ms_sigbus_info *fault)
{
    uint64_t at = j->req->plan.base + (uint64_t)((const unsigned char *)fault->addr - j->map);
    struct stat st;
    char what[200];
    if (fstat(j->req->fd, &st) == 0 && (uint64_t)st.st_size <= at) {
        snprintf(what, sizeof what, "the file shrank during the scan (to %llu bytes; SIGBUS in the mapping)",
                 (unsigned long long)st.st_size);
        raise_error(j, MAPSCAN_E_CHANGED, 0, what);
        return;
    }
    snprintf(what, sizeof what, "the mapping could not be read at byte %llu (SIGBUS%s)", (unsigned long long)at,
             fault->code == BUS_OBJERR ? ": an I/O error" : ": the file system could not supply the page");
    raise_error(j, MAPSCAN_E_IO, EIO, what);
}

static bool scan_mapped(job *j, worker *w, uint64_t chunk, uint64_t first, uint64_t end)
{
    const ms_plan *plan = &j->req->plan;
    advise(j, chunk + j->req->threads, MADV_WILLNEED);
    kernel_call call = {
        &j->req->reducer,
        j->map + (plan->offset - plan->base) + first * plan->elem_size + j->req->field_offset,
        (size_t)(end - first),
        &w->acc,
    };
    ms_sigbus_info fault;
    bool ok = ms_sigbus_guard(run_kernel, &call, &fault);
    advise(j, chunk, MADV_DONTNEED);
    if (j->req->drop_behind)
        posix_fadvise(j->req->fd, (off_t)(plan->base + chunk * plan->chunk_bytes), (off_t)plan->chunk_bytes,
                      POSIX_FADV_DONTNEED);
    if (!ok)
        report_sigbus(j, &fault);
    return ok;
}

static bool scan_direct(job *j, worker *w, uint64_t first, uint64_t end)
{
    const ms_plan *plan = &j->req->plan;
    uint64_t at = plan->offset + first * plan->elem_size;
    int err = ms_direct_reduce(j->direct_fd, j->direct_align, w->buffer, at, (end - first) * plan->elem_size, &j->req->reducer,
                               j->req->unit, j->req->field_offset, &w->acc);
    if (err == ENODATA)
        raise_error(j, MAPSCAN_E_CHANGED, 0, "the file shrank during the scan (read ended early)");
    else if (err) {
        char what[160];
        snprintf(what, sizeof what, "read failed near byte %llu: %s", (unsigned long long)at, strerror(err));
        raise_error(j, MAPSCAN_E_IO, err, what);
    }
    return err == 0;
}

static bool scan_read(job *j, worker *w, uint64_t first, uint64_t end)
{
    const ms_plan *plan = &j->req->plan;
    uint64_t at = plan->offset + first * plan->elem_size;
    uint64_t left = (end - first) * plan->elem_size;
    while (left > 0) {
        size_t piece = left < j->read_bytes ? (size_t)left : j->read_bytes;
        int err = ms_pread_full(j->req->fd, w->buffer, piece, at);
        if (err == ENODATA) {
            raise_error(j, MAPSCAN_E_CHANGED, 0, "the file shrank during the scan (read ended early)");
            return false;
        }
        if (err) {
            char what[160];
            snprintf(what, sizeof what, "read failed at byte %llu: %s", (unsigned long long)at,
                     strerror(err));
            raise_error(j, MAPSCAN_E_IO, err, what);
            return false;
        }
        ms_reduce(&j->req->reducer, w->buffer + j->req->field_offset, piece / plan->elem_size, &w->acc);
        if (j->req->drop_behind)
            posix_fadvise(j->req->fd, (off_t)at, (off_t)piece, POSIX_FADV_DONTNEED);
        at += piece;
        left -= piece;
    }
    return true;
}

/* Whether the chunk's first, middle and last pages are in the page cache:
 * three one-page mincore calls, where a whole-chunk call would look up
 * every page (a third of the chunk's scan time in measurements). */
static bool chunk_is_cached(const job *j, uint64_t chunk)
{
    uint64_t start = chunk * j->req->plan.chunk_bytes;
    uint64_t len = j->req->plan.chunk_bytes;
    if (len > j->map_len - start)
        len = j->map_len - start;
    uint64_t last = (len - 1) / j->page * j->page;
    const uint64_t probes[3] = { 0, last / 2 / j->page * j->page, last };
    for (int i = 0; i < 3; i++) {
        unsigned char resident;
        if (mincore((void *)(j->map + start + probes[i]), 1, &resident) == 0 && !(resident & 1))
            return false;
    }
    return true;
}

/* *timed is set when the choice is auto's between two cached paths, the
 * only chunks whose speed says which path is faster. */
static method choose(const job *j, worker *w, uint64_t chunk, bool *timed)
{
    *timed = false;
    switch (j->req->options->backend) {
    case MAPSCAN_BACKEND_MMAP: return BY_MMAP;
    case MAPSCAN_BACKEND_READ: return BY_READ;
    case MAPSCAN_BACKEND_DIRECT: return BY_DIRECT;
    default: break;
    }
    if (!chunk_is_cached(j, chunk))
        return BY_READ;
    *timed = true;
    if (w->mmap_rate == 0)
        return BY_MMAP;
    if (w->read_rate == 0)
        return BY_READ;
    if (w->chunks_done >= w->next_probe)
        return w->preferred == BY_MMAP ? BY_READ : BY_MMAP;
    return w->preferred;
}

/* Auto's bookkeeping after a timed chunk: keep the faster path, and back
 * off the probes of the other one while they keep losing. */
static void learn(worker *w, method how, double rate)
{
    if (how == BY_MMAP)
        w->mmap_rate = rate;
    else
        w->read_rate = rate;
    method faster = w->read_rate > w->mmap_rate ? BY_READ : BY_MMAP;
    if (how != w->preferred && w->mmap_rate > 0 && w->read_rate > 0) {
        w->probe_interval = faster == w->preferred ? 2 * w->probe_interval : PROBE_MIN;
        if (w->probe_interval > PROBE_MAX)
            w->probe_interval = PROBE_MAX;
        w->next_probe = w->chunks_done + w->probe_interval;
    }
    w->preferred = faster;
    w->chunks_done++;
}

/* The direct pipeline's source of ranges: one read's worth of units at a
 * time from a cursor all workers share, so that the reads in flight, all
 * workers' together, form one sequential stream (the disk served two
 * streams a chunk apart measurably slower than one). */
static bool next_direct_range(void *arg, uint64_t *at, uint64_t *end)
{
    job *j = arg;
    const ms_plan *plan = &j->req->plan;
    if (atomic_load_explicit(&j->stop, memory_order_relaxed))
        return false;
    uint64_t first = atomic_fetch_add_explicit(&j->next_unit, j->direct_units, memory_order_relaxed);
    if (first >= plan->count)
        return false;
    uint64_t last = plan->count - first < j->direct_units ? plan->count : first + j->direct_units;
    *at = plan->offset + first * plan->elem_size;
    *end = plan->offset + last * plan->elem_size;
    return true;
}

static void direct_done(void *arg, uint64_t bytes)
{
    job *j = arg;
    atomic_fetch_add_explicit(&j->done_bytes, bytes, memory_order_relaxed);
}

static void scan_with_ring(job *j, worker *w)
{
    ms_direct_work work = {
        &j->req->reducer, j->req->unit, j->req->field_offset, j->direct_align, j->io_size, &w->acc,
        next_direct_range, direct_done, j,
    };
    uint64_t at;
    int err = ms_direct_pipeline(w->ring, j->direct_fd, w->slots, j->io_depth, &work, &at);
    w->used |= MAPSCAN_USED_DIRECT;
    char what[160];
    if (err == ENODATA) {
        snprintf(what, sizeof what, "the file shrank during the scan (a read ended at byte %llu)",
                 (unsigned long long)at);
        raise_error(j, MAPSCAN_E_CHANGED, 0, what);
    } else if (err) {
        snprintf(what, sizeof what, "read failed at byte %llu: %s", (unsigned long long)at, strerror(err));
        raise_error(j, MAPSCAN_E_IO, err, what);
    }
}

static void scan_chunks(unsigned index, void *arg)
{
    job *j = arg;
    worker *w = &j->workers[index];
    const ms_plan *plan = &j->req->plan;
    if (j->ring) {
        scan_with_ring(j, w);
        return;
    }

    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        uint64_t chunk = atomic_fetch_add_explicit(&j->next_chunk, 1, memory_order_relaxed);
        if (chunk >= plan->chunks)
            return;
        uint64_t first, end;
        ms_plan_chunk(plan, chunk, &first, &end);
        if (first == end)
            continue;

        bool timed;
        method how = choose(j, w, chunk, &timed);
        double start = ms_now();
        bool ok = how == BY_MMAP     ? scan_mapped(j, w, chunk, first, end)
                  : how == BY_DIRECT ? scan_direct(j, w, first, end)
                                     : scan_read(j, w, first, end);
        if (!ok)
            return;
        w->used |= how == BY_MMAP ? MAPSCAN_USED_MMAP : how == BY_DIRECT ? MAPSCAN_USED_DIRECT_PREAD : MAPSCAN_USED_READ;
        if (timed)
            learn(w, how, (double)((end - first) * plan->elem_size) / (ms_now() - start + 1e-9));
        atomic_fetch_add_explicit(&j->done_bytes, (end - first) * plan->elem_size,
                                  memory_order_relaxed);
    }
}

/* On the calling thread: the only reader of the caller's cancel flag. */
static void report_progress(void *arg)
{
    job *j = arg;
    const mapscan_options *o = j->req->options;
    if (o->cancel && *o->cancel)
        raise_error(j, MAPSCAN_E_CANCELLED, 0, "cancelled");
    if (o->progress)
        o->progress(atomic_load(&j->done_bytes), j->req->plan.count * j->req->plan.elem_size,
                    o->progress_arg);
}

/* Reading a hole through a shared mapping allocates a page for it (on
 * tmpfs, file system space: a large sparse file fills it); pread does not. */
static bool range_has_holes(const job *j)
{
    const ms_plan *plan = &j->req->plan;
    int fd = j->req->fd;
    off_t saved = lseek(fd, 0, SEEK_CUR);     /* SEEK_HOLE moves a descriptor the caller may share */
    off_t hole = lseek(fd, (off_t)plan->offset, SEEK_HOLE);
    if (saved >= 0)
        lseek(fd, saved, SEEK_SET);
    return hole >= 0 && (uint64_t)hole < plan->offset + plan->count * plan->elem_size;
}

static bool map_range(job *j, mapscan_error *error)
{
    const ms_plan *plan = &j->req->plan;
    j->map_len = (size_t)(plan->offset - plan->base + plan->count * plan->elem_size);
    if (j->req->memory) {
        j->map = j->req->memory + plan->base;
        return true;
    }
    if (range_has_holes(j)) {
        j->map = NULL;      /* read, whatever the backend asked for: the result says so */
        return true;
    }
    void *p = mmap(NULL, j->map_len, PROT_READ, MAP_SHARED, j->req->fd, (off_t)plan->base);
    if (p == MAP_FAILED) {
        int err = errno;
        if (j->req->options->backend == MAPSCAN_BACKEND_MMAP) {
            /* Out of address space (ulimit -v) is the machine's state, not bad input. */
            ms_fail(error, err == ENOMEM || err == EAGAIN ? MAPSCAN_E_NOMEM : MAPSCAN_E_UNMAPPABLE, err,
                    "cannot map the file: %s", strerror(err));
            return false;
        }
        j->map = NULL;      /* auto falls back to read for the whole scan */
        return true;
    }
    j->map = p;
    madvise(p, j->map_len, MADV_SEQUENTIAL);
    return true;
}

/* The O_DIRECT descriptor, unless the file system refuses it or a unit
 * and its alignment would not fit the blocking path's buffer. */
static bool open_direct(job *j)
{
    j->direct_fd = ms_direct_open(j->req->fd, &j->direct_align);
    if (j->direct_fd >= 0 && j->req->unit + j->direct_align > DIRECT_BUFFER_BYTES) {
        close(j->direct_fd);
        j->direct_fd = -1;
    }
    return j->direct_fd >= 0;
}

/* auto's rule for the direct path: a range larger than the memory this
 * process may fill (cgroup included) cannot stay in the page cache, so
 * reading it through the cache only evicts everything else, and inside a
 * memory cgroup every page read is charged and reclaimed again. When, in
 * addition, none of its first, middle and last chunks is cached, the whole
 * range is read direct. (A range that could stay cached is read through
 * the cache, so that the next scan finds it there.) */
static bool goes_direct(job *j)
{
    const ms_plan *plan = &j->req->plan;
    if (!j->req->drop_behind || plan->chunks == 0)
        return false;
    const uint64_t samples[3] = { 0, plan->chunks / 2, plan->chunks - 1 };
    for (int i = 0; i < 3; i++)
        if (chunk_is_cached(j, samples[i]))
            return false;
    return open_direct(j);
}

static void release_ring(worker *w, unsigned depth)
{
    ms_ring_exit(w->ring);
    w->ring = NULL;
    for (unsigned k = 0; k < depth; k++) {
        free(w->slots[k]);
        w->slots[k] = NULL;
    }
}

/* A ring and depth aligned buffers per worker. Where io_uring cannot be
 * had (an old kernel, kernel.io_uring_disabled, a seccomp filter), the
 * direct path reads with one blocking pread at a time instead, and the
 * result's backend says "direct-pread". */
static mapscan_status setup_rings(job *j, unsigned n, mapscan_error *error)
{
    const mapscan_options *o = j->req->options;
    j->io_depth = o->io_depth ? o->io_depth : MS_DIRECT_DEFAULT_DEPTH;
    j->io_size = o->io_size ? o->io_size : MS_DIRECT_DEFAULT_IO_SIZE;
    while (!o->io_size && j->io_size > (256 << 10) && n * j->io_depth * j->io_size > MS_DIRECT_BUFFER_BUDGET)
        j->io_size /= 2;
    while (!o->io_depth && j->io_depth > 2 && n * j->io_depth * j->io_size > MS_DIRECT_BUFFER_BUDGET)
        j->io_depth--;
    j->direct_units = j->io_size / j->req->unit ? j->io_size / j->req->unit : 1;
    size_t bytes = ms_direct_slot_bytes(j->io_size, j->req->unit, j->direct_align);
    bool ok = true;
    for (unsigned i = 0; i < n && ok; i++) {
        worker *w = &j->workers[i];
        int err = ms_ring_init(&w->ring, j->io_depth);
        if (err == -ENOMEM)
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for io_uring");
        ok = err == 0;
        for (unsigned k = 0; k < j->io_depth && ok; k++) {
            w->slots[k] = aligned_alloc(j->direct_align, bytes);
            if (!w->slots[k])
                return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for direct read buffers");
            memset(w->slots[k], 0, bytes);      /* fault it in before anything is timed */
        }
    }
    if (!ok)
        for (unsigned i = 0; i < n; i++)
            release_ring(&j->workers[i], j->io_depth);
    j->ring = ok;
    return MAPSCAN_OK;
}

mapscan_status ms_scan_parallel(const ms_scan_request *req, mapscan_result *result,
                                mapscan_error *error)
{
    job j = { .req = req, .page = (size_t)sysconf(_SC_PAGESIZE), .direct_fd = -1 };
    size_t elem = req->plan.elem_size;
    j.read_bytes = READ_BUFFER_BYTES / elem * elem;
    if (j.read_bytes == 0)
        j.read_bytes = elem;      /* records larger than the buffer: one at a time */
    atomic_init(&j.next_chunk, 0);
    atomic_init(&j.next_unit, 0);
    atomic_init(&j.done_bytes, 0);
    atomic_init(&j.stop, 0);

    mapscan_options local = *req->options;
    ms_scan_request effective = *req;
    effective.options = &local;
    j.req = &effective;
    if (local.backend == MAPSCAN_BACKEND_DIRECT) {
        /* Where O_DIRECT is refused (tmpfs: EINVAL), or a unit would not
         * fit the aligned buffer, the read path serves: the result says so. */
        if (!open_direct(&j))
            local.backend = MAPSCAN_BACKEND_READ;
    }
    bool maps = local.backend == MAPSCAN_BACKEND_AUTO || local.backend == MAPSCAN_BACKEND_MMAP;
    if (maps && !map_range(&j, error))
        return error->status;
    if (local.backend == MAPSCAN_BACKEND_AUTO && j.map && goes_direct(&j)) {
        munmap((void *)j.map, j.map_len);
        j.map = NULL;
        local.backend = MAPSCAN_BACKEND_DIRECT;
    }
    if (maps && !j.map && local.backend != MAPSCAN_BACKEND_DIRECT)
        local.backend = MAPSCAN_BACKEND_READ;

    unsigned n = req->threads;
    j.workers = aligned_alloc(64, sizeof(worker) * n);
    if (!j.workers) {
        if (j.map && !req->memory)
            munmap((void *)j.map, j.map_len);
        if (j.direct_fd >= 0)
            close(j.direct_fd);
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for %u workers", n);
    }
    mapscan_status status = MAPSCAN_OK;
    for (unsigned i = 0; i < n; i++)
        memset(&j.workers[i], 0, sizeof(worker));
    if (local.backend == MAPSCAN_BACKEND_DIRECT)
        status = setup_rings(&j, n, error);
    for (unsigned i = 0; i < n && status == MAPSCAN_OK; i++) {
        j.workers[i].probe_interval = PROBE_MIN;
        j.workers[i].next_probe = PROBE_MIN;
        ms_acc_init(&j.workers[i].acc);
        if (local.backend != MAPSCAN_BACKEND_MMAP && !j.ring) {
            bool direct = local.backend == MAPSCAN_BACKEND_DIRECT;
            size_t bytes = direct ? (size_t)DIRECT_BUFFER_BYTES : j.read_bytes;
            j.workers[i].buffer = direct ? aligned_alloc(j.direct_align, bytes) : malloc(bytes);
            if (!j.workers[i].buffer)
                status = ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for read buffers");
            else
                memset(j.workers[i].buffer, 0, bytes);  /* fault it in before anything is timed */
        }
    }

    if (status == MAPSCAN_OK) {
        report_progress(&j);
        double start = ms_now();
        unsigned ran = ms_pool_run(n, n <= ms_topo_pus(), scan_chunks, report_progress, &j);
        if (ran == 0)
            status = ms_fail(error, MAPSCAN_E_NOMEM, errno, "cannot start threads: %s", strerror(errno));
        result->threads = ran;
        result->seconds = ms_now() - start;
    }
    if (status == MAPSCAN_OK && atomic_load(&j.stop)) {
        *error = j.error;
        status = j.error.status;
    }
    if (status == MAPSCAN_OK) {
        ms_acc total;
        ms_acc_init(&total);
        for (unsigned i = 0; i < n; i++) {
            ms_acc_merge(&total, &j.workers[i].acc);
            result->backends |= j.workers[i].used;
        }
        ms_acc_to_stats(&total, &result->stats);
    }
    for (unsigned i = 0; i < n; i++) {
        free(j.workers[i].buffer);
        release_ring(&j.workers[i], j.io_depth);
    }
    free(j.workers);
    if (j.map && !req->memory)
        munmap((void *)j.map, j.map_len);
    if (j.direct_fd >= 0)
        close(j.direct_fd);
    return status;
}
