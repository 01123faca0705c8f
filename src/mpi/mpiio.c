#include "mpiio.h"
#include "interrupt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes per collective read: far below MPI's int count, large enough that
 * the agreement before each read costs nothing measurable. */
#define ROUND_BYTES ((uint64_t)32 << 20)

static mapscan_status fail(mapscan_error *error, mapscan_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mapscan_status fail(mapscan_error *error, mapscan_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error->status = status;
    error->sys_errno = 0;
    vsnprintf(error->message, sizeof error->message, fmt, ap);
    va_end(ap);
    return status;
}

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

static mapscan_status reduce_round(const void *buf, uint64_t n, const file_probe *probe,
                                   const mapscan_options *options, file_part *part, mapscan_error *error)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = probe->result.type;
    o.endian = probe->result.endian;
    o.record_size = probe->result.record_size;
    o.field_offset = probe->result.field_offset;
    o.threads = options->threads;
    o.kernel = options->kernel;
    mapscan_result r;
    mapscan_status s = mapscan_scan_memory(buf, (size_t)n, &o, &r, error);
    if (s == MAPSCAN_OK) {
        r.backends = 0;     /* what MPI-IO read, reduced in memory: the part says read */
        part_merge(part, &r);
    }
    return s;
}

void mpiio_scan(const char *path, const file_probe *probe, int prober, const split_piece *piece,
                const mapscan_options *options, MPI_Info info, MPI_Comm comm, job_progress *progress,
                uint64_t before, file_part *part, mapscan_error *error)
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
        status = fail(error, MAPSCAN_E_OPEN, "MPI-IO cannot open it: %s", mpi_reason(rc, reason));
    if (exchange_any(status != MAPSCAN_OK, comm)) {
        if (rc == MPI_SUCCESS)
            MPI_File_close(&fh);
        goto done;
    }
    unsigned char *buf = malloc((size_t)(bytes < round ? bytes : round) + 1);
    if (!buf)
        status = fail(error, MAPSCAN_E_NOMEM, "out of memory");
    unsigned long long mine = rounds_for(bytes, round), all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
    part->backends |= MAPSCAN_USED_READ;
    for (uint64_t i = 0, done = 0; i < all; i++) {
        bool stop = status != MAPSCAN_OK || interrupted;
        if (stop && status == MAPSCAN_OK)
            status = fail(error, MAPSCAN_E_CANCELLED, "cancelled");
        if (exchange_any(stop, comm))
            break;
        uint64_t n = bytes - done < round ? bytes - done : round;
        MPI_Status st;
        rc = MPI_File_read_at_all(fh, (MPI_Offset)(first + done), buf, (int)n, MPI_BYTE, &st);
        int got = 0;
        if (rc == MPI_SUCCESS)
            MPI_Get_count(&st, MPI_BYTE, &got);
        if (rc != MPI_SUCCESS)
            status = fail(error, MAPSCAN_E_IO, "MPI-IO read failed at byte %llu: %s",
                          (unsigned long long)(first + done), mpi_reason(rc, reason));
        else if ((uint64_t)got != n)
            status = fail(error, MAPSCAN_E_CHANGED, "the file changed during the scan: it ended at byte %llu",
                          (unsigned long long)(first + done + (uint64_t)got));
        else if (n)
            status = reduce_round(buf, n, probe, options, part, error);
        done += n;
        progress_update(progress, before + part->bytes);
    }
    free(buf);
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
