#!/usr/bin/env bash
# Installs the Debian packages mapscan needs to build and test, only when one is missing.
# Usage: scripts/install-deps.sh [--bench] [--fuzz] [--mpi]   (what make bench, the fuzz targets
# or mapscan-mpi add). Only README's commands (make demo, make test), make deps and the bench
# targets run it: a plain make, make install or make check never installs anything.
set -euo pipefail

# liburing-dev: the direct backend's io_uring. python3-numpy, python3-pytest: the tests
# check .npy files against numpy itself and run the Python package's pytest suite, with
# Debian's /usr/bin/python3; python3-venv, python3-pip: the test that builds the wheel and
# installs it in a fresh virtual environment
packages=(build-essential pkg-config libhwloc-dev libcriterion-dev liburing-dev python3 python3-numpy python3-pytest
          python3-venv python3-pip)
for what in "$@"; do
    case "$what" in
        --bench) packages+=(gnuplot-nox hyperfine coreutils fio) ;;
        --fuzz) packages+=(clang libclang-rt-dev) ;;     # libFuzzer and the sanitizers' runtimes
        --mpi) packages+=(libopenmpi-dev openmpi-bin) ;;
        *) echo "usage: $0 [--bench] [--fuzz] [--mpi]" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
