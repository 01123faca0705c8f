/* Declarations shared by the library's source files; not installed. */
#ifndef MAPSCAN_INTERNAL_H
#define MAPSCAN_INTERNAL_H

#include "mapscan.h"

#include <stdarg.h>

__extension__ typedef __int128 ms_i128;
__extension__ typedef unsigned __int128 ms_u128;

static inline ms_i128 ms_from_int128(mapscan_int128 v)
{
    return (ms_i128)(((ms_u128)(uint64_t)v.hi << 64) | v.lo);
}

static inline mapscan_int128 ms_to_int128(ms_i128 v)
{
    mapscan_int128 out = { (uint64_t)v, (int64_t)((ms_u128)v >> 64) };
    return out;
}

/* Running statistics of one worker or one call; min and max are only
 * meaningful when count > 0. */
typedef struct ms_acc {
    uint64_t count;
    ms_i128 min, max, sum;
} ms_acc;

void ms_acc_init(ms_acc *acc);
void ms_acc_merge(ms_acc *into, const ms_acc *from);
void ms_acc_to_stats(const ms_acc *acc, mapscan_stats *stats);

/* ---- reduction kernels (kernel.c, reduce_*.c) ----
 * A kernel folds n elements starting at p (any alignment) into acc.
 * Tables are indexed [type][swap], swap = 1 when the file's byte order is
 * not the host's. */
typedef void (*ms_reduce_fn)(const unsigned char *p, size_t n, ms_acc *acc);

/* Copies the n elements at p, p + stride, ... to out, packed. */
typedef void (*ms_gather_fn)(const unsigned char *p, size_t n, size_t stride, unsigned char *out);

typedef struct ms_kernel {
    const char *name;
    ms_reduce_fn reduce[MAPSCAN_TYPE_COUNT][2];
    ms_gather_fn gather[4];     /* by element size: 1, 2, 4, 8 bytes */
} ms_kernel;

/* The reduction of one layout: contiguous elements, or one element of
 * each record (stride > 0: the record size; p then points at the first
 * record's field). */
typedef struct ms_reducer {
    ms_reduce_fn reduce;
    ms_gather_fn gather;
    size_t elem, stride;
} ms_reducer;

ms_reducer ms_reducer_make(const ms_kernel *kernel, mapscan_type type, bool swap, size_t stride);
/* Folds n elements (records) into acc. */
void ms_reduce_strided(const ms_reducer *r, const unsigned char *p, size_t n, ms_acc *acc);
static inline void ms_reduce(const ms_reducer *r, const unsigned char *p, size_t n, ms_acc *acc)
{
    if (r->stride)
        ms_reduce_strided(r, p, n, acc);
    else
        r->reduce(p, n, acc);
}

extern const ms_kernel ms_kernel_scalar;
#if defined(MAPSCAN_HAVE_X86_KERNELS)
extern const ms_kernel ms_kernel_avx2;
extern const ms_kernel ms_kernel_avx512;
#endif

/* NULL name: the default. Returns NULL for an unknown or unsupported name. */
const ms_kernel *ms_kernel_find(const char *name);
/* MAPSCAN_KERNEL when set and not empty, else NULL. */
const char *ms_kernel_from_environment(void);

/* ---- partition.c ---- */

/* How a byte range of whole elements is cut into page-aligned chunks. */
typedef struct ms_plan {
    uint64_t offset;        /* file offset of element 0 */
    uint64_t count;         /* elements */
    size_t elem_size;
    uint64_t base;          /* offset rounded down to the page */
    uint64_t chunk_bytes;   /* a multiple of the page size */
    uint64_t chunks;
} ms_plan;

void ms_plan_make(ms_plan *plan, uint64_t offset, uint64_t count, size_t elem_size,
                  uint64_t chunk_bytes, size_t page_size);
/* Elements [*first, *end) of chunk k: those whose first byte lies in it. */
void ms_plan_chunk(const ms_plan *plan, uint64_t k, uint64_t *first, uint64_t *end);
/* Chunk size for this machine, from its caches, and for `threads` workers. */
uint64_t ms_chunk_bytes_for(uint64_t range_bytes, unsigned threads, size_t page_size);

/* ---- memory.c ---- */

/* Bytes this process may fill: MemAvailable or its memory cgroup's limit. */
uint64_t ms_memory_budget(void);
/* When non-zero, the budget instead: the tests lower it to drive the
 * drop-behind path on small files. */
extern uint64_t ms_memory_budget_override;

/* ---- topology.c (hwloc) ---- */

unsigned ms_topo_cores(void);
/* At most this many threads for a scan or a generation: more only contend. */
unsigned ms_thread_cap(void);
unsigned ms_topo_pus(void);
uint64_t ms_topo_l2_bytes(void);
/* Binds the calling thread to the index-th of n spread places; false when
 * binding is unsupported or failed (never fatal). */
bool ms_topo_bind(unsigned index, unsigned n);

/* ---- pool.c: the only file that touches pthreads ---- */

typedef void (*ms_work_fn)(unsigned worker, void *arg);
typedef void (*ms_poll_fn)(void *arg);

/* Runs work(i, arg) for i in [0, n) on n threads (bound to cores when bind
 * is set) and calls poll(arg) on the calling thread about every 100 ms
 * until all have returned. Fewer started threads still run all indices;
 * with none, the calling thread runs them. Returns how many threads ran
 * (1 for the calling thread), or 0 with errno set when its own bookkeeping
 * cannot be allocated. */
unsigned ms_pool_run(unsigned n, bool bind, ms_work_fn work, ms_poll_fn poll, void *arg);

/* ---- sigbus.c ---- */

typedef struct ms_sigbus_info {
    int code;           /* si_code: BUS_ADRERR past the end, BUS_OBJERR an I/O error */
    void *addr;         /* the faulting address */
} ms_sigbus_info;

/* Runs fn(arg) so that a SIGBUS raised on this thread inside it returns
 * false, with its cause in *info, instead of killing the process. */
bool ms_sigbus_guard(void (*fn)(void *arg), void *arg, ms_sigbus_info *info);

/* ---- error.c ---- */

mapscan_status ms_fail(mapscan_error *error, mapscan_status status, int sys_errno,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The status for a failed open() or file creation: bad input for what the
 * request got wrong (missing, forbidden, a directory...), a failure while
 * running for the machine's state (no descriptors, no memory, EIO). */
mapscan_status ms_open_status(int err);

/* ---- text.c ---- */

/* in_len bytes of in (in[in_len] readable and NUL; NULs inside are bytes
 * like others) into out as one line of valid UTF-8: \t \n \r, \xHH for
 * each byte of another control, DEL, C1 control or invalid UTF-8, and a
 * backslash before each ASCII character in also (may be NULL); cut between
 * characters to fit room (with its NUL). Returns the bytes written. */
size_t ms_text_escape(char *out, size_t room, const char *in, size_t in_len, const char *also);

/* ---- npy.c ---- */

#define MS_NPY_HEADER_ROOM 256

/* Writes the .npy header of a one-dimensional array of count elements, as
 * numpy pads it; returns its size (a multiple of 64), or 0 without room. */
size_t ms_npy_header_write(unsigned char *buf, size_t room, mapscan_type type, mapscan_endian endian,
                           uint64_t count);

/* ---- layout.c ---- */

typedef struct ms_layout {
    mapscan_format format;      /* RAW or NPY */
    mapscan_type type;
    mapscan_endian endian;
    size_t unit;                /* bytes per element, or per record */
    size_t field_offset;        /* of the element in each record */
    uint64_t header_bytes;      /* before the data */
    uint64_t expected;          /* .npy: data bytes the shape describes; UINT64_MAX for raw */
    unsigned ndim;
    uint64_t shape[MAPSCAN_NPY_MAX_DIMS];
} ms_layout;

/* The layout from the options and, for a .npy file, its header (NULL for raw). */
mapscan_status ms_layout_resolve(const mapscan_options *o, const mapscan_npy_header *h, ms_layout *l,
                                 mapscan_error *error);
/* "N bytes WHAT is not a multiple of the 16-byte record: K trailing bytes" */
mapscan_status ms_fail_trailing(mapscan_error *error, const ms_layout *l, uint64_t bytes, const char *what);

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
} ms_scan_request;

mapscan_status ms_scan_parallel(const ms_scan_request *req, mapscan_result *result,
                                mapscan_error *error);

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
/* ---- scan_direct.c ---- */

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

#define MS_DIRECT_MAX_DEPTH 64u
#define MS_DIRECT_DEFAULT_DEPTH 8u
#define MS_DIRECT_DEFAULT_IO_SIZE ((uint64_t)1 << 20)
/* Defaults shrink (reads to 256 KiB, then depth to 2) until all workers'
 * buffers together fit this: the direct path's resident set. */
#define MS_DIRECT_BUFFER_BUDGET ((uint64_t)48 << 20)
#define MS_DIRECT_MAX_IO_SIZE ((uint64_t)64 << 20)

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

/* pread exactly len bytes at off, retrying EINTR and short reads. Returns
 * 0, or the errno; ENODATA when the file ended first. */
int ms_pread_full(int fd, void *buf, size_t len, uint64_t off);

double ms_now(void);

#endif
