"""A PEP 517 backend that builds the pure-Python wheel of mapscan with the
standard library alone: the version is the C library's (include/mapscan.h)."""

import base64
import hashlib
import os
import re
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "mapscan"


def _version():
    header = os.path.join(HERE, "..", "include", "mapscan.h")
    with open(header) as f:
        m = re.search(r'#define MAPSCAN_VERSION "([^"]+)"', f.read())
    if not m:
        raise RuntimeError(f"no MAPSCAN_VERSION in {header}")
    return m.group(1)


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    dist_info = f"{NAME}-{version}.dist-info"
    files = {}
    package = os.path.join(HERE, NAME)
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            with open(os.path.join(package, name), "rb") as f:
                files[f"{NAME}/{name}"] = f.read()
    files[f"{dist_info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
                                      "Summary: Exact statistics of huge binary files of integers\n"
                                      "Requires-Python: >=3.7\n").encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: mapscan build_backend\nRoot-Is-Purelib: true\n" \
                                  b"Tag: py3-none-any\n"
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
    return wheel
