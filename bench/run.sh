#!/usr/bin/env bash
# make bench: see bench/suite.py for what runs and the environment it reads.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/suite.py "${1:-build/mapscan}"
