"""The package as it is installed: a wheel built from ./python in a fresh
virtual environment (nothing else: no MAPSCAN_LIBRARY, no checkout on the
path); the loader's order (beside the package, make install's _where.py,
the checkout's build); its message when nothing loads; make install."""

import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

import mapscan

CHECKOUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGE = os.path.dirname(mapscan.__file__)
SYSTEM_PYTHON = "/usr/bin/python3"      # Debian's: pip and venv (python3-venv)


def clean_env(**extra):
    """The environment of a new user: none of the test run's library, path or sanitizer settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAPSCAN_LIBRARY", "PYTHONPATH", "LD_PRELOAD", "ASAN_OPTIONS", "PYTHONHOME")}
    env.update(extra)
    return env


def sanitizer_env():
    """What a library built with ASan (make check-python-asan) needs in a child that loads it."""
    return {k: os.environ[k] for k in ("LD_PRELOAD", "ASAN_OPTIONS") if k in os.environ}


def run(args, **kwargs):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert p.returncode == 0, (args, p.stdout[-3000:], p.stderr[-3000:])
    return p


def test_a_wheel_in_a_fresh_virtual_environment_imports_and_scans(tmp_path):
    if not os.path.exists(SYSTEM_PYTHON) or subprocess.run([SYSTEM_PYTHON, "-c", "import ensurepip, venv"]).returncode:
        pytest.skip("no venv with pip here: apt-get install python3-venv (scripts/install-deps.sh)")
    start = time.monotonic()
    run([SYSTEM_PYTHON, "-m", "pip", "wheel", "--no-index", "--no-deps", "-w", str(tmp_path / "dist"),
         os.path.join(CHECKOUT, "python")], env=clean_env(), cwd=tmp_path)
    built = time.monotonic()
    wheel, = os.listdir(tmp_path / "dist")
    assert wheel.startswith(f"mapscan-{mapscan.__version__}-py3-none-linux_") and wheel.endswith(".whl"), wheel
    names = zipfile.ZipFile(tmp_path / "dist" / wheel).namelist()
    assert {"mapscan/libmapscan.so.1", "mapscan/py.typed", "mapscan/__init__.py"} <= set(names), names
    assert "mapscan/_where.py" not in names
    run([SYSTEM_PYTHON, "-m", "venv", str(tmp_path / "venv")], env=clean_env())
    python = str(tmp_path / "venv" / "bin" / "python")
    run([python, "-m", "pip", "install", "--no-index", "-q", str(tmp_path / "dist" / wheel)], env=clean_env(),
        cwd=tmp_path)
    (tmp_path / "d.bin").write_bytes(b"".join(i.to_bytes(4, "little", signed=True) for i in range(-50, 50)))
    code = """import sys, mapscan
assert not any(p.startswith(sys.argv[1]) for p in sys.path if p), sys.path
r = mapscan.scan(sys.argv[2])
print(mapscan._lib.LIBRARY_PATH)
print(r.count, r.min, r.max, r.sum, "numpy" in sys.modules)"""
    out = run([python, "-c", code, CHECKOUT, str(tmp_path / "d.bin")], env=clean_env(), cwd=tmp_path).stdout.split("\n")
    assert out[0].startswith(str(tmp_path / "venv")) and out[0].endswith("/mapscan/libmapscan.so.1"), out
    assert out[1].split() == ["100", "-50", "49", "-50", "False"], out
    print(f"wheel built in {built - start:.1f} s, venv and install in {time.monotonic() - built:.1f} s")


def copy_package(where):
    """The package's .py files alone, at where/mapscan."""
    os.makedirs(os.path.join(where, "mapscan"))
    for name in os.listdir(PACKAGE):
        if name.endswith(".py") and name != "_where.py" or name == "py.typed":
            shutil.copy(os.path.join(PACKAGE, name), os.path.join(where, "mapscan", name))
    return os.path.join(where, "mapscan")


def load_from(where, env=None):
    code = "import mapscan; print(mapscan._lib.LIBRARY_PATH)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=where,
                          env=clean_env(PYTHONPATH=str(where), **sanitizer_env(), **(env or {})))


def test_the_library_beside_the_package_wins_then_make_install_s_then_the_loader_s(tmp_path):
    package = copy_package(tmp_path)
    library = mapscan._lib.LIBRARY_PATH
    installed = tmp_path / "lib" / "libmapscan.so.1"
    os.makedirs(installed.parent)
    shutil.copy(library, installed)
    with open(os.path.join(package, "_where.py"), "w") as f:
        f.write(f'LIBRARY = "{installed}"\n')
    p = load_from(tmp_path)
    assert p.stdout.strip() == str(installed), p.stderr
    shutil.copy(library, os.path.join(package, "libmapscan.so.1"))
    p = load_from(tmp_path)
    assert p.stdout.strip() == os.path.join(package, "libmapscan.so.1"), p.stderr
    p = load_from(tmp_path, {"MAPSCAN_LIBRARY": str(installed)})
    assert p.stdout.strip() == str(installed), p.stderr
    p = load_from(tmp_path, {"MAPSCAN_LIBRARY": str(tmp_path / "nothing.so")})
    assert "MAPSCAN_LIBRARY" in p.stderr and "nothing.so" in p.stderr and p.returncode != 0


def test_when_nothing_loads_the_message_says_where_it_looked_and_what_to_do(tmp_path):
    package = copy_package(tmp_path)
    p = load_from(tmp_path)
    if p.returncode == 0:
        pytest.skip(f"a libmapscan.so.1 is on the loader's path here: {p.stdout.strip()}")
    message = p.stderr.strip().splitlines()[-1]
    assert "ImportError" in message and os.path.join(package, "libmapscan.so.1") in message, message
    assert "loader's path" in message and "pip install" in message, message
    with open(os.path.join(package, "_where.py"), "w") as f:
        f.write(f'LIBRARY = "{tmp_path}/gone/libmapscan.so.1"\n')
    message = load_from(tmp_path).stderr.strip().splitlines()[-1]
    assert f"{tmp_path}/gone/libmapscan.so.1" in message and "make install again" in message, message


def test_make_install_under_a_prefix_gives_a_package_that_finds_its_library(tmp_path):
    build = os.path.dirname(os.environ.get("MAPSCAN_LIBRARY") or mapscan._lib.LIBRARY_PATH)
    targets = [f"BUILD={build}", f"{build}/mapscan", f"{build}/libmapscan.a",
               f"{build}/libmapscan.so.{mapscan.__version__}"]
    if subprocess.run(["make", "-s", "-q", "-C", CHECKOUT] + targets, capture_output=True).returncode != 0:
        pytest.skip(f"{build} is not an up-to-date build of this checkout")
    prefix = tmp_path / "prefix"
    run(["make", "-s", "-C", CHECKOUT, f"BUILD={build}", f"PREFIX={prefix}", "install"], env=clean_env())
    site, = (prefix / "lib").glob("python3*/site-packages")
    assert (site / "mapscan" / "py.typed").exists() and not (site / "mapscan" / "libmapscan.so.1").exists()
    (tmp_path / "i.bin").write_bytes(bytes(range(200)))
    code = "import sys, mapscan; print(mapscan._lib.LIBRARY_PATH, mapscan.scan(sys.argv[1], dtype='u1').sum)"
    out = run([SYSTEM_PYTHON, "-c", code, str(tmp_path / "i.bin")], cwd=tmp_path,
              env=clean_env(PYTHONPATH=str(site), **sanitizer_env())).stdout.split()
    assert out == [str(prefix / "lib" / "libmapscan.so.1"), str(sum(range(200)))], out
