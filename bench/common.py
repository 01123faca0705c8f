"""What the benchmark scripts share."""

import os
import re
import subprocess
import time


def evict(path):
    """Drops the file's pages from the page cache (drop_caches is not needed, nor allowed here)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def parse_size(text):
    """'4G' (powers of 1024; 'GB' powers of 1000, 'GiB' 1024) in bytes, or ValueError."""
    m = re.fullmatch(r"(\d+)([KMGT]?)(i?B)?", text)
    if not m:
        raise ValueError(f"bad size {text!r}")
    power = " KMGT".index(m.group(2) or " ")
    base = 1000 if m.group(3) == "B" else 1024
    return int(m.group(1)) * base ** power


def meminfo(key):
    """A /proc/meminfo figure in bytes ("MemAvailable"), 0 when it is missing."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss(peak_bin, data_dir, args):
    """(seconds, peak RSS in bytes) of a command, through bench/peak_rss (wait4: the launcher is
    small, so that its own resident set does not count); its answer file goes to data_dir."""
    out = os.path.join(data_dir, f"peak-rss-{os.getpid()}.txt")
    start = time.perf_counter()
    r = subprocess.run([peak_bin, out, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"peak_rss {' '.join(args)}: status {r.returncode}: {r.stderr.strip()}")
    with open(out) as f:
        kib = int(f.read())
    os.unlink(out)
    return seconds, kib * 1024
