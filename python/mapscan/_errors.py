"""The exceptions mapscan raises, and the translation of the library's
status into them: kept apart so that every module can raise them without
importing the package's front."""

import errno as _errno

from . import _lib


class Error(Exception):
    """Every error mapscan raises."""


class InputError(Error, ValueError):
    """Bad input: a bad dtype or option value, trailing bytes, a bad .npy header."""


class ScanError(Error, OSError):
    """A failure while running: an I/O error, the file changed during the scan."""


class _OpenError(Error, OSError):
    pass


def _open_error_class(base):
    return type(base.__name__, (Error, base), {"__module__": "mapscan",
                                               "__doc__": f"{base.__name__}, raised by mapscan"})


_OPEN_ERRORS = {
    _errno.ENOENT: _open_error_class(FileNotFoundError),
    _errno.EACCES: _open_error_class(PermissionError),
    _errno.EPERM: _open_error_class(PermissionError),
    _errno.EISDIR: _open_error_class(IsADirectoryError),
    _errno.ENOTDIR: _open_error_class(NotADirectoryError),
}


def raise_status(error: "_lib.Error", status: int, filename):
    """Raises the exception for the library's status: open failures as the matching OSError subclass
    (so that `except FileNotFoundError` works), bad input as InputError, the rest as ScanError."""
    message = error.message.decode(errors="replace")
    if status == _lib.E_OPEN:
        cls = _OPEN_ERRORS.get(error.sys_errno, _OpenError)
        raise cls(error.sys_errno or _errno.EIO, message, filename)
    if _lib.lib.mapscan_status_is_input_error(status):
        raise InputError(f"{filename}: {message}" if filename is not None else message)
    raise ScanError(error.sys_errno or _errno.EIO, message, filename)
