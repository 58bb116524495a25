#!/usr/bin/env python3
"""A prototype, not a feature: a `matching` model at `--upscale auto` as the proxy teacher of a
fine-tune, in place of SGBM (docs/RUNS.md, "The model at `--upscale auto` as its own proxy
teacher").

For every pair named by the files of an existing proxies folder (a run's `proxies/`, SGBM's
cache), the twin runs the model at ×1, ×1.5 and ×2 and keeps the factor whose left disparity
rebuilds the left view from the right best (mean L1 over pixels whose match lies inside the
right view, as `InferenceUpscale`). Both views' disparities are then checked against each other
(within 1 px, then speckles of up to 100 pixels within 2 px removed), and written in the proxy
cache's layout under the same file names: `NAME.KEY.left.pfm`, `…left-confidence`, `…right`,
`…right-confidence`, unknown `+inf` with confidence 0, confidence `1/(1 + Δ)` as SGBM's
cross-check, and last the record `NAME.KEY.views` of the views they come from (the 64-bit FNV-1a
hashes of the two view files' bytes, as `ProxyDisparityCache` writes it: without it `wnet train`
computes SGBM's proxies again over these files). Copy them into a new run's `proxies/` before it
starts and `wnet train` reads them.

    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/self_teacher_proxies.py MODEL LIKE OUT \\
        [--data FOLDER ...]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coarse_sgm  # noqa: E402
import torch_matching as twin  # noqa: E402
from batch_norm_statistics import padded  # noqa: E402
from pfm import write_pfm  # noqa: E402
from training_pairs import SHARED, TRAINING, views  # noqa: E402

FACTORS = (1, 1.5, 2)
MAPS = ("left", "left-confidence", "right", "right-confidence")


def enlarged(model, left, right, factor):
    """Both views' [H, W] disparities with the model run at `factor` × the pair's size."""
    h, w = left.shape[2:]
    size = (int(round(h * factor / 8)) * 8, int(round(w * factor / 8)) * 8)
    if factor != 1:
        left, right = (F.interpolate(v, size=size, mode="bicubic", align_corners=False)
                       .clamp(0, 1) for v in (left, right))
    with torch.no_grad():
        maps = coarse_sgm.both_views(model, left, right, 0, 0)
    return [F.interpolate(torch.from_numpy(d)[None, None], size=(h, w), mode="bilinear",
                          align_corners=False)[0, 0].numpy() * (w / size[1]) for d in maps]


def sampled(image, disparity, sign):
    """`image` read at column x + sign·d(x), linear, clamped."""
    h, w = disparity.shape
    u = np.clip(np.arange(w)[None, :] + sign * disparity, 0, w - 1)
    x0 = np.floor(u).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    a = u - x0
    if image.ndim == 3:
        a = a[..., None]
    rows = np.arange(h)[:, None]
    return image[rows, x0] * (1 - a) + image[rows, x1] * a


def checked(own, other, sign):
    """`own` kept where the other view agrees within 1 px and outside speckles, its confidence."""
    import cv2
    w = own.shape[1]
    u = np.arange(w)[None, :] + sign * own
    delta = np.abs(own - sampled(other, own, sign))
    keep = (u >= 0) & (u <= w - 1) & (delta <= 1)
    q = np.where(keep, np.round(own * 16), -16).astype(np.int16)
    cv2.filterSpeckles(q, -16, 100, 32)
    keep &= q != -16
    return (np.where(keep, own, np.inf).astype(np.float32),
            np.where(keep, 1 / (1 + delta), 0).astype(np.float32))


def fnv1a(path):
    """16 lowercase hex digits of the 64-bit FNV-1a hash of a file's bytes (`FNV1a.hex`)."""
    value = 0xCBF29CE484222325
    with open(path, "rb") as f:
        for byte in f.read():
            value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("like", help="a proxies folder whose file names to mirror")
    parser.add_argument("output")
    parser.add_argument("--data", action="append", default=[])
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    model = twin.load_model(arguments.model)
    folders = arguments.data or [os.path.join(SHARED, f) for f in TRAINING]
    stems = sorted({f.rsplit(".", 3)[0] + "." + f.rsplit(".", 3)[1]
                    for f in os.listdir(arguments.like) if f.endswith(".left.pfm")})
    os.makedirs(arguments.output, exist_ok=True)
    for stem in stems:
        name = stem.rsplit(".", 1)[0]
        left_path, right_path = views(name, folders)
        record = os.path.join(arguments.output, stem + ".views")
        fingerprint = "%s %s\n" % (fnv1a(left_path), fnv1a(right_path))
        if os.path.exists(record) and open(record).read() == fingerprint:
            continue
        left, right = twin.read_rgb(left_path), twin.read_rgb(right_path)
        h, w = left.shape[:2]
        best = None
        for factor in FACTORS:
            d_left, d_right = (d[:h, :w] for d in enlarged(model, padded(left), padded(right),
                                                           factor))
            inside = np.arange(w)[None, :] - d_left >= 0
            error = np.abs(left - sampled(right, d_left, -1)).mean(2)[inside].mean()
            if best is None or error < best[0]:
                best = (error, factor, d_left, d_right)
        error, factor, d_left, d_right = best
        maps = checked(d_left, d_right, -1) + checked(d_right, d_left, 1)
        for suffix, image in zip(MAPS, maps):
            write_pfm(os.path.join(arguments.output, "%s.%s.pfm" % (stem, suffix)), image)
        with open(record + ".tmp", "w") as f:
            f.write(fingerprint)
        os.replace(record + ".tmp", record)
        print("%s ×%g error %.4f kept %.1f%%" % (name, factor, error,
                                                 100 * np.isfinite(maps[0]).mean()), flush=True)


if __name__ == "__main__":
    main()
