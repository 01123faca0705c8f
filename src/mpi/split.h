/* How mapscan-mpi divides the data of all its files between the ranks:
 * plain arithmetic, free of MPI, so that it can be tested alone. */
#ifndef MAPSCAN_MPI_SPLIT_H
#define MAPSCAN_MPI_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* A file's scannable data: units of unit bytes (units 0 for a file that
 * failed or is empty). */
typedef struct split_file {
    uint64_t unit, units;
} split_file;

/* Units [first, first + count) of file `file`. */
typedef struct split_piece {
    size_t file;
    uint64_t first, count;
} split_piece;

/* Files below this many bytes go whole to one rank: cutting them saves
 * less than the second open costs. */
#define SPLIT_WHOLE_BELOW ((uint64_t)16 << 20)

/* The pieces rank `rank` of `ranks` scans, in file order, into out (room
 * for nfiles); returns how many. The bytes of all files, end to end, are
 * cut into `ranks` nearly equal ranges, each cut moved down to a unit
 * boundary, or to the nearer end of a file smaller than SPLIT_WHOLE_BELOW.
 * Every unit of every file belongs to exactly one rank, and the result
 * depends on nothing but the arguments. */
size_t split_pieces(const split_file *files, size_t nfiles, unsigned rank, unsigned ranks, split_piece *out);

#endif
