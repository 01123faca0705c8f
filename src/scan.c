/* The scan's entry points: open, check the request against the file, plan
 * the chunks, run the parallel or the stream path, and check afterwards
 * that the file did not change under the scan. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

void mapscan_options_init(mapscan_options *options)
{
    memset(options, 0, sizeof *options);
    options->type = MAPSCAN_I32;
    options->endian = MAPSCAN_LITTLE;
    options->backend = MAPSCAN_BACKEND_AUTO;
    options->length = UINT64_MAX;
}

static bool host_is_little(void)
{
    return mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_LITTLE;
}

/* Any write to the file changes its ctime, even one whose mtime was put
 * back afterwards (touch -r, rsync -t, cp -p); a replaced file has another
 * inode. */
static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* File systems whose st_size is not the content: procfs reports 0 for most
 * files, sysfs 4096 whatever they hold. Their files are read to the end, as
 * cat does. */
static bool on_pseudo_fs(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return false;
    switch ((unsigned long)fs.f_type) {
    case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC: case BPF_FS_MAGIC:
    case EFIVARFS_MAGIC: case PSTOREFS_MAGIC:
        return true;
    default:
        return false;
    }
}

static mapscan_status scan_regular(int fd, const struct stat *st, uint64_t start, const mapscan_options *o,
                                   ms_scan_request *req, mapscan_result *result, mapscan_error *error)
{
    uint64_t size = (uint64_t)st->st_size;
    size_t elem = mapscan_type_size(o->type);
    if (start > size)
        return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the file (%llu bytes)",
                       (unsigned long long)start, (unsigned long long)size);
    uint64_t avail = size - start;
    if (avail > o->length)
        avail = o->length;
    uint64_t trailing = avail % elem;
    if (trailing && !o->allow_trailing)
        return ms_fail(error, MAPSCAN_E_TRAILING, 0,
                       "%llu bytes to scan is not a multiple of the %zu-byte %s: %llu trailing byte%s",
                       (unsigned long long)avail, elem, mapscan_type_name(o->type),
                       (unsigned long long)trailing, trailing == 1 ? "" : "s");

    uint64_t count = avail / elem;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned threads = o->threads ? o->threads : mapscan_default_threads();
    if (threads > ms_thread_cap())
        threads = ms_thread_cap();
    uint64_t chunk = ms_chunk_bytes_for(count * elem, threads, page);
    ms_plan_make(&req->plan, start, count, elem, chunk, page);
    if (req->plan.chunks < threads)
        threads = req->plan.chunks ? (unsigned)req->plan.chunks : 1;
    req->threads = threads;
    /* A range larger than the memory this process may fill cannot stay in
     * the page cache: evicting it behind the cursor spares the reclaim that
     * would otherwise stall every read-ahead (inside a memory cgroup, 0.54
     * of the uncapped speed through pread before this). */
    req->drop_behind = count * elem > ms_memory_budget();
    result->threads = threads;
    result->bytes = count * elem;
    if (count == 0)
        return MAPSCAN_OK;

    mapscan_status status = ms_scan_parallel(req, result, error);
    if (status != MAPSCAN_OK)
        return status;
    struct stat after;
    if (fstat(fd, &after) != 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "cannot stat after the scan: %s", strerror(errno));
    if (!same_file_state(st, &after))
        return ms_fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan");
    return MAPSCAN_OK;
}

static const ms_kernel *find_kernel(const char *name, mapscan_error *error)
{
    const ms_kernel *kernel = ms_kernel_find(name);
    if (kernel)
        return kernel;
    const char *shown = name ? name : ms_kernel_from_environment();
    if (mapscan_kernel_known(shown))
        ms_fail(error, MAPSCAN_E_INVALID, 0, "kernel '%s'%s is not supported by this CPU", shown,
                name ? "" : " (from MAPSCAN_KERNEL)");
    else
        ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown kernel '%s'%s (scalar, avx2 or avx512)", shown,
                name ? "" : " (from MAPSCAN_KERNEL)");
    return NULL;
}

mapscan_status mapscan_scan_fd(int fd, const mapscan_options *o, mapscan_result *result,
                               mapscan_error *error)
{
    memset(result, 0, sizeof *result);
    ms_acc empty;
    ms_acc_init(&empty);
    ms_acc_to_stats(&empty, &result->stats);
    if (error)
        memset(error, 0, sizeof *error);

    if ((unsigned)o->type >= MAPSCAN_TYPE_COUNT)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown element type");
    if ((unsigned)o->backend > MAPSCAN_BACKEND_READ)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown backend");
    const ms_kernel *kernel = find_kernel(o->kernel, error);
    if (!kernel)
        return MAPSCAN_E_INVALID;
    result->kernel = kernel->name;
    bool swap = (mapscan_endian_resolve(o->endian) == MAPSCAN_LITTLE) != host_is_little();
    ms_scan_request req = { .fd = fd, .options = o, .kernel = kernel,
                            .reduce = kernel->reduce[o->type][swap] };

    struct stat st;
    if (fstat(fd, &st) != 0)
        return ms_fail(error, errno == EBADF ? MAPSCAN_E_OPEN : MAPSCAN_E_IO, errno, "cannot stat: %s",
                       strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ms_fail(error, MAPSCAN_E_OPEN, EISDIR, "is a directory");
    bool pseudo = S_ISREG(st.st_mode) && on_pseudo_fs(fd);
    /* An empty size is streamed too: it costs one read() and catches the
     * synthesized files of other file systems. */
    if (S_ISREG(st.st_mode) && !pseudo && st.st_size > 0) {
        /* A regular file is scanned from the descriptor's offset, as cat
         * reads a redirected file the shell has already read from. */
        off_t here = lseek(fd, 0, SEEK_CUR);
        uint64_t start = here > 0 ? (uint64_t)here : 0;
        if (o->offset > UINT64_MAX - start)
            return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the file",
                           (unsigned long long)o->offset);
        return scan_regular(fd, &st, start + o->offset, o, &req, result, error);
    }
    if (o->backend == MAPSCAN_BACKEND_MMAP && !S_ISREG(st.st_mode))
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file, so it cannot be mapped (the read backend can stream it)");
    if (o->backend == MAPSCAN_BACKEND_MMAP && pseudo)
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "its size is not known before it is read (procfs, sysfs), so it cannot be mapped "
                       "(the read backend can stream it)");
    result->threads = 1;
    return ms_scan_stream(fd, o, req.reduce, result, error);
}

/* Opened without blocking, so that a FIFO with no writer is seen as a FIFO
 * first: refused at once for mmap, waited on only when it will be read. */
static int open_input(const char *path, mapscan_backend backend, int *open_errno)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && backend != MAPSCAN_BACKEND_MMAP) {
        close(fd);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } else if (fd >= 0) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    *open_errno = errno;
    return fd;
}

mapscan_status mapscan_scan_path(const char *path, const mapscan_options *options,
                                 mapscan_result *result, mapscan_error *error)
{
    if (strcmp(path, "-") == 0)
        return mapscan_scan_fd(STDIN_FILENO, options, result, error);
    int err;
    int fd = open_input(path, options->backend, &err);
    if (fd < 0) {
        memset(result, 0, sizeof *result);
        return ms_fail(error, ms_open_status(err), err, "cannot open: %s", strerror(err));
    }
    mapscan_status status = mapscan_scan_fd(fd, options, result, error);
    close(fd);
    return status;
}
