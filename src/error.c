#include "internal.h"

#include <errno.h>
#include <stdio.h>

mapscan_status ms_fail(mapscan_error *error, mapscan_status status, int sys_errno,
                       const char *fmt, ...)
{
    if (error) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, ap);
        va_end(ap);
        /* Messages quote the caller's text (a pattern, a kernel name): the
         * promise of one line holds whatever that text holds. */
        for (char *c = error->message; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        error->status = status;
        error->sys_errno = sys_errno;
    }
    return status;
}

bool mapscan_status_is_input_error(mapscan_status status)
{
    switch (status) {
    case MAPSCAN_E_INVALID:
    case MAPSCAN_E_OPEN:
    case MAPSCAN_E_OFFSET:
    case MAPSCAN_E_TRAILING:
    case MAPSCAN_E_UNMAPPABLE:
    case MAPSCAN_E_EXISTS:
    case MAPSCAN_E_FORMAT:
        return true;
    default:
        return false;
    }
}

mapscan_status ms_open_status(int err)
{
    switch (err) {
    case ENOENT: case EACCES: case EPERM: case EISDIR: case ENOTDIR: case ELOOP: case ENAMETOOLONG:
    case ENXIO: case ENODEV: case EROFS: case ETXTBSY: case EOVERFLOW: case EFAULT: case EINVAL: case EEXIST:
        return MAPSCAN_E_OPEN;
    default:    /* descriptors, memory, I/O: the machine's state, not the request */
        return MAPSCAN_E_IO;
    }
}
