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

/* Each probe[i] is filled on one rank and zero on the others: afterwards
 * every rank has all of them. */
int exchange_probes(file_probe *probes, size_t n, MPI_Comm comm);
/* parts[i] merged over every rank, on every rank. */
int exchange_parts(file_part *parts, size_t n, MPI_Comm comm);
/* failures[i] is filled on the rank named by parts[i].failed_rank (each
 * file given once, n of them): afterwards every rank has them. */
int exchange_failures(rank_failure *failures, size_t n, MPI_Comm comm);
/* Rank root's bytes to every rank, in pieces that fit MPI's int counts. */
int exchange_broadcast(void *data, size_t bytes, int root, MPI_Comm comm);
/* True on every rank when mine is true on any; false when the collective
 * itself fails (which MPI reports and aborts on by default). */
bool exchange_any(bool mine, MPI_Comm comm);

#endif
