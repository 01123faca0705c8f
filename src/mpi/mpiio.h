/* --io mpiio: a rank's piece of a file read with MPI-IO's collective
 * reads, reduced in memory by the library. */
#ifndef MAPSCAN_MPI_MPIIO_H
#define MAPSCAN_MPI_MPIIO_H

#include "exchange.h"
#include "progress.h"
#include "split.h"

/* With extra statistics: the file's histogram counters (NULL: none, or
 * no_memory when they could not be had), and where the whole file's
 * result goes once every rank's rounds have met (NULL: nowhere). Each
 * round is one library scan of memory with the sync hook (sync.c): the
 * rounds before the last meet locally, the last meets the other ranks. */
typedef struct mpiio_extra {
    uint64_t *counts;
    mapscan_result *whole;
    bool no_memory;
} mpiio_extra;

/* A file of several columns: read without the sync hook, each round's
 * columns merged into this rank's share, their positions moved to the
 * file's first row (records; a Fortran-order array's runs, scanned a
 * column's stretch at a time, to the run's start), for the gather on rank
 * 0 after the scan. With --io mpiio such a file takes the statistics of
 * the first pass only: quantiles and histograms are refused before. */
typedef struct mpiio_columns {
    const column_layout *layout;    /* the file's columns */
    const char *spec;               /* records: the columns for mapscan_options.columns */
    mapscan_result *share;          /* ncolumns results of nothing, portable; NULL without a piece */
    bool no_memory;                 /* the share or the spec could not be had */
} mpiio_columns;

/* Collective: every rank calls it for the same files in the same order,
 * piece NULL where it has none of the file. The collective open comes
 * only once every rank has found the file the probing rank (prober)
 * described, and each round of reads only once every rank has said it is
 * still well (and not interrupted), so that a failure on one rank never
 * leaves the others waiting inside a collective call. Fills part and,
 * when this rank fails, error (another rank's failure, met in the last
 * round, is that rank's to report); tells progress this rank's bytes,
 * counting from before. extra: NULL without extra statistics; columns:
 * NULL unless the file has several (extra is then NULL). */
void mpiio_scan(const char *path, const file_probe *probe, int prober, const split_piece *piece,
                const mapscan_options *options, const mpiio_extra *extra, const mpiio_columns *columns,
                MPI_Info info, MPI_Comm comm, job_progress *progress, uint64_t before, file_part *part,
                mapscan_error *error);

#endif
