/* numpy's .npy header beyond the public parser: writing one, and finding a field. */
#ifndef MAPSCAN_NPY_H
#define MAPSCAN_NPY_H

#include "../common/common.h"

/* ---- npy.c ---- */

#define MS_NPY_HEADER_ROOM 256

/* Writes the .npy header of a one-dimensional array of count elements, as
 * numpy pads it; returns its size (a multiple of 64), or 0 without room. */
size_t ms_npy_header_write(unsigned char *buf, size_t room, mapscan_type type, mapscan_endian endian,
                           uint64_t count);

/* The field --field name names: *found when exactly one does; *others is
 * the number of further fields the name could also mean (ambiguous when
 * > 0), with the second of them in *second. */
void ms_npy_lookup(const mapscan_npy_header *h, const char *name, const mapscan_npy_field **found,
                   const mapscan_npy_field **second, size_t *others);
/* A spelling that names that field exactly (it holds a backslash):
 * itself, or with its first character escaped. malloc'd; NULL without
 * memory. */
char *ms_npy_exact_spelling(const char *spelled);

#endif
