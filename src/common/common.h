/* What every part of the library uses: 128-bit integers, errors and their
 * messages, whole reads and the clock. Not installed. */
#ifndef MAPSCAN_COMMON_H
#define MAPSCAN_COMMON_H

#include "mapscan.h"

#include <stdarg.h>
#include <sys/types.h>

__extension__ typedef __int128 ms_i128;
__extension__ typedef unsigned __int128 ms_u128;

static inline ms_i128 ms_from_int128(mapscan_int128 v)
{
    return (ms_i128)(((ms_u128)(uint64_t)v.hi << 64) | v.lo);
}

static inline mapscan_int128 ms_to_int128(ms_i128 v)
{
    mapscan_int128 out = { (uint64_t)v, (int64_t)((ms_u128)v >> 64) };
    return out;
}

/* ---- error.c ---- */

mapscan_status ms_fail(mapscan_error *error, mapscan_status status, int sys_errno,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The status for a failed open() or file creation: bad input for what the
 * request got wrong (missing, forbidden, a directory...), a failure while
 * running for the machine's state (no descriptors, no memory, EIO). */
mapscan_status ms_open_status(int err);

/* ---- text.c ---- */

/* mapscan_text_escape (mapscan.h) writes the text rule. */

/* ---- posix.c ---- */

/* pread exactly len bytes at off, retrying EINTR and short reads. Returns
 * 0, or the errno; ENODATA when the file ended first. */
int ms_pread_full(int fd, void *buf, size_t len, uint64_t off);

double ms_now(void);

#endif
