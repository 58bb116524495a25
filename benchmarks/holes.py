#!/usr/bin/env python3
"""Where a method's bad-3 comes from: the pixels it keeps, or the holes that are filled.

`wnet eval` fills a method's unknown pixels (SGBM's invalid ones, the network's that fail the
left-right check) as the KITTI devkit's background interpolation does, and scores the result.
This splits that score, per scene, into

    kept:  density and bad-3 over the ground-truth pixels the method kept;
    holes: the share of the filled pixels that are wrong (> 3 px) after the fill;
    total: bad-3 over all ground-truth pixels after the fill (should equal `wnet eval`'s);
    band / occluded / visible: the total's wrong pixels in points of the scene, split into the
           left band `x < d_true` (no match in the right view: the fill alone decides it), the
           other occluded pixels and the non-occluded ones (the dataset's mask; scenes without
           one, as Aloe, leave the last two empty).

Everything is recomputed here with NumPy and cv2 from the disparities `wnet eval -o` writes,
the fill included (each row: a run of holes takes the smaller of its two valid neighbours, or
the one it has), so the total is also an independent check of `wnet eval`'s fill and bad-3.

    /usr/bin/python3 benchmarks/holes.py ROW... [--data NAME=PATH ...] [--wnet BIN]

ROW is `LABEL=ARGS` as in eval_table.py, for example "SGBM=--method sgbm" "matching=".
The network's rows must not pass --dense (there would be no holes to split).
"""
import argparse
import glob
import os
import shlex
import tempfile

import cv2
import numpy as np

from eval_table import default_data, run_eval
from pfm import read_pfm


def ground_truth(scene):
    """The scene's ground truth (NaN where unknown), from the layouts docs/DATA.md lists."""
    if os.path.exists(os.path.join(scene, "disp0GT.pfm")):
        gt = read_pfm(os.path.join(scene, "disp0GT.pfm")).astype(np.float64)
        gt[~np.isfinite(gt)] = np.nan
        return gt
    if os.path.exists(os.path.join(scene, "groundtruth.png")):  # Middlebury 2001-2003
        with open(os.path.join(scene, "info.txt")) as f:
            scale = float(f.readline())
        gt = cv2.imread(os.path.join(scene, "groundtruth.png"), cv2.IMREAD_GRAYSCALE)
        gt = gt.astype(np.float64) / scale
        region = cv2.imread(os.path.join(scene, "all.png"), cv2.IMREAD_GRAYSCALE)
        gt[(gt == 0) | (region == 0)] = np.nan
        return gt
    gt = cv2.imread(os.path.join(scene, "disp0GT.png"), cv2.IMREAD_UNCHANGED).astype(np.float64)
    gt[gt == 0] = np.nan
    return gt


def non_occluded(scene, shape):
    """The dataset's non-occluded mask (`mask0nocc.png` 255 or `nonocc.png` 255), or `None`."""
    for name in ("mask0nocc.png", "nonocc.png"):
        path = os.path.join(scene, name)
        if os.path.exists(path):
            mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE) == 255
            return mask if mask.shape == shape else None
    return None


def estimated(disparity):
    """Where `disparity` has an estimate: finite and above 0, as `wnet eval` reads a map since
    session 62 (SGBM's zeros are holes, as in a KITTI PNG)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(disparity) & (disparity > 0)


def devkit_fill(disparity):
    """KITTI's background interpolation, row by row, of the pixels without an estimate."""
    filled = disparity.copy()
    for row in filled:
        known = estimated(row)
        if not known.any():
            row[:] = 0
            continue
        x = 0
        while x < len(row):
            if known[x]:
                x += 1
                continue
            end = x
            while end < len(row) and not known[end]:
                end += 1
            sides = [row[x - 1]] if x > 0 else []
            sides += [row[end]] if end < len(row) else []
            row[x:end] = min(sides)
            x = end
    return filled


def split(prediction, gt, visible=None):
    """The score's parts (fractions); `visible` is the non-occluded mask or `None`."""
    truth = np.isfinite(gt)
    known = estimated(prediction)
    kept = known & truth
    holes = ~known & truth
    with np.errstate(invalid="ignore"):
        wrong = (np.abs(devkit_fill(prediction) - gt) > 3) & truth
        band = truth & (np.arange(gt.shape[1])[None, :] < gt)
    parts = {
        "density": kept.sum() / truth.sum(),
        "kept": wrong[kept].mean() if kept.any() else 0.0,
        "holes": wrong[holes].mean() if holes.any() else 0.0,
        "hole share": holes.sum() / truth.sum(),
        "total": wrong[truth].mean(),
        "band": (wrong & band).sum() / truth.sum(),
        "occluded": None,
        "visible": None,
    }
    if visible is not None:
        parts["occluded"] = (wrong & ~band & ~visible).sum() / truth.sum()
        parts["visible"] = (wrong & ~band & visible).sum() / truth.sum()
    return parts


def points(value):
    return "" if value is None else f"{100 * value:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", help="LABEL=ARGS")
    parser.add_argument("--data", action="append", default=[], help="NAME=PATH")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--wnet", default=os.path.join(here, "..", ".build", "release", "wnet"))
    options = parser.parse_args()
    data = [d.split("=", 1) for d in options.data] or default_data()

    print("| method | scene | density | bad-3 kept | holes | holes wrong | bad-3 total "
          "| band | other occluded | visible | `wnet eval` |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, args in (row.split("=", 1) for row in options.rows):
        for _, path in data:
            with tempfile.TemporaryDirectory() as folder:
                result = run_eval(options.wnet, path, f"{args} -o {shlex.quote(folder)}")
                scored = {p["identifier"]: p for p in result["pairs"]}
                for scene in sorted(glob.glob(os.path.join(folder, "*", "disparity.pfm"))):
                    name = os.path.basename(os.path.dirname(scene))
                    source = os.path.join(path, name) if os.path.isdir(
                        os.path.join(path, name)) else path
                    gt = ground_truth(source)
                    s = split(read_pfm(scene).astype(np.float64), gt,
                              non_occluded(source, gt.shape))
                    print(f"| {label} | {name} | {100 * s['density']:.1f} | "
                          f"{100 * s['kept']:.2f} | {100 * s['hole share']:.1f} | "
                          f"{100 * s['holes']:.1f} | {100 * s['total']:.2f} | "
                          f"{points(s['band'])} | {points(s['occluded'])} | "
                          f"{points(s['visible'])} | "
                          f"{100 * scored[name]['all']['bad3']:.2f} |")


if __name__ == "__main__":
    main()
