#!/usr/bin/env python3
"""Where a `matching` model's coarse scale finds the match, per band of true disparity.

For each pair with ground truth, runs the PyTorch twin (torch_matching.py) on the checkpoint and
compares, on the 1/8 grid, where two things peak: the raw correlation volume the coarse scale
starts from, and the coarse scores the model hands on (after its aggregation, plus the
correlation skip when the checkpoint has one). A 1/8 pixel counts as found when the peak lies
within 1.5 candidates (12 input px) of its true disparity (the median of its 8x8 block, /8).
This separates matching failures (the correlation is wrong too) from aggregation failures (the
correlation was right and the scores are not), e.g. a prior against the large disparities that
training rarely shows.

    /usr/bin/python3 benchmarks/coarse_bands.py CHECKPOINT PAIR... [--bands 0,60,120,180]

A PAIR folder holds im0.png, im1.png and disp0GT.pfm (Middlebury 2014 layout, +inf unknown), or
left.png/.jpg, right.png/.jpg and disp0GT.png (value = disparity, 0 unknown; the demo's Aloe).
Ground truth only measures here; nothing is trained or tuned on it.
"""
import argparse
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_matching as twin  # noqa: E402
from pfm import read_pfm  # noqa: E402

TOLERANCE = 1.5  # candidates: 12 input px at 1/8


def read_pair(folder):
    """(left, right, ground truth with NaN where unknown)."""
    import cv2

    def first(*names):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return path
        raise SystemExit("%s: none of %s" % (folder, ", ".join(names)))

    left = twin.read_rgb(first("im0.png", "left.png", "left.jpg"))
    right = twin.read_rgb(first("im1.png", "right.png", "right.jpg"))
    truth_path = first("disp0GT.pfm", "disp0GT.png")
    if truth_path.endswith(".pfm"):
        truth = read_pfm(truth_path)
        truth[~np.isfinite(truth)] = np.nan
    else:
        truth = cv2.imread(truth_path, cv2.IMREAD_UNCHANGED).astype(np.float32)
        truth[truth <= 0] = np.nan
    if truth.shape != left.shape[:2] or right.shape != left.shape:
        raise SystemExit("%s: the views and the ground truth differ in size" % folder)
    return left, right, truth


def coarse_peaks(model, left, right):
    """The raw correlation's and the coarse scores' best candidates, [H/8, W/8] each (indices)."""
    h, w = left.shape[:2]

    def prepare(image):
        padded = np.pad(image, ((0, -h % 8), (0, -w % 8), (0, 0)), mode="edge")
        return torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1)[None]))

    with torch.no_grad():
        l, r = prepare(left), prepare(right)
        scores = model.scales(l, r, sides=("left",))[0]["left"][0]
        matched_left = model.matched(model.pyramid(l))[3]
        matched_right = model.matched(model.pyramid(r))[3]
        volume = twin.correlation(matched_left, matched_right, model.coarse_first, model.d8,
                                  "left")
    return volume[0].argmax(0).numpy(), scores[0].argmax(0).numpy()


def coarse_truth(truth, shape):
    """The median of each 8x8 block's known disparities, in candidates (NaN where none)."""
    h8, w8 = shape
    padded = np.full((h8 * 8, w8 * 8), np.nan, np.float32)
    padded[:truth.shape[0], :truth.shape[1]] = truth
    blocks = padded.reshape(h8, 8, w8, 8).transpose(0, 2, 1, 3).reshape(h8, w8, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
        return np.nanmedian(blocks, axis=2) / 8


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("pairs", nargs="+")
    parser.add_argument("--bands", default="0,60,120,180,260",
                        help="band edges of the true disparity, input px")
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    edges = [float(v) for v in arguments.bands.split(",")]
    model = twin.load_model(arguments.checkpoint)
    if model.coarse_context:
        raise SystemExit("%s: the coarse context branch needs sizes of 16; not supported here"
                         % arguments.checkpoint)
    print("| pair | true disparity | share of 1/8 pixels | raw correlation found "
          "| coarse scores found |")
    print("|---|---|---:|---:|---:|")
    for folder in arguments.pairs:
        left, right, truth = read_pair(folder)
        raw, scores = coarse_peaks(model, left, right)
        target = coarse_truth(truth, raw.shape) - model.coarse_first
        known = np.isfinite(target)
        name = os.path.basename(os.path.normpath(folder))
        for low, high in zip(edges, edges[1:]):
            band = known & (target * 8 >= low) & (target * 8 < high)
            if not band.any():
                continue
            share = band.sum() / known.sum()
            found = [np.mean(np.abs(peaks[band] - target[band]) <= TOLERANCE)
                     for peaks in (raw, scores)]
            print("| %s | %g-%g px | %.1f%% | %.0f%% | %.0f%% |"
                  % (name, low, high, 100 * share, 100 * found[0], 100 * found[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
