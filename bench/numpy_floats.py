#!/usr/bin/env python3
"""What people use today on a file of floats: numpy.memmap, then nanmin, nanmax and sum.
   numpy_floats.py ndarray FILE DTYPE   np.nanmin/np.nanmax/.sum() on the memmap's ndarray view
                                        (numpy's fast path: fmin.reduce, no copy; three passes)
   numpy_floats.py memmap FILE DTYPE    the same calls on the np.memmap itself, as most people
                                        write them: nanmin/nanmax take numpy's path for ndarray
                                        subclasses, which copies the array and builds a NaN mask
   numpy_floats.py sum64 FILE DTYPE     not a baseline: .sum(dtype=np.float64), the careful sum
DTYPE is numpy's spelling (<f2, <f4, <f8). .sum() accumulates in the array's own type (pairwise).
Prints the result as JSON (non-finite sums as Infinity/NaN, which Python's json reads)."""
import json
import sys

import numpy as np

mode, path, dtype = sys.argv[1], sys.argv[2], sys.argv[3]
m = np.memmap(path, dtype=dtype, mode="r")
if mode == "ndarray":
    a = m.view(np.ndarray)
    out = {"count": int(a.size), "min": float(np.nanmin(a)), "max": float(np.nanmax(a)), "sum": float(a.sum())}
elif mode == "memmap":
    out = {"count": int(m.size), "min": float(np.nanmin(m)), "max": float(np.nanmax(m)), "sum": float(m.sum())}
elif mode == "sum64":
    out = {"count": int(m.size), "sum": float(m.view(np.ndarray).sum(dtype=np.float64))}
else:
    sys.exit("mode is ndarray, memmap or sum64")
print(json.dumps(out))
