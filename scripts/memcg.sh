#!/usr/bin/env bash
# A memory cgroup (v1, or v2 where v1 is absent) to run a command with far
# less memory than its input.
#   scripts/memcg.sh create NAME LIMIT_BYTES   prints the cgroup's directory
#   scripts/memcg.sh remove NAME
# Exits 3, saying why, when memory cgroups cannot be used here.
set -euo pipefail
action=${1:-} name=${2:-}
[ -n "$action" ] && [ -n "$name" ] || { echo "usage: $0 create NAME LIMIT_BYTES | remove NAME" >&2; exit 2; }

if [ -d /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/memory ]; then
    dir=/sys/fs/cgroup/memory/$name limit_file=memory.limit_in_bytes
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers \
     && [ -w /sys/fs/cgroup ]; then
    dir=/sys/fs/cgroup/$name limit_file=memory.max
else
    echo "memcg: no writable memory cgroup hierarchy here" >&2
    exit 3
fi

case $action in
create)
    limit=${3:?LIMIT_BYTES}
    mkdir -p "$dir"
    echo "$limit" > "$dir/$limit_file"
    # No swap to hide in: the limit is the memory the command gets.
    [ -f "$dir/memory.memsw.limit_in_bytes" ] && echo "$limit" > "$dir/memory.memsw.limit_in_bytes" 2>/dev/null || true
    [ -f "$dir/memory.swap.max" ] && echo 0 > "$dir/memory.swap.max" || true
    echo "$dir"
    ;;
remove)
    [ -d "$dir" ] || exit 0
    # Move any process left inside back to the root, then remove.
    if [ -f "$dir/cgroup.procs" ]; then
        root=$(dirname "$dir")
        while read -r pid; do echo "$pid" > "$root/cgroup.procs" 2>/dev/null || true; done < "$dir/cgroup.procs"
    fi
    [ -f "$dir/memory.force_empty" ] && echo 0 > "$dir/memory.force_empty" 2>/dev/null || true
    rmdir "$dir"
    ;;
*)
    echo "usage: $0 create NAME LIMIT_BYTES | remove NAME" >&2
    exit 2
    ;;
esac
