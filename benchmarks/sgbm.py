#!/usr/bin/env python3
"""OpenCV semi-global block matching (SGBM) on a folder of stereo pairs, as the classical baseline
that `wnet eval --predictions` scores with the same code as WNet:

    /usr/bin/python3 benchmarks/sgbm.py --data ../shared/data/middlebury-2001-2003 --output /tmp/sgbm
    wnet eval --data ../shared/data/middlebury-2001-2003 --predictions /tmp/sgbm

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

PAIRS = [("imL.png", "imR.png"), ("im0.png", "im1.png"), ("left.png", "right.png")]


def write_pfm(path, image):
    image = np.flipud(image.astype("<f4"))
    with open(path + ".tmp", "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (image.shape[1], image.shape[0]))
        f.write(image.tobytes())
    os.replace(path + ".tmp", path)


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
    parser.add_argument("--output", required=True)
    parser.add_argument("--block-size", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    count = 0
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
        write_pfm(os.path.join(args.output, scene + ".pfm"), disparity)
        count += 1
    print("SGBM disparities for %d pairs in %s" % (count, args.output))
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
