/* The scan's entry points: open, check the request against the file, plan
 * the chunks, run the parallel or the stream path, and check afterwards
 * that the file did not change under the scan. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
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

/* Parses the whole header in text (and frees it), then the layout. */
static mapscan_status layout_from_header(unsigned char *text, uint64_t size, const mapscan_options *o, ms_layout *l,
                                         mapscan_error *error)
{
    mapscan_npy_header h;
    mapscan_status s = mapscan_npy_parse(text, (size_t)size, &h, error);
    free(text);
    if (s != MAPSCAN_OK)
        return s;
    s = ms_layout_resolve(o, &h, l, error);
    mapscan_npy_free(&h);
    return s;
}

/* What the layout reads of a file: past the page cache for the direct
 * backend, which must leave it as it was. */
static int head_read(int fd, void *dst, size_t len, uint64_t off, const mapscan_options *o)
{
    return o->backend == MAPSCAN_BACKEND_DIRECT ? ms_pread_uncached(fd, dst, len, off)
                                                : ms_pread_full(fd, dst, len, off);
}

/* The layout of a regular file: a .npy header at base, read with pread,
 * or raw. */
static mapscan_status regular_layout(int fd, uint64_t base, uint64_t size, const mapscan_options *o, ms_layout *l,
                                     mapscan_error *error)
{
    unsigned char first[12];
    size_t got = 0;
    if (o->format != MAPSCAN_FORMAT_RAW) {
        uint64_t want = size - base < sizeof first ? size - base : sizeof first;
        int err = head_read(fd, first, (size_t)want, base, o);
        if (err)
            return ms_fail(error, MAPSCAN_E_IO, err, "read failed at byte %llu: %s", (unsigned long long)base,
                           strerror(err));
        got = (size_t)want;
    }
    if (o->format == MAPSCAN_FORMAT_RAW || (o->format == MAPSCAN_FORMAT_AUTO && !mapscan_npy_is_magic(first, got)))
        return ms_layout_resolve(o, NULL, l, error);
    uint64_t header_size;
    mapscan_status s = mapscan_npy_header_size(first, got, &header_size, error);
    if (s != MAPSCAN_OK)
        return s;
    if (header_size > size - base)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header of %llu bytes is longer than the file",
                       (unsigned long long)header_size);
    unsigned char *text = malloc((size_t)header_size);
    if (!text)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    int err = head_read(fd, text, (size_t)header_size, base, o);
    if (err) {
        free(text);
        return ms_fail(error, MAPSCAN_E_IO, err, "read failed: %s", strerror(err));
    }
    return layout_from_header(text, header_size, o, l, error);
}

static void describe(const ms_layout *l, mapscan_result *result)
{
    result->format = l->format;
    result->type = l->type;
    result->endian = l->endian;
    if (l->unit != mapscan_type_size(l->type)) {
        result->record_size = l->unit;
        result->field_offset = l->field_offset;
    }
    result->ndim = l->ndim;
    memcpy(result->shape, l->shape, sizeof result->shape);
}

static void prepare(ms_scan_request *req, const ms_layout *l)
{
    bool swap = (mapscan_endian_resolve(l->endian) == MAPSCAN_LITTLE) != host_is_little();
    size_t elem = mapscan_type_size(l->type);
    req->reducer = ms_reducer_make(req->kernel, l->type, swap, l->unit != elem ? l->unit : 0);
    req->unit = l->unit;
    req->field_offset = l->field_offset;
}

/* Plans count units from start over the workers; the caller runs them. */
static void scan_range(ms_scan_request *req, uint64_t start, uint64_t count, mapscan_result *result)
{
    const mapscan_options *o = req->options;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned threads = o->threads ? o->threads : mapscan_default_threads();
    if (threads > ms_thread_cap())
        threads = ms_thread_cap();
    uint64_t chunk = ms_chunk_bytes_for(count * req->unit, threads, page);
    ms_plan_make(&req->plan, start, count, req->unit, chunk, page);
    if (req->plan.chunks < threads)
        threads = req->plan.chunks ? (unsigned)req->plan.chunks : 1;
    req->threads = threads;
    /* A range larger than the memory this process may fill cannot stay in
     * the page cache: evicting it behind the cursor spares the reclaim that
     * would otherwise stall every read-ahead (inside a memory cgroup, 0.54
     * of the uncapped speed through pread before this). */
    req->drop_behind = !req->memory && count * req->unit > ms_memory_budget();
    result->threads = threads;
    result->bytes = count * req->unit;
}

/* Where a scan of a regular file reads: count units from *start, every
 * check on the request against the file made. */
static mapscan_status locate_regular(int fd, const struct stat *st, const mapscan_options *o, ms_layout *l,
                                     uint64_t *start, uint64_t *count, mapscan_error *error)
{
    /* A regular file is read from the descriptor's offset, as cat reads a
     * redirected file the shell has already read from. */
    uint64_t size = (uint64_t)st->st_size;
    off_t here = lseek(fd, 0, SEEK_CUR);
    uint64_t base = here > 0 && (uint64_t)here <= size ? (uint64_t)here : 0;
    mapscan_status s = regular_layout(fd, base, size, o, l, error);
    if (s != MAPSCAN_OK)
        return s;
    uint64_t data_start = base + l->header_bytes, data = size - data_start;
    if (l->format == MAPSCAN_FORMAT_NPY) {
        if (data < l->expected)
            return ms_fail(error, MAPSCAN_E_FORMAT, 0, "the data holds %llu bytes but its shape needs %llu",
                           (unsigned long long)data, (unsigned long long)l->expected);
        if (data > l->expected && !o->allow_trailing)
            return ms_fail(error, MAPSCAN_E_TRAILING, 0, "%llu bytes follow the data its header describes",
                           (unsigned long long)(data - l->expected));
        data = l->expected;
    }
    if (o->offset > data)
        return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the %s (%llu bytes)",
                       (unsigned long long)o->offset, l->format == MAPSCAN_FORMAT_NPY ? "data" : "file",
                       (unsigned long long)data);
    uint64_t avail = data - o->offset;
    if (avail > o->length)
        avail = o->length;
    if (avail % l->unit && !o->allow_trailing)
        return ms_fail_trailing(error, l, avail, "to scan");
    *start = data_start + o->offset;
    *count = avail / l->unit;
    return MAPSCAN_OK;
}

static mapscan_status scan_regular(int fd, const struct stat *st, const mapscan_options *o, ms_scan_request *req,
                                   mapscan_result *result, mapscan_error *error)
{
    ms_layout l;
    uint64_t start, count;
    mapscan_status s = locate_regular(fd, st, o, &l, &start, &count, error);
    if (s != MAPSCAN_OK)
        return s;
    describe(&l, result);
    prepare(req, &l);
    scan_range(req, start, count, result);
    if (req->plan.count == 0)
        return MAPSCAN_OK;
    s = ms_schedule_run(req, result, error);
    if (s != MAPSCAN_OK)
        return s;
    struct stat after;
    if (fstat(fd, &after) != 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "cannot stat after the scan: %s", strerror(errno));
    if (!same_file_state(st, &after))
        return ms_fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan");
    return MAPSCAN_OK;
}

/* A .npy header at the start of a stream; *header_read tells whether there
 * was one. Bytes read that are not a header are left in in->prefix. */
static mapscan_status stream_layout(ms_stream *in, unsigned char head[static 12], const mapscan_options *o,
                                    ms_layout *l, mapscan_error *error)
{
    if (o->format == MAPSCAN_FORMAT_RAW)
        return ms_layout_resolve(o, NULL, l, error);
    ssize_t n = ms_stream_read(in, head, 6);
    if (n < 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
    if (!mapscan_npy_is_magic(head, (size_t)n)) {
        if (o->format == MAPSCAN_FORMAT_NPY)
            return ms_fail(error, MAPSCAN_E_FORMAT, 0, "not a .npy file (no \\x93NUMPY magic)");
        in->prefix = head;
        in->prefix_len = (size_t)n;
        return ms_layout_resolve(o, NULL, l, error);
    }
    ssize_t more = ms_stream_read(in, head + 6, 6);
    if (more < 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno));
    uint64_t header_size;
    mapscan_status s = mapscan_npy_header_size(head, 6 + (size_t)more, &header_size, error);
    if (s != MAPSCAN_OK)
        return s;
    /* 12 bytes are read already: a shorter header is no header numpy writes. */
    if (more < 6 || header_size < 12)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header cut short");
    unsigned char *text = malloc((size_t)header_size);
    if (!text)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory");
    memcpy(text, head, 12);
    ssize_t rest = ms_stream_read(in, text + 12, (size_t)header_size - 12);
    if (rest < 0 || (uint64_t)rest < header_size - 12) {
        free(text);
        return rest < 0 ? ms_fail(error, MAPSCAN_E_IO, errno, "read failed: %s", strerror(errno))
                        : ms_fail(error, MAPSCAN_E_FORMAT, 0, ".npy header of %llu bytes cut short",
                                  (unsigned long long)header_size);
    }
    return layout_from_header(text, header_size, o, l, error);
}

static mapscan_status scan_stream_input(int fd, const mapscan_options *o, ms_scan_request *req,
                                        mapscan_result *result, mapscan_error *error)
{
    ms_stream in = { fd, NULL, 0 };
    unsigned char head[12];
    ms_layout l;
    mapscan_status s = stream_layout(&in, head, o, &l, error);
    if (s != MAPSCAN_OK)
        return s;
    describe(&l, result);
    prepare(req, &l);
    result->threads = 1;
    uint64_t limit = o->length;
    bool npy = l.format == MAPSCAN_FORMAT_NPY, probe = false;
    if (npy) {
        if (o->offset > l.expected)
            return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the data (%llu bytes)",
                           (unsigned long long)o->offset, (unsigned long long)l.expected);
        probe = limit >= l.expected - o->offset && !o->allow_trailing;
        if (limit > l.expected - o->offset)
            limit = l.expected - o->offset;
    }
    uint64_t seen;
    bool more;
    s = ms_scan_stream(req, &in, o->offset, limit, probe, &seen, &more, result, error);
    if (s == MAPSCAN_E_OFFSET && npy)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, "the data ended before its shape's %llu bytes",
                       (unsigned long long)l.expected);
    if (s != MAPSCAN_OK)
        return s;
    if (npy && seen < limit)
        return ms_fail(error, MAPSCAN_E_FORMAT, 0, "the data holds %llu bytes but its shape needs %llu",
                       (unsigned long long)(o->offset + seen), (unsigned long long)l.expected);
    if (more)
        return ms_fail(error, MAPSCAN_E_TRAILING, 0, "more bytes follow the %llu its header describes",
                       (unsigned long long)l.expected);
    if (seen % l.unit && !o->allow_trailing)
        return ms_fail_trailing(error, &l, seen, "read");
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

/* What every scan does first: an empty result, the options checked, the
 * kernel chosen. NULL, with the error filled, when an option is bad. */
static const ms_kernel *begin(const mapscan_options *o, mapscan_result *result, mapscan_error *error)
{
    memset(result, 0, sizeof *result);
    ms_acc empty;
    ms_acc_init(&empty);
    ms_acc_to_stats(&empty, &result->stats);
    if (error)
        memset(error, 0, sizeof *error);
    if ((unsigned)o->type >= MAPSCAN_TYPE_COUNT)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown element type"), NULL;
    if ((unsigned)o->backend > MAPSCAN_BACKEND_DIRECT)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown backend"), NULL;
    if ((unsigned)o->format > MAPSCAN_FORMAT_NPY)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown format"), NULL;
    if (o->io_depth > MS_DIRECT_MAX_DEPTH)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "%u reads in flight: at most %u", o->io_depth,
                       MS_DIRECT_MAX_DEPTH), NULL;
    if (o->io_size > MS_DIRECT_MAX_IO_SIZE)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "reads of %llu bytes: at most %llu MiB",
                       (unsigned long long)o->io_size, (unsigned long long)(MS_DIRECT_MAX_IO_SIZE >> 20)), NULL;
    const ms_kernel *kernel = find_kernel(o->kernel, error);
    if (kernel)
        result->kernel = kernel->name;
    return kernel;
}

/* The input's state before anything is read; a directory is refused. */
static mapscan_status stat_input(int fd, struct stat *st, mapscan_error *error)
{
    if (fstat(fd, st) != 0)
        return ms_fail(error, errno == EBADF ? MAPSCAN_E_OPEN : MAPSCAN_E_IO, errno, "cannot stat: %s",
                       strerror(errno));
    if (S_ISDIR(st->st_mode))
        return ms_fail(error, MAPSCAN_E_OPEN, EISDIR, "is a directory");
    return MAPSCAN_OK;
}

mapscan_status mapscan_scan_fd(int fd, const mapscan_options *o, mapscan_result *result,
                               mapscan_error *error)
{
    const ms_kernel *kernel = begin(o, result, error);
    if (!kernel)
        return MAPSCAN_E_INVALID;
    ms_scan_request req = { .fd = fd, .options = o, .kernel = kernel };

    struct stat st;
    mapscan_status stat_status = stat_input(fd, &st, error);
    if (stat_status != MAPSCAN_OK)
        return stat_status;
    bool pseudo = S_ISREG(st.st_mode) && on_pseudo_fs(fd);
    /* An empty size is streamed too: it costs one read() and catches the
     * synthesized files of other file systems. */
    if (S_ISREG(st.st_mode) && !pseudo && st.st_size > 0)
        return scan_regular(fd, &st, o, &req, result, error);
    if (o->backend == MAPSCAN_BACKEND_MMAP && !S_ISREG(st.st_mode))
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file, so it cannot be mapped (the read backend can stream it)");
    if (o->backend == MAPSCAN_BACKEND_MMAP && pseudo)
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "its size is not known before it is read (procfs, sysfs), so it cannot be mapped "
                       "(the read backend can stream it)");
    return scan_stream_input(fd, o, &req, result, error);
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

mapscan_status mapscan_extent_fd(int fd, const mapscan_options *o, mapscan_result *result, mapscan_extent *extent,
                                 mapscan_error *error)
{
    memset(extent, 0, sizeof *extent);
    if (!begin(o, result, error))
        return MAPSCAN_E_INVALID;
    struct stat st;
    mapscan_status stat_status = stat_input(fd, &st, error);
    if (stat_status != MAPSCAN_OK)
        return stat_status;
    if (!S_ISREG(st.st_mode) || on_pseudo_fs(fd))
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file: its length is known only once it is read, so it cannot be split");
    ms_layout l;
    uint64_t start = 0, count = 0;
    mapscan_status s;
    if (st.st_size > 0)
        s = locate_regular(fd, &st, o, &l, &start, &count, error);
    else if (o->format == MAPSCAN_FORMAT_NPY)      /* as the scan, which reads the empty file, says */
        s = ms_fail(error, MAPSCAN_E_FORMAT, 0, "not a .npy file (no \\x93NUMPY magic)");
    else
        s = ms_layout_resolve(o, NULL, &l, error);
    if (s != MAPSCAN_OK)
        return s;
    describe(&l, result);
    result->bytes = count * l.unit;
    extent->start = start;
    extent->unit = l.unit;
    extent->units = count;
    return MAPSCAN_OK;
}

mapscan_status mapscan_extent_path(const char *path, const mapscan_options *o, mapscan_result *result,
                                   mapscan_extent *extent, mapscan_error *error)
{
    int err;
    int fd = strcmp(path, "-") == 0 ? -1 : open_input(path, MAPSCAN_BACKEND_MMAP, &err);
    if (fd < 0) {
        memset(result, 0, sizeof *result);
        memset(extent, 0, sizeof *extent);
        if (strcmp(path, "-") == 0)
            return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0, "standard input cannot be split: it is read in order");
        return ms_fail(error, ms_open_status(err), err, "cannot open: %s", strerror(err));
    }
    mapscan_status status = mapscan_extent_fd(fd, o, result, extent, error);
    close(fd);
    return status;
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

mapscan_status mapscan_scan_memory(const void *data, size_t len, const mapscan_options *o, mapscan_result *result,
                                   mapscan_error *error)
{
    const ms_kernel *kernel = begin(o, result, error);
    if (!kernel)
        return MAPSCAN_E_INVALID;
    ms_scan_request req = { .fd = -1, .memory = data, .options = o, .kernel = kernel };
    ms_layout l;
    mapscan_status s = ms_layout_resolve(o, NULL, &l, error);
    if (s != MAPSCAN_OK)
        return s;
    describe(&l, result);
    prepare(&req, &l);
    if (o->offset > len)
        return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the buffer (%zu bytes)",
                       (unsigned long long)o->offset, len);
    uint64_t avail = len - o->offset;
    if (avail > o->length)
        avail = o->length;
    if (avail % l.unit && !o->allow_trailing)
        return ms_fail_trailing(error, &l, avail, "to scan");
    scan_range(&req, o->offset, avail / l.unit, result);
    if (req.plan.count == 0)
        return MAPSCAN_OK;
    return ms_schedule_run(&req, result, error);
}
