"""Where the C library (libmapscan.so.1) is found, and what to say when it is not.

The order, first found wins:
1. MAPSCAN_LIBRARY, when set: the caller chose (a sanitizer build, a test);
2. beside this file: the wheel (pip install ./python) carries its own, built
   from the same sources as this package, so it always matches;
3. where `make install` put it (it writes _where.py beside this file);
4. the checkout's build/, when this package runs from a checkout (PYTHONPATH=python);
5. the loader's path (LD_LIBRARY_PATH, ldconfig's cache).
A library that is there but cannot be loaded (a dependency missing) stops the
search with the loader's reason: falling through to another copy would hide it."""

import ctypes
import os

SONAME = "libmapscan.so.1"
_HERE = os.path.dirname(os.path.abspath(__file__))
_CHECKOUT = os.path.normpath(os.path.join(_HERE, "..", ".."))


def _installed():
    """Where make install put the library, or None."""
    try:
        from . import _where
        return _where.LIBRARY
    except ImportError:
        return None


def _in_checkout():
    return all(os.path.exists(os.path.join(_CHECKOUT, p)) for p in ("Makefile", "include/mapscan.h", "python"))


def candidates():
    """(path, where it comes from) in the order tried, before the loader's own path."""
    found = [(os.path.join(_HERE, SONAME), "beside the package")]
    installed = _installed()
    if installed:
        found.append((installed, "where make install put it (mapscan/_where.py)"))
    if _in_checkout():
        found.append((os.path.join(_CHECKOUT, "build", SONAME), "the checkout's build"))
    return found


def _what_to_do(installed):
    if _in_checkout():
        return f"Build it: make -C {_CHECKOUT}"
    if installed:
        return "Run make install again (the library it installed is gone)"
    return "Reinstall the package from a mapscan checkout: pip install <checkout>/python (its wheel carries the library)"


def load():
    """(ctypes.CDLL, its path), or ImportError saying where it looked and the one thing to do."""
    explicit = os.environ.get("MAPSCAN_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as e:
            raise ImportError(f"mapscan: cannot load MAPSCAN_LIBRARY={explicit}: {e}. "
                              "Point it at a libmapscan.so.1, or unset it") from None
    looked = []
    for path, where in candidates():
        if os.path.exists(path):
            try:
                return ctypes.CDLL(path), path
            except OSError as e:
                raise ImportError(f"mapscan: found {path} ({where}) but cannot load it: {e}. "
                                  "Install what it needs (scripts/install-deps.sh in a checkout lists it)") from None
        looked.append(f"{path} ({where})")
    try:
        return ctypes.CDLL(SONAME), SONAME
    except OSError:
        looked.append(f"{SONAME} on the loader's path")
    raise ImportError("mapscan: no C library; looked at " + "; ".join(looked) + ". " + _what_to_do(_installed()))
