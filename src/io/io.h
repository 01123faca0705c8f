/* Getting the bytes: the scheduler and the readers (mapped, pread, direct,
 * stream, memory) behind it. */
#ifndef MAPSCAN_IO_H
#define MAPSCAN_IO_H

#include "../plan/plan.h"
#include "../sys/sys.h"

/* ---- scan paths ---- */

/* Everything a scan needs after validation. */
typedef struct ms_scan_request {
    int fd;                 /* -1 when scanning memory */
    const unsigned char *memory;    /* mapscan_scan_memory's buffer, or NULL */
    const mapscan_options *options;
    const ms_kernel *kernel;
    ms_reducer reducer;
    size_t unit;            /* bytes per element, or per record */
    size_t field_offset;    /* of the scanned element in each record */
    ms_plan plan;           /* in units */
    unsigned threads;
    bool drop_behind;       /* the range cannot stay cached: evict what was read */
    /* Progress over several passes: bytes of the passes before, and of all
     * (0: this pass's). */
    uint64_t progress_before, progress_total;
} ms_scan_request;

/* schedule.c: the parallel scan of req->plan by the readers the backend
 * names; fills result's stats, threads, seconds and backends. */
mapscan_status ms_schedule_run(const ms_scan_request *req, mapscan_result *result, mapscan_error *error);

/* A stream: prefix_len bytes of it already read into prefix, then fd. */
typedef struct ms_stream {
    int fd;
    const unsigned char *prefix;
    size_t prefix_len;
} ms_stream;

/* Reads up to len bytes; returns bytes read (short only at the end), or -1 with errno. */
ssize_t ms_stream_read(ms_stream *s, unsigned char *buf, size_t len);

/* Passes over skip bytes, then reduces the whole units of at most limit
 * bytes. *seen gets the bytes read after skip (a partial unit included);
 * when probe_rest, *more says whether the stream held more past limit. */
mapscan_status ms_scan_stream(const ms_scan_request *req, ms_stream *in, uint64_t skip, uint64_t limit,
                              bool probe_rest, uint64_t *seen, bool *more, mapscan_result *result,
                              mapscan_error *error);
/* ---- direct_io.c: O_DIRECT and the io_uring pipeline ---- */

/* O_DIRECT's alignment: at least DIRECT_ALIGN, a multiple of every logical
 * block size up to 4 KiB; more where statx(STATX_DIOALIGN) asks for more. */
#define DIRECT_ALIGN ((uint64_t)4096)
#define DIRECT_MAX_ALIGN ((uint64_t)1 << 20)
#define DIRECT_BUFFER_BYTES ((uint64_t)4 << 20)      /* per worker, without io_uring */

/* fd opened again with O_DIRECT, and in *align the alignment its offsets,
 * lengths and buffers need (a power of two, DIRECT_ALIGN to
 * DIRECT_MAX_ALIGN); or -1 with errno: EINVAL where the file system
 * refuses O_DIRECT (says so through statx, or fails the open). */
int ms_direct_open(int fd, size_t *align);
/* Tests: an alignment to use instead of the file system's (0: none). */
extern uint64_t ms_direct_align_override;
/* dio_align.c: statx(STATX_DIOALIGN); 1 when the kernel answered, 0 when it
 * cannot, -errno. */
int ms_dio_alignment(int fd, uint32_t *offset_align, uint32_t *memory_align);
/* Reduces the units in bytes [at, at + len) (len a multiple of unit, unit +
 * align at most DIRECT_BUFFER_BYTES), read through the O_DIRECT fd into buf
 * (DIRECT_BUFFER_BYTES, aligned to align). Returns 0, ENODATA when the file
 * ended first, or errno. */
int ms_direct_reduce(int fd, size_t align, unsigned char *buf, uint64_t at, uint64_t len, const ms_reducer *r, size_t unit,
                     size_t field_offset, ms_acc *acc);

/* ---- uring.c: the io_uring calls the direct backend makes ---- */

typedef struct ms_ring ms_ring;
/* 0, or -errno: -ENOSYS without io_uring, -EPERM where it is disabled. */
int ms_ring_init(ms_ring **ring, unsigned depth);
void ms_ring_exit(ms_ring *ring);
/* Queues a read of len bytes at off into buf, tagged; -EBUSY when full. */
int ms_ring_read(ms_ring *ring, int fd, void *buf, unsigned len, uint64_t off, uint64_t tag);
int ms_ring_submit(ms_ring *ring);
/* Waits for one completion: its tag and result (bytes, or -errno). */
int ms_ring_complete(ms_ring *ring, uint64_t *tag, int *res);

#define MS_DIRECT_MAX_DEPTH MAPSCAN_MAX_IO_DEPTH
#define MS_DIRECT_DEFAULT_DEPTH 8u
#define MS_DIRECT_DEFAULT_IO_SIZE ((uint64_t)1 << 20)
/* Defaults shrink (reads to 256 KiB, then depth to 2) until all workers'
 * buffers together fit this: the direct path's resident set. */
#define MS_DIRECT_BUFFER_BUDGET ((uint64_t)48 << 20)
#define MS_DIRECT_MAX_IO_SIZE MAPSCAN_MAX_IO_SIZE

/* What a worker's pipeline reduces, and where it gets its ranges. */
typedef struct ms_direct_work {
    const ms_reducer *reducer;
    size_t unit, field_offset;
    size_t align;               /* from ms_direct_open */
    uint64_t io_size;           /* bytes per read, before alignment */
    ms_acc *acc;
    /* The next byte range [*at, *end) of whole units; false when none is left or the scan stops. */
    bool (*next)(void *arg, uint64_t *at, uint64_t *end);
    void (*done)(void *arg, uint64_t bytes);    /* bytes reduced, for progress */
    void *arg;
} ms_direct_work;

/* Bytes each of a pipeline's buffers needs (a multiple of align). */
size_t ms_direct_slot_bytes(uint64_t io_size, size_t unit, size_t align);
/* Keeps depth reads in flight through ring on the O_DIRECT fd, one per
 * buffer of bufs, until work->next has no more: each read an aligned span
 * holding whole units, reduced as it completes, in any order. Short reads
 * and -EAGAIN read on; returns 0, ENODATA when the file ended before a
 * range did, or an errno, with *err_at the file offset; returns only once
 * nothing it submitted is still in flight. */
int ms_direct_pipeline(ms_ring *ring, int fd, unsigned char *const *bufs, unsigned depth, const ms_direct_work *work,
                       uint64_t *err_at);

/* ms_pread_full, but through O_DIRECT where the file system allows it, so
 * that what a direct scan reads first (a .npy header) stays out of the page
 * cache too. */
int ms_pread_uncached(int fd, void *dst, size_t len, uint64_t off);

#endif
