"""A PEP 517 backend for mapscan's wheel, with the standard library alone
(so that no build tool has to be fetched from an index).

The wheel is self-contained: build_wheel compiles the C library from this
checkout's sources with the project's own Makefile (its SHLIB target, in a
temporary BUILD directory, so the checkout's build/ is left alone) and puts
it inside the package as mapscan/libmapscan.so.1, where the package looks
first. The wheel is therefore tagged for this platform (py3-none-<platform>:
the library is loaded with ctypes, so any Python 3 of that platform can use
it). It still links to the system's libhwloc and liburing (Debian's
libhwloc15 and liburing2). The version is the C library's (include/mapscan.h).

config_settings: jobs=N for make -jN (default: the CPUs this process may use)."""

import base64
import hashlib
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(HERE)
NAME = "mapscan"
HEADER = os.path.join(CHECKOUT, "include", "mapscan.h")


def _define(name):
    with open(HEADER) as f:
        m = re.search(rf"#define {name} \"?([^\"\n]+)\"?", f.read())
    if not m:
        raise RuntimeError(f"no {name} in {HEADER}")
    return m.group(1).strip()


def _tag():
    return "py3-none-" + re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def _build_library(build_dir, config_settings):
    """The shared library, built by the Makefile into build_dir: its path."""
    if not os.path.exists(os.path.join(CHECKOUT, "Makefile")):
        raise RuntimeError(f"mapscan's wheel is built from a checkout: {CHECKOUT} has no Makefile")
    jobs = (config_settings or {}).get("jobs") or len(os.sched_getaffinity(0))
    target = os.path.join(build_dir, f"libmapscan.so.{_define('MAPSCAN_VERSION')}")
    # make's output goes to stderr: stdout may be the frontend's channel
    subprocess.run(["make", "-C", CHECKOUT, f"-j{jobs}", f"BUILD={build_dir}", target], check=True,
                   stdout=sys.stderr)
    return target


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _package_files():
    """The package's files as the wheel holds them; _where.py is make install's, never shipped."""
    files = {}
    package = os.path.join(HERE, NAME)
    for name in sorted(os.listdir(package)):
        if (name.endswith(".py") and name != "_where.py") or name == "py.typed":
            with open(os.path.join(package, name), "rb") as f:
                files[f"{NAME}/{name}"] = f.read()
    return files


def _metadata(version):
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
            "Summary: Exact statistics of huge binary files of integers\nRequires-Python: >=3.8\n").encode()


def get_requires_for_build_wheel(config_settings=None):
    """Nothing: the standard library and make."""
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """The wheel, with the library built from this checkout inside the package."""
    version = _define("MAPSCAN_VERSION")
    soname = f"libmapscan.so.{_define('MAPSCAN_SONAME_MAJOR')}"
    dist_info = f"{NAME}-{version}.dist-info"
    files = _package_files()
    with tempfile.TemporaryDirectory(prefix="mapscan-wheel-") as build_dir:
        with open(_build_library(build_dir, config_settings), "rb") as f:
            files[f"{NAME}/{soname}"] = f.read()
    files[f"{dist_info}/METADATA"] = _metadata(version)
    files[f"{dist_info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: mapscan build_backend\nRoot-Is-Purelib: false\n"
                                   f"Tag: {_tag()}\n").encode()
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{NAME}-{version}-{_tag()}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.endswith(soname) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return wheel
