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

/* in_len bytes of in (in[in_len] readable and NUL; NULs inside are bytes
 * like others) into out as one line of valid UTF-8: \t \n \r, \xHH for
 * each byte of another control, DEL, C1 control or invalid UTF-8, and a
 * backslash before each ASCII character in also (may be NULL); cut between
 * characters to fit room (with its NUL). Returns the bytes written. */
size_t ms_text_escape(char *out, size_t room, const char *in, size_t in_len, const char *also);

/* ---- posix.c ---- */

/* pread exactly len bytes at off, retrying EINTR and short reads. Returns
 * 0, or the errno; ENODATA when the file ended first. */
int ms_pread_full(int fd, void *buf, size_t len, uint64_t off);

double ms_now(void);

#endif
