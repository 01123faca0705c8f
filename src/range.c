/* Stage 3, make the plan: which units of the file or buffer are scanned
 * (offset, length, trailing bytes, a .npy shape's bytes), the reducer for
 * the layout, the chunks and the number of workers. */
#include "stages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool host_is_little(void)
{
    return mapscan_endian_resolve(MAPSCAN_NATIVE) == MAPSCAN_LITTLE;
}

static bool swapped(mapscan_endian endian)
{
    return (mapscan_endian_resolve(endian) == MAPSCAN_LITTLE) != host_is_little();
}

/* Whether reduce.c can transpose the records (kernels.h): a record of 2^k
 * bytes, at most MS_TRANSPOSE_RECORD, each column at a multiple of its
 * size; order then sorted by offset. */
static bool transposable(const ms_layout *l, size_t *order)
{
    if (l->column_units || l->ncolumns < 2 || l->unit > MS_TRANSPOSE_RECORD || (l->unit & (l->unit - 1)))
        return false;
    for (size_t c = 0; c < l->ncolumns; c++)
        if (l->columns[c].offset % mapscan_type_size(l->columns[c].type))
            return false;
    for (size_t i = 1; i < l->ncolumns; i++)      /* at most 64 columns: insertion */
        for (size_t j = i; j > 0 && l->columns[order[j]].offset < l->columns[order[j - 1]].offset; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    return true;
}

mapscan_status ms_plan_reducer(ms_scan_request *req, const ms_layout *l, ms_reducer **columns, mapscan_error *error)
{
    size_t elem = mapscan_type_size(l->type);
    unsigned stats = req->options->stats & MAPSCAN_STAT_ALL;
    req->reducer = ms_reducer_make(req->kernel, l->type, swapped(l->endian), l->unit != elem ? l->unit : 0);
    req->reducer.stats = stats;
    req->unit = l->unit;
    req->field_offset = l->field_offset;
    *columns = NULL;
    if (!l->ncolumns)
        return MAPSCAN_OK;
    /* Several columns: the unit is the record (or, for a Fortran-order
     * array, the element), each column reduced by its own reducer. */
    size_t n = l->ncolumns;
    ms_reducer *each = malloc(n * (2 * sizeof *each + sizeof(size_t)));
    if (!each)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for %zu columns", n);
    ms_reducer *packed = each + n;
    size_t *order = (size_t *)(void *)(packed + n);
    for (size_t c = 0; c < n; c++) {
        const ms_column *col = &l->columns[c];
        each[c] = ms_reducer_make(req->kernel, col->type, swapped(col->endian), l->column_units ? 0 : l->unit);
        each[c].stats = stats;
        each[c].offset = col->offset;
        packed[c] = ms_reducer_make(req->kernel, col->type, swapped(col->endian), 0);
        packed[c].stats = stats;
        order[c] = c;
    }
    if (transposable(l, order)) {
        req->reducer.packed = packed;
        req->reducer.order = order;
        req->reducer.split = req->kernel->split;
        req->reducer.words = req->kernel->words;
    }
    req->reducer.main = false;
    req->reducer.stats = 0;
    req->reducer.stride = l->column_units ? 0 : l->unit;
    req->reducer.ncolumns = l->ncolumns;
    req->reducer.columns = each;
    req->reducer.column_units = l->column_units;
    req->reducer.column_base = req->options->offset / l->unit;
    *columns = each;
    return MAPSCAN_OK;
}

/* Plans count units from start over the workers; the caller runs them. */
void ms_plan_range(ms_scan_request *req, uint64_t start, uint64_t count, mapscan_result *result)
{
    const mapscan_options *o = req->options;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned threads = o->threads ? o->threads : mapscan_default_threads();
    if (threads > ms_thread_cap())
        threads = ms_thread_cap();
    uint64_t chunk = ms_chunk_bytes_for(count * req->unit, threads, page);
    ms_plan_make(&req->plan, start, count, req->unit, chunk, page);
    req->reducer.origin = req->plan.offset;
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
mapscan_status ms_plan_file_range(int fd, const struct stat *st, const mapscan_options *o, ms_layout *l,
                                     uint64_t *start, uint64_t *count, mapscan_error *error)
{
    /* A regular file is read from the descriptor's offset, as cat reads a
     * redirected file the shell has already read from. */
    uint64_t size = (uint64_t)st->st_size;
    off_t here = lseek(fd, 0, SEEK_CUR);
    uint64_t base = here > 0 && (uint64_t)here <= size ? (uint64_t)here : 0;
    mapscan_status s = ms_layout_of_file(fd, base, size, o, l, error);
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

