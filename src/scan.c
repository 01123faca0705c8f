/* The scan's entry points: open, check the request against the file, plan
 * the chunks, run the parallel or the stream path, and check afterwards
 * that the file did not change under the scan. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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

/* More workers than this only add contention, even for cold I/O. */
static unsigned thread_cap(void)
{
    return 4 * ms_topo_pus();
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static mapscan_status scan_regular(int fd, const struct stat *st, const mapscan_options *o,
                                   ms_scan_request *req, mapscan_result *result, mapscan_error *error)
{
    uint64_t size = (uint64_t)st->st_size;
    size_t elem = mapscan_type_size(o->type);
    if (o->offset > size)
        return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the file (%llu bytes)",
                       (unsigned long long)o->offset, (unsigned long long)size);
    uint64_t avail = size - o->offset;
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
    if (threads > thread_cap())
        threads = thread_cap();
    uint64_t chunk = ms_chunk_bytes_for(count * elem, threads, page);
    ms_plan_make(&req->plan, o->offset, count, elem, chunk, page);
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
    if (fstat(fd, &after) == 0 && !same_file_state(st, &after))
        return ms_fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan");
    return MAPSCAN_OK;
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
    const ms_kernel *kernel = ms_kernel_find(o->kernel);
    if (!kernel)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "kernel '%s' is not available on this CPU",
                       o->kernel ? o->kernel : "(from MAPSCAN_KERNEL)");
    result->kernel = kernel->name;
    bool swap = (mapscan_endian_resolve(o->endian) == MAPSCAN_LITTLE) != host_is_little();
    ms_scan_request req = { .fd = fd, .options = o, .kernel = kernel,
                            .reduce = kernel->reduce[o->type][swap] };

    struct stat st;
    if (fstat(fd, &st) != 0)
        return ms_fail(error, MAPSCAN_E_OPEN, errno, "cannot stat: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ms_fail(error, MAPSCAN_E_OPEN, EISDIR, "is a directory");
    if (S_ISREG(st.st_mode))
        return scan_regular(fd, &st, o, &req, result, error);
    if (o->backend == MAPSCAN_BACKEND_MMAP)
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file, so it cannot be mapped (the read backend can stream it)");
    result->threads = 1;
    return ms_scan_stream(fd, o, req.reduce, result, error);
}

mapscan_status mapscan_scan_path(const char *path, const mapscan_options *options,
                                 mapscan_result *result, mapscan_error *error)
{
    if (strcmp(path, "-") == 0)
        return mapscan_scan_fd(STDIN_FILENO, options, result, error);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        memset(result, 0, sizeof *result);
        return ms_fail(error, MAPSCAN_E_OPEN, errno, "cannot open: %s", strerror(errno));
    }
    mapscan_status status = mapscan_scan_fd(fd, options, result, error);
    close(fd);
    return status;
}
