#!/usr/bin/env python3
"""OpenCV StereoSGBM's time on one pair, the baseline of the speed scripts.

    /usr/bin/python3 benchmarks/sgbm_time.py LEFT RIGHT [--range 192]

3-way mode, block 3, P1 = 8·3·b², P2 = 32·3·b², the range from 0, 2 threads. One warm-up call,
then the median of 10 calls in milliseconds, printed with two decimals.
"""
import argparse
import statistics
import time

import cv2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("--range", type=int, default=192, help="numDisparities, a multiple of 16")
    options = parser.parse_args()
    cv2.setNumThreads(2)
    left, right = cv2.imread(options.left), cv2.imread(options.right)
    if left is None or right is None:
        raise SystemExit(f"cannot read {options.left} or {options.right}")
    b = 3
    matcher = cv2.StereoSGBM_create(
        minDisparity=0, numDisparities=options.range, blockSize=b, P1=8 * 3 * b * b,
        P2=32 * 3 * b * b, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
    matcher.compute(left, right)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        matcher.compute(left, right)
        times.append((time.perf_counter() - start) * 1000)
    print("%.2f" % statistics.median(times))


if __name__ == "__main__":
    main()
