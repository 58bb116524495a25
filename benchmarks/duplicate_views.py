#!/usr/bin/env python3
"""How close the evaluation sets' left views lie to the training pairs' (docs/RUNS.md, "An
evaluation scene among the training pairs"): `ImageFingerprint`'s distance, computed here in
NumPy as that type defines it (16x16 cells, mean over each cell's pixels and channels, mean
absolute cell difference; shapes more than 2% apart are never close).

    /usr/bin/python3 benchmarks/duplicate_views.py [--aloe ~/.cache/wnet/samples/aloe]
    /usr/bin/python3 benchmarks/duplicate_views.py --duplicates-in runs/judges/pv3

Prints, for every evaluation view, its two nearest training views, then the nearest pairs of
distinct training views. With `--duplicates-in DIR` it instead prints the name of every scene
folder of DIR whose `im0.png` is the same picture as an evaluation view (distance at most 0.03,
as `ImageFingerprint.isDuplicate`), one per line: `benchmarks/judges.sh build` removes them from
the judges.
"""
import argparse
import glob
import os

import cv2
import numpy as np

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
TRAINING = ["eth3d-two-view", "middlebury-2014-quarter", "kitti-odometry-sample", "real-unlabelled"]
EVALUATION = ["middlebury-2001-2003", "middlebury-2005-2006"]
LEFT_STEMS = ("left", "im0", "imL")


def fingerprint(path):
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED).astype(np.float64)
    image /= 65535.0 if image.max() > 255 else 255.0
    if image.ndim == 2:
        image = image[:, :, None]
    h, w = image.shape[:2]
    cells = np.zeros((16, 16))
    for i in range(16):
        y0, y1 = i * h // 16, max((i + 1) * h // 16, i * h // 16 + 1)
        for j in range(16):
            x0, x1 = j * w // 16, max((j + 1) * w // 16, j * w // 16 + 1)
            cells[i, j] = image[y0:y1, x0:x1].mean()
    return w / h, cells


def distance(a, b):
    if abs(a[0] / b[0] - 1) > 0.02:
        return None
    return float(np.abs(a[1] - b[1]).mean())


def left_views(root):
    found = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.*"), recursive=True)):
        stem, extension = os.path.splitext(os.path.basename(path))
        if extension.lower() not in (".png", ".jpg"):
            continue
        if stem in LEFT_STEMS or os.path.basename(os.path.dirname(path)) == "left":
            found.append(path)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aloe", default=os.path.expanduser("~/.cache/wnet/samples/aloe"))
    parser.add_argument("--duplicates-in")
    args = parser.parse_args()
    paths = [p for f in EVALUATION for p in left_views(os.path.join(SHARED, f))]
    evaluation = {p: fingerprint(p) for p in paths + left_views(args.aloe)}
    if args.duplicates_in:
        for scene in sorted(glob.glob(os.path.join(args.duplicates_in, "*", "im0.png"))):
            view = fingerprint(scene)
            if any((d := distance(view, e)) is not None and d <= 0.03 for e in evaluation.values()):
                print(os.path.basename(os.path.dirname(scene)))
        return
    training = {p: fingerprint(p) for f in TRAINING for p in left_views(os.path.join(SHARED, f))}
    print(f"{len(training)} training views, {len(evaluation)} evaluation views")
    for path, print_ in evaluation.items():
        near = sorted((d, p) for p, t in training.items() if (d := distance(print_, t)) is not None)
        shown = ", ".join(f"{d:.4f} {os.path.relpath(p, SHARED)}" for d, p in near[:2])
        print(f"{os.path.relpath(path, SHARED)}: {shown}")
    keys = list(training)
    pairs = sorted(
        (d, a, b) for i, a in enumerate(keys) for b in keys[i + 1:]
        if (d := distance(training[a], training[b])) is not None)
    print("nearest training views:")
    for d, a, b in pairs[:8]:
        print(f"  {d:.4f} {os.path.relpath(a, SHARED)} {os.path.relpath(b, SHARED)}")


if __name__ == "__main__":
    main()
