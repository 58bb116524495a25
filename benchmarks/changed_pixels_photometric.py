#!/usr/bin/env python3
"""A label-free check of two inference settings: which one matches the right view better at the
pixels where their maps differ.

    changed_pixels_photometric.py A B DATA [--visible]

A and B are `wnet eval --data DATA --output A` (and B) folders of the same pairs with two
settings; DATA holds each pair's views (`im0.png`, `im1.png`, as the judges' folders do). Over
the pixels that both maps keep and that differ by more than 0.25 px, with `x − d` inside the
right view (d rounded), it pools

    census cost  = Hamming distance of the 5×5 census transforms (grey) of L(x) and R(x − d)
    grey cost    = |L(x) − R(x − d)|, grey in 0…255

per setting, and counts the pairs where B's mean census cost is lower. No ground truth and no
SGBM: a second opinion for settings that shape depth edges, where the label-free judges (SGBM's
proxies) can prefer SGBM-like edges (docs/RUNS.md, "The weighted median's settings judged, and
not shipped"). Pixels that only one map keeps are not compared.

With `--visible`, only the pixels that neither map itself implies occluded are compared: a pixel
`x` of a row is occluded by a map `d` when a pixel to its right lands at least half a pixel
further left in the right view, `min_{x' > x} (x' − d(x')) < x − d(x) − 0.5` (its kept pixels
only). Settings that move pixels at depth edges (the weighted median) mostly move pixels one of
the maps puts behind an occluder, where the census cost of either value says little
(docs/RUNS.md, "No weighted median for enlarged pairs").
"""
import glob
import sys

import cv2
import numpy as np

from pfm import read_pfm


def census(grey, radius=2):
    """`[H, W, (2r+1)² − 1]` booleans: each neighbour darker than the centre (edges replicated)."""
    h, w = grey.shape
    padded = np.pad(grey, radius, mode="edge")
    bits = [padded[radius + dy:radius + dy + h, radius + dx:radius + dx + w] < grey
            for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
            if (dy, dx) != (0, 0)]
    return np.stack(bits, -1)


def occluded(disparity):
    """`[H, W]` booleans: the pixels `disparity` (`inf` where unknown) itself puts behind a pixel
    to their right, `min_{x' > x} (x' − d(x')) < x − d(x) − 0.5`."""
    landing = np.arange(disparity.shape[1], dtype=np.float32)[None, :] - disparity
    landing = np.where(np.isfinite(landing), landing, np.inf)
    # The smallest landing of the pixels strictly to the right: a reversed running minimum.
    right_min = np.minimum.accumulate(landing[:, ::-1], axis=1)[:, ::-1]
    right_min = np.concatenate([right_min[:, 1:], np.full((len(landing), 1), np.inf)], axis=1)
    with np.errstate(invalid="ignore"):
        return right_min < landing - 0.5


def main():
    arguments = [a for a in sys.argv[1:] if a != "--visible"]
    visible = len(arguments) != len(sys.argv) - 1
    if len(arguments) != 3:
        sys.exit("usage: changed_pixels_photometric.py A B DATA [--visible]")
    first, second, data = arguments
    census_a = census_b = grey_a = grey_b = 0.0
    pixels = pairs = wins = 0
    for path in sorted(glob.glob(f"{first}/*/disparity.pfm")):
        scene = path.split("/")[-2]
        a, b = read_pfm(path), read_pfm(f"{second}/{scene}/disparity.pfm")
        left = cv2.imread(f"{data}/{scene}/im0.png", cv2.IMREAD_GRAYSCALE)
        right = cv2.imread(f"{data}/{scene}/im1.png", cv2.IMREAD_GRAYSCALE)
        if left is None or right is None or a.shape != left.shape:
            continue
        left, right = left.astype(np.float32), right.astype(np.float32)
        with np.errstate(invalid="ignore"):
            changed = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) > 0.25)
        if visible:
            changed &= ~occluded(a) & ~occluded(b)
        ys, xs = np.nonzero(changed)
        xa = np.rint(xs - a[ys, xs]).astype(int)
        xb = np.rint(xs - b[ys, xs]).astype(int)
        inside = (xa >= 0) & (xb >= 0) & (xa < left.shape[1]) & (xb < left.shape[1])
        ys, xs, xa, xb = ys[inside], xs[inside], xa[inside], xb[inside]
        if len(ys) == 0:
            continue
        census_left, census_right = census(left), census(right)
        cost_a = (census_left[ys, xs] != census_right[ys, xa]).sum(-1)
        cost_b = (census_left[ys, xs] != census_right[ys, xb]).sum(-1)
        census_a += cost_a.sum()
        census_b += cost_b.sum()
        grey_a += np.abs(left[ys, xs] - right[ys, xa]).sum()
        grey_b += np.abs(left[ys, xs] - right[ys, xb]).sum()
        pixels += len(ys)
        pairs += 1
        wins += int(cost_b.mean() < cost_a.mean())
    if pixels == 0:
        sys.exit("no pixel differs between the two maps")
    print(f"{pixels} changed pixels in {pairs} pairs: census cost {census_a / pixels:.3f} (A) "
          f"against {census_b / pixels:.3f} (B); grey cost {grey_a / pixels:.2f} against "
          f"{grey_b / pixels:.2f}; B lower in {wins} of {pairs} pairs")


if __name__ == "__main__":
    main()
