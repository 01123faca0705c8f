/*
 * The scheduler: the parallel scan of a range, whatever reads it.
 *
 * It chooses the readers (reader.h) from the backend: mmap → mapped; read →
 * pread; direct → direct; auto → mapped and pread, or direct for a range
 * that cannot stay cached; memory → memory. A reader that cannot serve
 * (holes, a failed mapping under auto, O_DIRECT refused) leaves pread to
 * serve, and the result's backend says what ran.
 *
 * Workers take chunk indices from one atomic counter, so a slow core
 * simply takes fewer chunks, and reduce each chunk into their own
 * cache-line-aligned accumulator; nothing else is written in the hot path
 * but the progress counter, once a chunk. A reader that takes its own
 * ranges (direct's pipeline) drains them instead. The first error stops
 * every worker at its next chunk; only the worker that raised the stop
 * flag writes the error. When all are joined the accumulators are merged
 * in worker order, so the result never depends on scheduling.
 *
 * auto's policy, chunk by chunk: a chunk that is not wholly in the page
 * cache is read with pread (read-ahead serves it in large requests). For
 * cached chunks each worker keeps the last rate it measured for each
 * reader, uses the faster, and tries the other one after PROBE_MIN chunks,
 * backing off to PROBE_MAX while the other keeps losing, so that a wrong
 * first impression (the first pread into a fresh buffer while the other
 * worker faults in the mapping measured 1.5 GB/s, against 10 a moment
 * later) costs a few chunks, not the scan. The readers' costs change with
 * the page cache: a mapping of a file that entered the cache by being
 * written costs a fault per page (0.93 s for 4 GiB, then 0.35 and 0.17 on
 * the next scans), while pread took 0.175 s each time.
 *
 * auto's rule for the direct reader: a range larger than the memory this
 * process may fill (cgroup included) cannot stay in the page cache, so
 * reading it through the cache only evicts everything else, and inside a
 * memory cgroup every page read is charged and reclaimed again. When, in
 * addition, none of its first, middle and last chunks is cached, the whole
 * range is read direct. (A range that could stay cached is read through
 * the cache, so that the next scan finds it there.)
 */
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_MIN 16
#define PROBE_MAX 256
enum { MAPPED_SLOT = 0, PREAD_SLOT = 1 };  /* auto's two slots */

void ms_job_fail(ms_job *job, mapscan_status status, int sys_errno, const char *what)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&job->stop, &expected, 1))
        ms_fail(&job->error, status, sys_errno, "%s", what);
}

void ms_job_done(ms_job *job, uint64_t bytes)
{
    atomic_fetch_add_explicit(&job->done_bytes, bytes, memory_order_relaxed);
}

void ms_job_chunk_bytes(const ms_job *job, uint64_t first, uint64_t end, uint64_t *at, uint64_t *len)
{
    const ms_plan *plan = &job->req->plan;
    *at = plan->offset + first * plan->elem_size;
    *len = (end - first) * plan->elem_size;
}

static bool is_auto(const ms_job *job)
{
    return job->nslots == 2;
}

/* Which slot reads this chunk; *timed when the choice is auto's between
 * two cached readers, the only chunks whose speed says which is faster. */
static unsigned choose(const ms_job *job, ms_worker *w, uint64_t chunk, bool *timed)
{
    *timed = false;
    if (!is_auto(job))
        return 0;
    if (!ms_mapped_chunk_cached(job, job->slots[MAPPED_SLOT].state, chunk))
        return PREAD_SLOT;
    *timed = true;
    if (w->rate[MAPPED_SLOT] == 0)
        return MAPPED_SLOT;
    if (w->rate[PREAD_SLOT] == 0)
        return PREAD_SLOT;
    if (w->chunks_done >= w->next_probe)
        return 1 - w->preferred;
    return w->preferred;
}

/* After a timed chunk: keep the faster reader, and back off the probes of
 * the other one while they keep losing. */
static void learn(ms_worker *w, unsigned slot, double rate)
{
    w->rate[slot] = rate;
    unsigned faster = w->rate[PREAD_SLOT] > w->rate[MAPPED_SLOT] ? PREAD_SLOT : MAPPED_SLOT;
    if (slot != w->preferred && w->rate[MAPPED_SLOT] > 0 && w->rate[PREAD_SLOT] > 0) {
        w->probe_interval = faster == w->preferred ? 2 * w->probe_interval : PROBE_MIN;
        if (w->probe_interval > PROBE_MAX)
            w->probe_interval = PROBE_MAX;
        w->next_probe = w->chunks_done + w->probe_interval;
    }
    w->preferred = faster;
    w->chunks_done++;
}

static void scan_chunks(unsigned index, void *arg)
{
    ms_job *job = arg;
    ms_worker *w = &job->workers[index];
    const ms_plan *plan = &job->req->plan;
    ms_slot *first_slot = &job->slots[0];
    if (first_slot->reader->drain && first_slot->reader->drain(job, first_slot, w))
        return;
    while (!atomic_load_explicit(&job->stop, memory_order_relaxed)) {
        uint64_t chunk = atomic_fetch_add_explicit(&job->next_chunk, 1, memory_order_relaxed);
        if (chunk >= plan->chunks)
            return;
        uint64_t first, end;
        ms_plan_chunk(plan, chunk, &first, &end);
        if (first == end)
            continue;
        bool timed;
        ms_slot *slot = &job->slots[choose(job, w, chunk, &timed)];
        double start = ms_now();
        if (!slot->reader->scan_chunk(job, slot, w, chunk, first, end))
            return;
        uint64_t bytes = (end - first) * plan->elem_size;
        if (timed)
            learn(w, slot->index, (double)bytes / (ms_now() - start + 1e-9));
        ms_job_done(job, bytes);
    }
}

/* On the calling thread: the only reader of the caller's cancel flag. */
static void report_progress(void *arg)
{
    ms_job *job = arg;
    const mapscan_options *o = job->req->options;
    if (o->cancel && *o->cancel)
        ms_job_fail(job, MAPSCAN_E_CANCELLED, 0, "cancelled");
    uint64_t bytes = job->req->plan.count * job->req->plan.elem_size;
    uint64_t total = job->req->progress_total ? job->req->progress_total : bytes;
    if (o->progress)
        o->progress(job->req->progress_before + atomic_load(&job->done_bytes), total, o->progress_arg);
}

/* Opens reader into the next slot; false when it declines. */
static mapscan_status add_slot(ms_job *job, const ms_reader *reader, bool *served, mapscan_error *error)
{
    ms_slot *slot = &job->slots[job->nslots];
    *slot = (ms_slot){ reader, NULL, job->nslots };
    mapscan_status s = reader->open(job, &slot->state, error);
    *served = s == MAPSCAN_OK && slot->state;
    if (*served)
        job->nslots++;
    return s;
}

static void close_slots(ms_job *job)
{
    while (job->nslots > 0) {
        ms_slot *slot = &job->slots[--job->nslots];
        if (slot->reader->close)
            slot->reader->close(job, slot->state);
    }
}

/* Whether auto reads this range direct (the rule at the top). */
static bool auto_goes_direct(const ms_job *job)
{
    const ms_plan *plan = &job->req->plan;
    if (!job->req->drop_behind || plan->chunks == 0)
        return false;
    const uint64_t samples[3] = { 0, plan->chunks / 2, plan->chunks - 1 };
    for (int i = 0; i < 3; i++)
        if (ms_mapped_chunk_cached(job, job->slots[MAPPED_SLOT].state, samples[i]))
            return false;
    return true;
}

/* auto, for a range that cannot stay cached: the direct reader instead of
 * the mapping, when it can be had (*alone then). */
static mapscan_status replace_mapping_with_direct(ms_job *job, bool *alone, mapscan_error *error)
{
    mapscan_status s = add_slot(job, &ms_reader_direct, alone, error);
    if (s != MAPSCAN_OK || !*alone)
        return s;
    ms_slot direct = job->slots[1];
    job->slots[0].reader->close(job, job->slots[0].state);
    job->slots[0] = (ms_slot){ direct.reader, direct.state, 0 };
    job->nslots = 1;
    return MAPSCAN_OK;
}

/* The readers for the backend; pread wherever another cannot serve, and
 * beside the mapping for auto. */
static mapscan_status choose_readers(ms_job *job, mapscan_error *error)
{
    const ms_scan_request *req = job->req;
    mapscan_backend backend = req->options->backend;
    bool served = false;
    mapscan_status s = MAPSCAN_OK;
    if (req->memory)
        return add_slot(job, &ms_reader_memory, &served, error);
    if (backend == MAPSCAN_BACKEND_DIRECT)
        s = add_slot(job, &ms_reader_direct, &served, error);
    else if (backend == MAPSCAN_BACKEND_MMAP || backend == MAPSCAN_BACKEND_AUTO)
        s = add_slot(job, &ms_reader_mapped, &served, error);
    if (s != MAPSCAN_OK || (served && backend != MAPSCAN_BACKEND_AUTO))
        return s;
    if (served && auto_goes_direct(job)) {
        bool alone;
        s = replace_mapping_with_direct(job, &alone, error);
        if (s != MAPSCAN_OK || alone)
            return s;
    }
    return add_slot(job, &ms_reader_pread, &served, error);
}

static mapscan_status open_workers(ms_job *job, mapscan_error *error)
{
    for (unsigned i = 0; i < job->nworkers; i++) {
        ms_worker *w = &job->workers[i];
        memset(w, 0, sizeof *w);
        if (!ms_accs_open(&job->req->reducer, &w->acc, true))
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the accumulators of %u workers",
                           job->nworkers);
        w->probe_interval = PROBE_MIN;
        w->next_probe = PROBE_MIN;
        for (unsigned k = 0; k < job->nslots; k++) {
            ms_slot *slot = &job->slots[k];
            mapscan_status s = slot->reader->worker_open ? slot->reader->worker_open(job, slot, w, error)
                                                         : MAPSCAN_OK;
            if (s != MAPSCAN_OK)
                return s;
        }
    }
    return MAPSCAN_OK;
}

static void close_workers(ms_job *job)
{
    for (unsigned i = 0; i < job->nworkers; i++)
        ms_accs_close(&job->req->reducer, &job->workers[i].acc);
    for (unsigned i = 0; i < job->nworkers; i++)
        for (unsigned k = 0; k < job->nslots; k++)
            if (job->slots[k].reader->worker_close)
                job->slots[k].reader->worker_close(job, &job->slots[k], &job->workers[i]);
}

/* Runs the workers; then the merge, in worker order. */
static mapscan_status run(ms_job *job, mapscan_result *result, mapscan_error *error)
{
    unsigned n = job->nworkers;
    report_progress(job);
    double start = ms_now();
    unsigned ran = ms_pool_run(n, n <= ms_topo_pus(), scan_chunks, report_progress, job);
    if (ran == 0)
        return ms_fail(error, MAPSCAN_E_NOMEM, errno, "cannot start threads: %s", strerror(errno));
    result->threads = ran;
    result->seconds = ms_now() - start;
    if (atomic_load(&job->stop)) {
        *error = job->error;
        return job->error.status;
    }
    const ms_reducer *r = &job->req->reducer;
    ms_acc total;
    if (!ms_accs_open(r, &total, false)) {
        ms_accs_close(r, &total);
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the merge");
    }
    for (unsigned i = 0; i < n; i++) {
        ms_accs_merge(r, &total, &job->workers[i].acc);
        ms_tallies_close(r, &job->workers[i].acc);
        result->backends |= job->workers[i].used;
    }
    ms_accs_finish(r, &total, job->req->options->ddof, result);
    ms_accs_close(r, &total);
    return MAPSCAN_OK;
}

mapscan_status ms_schedule_run(const ms_scan_request *req, mapscan_result *result, mapscan_error *error)
{
    ms_job job = { .req = req, .page = (size_t)sysconf(_SC_PAGESIZE), .nworkers = req->threads };
    atomic_init(&job.next_chunk, 0);
    atomic_init(&job.done_bytes, 0);
    atomic_init(&job.stop, 0);
    job.workers = aligned_alloc(64, sizeof(ms_worker) * job.nworkers);
    if (!job.workers)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for %u workers", job.nworkers);
    memset(job.workers, 0, sizeof(ms_worker) * job.nworkers);
    mapscan_status status = choose_readers(&job, error);
    if (status == MAPSCAN_OK)
        status = open_workers(&job, error);
    if (status == MAPSCAN_OK)
        status = run(&job, result, error);
    close_workers(&job);
    close_slots(&job);
    free(job.workers);
    return status;
}
