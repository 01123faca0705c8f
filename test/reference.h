/* Test helpers: a plain reduction to check every fast path against, and files. */
#ifndef MAPSCAN_TEST_REFERENCE_H
#define MAPSCAN_TEST_REFERENCE_H

#include "../src/io/io.h"
#include "../src/npy/npy.h"

/* The integer types come first; the float ones (MAPSCAN_F16 on) have tests of their own. */
#define INTEGER_TYPE_COUNT MAPSCAN_F16

/* One element at a time, assembled byte by byte: shares no code with the kernels. */
void reference_reduce(const unsigned char *p, size_t n, mapscan_type type, bool big_endian, ms_acc *acc);

/* Element i of a value stream, stored into p in the given byte order. */
void store_element(unsigned char *p, mapscan_type type, bool big_endian, ms_i128 value);

/* A deterministic pseudo-random 64-bit value for test data. */
uint64_t test_random(uint64_t *state);

/* Writes len bytes to a new temporary file and returns its path (static buffer per call site). */
void write_temp_file(char *path, size_t path_len, const void *data, size_t len);

/* Entries of a directory, "." and ".." left out. */
int count_dir_entries(const char *dir);
/* Unlinks the directory's entries (those whose name holds `containing`, when not NULL). */
void remove_dir_entries(const char *dir, const char *containing);

/* An integer scan's statistics as an accumulator, to compare with the reference's. */
ms_acc acc_of_stats(const mapscan_stats *stats);

void assert_acc_equal(const ms_acc *got, const ms_acc *want, const char *what);

#endif
