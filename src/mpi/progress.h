/* --progress: rank 0 shows the bytes done over all ranks. */
#ifndef MAPSCAN_MPI_PROGRESS_H
#define MAPSCAN_MPI_PROGRESS_H

#include "../cli/cli.h"

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct job_progress {
    bool on, line_mode;
    int rank, ranks;
    MPI_Comm comm;              /* a duplicate: its reductions never meet the job's own */
    MPI_Request request;
    uint64_t mine;
    bool done;
    uint64_t sent[2], got[2];   /* mine and done as they were at the reduction's start; their sums */
    uint64_t total;
    double last_start, last_line;
    cli_progress_state bar;
} job_progress;

/* Collective. on must be the same on every rank; total is the job's
 * bytes; label names the bar. Off, the other calls do nothing. */
void progress_start(job_progress *p, bool on, uint64_t total, const char *label, MPI_Comm comm);
/* This rank's bytes done so far. Cheap enough for every callback of the
 * library's (about ten a second): starts a reduction at most twice a
 * second and otherwise only tests the one in flight. */
void progress_update(job_progress *p, uint64_t mine);
/* Collective: takes part in the reductions until every rank has called
 * it, then frees the duplicate. */
void progress_finish(job_progress *p);

#endif
