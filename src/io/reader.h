/*
 * A reader is one way of getting a chunk's bytes to the kernel: mapped
 * (mmap, guarded against SIGBUS), pread (a private buffer), direct
 * (O_DIRECT, through io_uring or blocking preads) and memory (the caller's
 * buffer). Each lives in its own file behind this small struct of
 * functions, as the kernels do behind ms_kernel; the scheduler
 * (schedule.c) never branches on which one it has.
 *
 * The scheduler owns the job: the chunk counter, the workers and their
 * accumulators, progress, the stop flag and its error, auto's choice among
 * the readers, and the merge. A reader owns its state: job-wide (the
 * mapping, the O_DIRECT descriptor) from open, per worker (buffers, rings)
 * from worker_open; it gets both back on every call.
 */
#ifndef MAPSCAN_READER_H
#define MAPSCAN_READER_H

#include "io.h"

#include <stdatomic.h>

typedef struct ms_worker {
    ms_acc acc;
    unsigned used;              /* MAPSCAN_USED_* bits of the readers that ran */
    void *state[2];             /* each reader's own, by the job's slot */
    /* auto's bookkeeping (schedule.c) */
    uint64_t chunks_done;
    double rate[2];             /* bytes/s of the last timed chunk of each slot */
    unsigned preferred;
    uint64_t probe_interval, next_probe;
} __attribute__((aligned(64))) ms_worker;

typedef struct ms_reader ms_reader;

/* A reader serving the job, with its job-wide state. */
typedef struct ms_slot {
    const ms_reader *reader;
    void *state;
    unsigned index;             /* into ms_worker.state */
} ms_slot;

typedef struct ms_job {
    const ms_scan_request *req;
    size_t page;
    ms_slot slots[2];
    unsigned nslots;
    ms_worker *workers;
    unsigned nworkers;
    _Atomic uint64_t next_chunk;
    _Atomic uint64_t done_bytes;
    atomic_int stop;
    mapscan_error error;        /* written by whoever raised stop */
} ms_job;

struct ms_reader {
    const char *name;
    /* Job-wide set-up. MAPSCAN_OK with *state set: it serves; MAPSCAN_OK
     * with *state NULL: it cannot here (the scheduler falls back to pread);
     * anything else stops the scan. */
    mapscan_status (*open)(ms_job *job, void **state, mapscan_error *error);
    /* Per worker; may be NULL. */
    mapscan_status (*worker_open)(ms_job *job, ms_slot *slot, ms_worker *w, mapscan_error *error);
    /* Reads and reduces units [first, end) of the chunk into w->acc and
     * sets its bit in w->used; false once it raised the job's error. */
    bool (*scan_chunk)(ms_job *job, ms_slot *slot, ms_worker *w, uint64_t chunk, uint64_t first, uint64_t end);
    /* A reader that takes its own ranges rather than chunks (direct's
     * pipeline, from a cursor all workers share) runs until none is left
     * and returns true; false (or NULL) leaves the worker to take chunks. */
    bool (*drain)(ms_job *job, ms_slot *slot, ms_worker *w);
    void (*worker_close)(ms_job *job, ms_slot *slot, ms_worker *w);
    void (*close)(ms_job *job, void *state);
};

extern const ms_reader ms_reader_mapped, ms_reader_pread, ms_reader_direct, ms_reader_memory;

/* Stops the job with this error unless another one stopped it first. */
void ms_job_fail(ms_job *job, mapscan_status status, int sys_errno, const char *what);
/* Bytes reduced, for progress. */
void ms_job_done(ms_job *job, uint64_t bytes);
/* The chunk's bytes [*at, *end) in the file. */
void ms_job_chunk_bytes(const ms_job *job, uint64_t first, uint64_t end, uint64_t *at, uint64_t *len);

/* mapped.c: whether the chunk's first, middle and last pages are in the
 * page cache (auto's policy asks). */
bool ms_mapped_chunk_cached(const ms_job *job, const void *state, uint64_t chunk);
/* mapped.c, memory.c: the kernel on bytes in memory, a SIGBUS (a mapped
 * file that shrank or failed) reported as the job's error. */
bool ms_reduce_guarded(ms_job *job, ms_worker *w, const unsigned char *p, size_t n, uint64_t index,
                       const unsigned char *map, uint64_t map_base);

#endif
