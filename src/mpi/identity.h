/* Whether the file a rank opens is the one the probing rank described:
 * plain POSIX, free of MPI, so that it can be tested alone. */
#ifndef MAPSCAN_MPI_IDENTITY_H
#define MAPSCAN_MPI_IDENTITY_H

#include "mapscan.h"

#include <stdint.h>

/* Samples of this many bytes: the first, the last, and evenly spaced
 * between them; a file of at most IDENTITY_SAMPLES samples is hashed whole. */
#define IDENTITY_SAMPLES 16
#define IDENTITY_SAMPLE_BYTES 4096

/* What a rank compares: the size, the modification time and a 64-bit hash
 * of each sample. Neither the inode nor ctime: two good copies of a file on
 * two nodes differ in both. */
typedef struct file_identity {
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    uint32_t samples;
    uint32_t pad;
    uint64_t hash[IDENTITY_SAMPLES];
} file_identity;

/* Byte range [*offset, *offset + *len) of sample i of a file of size bytes. */
void identity_sample_range(uint64_t size, uint32_t i, uint64_t *offset, uint64_t *len);
/* The identity of an open file; MAPSCAN_E_OPEN when it is not a regular
 * file, MAPSCAN_E_IO when a sample cannot be read, MAPSCAN_E_CHANGED when
 * the file ends before its size. */
mapscan_status identity_take_fd(int fd, file_identity *id, mapscan_error *error);
/* The same, opened by path (the probing rank, right after its probe). */
mapscan_status identity_take_path(const char *path, file_identity *id, mapscan_error *error);
/* Opens path read-only (a FIFO without blocking), as the scan does. Every
 * failure is MAPSCAN_E_CHANGED, since the probing rank (prober) opened
 * it: one that cannot open it, finds something other than a regular file,
 * or another size, time or sample. On success *fd is open on the file,
 * for the scan. */
mapscan_status identity_check_path(const char *path, const file_identity *want, int prober, int *fd,
                                   mapscan_error *error);
/* After a read through another handle (MPI-IO): the descriptor's file is
 * still the one at path, with the size and time of want. */
mapscan_status identity_recheck(const char *path, int fd, const file_identity *want, mapscan_error *error);

#endif
