/* Is it the same file? Each rank of mapscan-mpi opens every file it reads
 * by its path, and a path names what that node has there: on a cluster a
 * node-local copy may be stale, or missing. The probing rank describes the
 * file; every rank that reads it compares, on the descriptor it then scans:
 *
 *   - the size, to the byte;
 *   - the modification time, to the nanosecond the file system keeps
 *     (a copy made with cp -p or rsync -t keeps it; a plain cp does not,
 *     and is refused even when its bytes are the same);
 *   - a 64-bit hash of each of 16 samples of 4 KiB: the first, the last,
 *     and 14 evenly spaced between (a file of at most 64 KiB whole).
 *
 * What it catches: a missing file, a directory or FIFO in its place,
 * another size, another time, and any difference in a sampled range,
 * which covers another file of the same size and time unless it agrees
 * with the first in all 16 samples (a hash differs for any one changed
 * word, and for other changes but with chance 2^-64). What it cannot
 * catch: bytes changed only outside the samples with the size and the
 * time kept (an in-place edit followed by touch -r). The hash is not
 * cryptographic: it finds accidents, not a forgery made to match it.
 * It costs 16 reads of 4 KiB per file on each rank that reads the file. */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static mapscan_status fail(mapscan_error *error, mapscan_status status, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mapscan_status fail(mapscan_error *error, mapscan_status status, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error->status = status;
    error->sys_errno = err;
    vsnprintf(error->message, sizeof error->message, fmt, ap);
    va_end(ap);
    return status;
}

void identity_sample_range(uint64_t size, uint32_t i, uint64_t *offset, uint64_t *len)
{
    const uint64_t b = IDENTITY_SAMPLE_BYTES;
    if (size <= IDENTITY_SAMPLES * b) {
        *offset = (uint64_t)i * b < size ? (uint64_t)i * b : size;
        *len = size - *offset < b ? size - *offset : b;
        return;
    }
    /* (size - b) * i fits: i <= 15 and size < 2^63 (off_t). */
    *offset = (size - b) / (IDENTITY_SAMPLES - 1) * i + (size - b) % (IDENTITY_SAMPLES - 1) * i / (IDENTITY_SAMPLES - 1);
    *len = b;
}

static uint32_t sample_count(uint64_t size)
{
    uint64_t n = (size + IDENTITY_SAMPLE_BYTES - 1) / IDENTITY_SAMPLE_BYTES;
    return n < IDENTITY_SAMPLES ? (uint32_t)n : IDENTITY_SAMPLES;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* A chain of bijections over little-endian words, seeded with where the
 * bytes lie: one changed word always changes the result, on any CPU. */
static uint64_t hash_sample(const unsigned char *p, uint64_t len, uint64_t offset)
{
    uint64_t h = mix(offset ^ mix(len));
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        for (uint64_t k = 0; k < 8 && i + k < len; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        h = mix(h ^ w);
    }
    return h;
}

static mapscan_status read_sample(int fd, unsigned char *buf, uint64_t offset, uint64_t len, mapscan_error *error)
{
    uint64_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, (size_t)(len - got), (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(error, MAPSCAN_E_IO, errno, "cannot read bytes %llu-%llu to compare them: %s",
                        (unsigned long long)offset, (unsigned long long)(offset + len - 1), strerror(errno));
        if (n == 0)
            return fail(error, MAPSCAN_E_CHANGED, 0, "the file changed: it ended at byte %llu",
                        (unsigned long long)(offset + got));
        got += (uint64_t)n;
    }
    return MAPSCAN_OK;
}

mapscan_status identity_take_fd(int fd, file_identity *id, mapscan_error *error)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail(error, MAPSCAN_E_IO, errno, "cannot stat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(error, MAPSCAN_E_OPEN, 0, "not a regular file");     /* callers say whose */
    id->size = (uint64_t)st.st_size;
    id->mtime_sec = st.st_mtim.tv_sec;
    id->mtime_nsec = st.st_mtim.tv_nsec;
    id->samples = sample_count(id->size);
    unsigned char buf[IDENTITY_SAMPLE_BYTES];
    for (uint32_t i = 0; i < id->samples; i++) {
        uint64_t offset, len;
        identity_sample_range(id->size, i, &offset, &len);
        mapscan_status s = read_sample(fd, buf, offset, len, error);
        if (s != MAPSCAN_OK)
            return s;
        id->hash[i] = hash_sample(buf, len, offset);
    }
    return MAPSCAN_OK;
}

/* As the library opens a file to scan it: never blocking on a FIFO. */
static int open_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    return fd;
}

mapscan_status identity_take_path(const char *path, file_identity *id, mapscan_error *error)
{
    int fd = open_file(path);
    if (fd < 0)
        return fail(error, MAPSCAN_E_CHANGED, errno, "the file changed: it cannot be opened any more: %s",
                    strerror(errno));
    mapscan_status s = identity_take_fd(fd, id, error);
    if (s == MAPSCAN_E_OPEN)
        s = fail(error, MAPSCAN_E_CHANGED, 0, "the file changed: it is not a regular file any more");
    close(fd);
    return s;
}

static void format_time(int64_t sec, int64_t nsec, char *buf, size_t len)
{
    time_t t = (time_t)sec;
    struct tm tm;
    char day[32] = "?";
    if (gmtime_r(&t, &tm))
        strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09lld UTC", day, (long long)nsec);
}

/* The first difference, as the reason: size, then time, then samples. */
static mapscan_status compare(const file_identity *want, const file_identity *got, int prober,
                              mapscan_error *error)
{
    static const char other[] = "not the file rank %d found at this path: ";
    char head[64];
    snprintf(head, sizeof head, other, prober);
    if (got->size != want->size)
        return fail(error, MAPSCAN_E_CHANGED, 0, "%s%llu bytes here, %llu there", head,
                    (unsigned long long)got->size, (unsigned long long)want->size);
    if (got->mtime_sec != want->mtime_sec || got->mtime_nsec != want->mtime_nsec) {
        char here[64], there[64];
        format_time(got->mtime_sec, got->mtime_nsec, here, sizeof here);
        format_time(want->mtime_sec, want->mtime_nsec, there, sizeof there);
        return fail(error, MAPSCAN_E_CHANGED, 0, "%smodified %s here, %s there (copies must keep it: cp -p, rsync -t)",
                    head, here, there);
    }
    for (uint32_t i = 0; i < want->samples; i++)
        if (got->hash[i] != want->hash[i]) {
            uint64_t offset, len;
            identity_sample_range(want->size, i, &offset, &len);
            return fail(error, MAPSCAN_E_CHANGED, 0, "%ssame size and time, but bytes %llu-%llu differ", head,
                        (unsigned long long)offset, (unsigned long long)(offset + len - 1));
        }
    return MAPSCAN_OK;
}

mapscan_status identity_check_path(const char *path, const file_identity *want, int prober, int *fd,
                                   mapscan_error *error)
{
    *fd = open_file(path);
    if (*fd < 0)
        return fail(error, MAPSCAN_E_CHANGED, errno, "cannot open: %s, though rank %d opened it", strerror(errno),
                    prober);
    file_identity got;
    mapscan_status s = identity_take_fd(*fd, &got, error);
    if (s == MAPSCAN_OK)
        s = compare(want, &got, prober, error);
    else if (s == MAPSCAN_E_OPEN)
        s = fail(error, MAPSCAN_E_CHANGED, 0, "not a regular file here, though rank %d found one", prober);
    if (s != MAPSCAN_OK) {
        close(*fd);
        *fd = -1;
    }
    return s;
}

mapscan_status identity_recheck(const char *path, int fd, const file_identity *want, mapscan_error *error)
{
    struct stat now, named;
    if (fstat(fd, &now) != 0)
        return fail(error, MAPSCAN_E_IO, errno, "cannot stat: %s", strerror(errno));
    if ((uint64_t)now.st_size != want->size || now.st_mtim.tv_sec != want->mtime_sec ||
        now.st_mtim.tv_nsec != want->mtime_nsec)
        return fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan");
    if (stat(path, &named) != 0 || named.st_dev != now.st_dev || named.st_ino != now.st_ino)
        return fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan: another file took its path");
    return MAPSCAN_OK;
}
