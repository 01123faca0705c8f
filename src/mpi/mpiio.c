#include "mpiio.h"
#include "interrupt.h"
#include "sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes per collective read: far below MPI's int count, large enough that
 * the agreement before each read costs nothing measurable. */
#define ROUND_BYTES ((uint64_t)32 << 20)

static const char *mpi_reason(int rc, char *buf)
{
    int len = 0;
    if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS)
        snprintf(buf, MPI_MAX_ERROR_STRING, "MPI error %d", rc);
    return buf;
}

/* The rounds this rank needs; every rank reads as many as the busiest. */
static uint64_t rounds_for(uint64_t bytes, uint64_t round)
{
    return bytes / round + (bytes % round != 0);
}

/* One round's bytes reduced in memory. With extra statistics (sync set)
 * the round meets the others through the hook, and r gets the rounds'
 * result so far (after the last round: the whole file's); the part then
 * takes only this rank's bytes and threads, not statistics. */
static mapscan_status reduce_round(const void *buf, uint64_t n, const file_probe *probe,
                                   const mapscan_options *options, const mpiio_extra *extra, scan_sync *sync,
                                   file_part *part, mapscan_result *r, mapscan_error *error)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = probe->result.type;
    o.endian = probe->result.endian;
    o.record_size = probe->result.record_size;
    o.field_offset = probe->result.field_offset;
    o.threads = options->threads;
    o.kernel = options->kernel;
    if (extra) {
        o.stats = options->stats;
        o.ddof = options->ddof;
        o.nquantiles = options->nquantiles;
        o.quantiles = options->quantiles;
        o.histogram_bins = options->histogram_bins;
        o.histogram_counts = extra->counts;
        o.histogram_range = options->histogram_range;
        o.range_lo = options->range_lo;
        o.range_hi = options->range_hi;
        o.sync = sync_hook;
        o.sync_arg = sync;
    }
    static const unsigned char none[1];
    mapscan_status s = mapscan_scan_memory(n ? buf : none, (size_t)n, &o, r, error);
    if (s != MAPSCAN_OK)
        return s;
    r->backends = 0;     /* what MPI-IO read, reduced in memory: the part says read */
    if (!extra) {
        part_merge(part, r);
        return s;
    }
    part->bytes += n;
    if (n && r->threads > part->threads)
        part->threads = r->threads;
    return s;
}

/* A column's result (positions from pos 0 of what was scanned) merged
 * into the share's, its positions moved by shift. */
static void share_merge(mapscan_result *share, const mapscan_result *r, uint64_t shift)
{
    mapscan_result moved = *r;
    result_portable(&moved);
    moved.extra.argmin += shift;
    moved.extra.argmax += shift;
    mapscan_result_merge(share, &moved);
}

/* One round of a file of several columns, units [first, first + n / unit)
 * of the file's: records reduced in one scan of memory with every column;
 * a Fortran-order array's elements a column's stretch at a time. */
static mapscan_status reduce_columns(const unsigned char *buf, uint64_t n, uint64_t first, const file_probe *probe,
                                     const mapscan_options *options, const mpiio_columns *columns, file_part *part,
                                     mapscan_error *error)
{
    size_t ncolumns = probe->result.ncolumns;
    uint64_t unit = probe->extent.unit;
    mapscan_options o;
    mapscan_options_init(&o);
    o.threads = options->threads;
    o.kernel = options->kernel;
    o.stats = options->stats;
    o.ddof = options->ddof;
    mapscan_result r;
    mapscan_status s = MAPSCAN_OK;
    if (probe->result.record_size) {
        o.columns = columns->spec;
        o.record_size = unit;
        s = mapscan_scan_memory(buf, (size_t)n, &o, &r, error);
        if (s != MAPSCAN_OK)
            return s;
        if (r.ncolumns != ncolumns) {
            mapscan_result_free(&r);
            return sync_error(error, MAPSCAN_E_INVALID, "a round gave %zu columns, not %zu", r.ncolumns, ncolumns);
        }
        for (size_t c = 0; c < ncolumns; c++)
            share_merge(&columns->share[c], &r.columns[c], first);     /* rows from the file's first */
        if (r.threads > part->threads)
            part->threads = r.threads;
        mapscan_result_free(&r);
        return MAPSCAN_OK;
    }
    /* Each column a run of `run` elements, counted from the data's first
     * (the offset's elements are extra.origin): its positions count from
     * the run's start. */
    uint64_t run = 1;
    for (unsigned d = 0; d + 1 < probe->result.ndim; d++)
        run *= probe->result.shape[d];
    uint64_t from = probe->result.extra.origin + first, to = from + n / unit;
    for (size_t c = 0; s == MAPSCAN_OK && c < ncolumns; c++) {
        uint64_t lo = c * run > from ? c * run : from, hi = (c + 1) * run < to ? (c + 1) * run : to;
        if (lo >= hi)
            continue;
        o.type = (mapscan_type)columns->layout[c].type;
        o.endian = (mapscan_endian)columns->layout[c].endian;
        s = mapscan_scan_memory(buf + (lo - from) * unit, (size_t)((hi - lo) * unit), &o, &r, error);
        if (s != MAPSCAN_OK)
            break;
        share_merge(&columns->share[c], &r, lo - c * run);
        if (r.threads > part->threads)
            part->threads = r.threads;
    }
    return s;
}

void mpiio_scan(const char *path, const file_probe *probe, int prober, const split_piece *piece,
                const mapscan_options *options, const mpiio_extra *extra, const mpiio_columns *columns,
                MPI_Info info, MPI_Comm comm, job_progress *progress, uint64_t before, file_part *part,
                mapscan_error *error)
{
    char reason[MPI_MAX_ERROR_STRING];
    mapscan_status status = MAPSCAN_OK;
    uint64_t unit = probe->extent.unit;
    uint64_t round = ROUND_BYTES / unit * unit;
    if (round == 0)
        round = unit;
    uint64_t first = piece ? probe->extent.start + piece->first * unit : 0;
    uint64_t bytes = piece ? piece->count * unit : 0;

    /* Every rank, a piece or none: with collective buffering a rank reads
     * for others. MPI_File_open is collective and, with the file missing
     * on one rank, waits forever on the others: it comes only once all
     * agree. The descriptor stays open to check the file again after. */
    int fd = -1;
    status = identity_check_path(path, &probe->identity, prober, &fd, error);
    if (exchange_any(status != MAPSCAN_OK, comm))
        goto done;
    MPI_File fh;
    int rc = MPI_File_open(comm, path, MPI_MODE_RDONLY, info, &fh);
    if (rc != MPI_SUCCESS)
        status = sync_error(error, MAPSCAN_E_OPEN, "MPI-IO cannot open it: %s", mpi_reason(rc, reason));
    if (exchange_any(status != MAPSCAN_OK, comm)) {
        if (rc == MPI_SUCCESS)
            MPI_File_close(&fh);
        goto done;
    }
    unsigned char *buf = malloc((size_t)(bytes < round ? bytes : round) + 1);
    if (!buf)
        status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory");
    if (extra && extra->no_memory && status == MAPSCAN_OK)
        status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory for the histogram's counters");
    if (columns && columns->no_memory && status == MAPSCAN_OK)
        status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory for the columns' results");
    scan_sync sync;
    sync_begin(&sync, comm);
    mapscan_result r;
    unsigned long long mine = rounds_for(bytes, round), all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
    part->backends |= MAPSCAN_USED_READ;
    for (uint64_t i = 0, done = 0; i < all; i++) {
        bool stop = status != MAPSCAN_OK || interrupted;
        if (stop && status == MAPSCAN_OK)
            status = sync_error(error, MAPSCAN_E_CANCELLED, "cancelled");
        if (exchange_any(stop, comm))
            break;
        uint64_t n = bytes - done < round ? bytes - done : round;
        MPI_Status st;
        rc = MPI_File_read_at_all(fh, (MPI_Offset)(first + done), buf, (int)n, MPI_BYTE, &st);
        int got = 0;
        if (rc == MPI_SUCCESS)
            MPI_Get_count(&st, MPI_BYTE, &got);
        if (rc != MPI_SUCCESS)
            status = sync_error(error, MAPSCAN_E_IO, "MPI-IO read failed at byte %llu: %s",
                          (unsigned long long)(first + done), mpi_reason(rc, reason));
        else if ((uint64_t)got != n)
            status = sync_error(error, MAPSCAN_E_CHANGED, "the file changed during the scan: it ended at byte %llu",
                          (unsigned long long)(first + done + (uint64_t)got));
        if (columns) {
            if (status == MAPSCAN_OK && n) {
                status = reduce_columns(buf, n, (piece ? piece->first : 0) + done / unit, probe, options, columns,
                                        part, error);
                if (status == MAPSCAN_OK)
                    part->bytes += n;
            }
        } else if (extra) {
            /* Every rank meets the others in the last round, whatever it read or failed. */
            bool last = i + 1 == all;
            sync.local = !last;
            sync.shift = (piece ? piece->first : 0) + done / unit;
            if (status != MAPSCAN_OK && last)
                sync_fail(&sync, status);
            else if (status == MAPSCAN_OK && (n || last))
                status = reduce_round(buf, n, probe, options, extra, &sync, part, &r, error);
            if (last && status == MAPSCAN_OK && extra->whole)
                *extra->whole = r;
            if (status != MAPSCAN_OK && sync.others_failure && !sync.own_failure)
                status = MAPSCAN_OK;    /* another rank's failure, which that rank reports */
        } else if (status == MAPSCAN_OK && n) {
            status = reduce_round(buf, n, probe, options, NULL, NULL, part, &r, error);
        }
        done += n;
        progress_update(progress, before + part->bytes);
    }
    free(buf);
    sync_end(&sync);
    /* A file replaced after the check, or changed under the reads. */
    if (status == MAPSCAN_OK)
        status = identity_recheck(path, fd, &probe->identity, error);
    MPI_File_close(&fh);
done:
    if (fd >= 0)
        close(fd);
    if (status != MAPSCAN_OK) {
        error->status = status;
        part->failed_rank = 0;      /* the caller puts its rank here */
        part->status = status;
    }
}
