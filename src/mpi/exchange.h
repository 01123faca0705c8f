/* What mapscan-mpi's ranks tell each other, and the MPI operations that
 * combine it. Every call here is collective over the communicator. */
#ifndef MAPSCAN_MPI_EXCHANGE_H
#define MAPSCAN_MPI_EXCHANGE_H

#include "identity.h"
#include "mapscan.h"

#include <mpi.h>
#include <stdbool.h>

#define HOST_MAX 64

/* Why a file failed, and where. */
typedef struct rank_failure {
    uint32_t failed;
    int32_t rank;
    char host[HOST_MAX];
    mapscan_error error;
} rank_failure;

/* One file's layout, found by the rank that opened it first. */
typedef struct file_probe {
    mapscan_result result;      /* layout fields and bytes; kernel is NULL */
    mapscan_extent extent;
    file_identity identity;     /* what every rank that reads it checks */
    rank_failure failure;
} file_probe;

/* One rank's share of a file's scan; the reduction merges these exactly
 * and keeps the lowest failing rank's status. */
typedef struct file_part {
    mapscan_stats stats;
    /* A float file's statistics (its exact sum, NaN count, extremes); the
     * merge reads type to know them there, so every rank sets it from the
     * file's probe before the part takes a scan or goes to the reduction. */
    mapscan_float_stats floats;
    int32_t type;               /* mapscan_type */
    uint64_t bytes;
    uint32_t backends, threads;
    int32_t failed_rank;        /* NO_FAILURE, or the lowest rank that failed */
    int32_t status;             /* that rank's mapscan_status */
    /* This rank's wall time on the file (its probe, check and scan); over
     * the ranks the slowest's: the reduction takes the maximum, and
     * part_merge, which adds a scan's result, leaves it alone. */
    double seconds;
} file_part;

#define NO_FAILURE INT32_MAX

/* Folds a scan's result into a part through the library's one merge
 * (mapscan_result_merge); the reduction over ranks uses it too. */
void part_merge(file_part *part, const mapscan_result *r);

/* A file of several columns (a field list or all, channels, raw columns):
 * what every rank knows of each column, for the scans it takes part in
 * without having the file's own description (a scan of nothing, a round
 * of --io mpiio): its type and byte order, and its byte in the record. */
typedef struct column_layout {
    uint32_t offset;            /* field_offset: records are at most 16 MiB */
    uint8_t type;               /* mapscan_type */
    uint8_t endian;             /* mapscan_endian */
    uint16_t pad;
} column_layout;

/* A file's column results on their way to rank 0: ncolumns of them, end
 * to end, in column order. */
enum { BLOCK_DESCRIPTION, BLOCK_STATISTICS };
typedef struct column_block {
    uint64_t file;
    uint32_t ncolumns;
    uint32_t kind;              /* BLOCK_DESCRIPTION: the probe's (names, types, shapes); BLOCK_STATISTICS:
                                 * a rank's share of the statistics */
} column_block;

/* The columns as mapscan_options.columns takes them ("c0:<i4@0,...", the
 * names c0, c1...; each at its offset, or with offsets false one after
 * the other): NULL when out of memory. Free it. */
char *columns_spec(const column_layout *columns, size_t n, bool offsets);

/* A result as another rank can take it: its pointers (kernel, a
 * histogram's counts, columns) NULL, ncolumns 0. */
void result_portable(mapscan_result *r);

/* Each probe[i] is filled on one rank and zero on the others: afterwards
 * every rank has all of them. */
int exchange_probes(file_probe *probes, size_t n, MPI_Comm comm);
/* parts[i] merged over every rank, on every rank. */
int exchange_parts(file_part *parts, size_t n, MPI_Comm comm);
/* failures[i] is filled on the rank named by parts[i].failed_rank (each
 * file given once, n of them): afterwards every rank has them. */
int exchange_failures(rank_failure *failures, size_t n, MPI_Comm comm);
/* Bytes filled on one rank each and zero on the others: afterwards every
 * rank has all of them. */
int exchange_or(void *data, size_t bytes, MPI_Comm comm);
/* Rank root gets every rank's blocks and their results (each block's
 * ncolumns results, portable, end to end): *all_blocks and *all_results,
 * to free, NULL on the others. False on every rank when root had no
 * memory for them (nothing was sent). */
bool exchange_gather_columns(const column_block *blocks, size_t nblocks, const mapscan_result *results,
                             size_t nresults, int root, column_block **all_blocks, size_t *all_nblocks,
                             mapscan_result **all_results, MPI_Comm comm);
/* Rank root's bytes to every rank, in pieces that fit MPI's int counts. */
int exchange_broadcast(void *data, size_t bytes, int root, MPI_Comm comm);
/* True on every rank when mine is true on any; false when the collective
 * itself fails (which MPI reports and aborts on by default). */
bool exchange_any(bool mine, MPI_Comm comm);

#endif
