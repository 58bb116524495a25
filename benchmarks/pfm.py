"""Reads and writes Middlebury PFM files (one channel) for the benchmark scripts."""
import os

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


def write_pfm(path, image):
    """Writes `[H, W]` as little-endian float32, atomically (a temporary file, then a rename)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (image.shape[1], image.shape[0]))
        f.write(np.flipud(np.asarray(image)).astype("<f4").tobytes())
    os.replace(path + ".tmp", path)
