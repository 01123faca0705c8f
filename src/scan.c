/* The scan's entry points: the stages in order, each in its own file —
 * probe the input (probe.c), resolve the layout (header.c, plan/layout.c),
 * make the plan (range.c), then schedule, read, reduce and merge
 * (io/schedule.c and its readers) — and, for a regular file, the check
 * that it did not change under the scan. */
#include "stages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void mapscan_options_init_sized(mapscan_options *options, size_t struct_size)
{
    memset(options, 0, struct_size);        /* the caller's size: an older header's may be smaller */
    options->struct_size = struct_size;
    if (struct_size < sizeof *options)
        return;     /* older callers get their defaults through abi.c */
    options->type = MAPSCAN_I32;
    options->endian = MAPSCAN_LITTLE;
    options->backend = MAPSCAN_BACKEND_AUTO;
    options->length = UINT64_MAX;
    options->result_size = sizeof(mapscan_result);
}

/* A column's result, before its statistics: what it is and where. */
static void describe_column(const ms_layout *l, const ms_column *col, const mapscan_options *o,
                            mapscan_result *column)
{
    ms_acc empty;
    ms_acc_init(&empty);
    column->format = l->format;
    column->type = col->type;
    column->endian = col->endian;
    column->record_size = l->column_units ? 0 : l->unit;
    column->field_offset = col->offset;
    column->fortran_order = l->fortran_order;
    /* positions: rows from the scan's first (a Fortran-order array's: from
     * the start of the column's run, so its origin is 0) */
    column->extra.origin = l->column_units ? 0 : o->offset / l->unit;
    column->extra.origin_whole = l->column_units || o->offset % l->unit == 0;
    bool channels = l->format == MAPSCAN_FORMAT_NPY && o->channels;
    column->ndim = channels ? l->ndim - 1 : l->ndim;
    memcpy(column->shape, l->shape, column->ndim * sizeof l->shape[0]);
    snprintf(column->column, sizeof column->column, "%s", col->name);
    ms_acc_finish(&empty, col->type, column);
    ms_acc_finish_extra(&empty, o->stats, o->ddof, column);
}

/* Several columns: a result for each. */
static mapscan_status describe_columns(const ms_layout *l, const mapscan_options *o, mapscan_result *result,
                                       mapscan_error *error)
{
    mapscan_status s = ms_result_columns_alloc(result, l->ncolumns, o->histogram_bins, error);
    for (size_t c = 0; s == MAPSCAN_OK && c < l->ncolumns; c++)
        describe_column(l, &l->columns[c], o, &result->columns[c]);
    return s;
}

/* The result's description of what is scanned; the layout (its columns)
 * goes to ps, which keeps it to the end of the call. */
static mapscan_status describe(ms_layout *l, const mapscan_options *o, ms_passes *ps, mapscan_result *result,
                               mapscan_error *error)
{
    ps->layout = *l;
    l->columns = NULL;
    l = &ps->layout;
    if (!l->ncolumns && o->histogram_bins && !o->histogram_counts)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "a histogram of %llu bins but no array for its counts",
                       (unsigned long long)o->histogram_bins);
    result->extra.origin = o->offset / l->unit;
    result->extra.origin_whole = o->offset % l->unit == 0;
    result->format = l->format;
    result->type = l->type;
    result->endian = l->endian;
    if (l->unit != mapscan_type_size(l->type)) {
        result->record_size = l->unit;
        result->field_offset = l->field_offset;
    }
    result->ndim = l->ndim;
    memcpy(result->shape, l->shape, sizeof result->shape);
    result->fortran_order = l->fortran_order;
    if (!l->ncolumns)
        return MAPSCAN_OK;
    result->record_size = l->column_units ? 0 : l->unit;
    result->field_offset = 0;
    result->extra.computed = 0;     /* the columns have the statistics */
    return describe_columns(l, o, result, error);
}

/* describe, then the reducer of the layout (ps keeps its columns'). */
static mapscan_status plan(ms_layout *l, const mapscan_options *o, ms_scan_request *req, ms_passes *ps,
                           mapscan_result *result, mapscan_error *error)
{
    mapscan_status s = describe(l, o, ps, result, error);
    if (s == MAPSCAN_OK)
        s = ms_plan_reducer(req, &ps->layout, &ps->columns, error);
    return s;
}

static mapscan_status scan_regular(int fd, const struct stat *st, const mapscan_options *o, ms_scan_request *req,
                                   ms_passes *ps, mapscan_result *result, mapscan_error *error)
{
    ms_layout l = { .columns = NULL };    /* freed on every path, also before it is resolved */
    uint64_t start, count;
    mapscan_status s = ms_plan_file_range(fd, st, o, &l, &start, &count, error);
    if (s == MAPSCAN_OK)
        s = plan(&l, o, req, ps, result, error);
    ms_layout_free(&l);
    if (s != MAPSCAN_OK)
        return s;
    ms_plan_range(req, start, count, result);
    s = ms_passes_begin(ps, req, MS_REREAD_YES, error);
    if (s != MAPSCAN_OK || req->plan.count == 0)
        return s;
    s = ms_passes_end(ps, ms_schedule_run(req, result, error), result, error);
    if (s != MAPSCAN_OK)
        return s;
    struct stat after;
    if (fstat(fd, &after) != 0)
        return ms_fail(error, MAPSCAN_E_IO, errno, "cannot stat after the scan: %s", strerror(errno));
    if (!ms_probe_same_state(st, &after))
        return ms_fail(error, MAPSCAN_E_CHANGED, 0, "the file changed during the scan");
    return MAPSCAN_OK;
}

static mapscan_status scan_stream_input(int fd, const mapscan_options *o, ms_scan_request *req, ms_reread reread,
                                        ms_passes *ps, mapscan_result *result, mapscan_error *error)
{
    ms_stream in = { fd, NULL, 0 };
    unsigned char head[12];
    ms_layout l = { .columns = NULL };    /* freed on every path, also before it is resolved */
    mapscan_status s = ms_layout_of_stream(&in, head, o, &l, error);
    if (s == MAPSCAN_OK)
        s = plan(&l, o, req, ps, result, error);
    ms_layout_free(&l);
    if (s != MAPSCAN_OK)
        return s;
    l = ps->layout;
    s = ms_passes_begin(ps, req, reread, error);
    if (s != MAPSCAN_OK)
        return s;
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
    ms_acc_finish(&empty, MAPSCAN_I32, result);
    ms_acc_finish_extra(&empty, o->stats, o->ddof, result);
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
    if (o->io_size && (o->io_size < MAPSCAN_MIN_IO_SIZE || o->io_size > MS_DIRECT_MAX_IO_SIZE))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "reads of %llu bytes: %llu KiB to %llu MiB",
                       (unsigned long long)o->io_size, (unsigned long long)(MAPSCAN_MIN_IO_SIZE >> 10),
                       (unsigned long long)(MS_DIRECT_MAX_IO_SIZE >> 20)), NULL;
    if (ms_passes_check(o, error) != MAPSCAN_OK)
        return NULL;
    const ms_kernel *kernel = find_kernel(o->kernel, error);
    if (kernel)
        result->kernel = kernel->name;
    return kernel;
}

static mapscan_status scan_fd(int fd, const mapscan_options *o, ms_passes *ps, mapscan_result *result,
                               mapscan_error *error)
{
    const ms_kernel *kernel = begin(o, result, error);
    if (!kernel)
        return MAPSCAN_E_INVALID;
    ms_scan_request req = { .fd = fd, .options = o, .kernel = kernel };

    struct stat st;
    mapscan_status stat_status = ms_probe_stat(fd, &st, error);
    if (stat_status != MAPSCAN_OK)
        return stat_status;
    bool pseudo = S_ISREG(st.st_mode) && ms_probe_pseudo_fs(fd);
    /* An empty size is streamed too: it costs one read() and catches the
     * synthesized files of other file systems. */
    if (S_ISREG(st.st_mode) && !pseudo && st.st_size > 0)
        return scan_regular(fd, &st, o, &req, ps, result, error);
    if (o->backend == MAPSCAN_BACKEND_MMAP && !S_ISREG(st.st_mode))
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file, so it cannot be mapped (the read backend can stream it)");
    if (o->backend == MAPSCAN_BACKEND_MMAP && pseudo)
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "its size is not known before it is read (procfs, sysfs), so it cannot be mapped "
                       "(the read backend can stream it)");
    return scan_stream_input(fd, o, &req, S_ISREG(st.st_mode) ? MS_REREAD_IF_EMPTY : MS_REREAD_NEVER, ps, result,
                             error);
}

static mapscan_status extent_fd(int fd, const mapscan_options *o, mapscan_result *result, mapscan_extent *extent,
                                 mapscan_error *error)
{
    memset(extent, 0, sizeof *extent);
    if (!begin(o, result, error))
        return MAPSCAN_E_INVALID;
    struct stat st;
    mapscan_status stat_status = ms_probe_stat(fd, &st, error);
    if (stat_status != MAPSCAN_OK)
        return stat_status;
    if (!S_ISREG(st.st_mode) || ms_probe_pseudo_fs(fd))
        return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0,
                       "not a regular file: its length is known only once it is read, so it cannot be split");
    ms_layout l = { .columns = NULL };    /* freed on every path, also before it is resolved */
    uint64_t start = 0, count = 0;
    mapscan_status s;
    if (st.st_size > 0)
        s = ms_plan_file_range(fd, &st, o, &l, &start, &count, error);
    else if (o->format == MAPSCAN_FORMAT_NPY)      /* as the scan, which reads the empty file, says */
        s = ms_fail(error, MAPSCAN_E_FORMAT, 0, "not a .npy file (no \\x93NUMPY magic)");
    else
        s = ms_layout_resolve(o, NULL, &l, error);
    ms_passes ps = { .o = o };
    if (s == MAPSCAN_OK)
        s = describe(&l, o, &ps, result, error);
    ms_layout_free(&l);
    size_t unit = ps.layout.unit;
    ms_passes_free(&ps);
    if (s != MAPSCAN_OK)
        return s;
    result->bytes = count * unit;
    extent->start = start;
    extent->unit = unit;
    extent->units = count;
    return MAPSCAN_OK;
}

static mapscan_status extent_path(const char *path, const mapscan_options *o, mapscan_result *result,
                                   mapscan_extent *extent, mapscan_error *error)
{
    int err;
    int fd = strcmp(path, "-") == 0 ? -1 : ms_probe_open(path, MAPSCAN_BACKEND_MMAP, &err);
    if (fd < 0) {
        memset(result, 0, sizeof *result);
        memset(extent, 0, sizeof *extent);
        if (strcmp(path, "-") == 0)
            return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0, "standard input cannot be split: it is read in order");
        return ms_fail(error, ms_open_status(err), err, "cannot open: %s", strerror(err));
    }
    mapscan_status status = extent_fd(fd, o, result, extent, error);
    close(fd);
    return status;
}

static mapscan_status scan_path(const char *path, const mapscan_options *options, ms_passes *ps,
                                 mapscan_result *result, mapscan_error *error)
{
    if (strcmp(path, "-") == 0)
        return scan_fd(STDIN_FILENO, options, ps, result, error);
    int err;
    int fd = ms_probe_open(path, options->backend, &err);
    if (fd < 0) {
        memset(result, 0, sizeof *result);
        return ms_fail(error, ms_open_status(err), err, "cannot open: %s", strerror(err));
    }
    mapscan_status status = scan_fd(fd, options, ps, result, error);
    close(fd);
    return status;
}

static mapscan_status scan_memory(const void *data, size_t len, const mapscan_options *o, ms_passes *ps,
                                   mapscan_result *result, mapscan_error *error)
{
    const ms_kernel *kernel = begin(o, result, error);
    if (!kernel)
        return MAPSCAN_E_INVALID;
    ms_scan_request req = { .fd = -1, .memory = data, .options = o, .kernel = kernel };
    ms_layout l = { .columns = NULL };    /* freed on every path, also before it is resolved */
    mapscan_status s = ms_layout_resolve(o, NULL, &l, error);
    if (s == MAPSCAN_OK)
        s = plan(&l, o, &req, ps, result, error);
    ms_layout_free(&l);
    if (s != MAPSCAN_OK)
        return s;
    l = ps->layout;
    if (o->offset > len)
        return ms_fail(error, MAPSCAN_E_OFFSET, 0, "offset %llu is past the end of the buffer (%zu bytes)",
                       (unsigned long long)o->offset, len);
    uint64_t avail = len - o->offset;
    if (avail > o->length)
        avail = o->length;
    if (avail % l.unit && !o->allow_trailing)
        return ms_fail_trailing(error, &l, avail, "to scan");
    ms_plan_range(&req, o->offset, avail / l.unit, result);
    s = ms_passes_begin(ps, &req, MS_REREAD_YES, error);
    if (s != MAPSCAN_OK || req.plan.count == 0)
        return s;
    return ms_passes_end(ps, ms_schedule_run(&req, result, error), result, error);
}

/* ---- the public entry points: each through abi.c ---- */

/* What every scan does last, whatever happened: the passes' end (a split
 * scan's parts meet even when this one failed), their memory freed. */
static mapscan_status end_passes(ms_passes *ps, mapscan_status s, mapscan_result *result, mapscan_error *error)
{
    s = ms_passes_end(ps, s, result, error);
    ms_passes_free(ps);
    for (size_t c = 0; c < result->ncolumns; c++) {
        mapscan_result *column = &result->columns[c];    /* the scan's facts, for each column */
        column->bytes = result->bytes;
        column->seconds = result->seconds;
        column->threads = result->threads;
        column->backends = result->backends;
        column->kernel = result->kernel;
    }
    return s;
}

mapscan_status mapscan_scan_fd(int fd, const mapscan_options *options, mapscan_result *result, mapscan_error *error)
{
    ms_abi_call c;
    if (!ms_abi_enter(options, &c, error))
        return MAPSCAN_E_INVALID;
    ms_passes ps = { .o = &c.options };
    mapscan_status s = scan_fd(fd, &c.options, &ps, &c.result, error);
    return ms_abi_leave(&c, end_passes(&ps, s, &c.result, error), result, error);
}

mapscan_status mapscan_scan_path(const char *path, const mapscan_options *options, mapscan_result *result,
                                 mapscan_error *error)
{
    ms_abi_call c;
    if (!ms_abi_enter(options, &c, error))
        return MAPSCAN_E_INVALID;
    ms_passes ps = { .o = &c.options };
    mapscan_status s = scan_path(path, &c.options, &ps, &c.result, error);
    return ms_abi_leave(&c, end_passes(&ps, s, &c.result, error), result, error);
}

mapscan_status mapscan_scan_memory(const void *data, size_t len, const mapscan_options *options,
                                   mapscan_result *result, mapscan_error *error)
{
    ms_abi_call c;
    if (!ms_abi_enter(options, &c, error))
        return MAPSCAN_E_INVALID;
    ms_passes ps = { .o = &c.options };
    mapscan_status s = scan_memory(data, len, &c.options, &ps, &c.result, error);
    return ms_abi_leave(&c, end_passes(&ps, s, &c.result, error), result, error);
}

mapscan_status mapscan_extent_fd(int fd, const mapscan_options *options, mapscan_result *result,
                                 mapscan_extent *extent, mapscan_error *error)
{
    ms_abi_call c;
    if (!ms_abi_enter(options, &c, error))
        return MAPSCAN_E_INVALID;
    return ms_abi_leave(&c, extent_fd(fd, &c.options, &c.result, extent, error), result, error);
}

mapscan_status mapscan_extent_path(const char *path, const mapscan_options *options, mapscan_result *result,
                                   mapscan_extent *extent, mapscan_error *error)
{
    ms_abi_call c;
    if (!ms_abi_enter(options, &c, error))
        return MAPSCAN_E_INVALID;
    return ms_abi_leave(&c, extent_path(path, &c.options, &c.result, extent, error), result, error);
}
