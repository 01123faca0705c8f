#!/usr/bin/env bash
# Checks, without installing anything, that what a build needs is there: one line for
# each missing header or program, naming the Debian package and the make target that
# installs what is missing. Exit 1 when anything is missing.
# Usage: scripts/check-libs.sh build|test|mpi|fuzz   (CC and MPI_CFLAGS from make)
set -u
cc=${CC:-cc}
missing=0

need_header() {     # header, Debian package, target
    if ! printf '#include <%s>\n' "$1" | $cc ${MPI_CFLAGS:-} -E -x c - >/dev/null 2>&1; then
        echo "mapscan: <$1> is missing: it comes with Debian's $2 ('make $3' installs what is missing)" >&2
        missing=1
    fi
}

need_program() {    # program, Debian package, target
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "mapscan: $1 is missing: it comes with Debian's $2 ('make $3' installs what is missing)" >&2
        missing=1
    fi
}

case "${1:-build}" in
    build) need_header hwloc.h libhwloc-dev deps; need_header liburing.h liburing-dev deps ;;
    test) need_header criterion/criterion.h libcriterion-dev deps ;;
    mpi) need_header mpi.h libopenmpi-dev deps-mpi; need_program mpirun openmpi-bin deps-mpi ;;
    fuzz) need_program clang clang deps-fuzz ;;
    *) echo "usage: $0 build|test|mpi|fuzz" >&2; exit 2 ;;
esac
exit $missing
