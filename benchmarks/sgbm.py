#!/usr/bin/env python3
"""A cross-check of `wnet`'s built-in SGBM against Python's cv2 (the same OpenCV library).

`wnet` runs OpenCV's StereoSGBM itself (`wnet infer --method sgbm`, `wnet eval --method sgbm`).
This script computes the same disparities with cv2 on a folder of stereo pairs and, with
`--check DIR`, compares them with the `DIR/ID/disparity.pfm` files that
`wnet eval --method sgbm --output DIR` wrote (same parameters), bit for bit; it exits 1 on any
difference. Without `--check` it writes ID.pfm per scene for `wnet eval --predictions`:

    wnet eval --data ../shared/data/middlebury-2001-2003 --method sgbm --block-size 5 \
      --uniqueness-ratio 10 --disp12-max-diff 1 --speckle-window-size 100 --speckle-range 32 \
      --output /tmp/wnet-sgbm
    /usr/bin/python3 benchmarks/sgbm.py --data ../shared/data/middlebury-2001-2003 \
      --check /tmp/wnet-sgbm

Pairs are scene folders with imL.png/imR.png (Middlebury 2001-2003), im0.png/im1.png (2014, ETH3D)
or left.png/right.png. The disparity range comes from info.txt (2001-2003: second line) or
calib.txt (ndisp) when present, else 64. Parameters are OpenCV's recommended ones (P1 = 8·3·b²,
P2 = 32·3·b², block 5, uniqueness 10, speckle filtering). Invalid pixels are written as +inf
(missing: the evaluation fills them as the KITTI devkit does). Writes ID.pfm per scene.
"""
import argparse
import math
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pfm import read_pfm, write_pfm  # noqa: E402

PAIRS = [("imL.png", "imR.png"), ("im0.png", "im1.png"), ("left.png", "right.png")]


def disparity_range(folder):
    info = os.path.join(folder, "info.txt")
    if os.path.exists(info):
        lines = open(info).read().split()
        if len(lines) >= 2:
            return int(float(lines[1]))
    calib = os.path.join(folder, "calib.txt")
    if os.path.exists(calib):
        for line in open(calib):
            if line.startswith("ndisp="):
                return int(line.split("=")[1])
    return 64


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--output", help="write ID.pfm per scene here")
    parser.add_argument("--check", help="compare with DIR/ID/disparity.pfm from wnet eval --output")
    parser.add_argument("--block-size", type=int, default=5)
    args = parser.parse_args()
    if (args.output is None) == (args.check is None):
        parser.error("give one of --output and --check")
    if args.output:
        os.makedirs(args.output, exist_ok=True)
    count = 0
    mismatched = 0
    for scene in sorted(os.listdir(args.data)):
        folder = os.path.join(args.data, scene)
        names = next((p for p in PAIRS if all(os.path.exists(os.path.join(folder, n)) for n in p)), None)
        if names is None:
            continue
        left = cv2.imread(os.path.join(folder, names[0]))
        right = cv2.imread(os.path.join(folder, names[1]))
        number = int(math.ceil((disparity_range(folder) + 1) / 16.0) * 16)
        b = args.block_size
        matcher = cv2.StereoSGBM_create(
            minDisparity=0, numDisparities=number, blockSize=b, P1=8 * 3 * b * b, P2=32 * 3 * b * b,
            disp12MaxDiff=1, uniquenessRatio=10, speckleWindowSize=100, speckleRange=32,
            mode=cv2.STEREO_SGBM_MODE_SGBM)
        disparity = matcher.compute(left, right).astype(np.float32) / 16.0
        disparity[disparity < 0] = np.inf
        count += 1
        if args.output:
            write_pfm(os.path.join(args.output, scene + ".pfm"), disparity)
            continue
        ours = read_pfm(os.path.join(args.check, scene, "disparity.pfm"))
        same = (ours == disparity) | (np.isinf(ours) & np.isinf(disparity))
        differing = int((~same).sum()) if ours.shape == disparity.shape else disparity.size
        print("%s: %d of %d disparities differ from wnet's" % (scene, differing, disparity.size))
        mismatched += differing > 0
    if args.output:
        print("SGBM disparities for %d pairs in %s" % (count, args.output))
        return 0 if count else 1
    print("%d of %d pairs differ" % (mismatched, count))
    return 0 if count and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())
