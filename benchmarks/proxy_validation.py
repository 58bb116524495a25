#!/usr/bin/env python3
"""A label-free validation set: the training pairs scored against SGBM's proxies by `wnet eval`.

For every pair named by the SGBM files of a proxies folder (a run's `proxies/`), a Middlebury
scene is laid out under OUT: `im0.png` and `im1.png` link to the pair's views, `disp0GT.pfm` is
SGBM's cross-checked left proxy (`+inf`, unknown, where SGBM's check rejected the pixel). `wnet
eval --data OUT ARGS` then scores any method on the training pairs exactly as on the evaluation
sets (holes filled as KITTI's devkit does, bad-N over the pixels the proxy has), with no ground
truth: the proxy is what `wnet train` already learns from. Used to choose inference settings
without the evaluation sets (docs/RUNS.md, "The left-right threshold, chosen without ground
truth"). Its blind spot: SGBM's proxies cover visible, mostly textured pixels.

`--occlusions` adds proxies at occluded pixels (docs/RUNS.md, "A proxy set that sees
occlusions"): where SGBM's left proxy is unknown, `b` is the KITTI devkit fill's value there (the
smaller of the row's nearest known neighbours); if SGBM's right proxy at column `x − b` (rounded)
is known and larger than `b + 1`, the right view sees something nearer where this pixel's
background would be, so the pixel is occluded and its proxy is `b`. Inference settings are judged
with them since the thirteenth session (NumPy needed).

`--crop-left N` cuts the first N columns from both views and from the proxies (docs/RUNS.md, "The
left border"): SGBM's proxies start at its `numDisparities` (128), so the uncropped set has no
proxy in the left band `x < d` that the right view cannot see, nor next to it. In the cropped
pair that band has proxies, matched by SGBM where the whole pair saw them. The views are written
as PNG files (cv2) instead of links.

    /usr/bin/python3 benchmarks/proxy_validation.py PROXIES OUT [--data FOLDER ...] [--occlusions]
    .build/release/wnet eval --data OUT --lr-threshold 2
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_pairs import SHARED, TRAINING, views  # noqa: E402


def with_occlusions(left, right):
    """SGBM's left proxy with occlusion proxies added (see the module's documentation)."""
    import numpy as np
    from holes import devkit_fill

    background = devkit_fill(left.astype(np.float64))
    height, width = left.shape
    columns = np.rint(np.arange(width)[None, :] - background).astype(int)
    inside = (columns >= 0) & (columns < width)
    seen = right[np.arange(height)[:, None], np.clip(columns, 0, width - 1)]
    occluded = ~np.isfinite(left) & inside & np.isfinite(seen) & (seen > background + 1)
    proxies = left.copy()
    proxies[occluded] = background[occluded]
    return proxies, int(occluded.sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proxies", help="a proxies folder holding SGBM's files")
    parser.add_argument("output")
    parser.add_argument("--data", action="append", default=[])
    parser.add_argument("--occlusions", action="store_true",
                        help="add proxies at occluded pixels: their background's value")
    parser.add_argument("--crop-left", type=int, default=0, metavar="N",
                        help="cut the first N columns of the views and the proxies")
    arguments = parser.parse_args()
    folders = arguments.data or [os.path.join(SHARED, f) for f in TRAINING]
    files = sorted(f for f in os.listdir(arguments.proxies)
                   if f.endswith(".left.pfm") and ".sgbm-" in f)
    if not files:
        sys.exit("%s: no SGBM proxy files (NAME.sgbm-KEY.left.pfm)" % arguments.proxies)
    occlusions = 0
    if arguments.occlusions or arguments.crop_left:
        from pfm import read_pfm, write_pfm
    for name in files:
        scene = name.split(".")[0]
        left, right = views(scene, folders)
        folder = os.path.join(arguments.output, scene)
        os.makedirs(folder, exist_ok=True)
        for source, target in ((left, "im0"), (right, "im1")):
            if arguments.crop_left:
                import cv2
                image = cv2.imread(source, cv2.IMREAD_UNCHANGED)
                if image is None:
                    sys.exit("%s: cannot read the image" % source)
                cv2.imwrite(os.path.join(folder, target + ".png"), image[:, arguments.crop_left:])
                continue
            link = os.path.join(folder, target + os.path.splitext(source)[1])
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(source), link)
        target = os.path.join(folder, "disp0GT.pfm")
        if not arguments.occlusions and not arguments.crop_left:
            shutil.copyfile(os.path.join(arguments.proxies, name), target)
            continue
        proxies = read_pfm(os.path.join(arguments.proxies, name))
        if arguments.occlusions:
            right = read_pfm(
                os.path.join(arguments.proxies, name.replace(".left.pfm", ".right.pfm")))
            proxies, count = with_occlusions(proxies, right)
            occlusions += count
        write_pfm(target, proxies[:, arguments.crop_left:])
    print("%d scenes in %s" % (len(files), arguments.output)
          + (", %d occlusion proxies" % occlusions if arguments.occlusions else ""))


if __name__ == "__main__":
    main()
