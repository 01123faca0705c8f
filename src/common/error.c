#include "common.h"

#include <errno.h>
#include <stdio.h>

mapscan_status ms_fail(mapscan_error *error, mapscan_status status, int sys_errno,
                       const char *fmt, ...)
{
    if (error) {
        char raw[sizeof error->message];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* Messages quote the caller's text (a pattern, a kernel name, a
         * field's name): escaped, the promise of one line of valid UTF-8
         * holds whatever that text holds. */
        size_t len = n < 0 ? 0 : (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
        mapscan_text_escape(error->message, sizeof error->message, raw, len, NULL);
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
