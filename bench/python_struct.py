#!/usr/bin/env python3
"""The pure-Python loop: mmap and struct.unpack_from per value over the first
LIMIT bytes of a little-endian int32 file (the whole file would take hours).
   python_struct.py FILE LIMIT_BYTES
Prints JSON with the bytes it covered, so its speed can be extrapolated."""
import json
import mmap
import struct
import sys

path, limit = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
    n = min(limit, len(m)) // 4
    lo, hi, total = None, None, 0
    unpack = struct.Struct("<i").unpack_from
    for i in range(n):
        (v,) = unpack(m, 4 * i)
        if lo is None or v < lo:
            lo = v
        if hi is None or v > hi:
            hi = v
        total += v
print(json.dumps({"count": n, "min": lo, "max": hi, "sum": total, "bytes": 4 * n}))
