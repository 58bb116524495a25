"""Reads Middlebury PFM files (one channel, either byte order) for the benchmark scripts."""
import numpy as np


def read_pfm(path):
    """The image as float32 `[H, W]`, rows top to bottom (PFM stores them bottom to top)."""
    with open(path, "rb") as f:
        if f.readline().strip() not in (b"Pf", b"PF"):
            raise SystemExit("%s: not a PFM file" % path)
        width, height = map(int, f.readline().split())
        scale = float(f.readline())
        data = np.fromfile(f, "<f4" if scale < 0 else ">f4")
    if data.size != width * height:
        raise SystemExit("%s: %d values for %dx%d" % (path, data.size, width, height))
    return np.flipud(data.reshape(height, width)).astype(np.float32)
