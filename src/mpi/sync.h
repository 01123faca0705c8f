/* The library's sync hook (mapscan_sync_fn) for mapscan-mpi: how the
 * ranks that scan parts of one file meet after each pass, so that every
 * rank ends with the whole file's extra statistics (var, std, argmin,
 * argmax, quantiles, histograms) and takes the same passes after the
 * first.
 *
 * MAPSCAN_SYNC_STATS: each rank's result (or, for a scan of several
 * columns, its n column results), argmin and argmax moved to count from
 * the file's first unit (the part's `shift`: rows for records and record
 * columns; none for a column that is a Fortran-order array's run, whose
 * positions count from the run's start on every part), is merged over the
 * ranks by an MPI_Op that calls mapscan_result_merge on each of the n;
 * MAPSCAN_SYNC_COUNTS: the counters are summed (MPI_SUM). Each meeting
 * first agrees on the parts' statuses (and, for the statistics, on n), so
 * that a rank that failed meets the others once, bringing no data, and
 * all stop after that meeting.
 *
 * With --io mpiio a rank's part is reduced in rounds, one library scan of
 * memory each: the rounds before the last keep their meetings local (the
 * results merged, the counters added, no MPI), and the last round's
 * meetings carry them to the other ranks. (A file of several columns is
 * read by mpiio.c without the hook: its rounds need only merges.) */
#ifndef MAPSCAN_MPI_SYNC_H
#define MAPSCAN_MPI_SYNC_H

#include "mapscan.h"

#include <mpi.h>
#include <stdbool.h>

#define SYNC_MAX_COUNTS 4   /* the counting meetings a local round keeps: the first pass has at most 2 */

typedef struct scan_sync {
    MPI_Comm comm;
    int rank;
    uint64_t shift;             /* this part's first unit, counted from the file's first */
    bool local;                 /* a round before the last: keep what it met, tell no one */
    /* What the local rounds kept: their results merged (nrounds of them,
     * positions moved, no pointers), their counters added. */
    mapscan_result *rounds;
    size_t nrounds;
    uint64_t *round_counts[SYNC_MAX_COUNTS];
    size_t round_ncounts[SYNC_MAX_COUNTS];
    unsigned meeting;           /* counting meetings so far in this scan */
    /* The outcome: this rank failed (at a meeting), or another did; the
     * statistics were merged (a failure after that is not in the data's
     * layout, which the first pass read). */
    bool own_failure, others_failure, merged;
} scan_sync;

/* A context for one file's scan: nothing kept, no failure seen. */
void sync_begin(scan_sync *s, MPI_Comm comm);
/* Frees what the local rounds kept. */
void sync_end(scan_sync *s);

/* The hook: options.sync = sync_hook, options.sync_arg = the context. */
mapscan_status sync_hook(mapscan_sync_point point, void *data, size_t n, mapscan_status status, mapscan_error *error,
                         void *arg);

/* A rank that fails before its scan calls the library meets the others
 * itself, once: the combined status (its own). */
mapscan_status sync_fail(scan_sync *s, mapscan_status status);
/* error filled (no errno) from fmt; returns status. */
mapscan_status sync_error(mapscan_error *error, mapscan_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
