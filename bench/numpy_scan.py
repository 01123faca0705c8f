#!/usr/bin/env python3
"""What people use today: numpy over a little-endian int32 file.
   numpy_scan.py memmap FILE    np.memmap, then min(), max(), sum() (three passes)
   numpy_scan.py fromfile FILE  np.fromfile: the whole file in memory, then the same
Prints the result as JSON."""
import json
import sys

import numpy as np

mode, path = sys.argv[1], sys.argv[2]
if mode == "memmap":
    a = np.memmap(path, dtype="<i4", mode="r")
elif mode == "fromfile":
    a = np.fromfile(path, dtype="<i4")
else:
    sys.exit("mode is memmap or fromfile")
print(json.dumps({"count": int(a.size), "min": int(a.min()), "max": int(a.max()), "sum": int(a.sum(dtype=np.int64))}))
