#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARMED 3

/* Up to MAX_ARMED faults at once; fault_arm adds one, fault_disarm ends all.
 * Armed between runs, read by the library's threads during them. */
static struct armed {
    const char *call;
    unsigned first, times;
    int err;
    void (*hook)(void);
    _Atomic unsigned calls;
    atomic_bool fired;
} faults[MAX_ARMED];
static _Atomic int armed_count;

void fault_arm(const char *call, unsigned first, unsigned times, int err)
{
    int i = atomic_load(&armed_count);
    if (i == MAX_ARMED)
        abort();
    faults[i] = (struct armed){ .call = call, .first = first, .times = times, .err = err };
    atomic_store(&armed_count, i + 1);
}

void fault_arm_hook(const char *call, unsigned first, void (*hook)(void))
{
    fault_arm(call, first, 1, 0);
    faults[atomic_load(&armed_count) - 1].hook = hook;
}

void fault_disarm(void)
{
    atomic_store(&armed_count, 0);
}

/* fault_fired reads the entries of the last run until the next fault_arm
 * overwrites them. */

bool fault_fired(const char *call)
{
    for (int i = 0; i < MAX_ARMED; i++)
        if (faults[i].call && strcmp(faults[i].call, call) == 0 && atomic_load(&faults[i].fired))
            return true;
    return false;
}

/* Whether this call of `call` fails; *err gets the errno to fail with. */
static bool hit(const char *call, int *err)
{
    int n_armed = atomic_load(&armed_count);
    for (int i = 0; i < n_armed; i++) {
        struct armed *f = &faults[i];
        if (strcmp(f->call, call) != 0)
            continue;
        unsigned n = atomic_fetch_add(&f->calls, 1);
        if (n < f->first || n - f->first >= f->times)
            return false;
        atomic_store(&f->fired, true);
        if (f->hook) {
            f->hook();
            return false;
        }
        *err = f->err;
        return true;
    }
    return false;
}

/* Calls that fail with -1 and errno. */
#define WRAP_ERRNO(ret, name, params, args)        \
    ret __real_##name params;                      \
    ret __wrap_##name params;                      \
    ret __wrap_##name params                       \
    {                                              \
        int err;                                   \
        if (hit(#name, &err)) {                    \
            errno = err;                           \
            return (ret)-1;                        \
        }                                          \
        return __real_##name args;                 \
    }

WRAP_ERRNO(int, fstat, (int fd, struct stat *st), (fd, st))
WRAP_ERRNO(int, madvise, (void *p, size_t n, int advice), (p, n, advice))
WRAP_ERRNO(int, mincore, (void *p, size_t n, unsigned char *vec), (p, n, vec))
WRAP_ERRNO(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
WRAP_ERRNO(int, fsync, (int fd), (fd))
WRAP_ERRNO(int, renameat2, (int a, const char *from, int b, const char *to, unsigned flags), (a, from, b, to, flags))
WRAP_ERRNO(int, rename, (const char *from, const char *to), (from, to))
WRAP_ERRNO(int, link, (const char *from, const char *to), (from, to))
WRAP_ERRNO(int, unlink, (const char *path), (path))
WRAP_ERRNO(int, mkostemp, (char *tmpl, int flags), (tmpl, flags))

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int err;
    if (hit("open", &err)) {
        errno = err;
        return -1;
    }
    return __real_open(path, flags, mode);
}

ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    int err;
    if (hit("pwrite-short", &err))
        return __real_pwrite(fd, buf, n > 1 ? n / 2 : n, off);
    if (hit("pwrite", &err)) {
        errno = err;
        return -1;
    }
    return __real_pwrite(fd, buf, n, off);
}

void *__real_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
    int err;
    if (hit("mmap", &err)) {
        errno = err;
        return MAP_FAILED;
    }
    return __real_mmap(addr, n, prot, flags, fd, off);
}

/* These two return the error instead of setting errno. */
int __real_posix_fadvise(int fd, off_t off, off_t n, int advice);
int __wrap_posix_fadvise(int fd, off_t off, off_t n, int advice);
int __wrap_posix_fadvise(int fd, off_t off, off_t n, int advice)
{
    int err;
    return hit("posix_fadvise", &err) ? err : __real_posix_fadvise(fd, off, n, advice);
}

int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    int err;
    return hit("pthread_create", &err) ? err : __real_pthread_create(t, attr, fn, arg);
}

/* The allocators: "malloc" counts malloc, calloc and aligned_alloc alike. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

void *__wrap_malloc(size_t n)
{
    int err;
    return hit("malloc", &err) ? (errno = ENOMEM, NULL) : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t n)
{
    int err;
    return hit("malloc", &err) ? (errno = ENOMEM, NULL) : __real_calloc(count, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    int err;
    return hit("malloc", &err) ? (errno = ENOMEM, NULL) : __real_aligned_alloc(align, n);
}

/* ---- the direct backend's io_uring layer (src/io/uring.c) ----
 * "ms_ring_init" fails the ring's set-up with -err (ENOSYS: no io_uring);
 * "ms_ring_complete" turns a completion into -err (EIO, EAGAIN);
 * "ms_ring_complete-short" halves it (to a whole number of 4 KiB blocks);
 * "ms_ring_complete-slow" sleeps err milliseconds before it. Reads
 * submitted and completions taken are counted, so that a test can see that
 * nothing was left in flight. */
typedef struct ms_ring ms_ring;
static _Atomic long ring_submitted, ring_completed;

long fault_ring_in_flight(void)
{
    return atomic_load(&ring_submitted) - atomic_load(&ring_completed);
}

int __real_ms_ring_init(ms_ring **ring, unsigned depth);
int __wrap_ms_ring_init(ms_ring **ring, unsigned depth);
int __wrap_ms_ring_init(ms_ring **ring, unsigned depth)
{
    int err;
    if (hit("ms_ring_init", &err)) {
        *ring = NULL;
        return -err;
    }
    return __real_ms_ring_init(ring, depth);
}

/* Where each queued read lands, so that a short completion can spoil the
 * bytes it says it did not read (a short read leaves them undefined). */
static struct { ms_ring *ring; uint64_t tag; unsigned char *buf; unsigned len; } ring_reads[256];
static pthread_mutex_t ring_reads_lock = PTHREAD_MUTEX_INITIALIZER;

int __real_ms_ring_read(ms_ring *ring, int fd, void *buf, unsigned len, uint64_t off, uint64_t tag);
int __wrap_ms_ring_read(ms_ring *ring, int fd, void *buf, unsigned len, uint64_t off, uint64_t tag);
int __wrap_ms_ring_read(ms_ring *ring, int fd, void *buf, unsigned len, uint64_t off, uint64_t tag)
{
    pthread_mutex_lock(&ring_reads_lock);
    size_t i = (size_t)(((uintptr_t)ring >> 4) * 31 + tag) % 256, n = 0;
    while (ring_reads[i].ring && !(ring_reads[i].ring == ring && ring_reads[i].tag == tag) && n++ < 256)
        i = (i + 1) % 256;
    ring_reads[i].ring = ring;
    ring_reads[i].tag = tag;
    ring_reads[i].buf = buf;
    ring_reads[i].len = len;
    pthread_mutex_unlock(&ring_reads_lock);
    return __real_ms_ring_read(ring, fd, buf, len, off, tag);
}

static void spoil_after(ms_ring *ring, uint64_t tag, unsigned from, unsigned to)
{
    pthread_mutex_lock(&ring_reads_lock);
    for (size_t i = 0; i < 256; i++)
        if (ring_reads[i].ring == ring && ring_reads[i].tag == tag && to <= ring_reads[i].len)
            memset(ring_reads[i].buf + from, 0x5a, to - from);
    pthread_mutex_unlock(&ring_reads_lock);
}

/* The direct pipeline submits one read per call. */
int __real_ms_ring_submit(ms_ring *ring);
int __wrap_ms_ring_submit(ms_ring *ring);
int __wrap_ms_ring_submit(ms_ring *ring)
{
    int rc = __real_ms_ring_submit(ring);
    if (rc == 0)
        atomic_fetch_add(&ring_submitted, 1);
    return rc;
}

int __real_ms_ring_complete(ms_ring *ring, uint64_t *tag, int *res);
int __wrap_ms_ring_complete(ms_ring *ring, uint64_t *tag, int *res);
int __wrap_ms_ring_complete(ms_ring *ring, uint64_t *tag, int *res)
{
    int err;
    if (hit("ms_ring_complete-slow", &err))
        usleep((useconds_t)err * 1000);
    int rc = __real_ms_ring_complete(ring, tag, res);
    if (rc != 0)
        return rc;
    atomic_fetch_add(&ring_completed, 1);
    if (*res > 8192 && hit("ms_ring_complete-short", &err)) {
        int shorter = *res / 2 / 4096 * 4096;
        spoil_after(ring, *tag, (unsigned)shorter, (unsigned)*res);
        *res = shorter;
    }
    else if (hit("ms_ring_complete", &err))
        *res = -err;
    return 0;
}
