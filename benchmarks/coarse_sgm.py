#!/usr/bin/env python3
"""A prototype, not a feature: semi-global aggregation of a `matching` model's coarse scores
before the coarse estimate is handed on, scored as `wnet eval` scores the model.

Runs the PyTorch twin (torch_matching.py) on every evaluation scene, both views, and replaces
the coarse hand-off by SGM (Hirschmüller 2008) over the 1/8 costs C = −log softmax(scores):
four scanline passes

    L_r(p, k) = C(p, k) + min(L_r(p−r, k), L_r(p−r, k±1) + P1, min_j L_r(p−r, j) + P2)
                − min_j L_r(p−r, j)

summed over r; its argmax k* then picks the window of the local estimate, which averages the
original scores over k*−1…k*+1. The finer scales run as the checkpoint says. Every pixel whose
left-right disagreement exceeds 1 px is unknown, then speckles (100 px within 2 px,
cv2.filterSpeckles) too, the holes are filled as the KITTI devkit does (holes.py), and bad-3 is
counted over the ground truth, per scene and per set (all pixels). `--p1 0` gives the
checkpoint's own hand-off, which reproduces `wnet eval`'s figures to about 0.01 point (the
shipped model: 5.10 / 14.27 / 9.92% here, 5.10 / 14.26 / 9.92% there): check that first.

    /usr/bin/python3 benchmarks/coarse_sgm.py CHECKPOINT [--p1 1 --p2 4] [--data NAME=PATH ...]

Shipping it would need an SGM layer in every consumer (training graph, inference plan, ONNX
export): this only measures whether that is worth it. Nothing is trained or tuned here.
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_matching as twin  # noqa: E402
from eval_table import default_data  # noqa: E402
from holes import devkit_fill, ground_truth  # noqa: E402

VIEWS = [("imL.png", "imR.png"), ("im0.png", "im1.png"), ("left.jpg", "right.jpg"),
         ("left.png", "right.png")]


def sgm(cost, p1, p2):
    """Four-path SGM over [H, W, K] costs: the sum of the path costs."""
    total = np.zeros_like(cost)
    for transposed in (False, True):
        c = cost.transpose(1, 0, 2) if transposed else cost
        for step in (1, -1):
            paths = np.zeros_like(c)
            previous = None
            columns = range(c.shape[1]) if step > 0 else range(c.shape[1] - 1, -1, -1)
            for x in columns:
                current = c[:, x].copy()
                if previous is not None:
                    floor = previous.min(1, keepdims=True)
                    up = np.full_like(previous, np.inf)
                    up[:, 1:] = previous[:, :-1] + p1
                    down = np.full_like(previous, np.inf)
                    down[:, :-1] = previous[:, 1:] + p1
                    current += np.minimum(np.minimum(previous, up),
                                          np.minimum(down, floor + p2)) - floor
                paths[:, x] = current
                previous = current
            total += paths.transpose(1, 0, 2) if transposed else paths
    return total


def coarse_estimate(model, scores, p1, p2):
    if p1 <= 0:
        hand_on = twin.local_expectation if model.local else twin.expectation
        return hand_on(scores, model.coarse_first)
    s = scores[0].permute(1, 2, 0).double().numpy()
    cost = -(s - s.max(2, keepdims=True)
             - np.log(np.exp(s - s.max(2, keepdims=True)).sum(2, keepdims=True)))
    best = torch.from_numpy(sgm(cost, p1, p2).argmin(2)).to(scores.dtype)[None, None]
    k = scores.shape[1]
    index = torch.arange(k, dtype=scores.dtype).view(1, k, 1, 1)
    weights = torch.exp(scores - scores.max(1, keepdim=True)[0])
    weights = weights * ((index - best).abs() <= twin.LOCAL_RADIUS).to(scores.dtype)
    return (weights * (index + model.coarse_first)).sum(1, keepdim=True) / weights.sum(1, keepdim=True)


def both_views(model, left, right, p1, p2):
    """Both views' full-resolution disparities, the coarse hand-off replaced."""
    finest = model.scales(left, right,
                          coarse_hand_on=lambda s: coarse_estimate(model, s, p1, p2))[-1]
    return [(base + twin.expectation(scores, -twin.RADIUS))[0, 0].numpy()
            for scores, base in (finest["left"], finest["right"])]


def marked(left, right):
    """The left disparity with +inf where the left-right check (1 px) fails, then speckles."""
    import cv2
    h, w = left.shape
    u = np.arange(w)[None, :] - left
    inside = (u >= 0) & (u <= w - 1)
    u = np.clip(u, 0, w - 1)
    x0 = np.floor(u).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    rows = np.arange(h)[:, None]
    other = right[rows, x0] * (1 - (u - x0)) + right[rows, x1] * (u - x0)
    result = left.astype(np.float64)
    result[~(inside & (np.abs(left - other) <= 1))] = np.inf
    q = np.where(np.isfinite(result), np.round(result * 16), -16).astype(np.int16)
    cv2.filterSpeckles(q, -16, 100, 32)
    result[q == -16] = np.inf
    return result


def scenes(path):
    for folder in [path] + sorted(glob.glob(os.path.join(path, "*"))):
        for left, right in VIEWS:
            if os.path.exists(os.path.join(folder, left)):
                yield folder, os.path.join(folder, left), os.path.join(folder, right)
                break


def score(sets, disparities):
    """Scores `disparities(left, right)` (both views' [H, W] arrays from [1, 3, H', W'] tensors
    edge-padded to multiples of 8) as `wnet eval` does: per scene and per set, bad-3 on all
    pixels, printed; returns the mean of the sets' figures."""
    means = []
    for name, path in sets:
        wrong = total = 0
        for folder, left_path, right_path in scenes(path):
            left, right = twin.read_rgb(left_path), twin.read_rgb(right_path)
            h, w = left.shape[:2]

            def prepare(image):  # edge-padded to multiples of 8, as DisparityEstimator
                padded = np.pad(image, ((0, -h % 8), (0, -w % 8), (0, 0)), mode="edge")
                return torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1)[None]))

            d_left, d_right = disparities(prepare(left), prepare(right))
            truth = ground_truth(folder)
            known = np.isfinite(truth)
            bad = np.abs(devkit_fill(marked(d_left[:h, :w], d_right[:h, :w])) - truth) > 3
            wrong += (bad & known).sum()
            total += known.sum()
            print("%s %s bad-3 %.2f%%" % (name, os.path.basename(folder),
                                          100 * bad[known].mean()), flush=True)
        means.append(100 * wrong / max(total, 1))
        print("%s bad-3 %.2f%%" % (name, means[-1]), flush=True)
    print("mean of the sets %.2f%%" % np.mean(means))
    return float(np.mean(means))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--p1", type=float, default=1, help="nats; 0: no SGM")
    parser.add_argument("--p2", type=float, default=4, help="nats")
    parser.add_argument("--data", action="append", default=[], help="NAME=PATH")
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    model = twin.load_model(arguments.checkpoint)
    if model.coarse_context:
        raise SystemExit("%s: the coarse context branch needs sizes of 16; not supported here"
                         % arguments.checkpoint)

    def disparities(left, right):
        with torch.no_grad():
            return both_views(model, left, right, arguments.p1, arguments.p2)

    score([tuple(d.split("=", 1)) for d in arguments.data] or default_data(), disparities)


if __name__ == "__main__":
    main()
