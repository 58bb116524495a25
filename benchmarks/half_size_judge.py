#!/usr/bin/env python3
"""A judge of small inputs: a label-free judge (`benchmarks/judges.sh`: pv3, pvh) at half size.

Each scene of JUDGE is written under OUT with both views shrunk by 2 (cv2.INTER_AREA) and its
proxy (SGBM's cross-checked disparity of the whole-size pair, occlusion proxies included) shrunk
with them: a half-size pixel gets the mean of its 2x2 block's proxies, halved, when all four are
known and lie within 1 px (of the whole size) of each other, and is unknown otherwise (depth
edges and holes). Since SGBM matched the pair at twice the size, the proxy holds detail a
matcher at half size has to recover: this judges what an inference setting does to small
inputs (docs/RUNS.md, "Small inputs enlarged"), with no ground truth.

    /usr/bin/python3 benchmarks/half_size_judge.py runs/judges/pv3 runs/judges/pv3s
"""
import argparse
import glob
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pfm import read_pfm, write_pfm  # noqa: E402


def halved_proxy(proxy):
    h, w = proxy.shape[0] // 2 * 2, proxy.shape[1] // 2 * 2
    blocks = proxy[:h, :w].reshape(h // 2, 2, w // 2, 2).transpose(0, 2, 1, 3).reshape(h // 2, w // 2, 4)
    known = np.isfinite(blocks).all(axis=2)
    with np.errstate(invalid="ignore"):
        spread = np.where(known, blocks.max(axis=2) - blocks.min(axis=2), np.inf)
        value = blocks.mean(axis=2) / 2
    return np.where(known & (spread <= 1), value, np.inf).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("judge")
    parser.add_argument("output")
    args = parser.parse_args()
    scenes = sorted(glob.glob(os.path.join(args.judge, "*", "disp0GT.pfm")))
    for path in scenes:
        scene = os.path.dirname(path)
        target = os.path.join(args.output, os.path.basename(scene))
        os.makedirs(target, exist_ok=True)
        for view in ("im0.png", "im1.png"):
            image = cv2.imread(os.path.join(scene, view), cv2.IMREAD_UNCHANGED)
            h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
            small = cv2.resize(image[:h, :w], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            cv2.imwrite(os.path.join(target, view), small)
        write_pfm(os.path.join(target, "disp0GT.pfm"), halved_proxy(read_pfm(path)))
    print(f"{len(scenes)} scenes at half size in {args.output}")


if __name__ == "__main__":
    main()
