/* --io mpiio: a rank's piece of a file read with MPI-IO's collective
 * reads, reduced in memory by the library. */
#ifndef MAPSCAN_MPI_MPIIO_H
#define MAPSCAN_MPI_MPIIO_H

#include "exchange.h"
#include "split.h"

/* Collective: every rank calls it for the same files in the same order,
 * piece NULL where it has none of the file. Each round of reads starts
 * only once every rank has said it is still well, so that a failure on
 * one rank never leaves the others waiting inside a collective read.
 * Fills part and, when this rank fails, failure->error. */
void mpiio_scan(const char *path, const file_probe *probe, const split_piece *piece, const mapscan_options *options,
                MPI_Info info, MPI_Comm comm, file_part *part, mapscan_error *error);

#endif
