#!/usr/bin/env bash
# make demo: write a sample file with `mapscan gen`, scan it with each backend,
# and check every scan against the statistics gen reported as it wrote.
set -euo pipefail
bin=${1:-build/mapscan}
size=${DEMO_SIZE:-1G}
dir=${DEMO_DIR:-build/demo}
file=$dir/sample.i32
mkdir -p "$dir"

echo "== mapscan gen --json: $size of random i32 (seed 1), with the statistics it computed as it wrote"
oracle=$("$bin" gen --force --seed 1 -t i32 -s "$size" --json "$file")
echo "$oracle"

fields() { python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); print(o["count"], o["min"], o["max"], o["sum"])'; }
want=$(fields <<<"$oracle")
status=0
for backend in mmap read direct auto; do
    echo
    echo "== mapscan --backend $backend $file"
    "$bin" --backend "$backend" "$file"
    got=$("$bin" --backend "$backend" --json "$file" | fields)
    if [ "$got" = "$want" ]; then
        echo "   matches what gen wrote: count min max sum = $got"
    else
        echo "   MISMATCH: gen says $want, scan says $got" >&2
        status=1
    fi
done
exit $status
