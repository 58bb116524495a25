#!/usr/bin/env python3
"""Which rejected pixels are occluded, and which are mismatches: fill them differently.

`wnet infer` marks a pixel unknown when it fails the left-right check, and `wnet eval` fills
every unknown pixel with the KITTI devkit's background interpolation, the right guess for an
occluded pixel (it belongs to the farther surface) but not for a visible pixel whose match the
check rejected. SGM (Hirschmüller 2008) tells the two apart with the right view's
disparities `d_R`: a left pixel is *occluded* when no right pixel maps onto it, and a
*mismatch* otherwise. Here both views' dense disparities come from `wnet eval --dense -o` (the
right view's from the mirrored pair: both views flipped and swapped), and every rejected pixel
is classified by one of two rules:

    cover:  x is visible when some right pixel u has |u + d_R(u) − x| ≤ 0.5 (or the segment
            between two neighbouring right pixels spans x with a step of at most 1 px, as
            `OcclusionMask.covered`);
    front:  x is occluded when d_R(x − d_L(x)) > d_L(x) + 1 (the right view sees a nearer
            surface there).

Variants written as predictions for `wnet eval --predictions` (bad-3 over all pixels, the same
code as every other row):

    shipped:   the unknown pixels of `wnet eval` (left-right check and speckles) as they are;
    dense:     every pixel's dense value;
    M-cover, M-front:  occluded pixels stay unknown (background fill), mismatches keep the
               network's dense value.

    /usr/bin/python3 benchmarks/occlusion_fill.py WORK [--data NAME=PATH ...] [--wnet BIN]
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pfm import read_pfm, write_pfm  # noqa: E402

VIEWS = (("im0.png", "im1.png"), ("imL.png", "imR.png"))


def mirror(root, out):
    """A copy of a dataset folder with every pair flipped and swapped."""
    for scene in sorted(os.listdir(root)):
        source = os.path.join(root, scene)
        if not os.path.isdir(source):
            continue
        target = os.path.join(out, scene)
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(source):
            path = os.path.join(source, name)
            if name.endswith((".txt",)):
                with open(path) as f, open(os.path.join(target, name), "w") as g:
                    g.write(f.read())
            elif name.endswith(".pfm"):
                write_pfm(os.path.join(target, name), read_pfm(path)[:, ::-1])
            elif name.endswith(".png"):
                swap = {a: b for pair in VIEWS for a, b in (pair, pair[::-1])}
                image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
                cv2.imwrite(os.path.join(target, swap.get(name, name)), image[:, ::-1])


def wnet_eval(binary, data, arguments, json_file=None):
    command = [binary, "eval", "--data", data] + arguments
    if json_file:
        command += ["--json-file", json_file]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2")))


def sample_rows(image, xs):
    """Linear sampling of `image` [H, W] at columns `xs` [H, W] (clamped to the border)."""
    h, w = image.shape
    xs = np.clip(xs, 0, w - 1)
    x0 = np.floor(xs).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    t = xs - x0
    rows = np.arange(h)[:, None]
    return image[rows, x0] * (1 - t) + image[rows, x1] * t


def covered(right):
    """`[H, W]` flags: left pixels onto which some right pixel maps (d_R forward-warped)."""
    h, w = right.shape
    target = np.arange(w)[None, :] + right
    flags = np.zeros((h, w), bool)
    rows = np.repeat(np.arange(h)[:, None], w, 1)
    nearest = np.rint(target).astype(int)
    ok = (nearest >= 0) & (nearest < w)
    flags[rows[ok], nearest[ok]] = True
    # Segments between neighbouring right pixels on one surface (a step of at most 1 px).
    a, b = target[:, :-1], target[:, 1:]
    smooth = np.abs(right[:, 1:] - right[:, :-1]) <= 1
    lo = np.ceil(np.minimum(a, b)).astype(int)
    hi = np.floor(np.maximum(a, b)).astype(int)
    for y, x in zip(*np.nonzero(smooth & (hi >= lo))):
        flags[y, max(lo[y, x], 0):min(hi[y, x], w - 1) + 1] = True
    return flags


def variants(left, right, shipped):
    holes = ~np.isfinite(shipped)
    w = left.shape[1]
    cols = np.arange(w)[None, :]
    partner = sample_rows(right, cols - left)
    visible_cover = covered(right)
    occluded_front = partner > left + 1
    out = {"shipped": shipped, "dense": left}
    for name, occluded in (("M-cover", ~visible_cover), ("M-front", occluded_front)):
        filled = shipped.copy()
        mismatch = holes & ~occluded
        filled[mismatch] = left[mismatch]
        out[name] = filled
    stats = {"holes": holes.mean(), "occ-cover": (holes & ~visible_cover).mean(),
             "occ-front": (holes & occluded_front).mean()}
    return out, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work")
    parser.add_argument("--data", action="append", default=[], help="NAME=PATH")
    parser.add_argument("--wnet", default=".build/release/wnet")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    model = ["--model", args.model] if args.model else []
    for item in args.data:
        name, root = item.split("=", 1)
        work = os.path.join(args.work, name)
        mirrored = os.path.join(work, "mirror")
        if not os.path.isdir(mirrored):
            mirror(root, mirrored)
        for folder, data, extra in (("dense", root, ["--dense"]), ("shipped", root, []),
                                    ("mirror-dense", mirrored, ["--dense"])):
            if not os.path.isdir(os.path.join(work, folder)):
                wnet_eval(args.wnet, data, model + extra + ["-o", os.path.join(work, folder)])
        totals = {}
        for path in sorted(glob.glob(os.path.join(work, "dense", "**", "disparity.pfm"),
                                     recursive=True)):
            identifier = os.path.relpath(os.path.dirname(path), os.path.join(work, "dense"))
            left = read_pfm(path)
            right = read_pfm(os.path.join(work, "mirror-dense", identifier,
                                          "disparity.pfm"))[:, ::-1]
            shipped = read_pfm(os.path.join(work, "shipped", identifier, "disparity.pfm"))
            maps, stats = variants(left, right, shipped)
            for key, value in stats.items():
                totals.setdefault(key, []).append(value)
            for key, image in maps.items():
                write_pfm(os.path.join(work, "var-" + key, identifier, "disparity.pfm"), image)
        print(name, {k: round(float(np.mean(v)) * 100, 2) for k, v in totals.items()})
        for key in ("shipped", "dense", "M-cover", "M-front"):
            report = os.path.join(work, "var-%s.json" % key)
            wnet_eval(args.wnet, root, ["--predictions", os.path.join(work, "var-" + key)],
                      report)
            with open(report) as f:
                doc = json.load(f)
            bad3 = {p["identifier"]: round(p["all"]["bad3"] * 100, 2) for p in doc["pairs"]}
            print("  %-8s pooled %.2f  mean %.2f  density %.1f" % (
                key, doc["all"]["bad3"] * 100, np.mean(list(bad3.values())),
                doc["all"]["density"] * 100), bad3 if len(bad3) < 10 else "")


if __name__ == "__main__":
    main()
