#!/usr/bin/env bash
# Installs the Debian packages mapscan needs to build and test, only when one is missing.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds what `make bench` uses)
set -euo pipefail

packages=(build-essential pkg-config libhwloc-dev libcriterion-dev python3)
if [ "${1:-}" = "--bench" ]; then
    packages+=(python3-numpy gnuplot-nox hyperfine coreutils)
fi

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
