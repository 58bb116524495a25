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

    /usr/bin/python3 benchmarks/proxy_validation.py PROXIES OUT [--data FOLDER ...]
    .build/release/wnet eval --data OUT --lr-threshold 2
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_pairs import SHARED, TRAINING, views  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proxies", help="a proxies folder holding SGBM's files")
    parser.add_argument("output")
    parser.add_argument("--data", action="append", default=[])
    arguments = parser.parse_args()
    folders = arguments.data or [os.path.join(SHARED, f) for f in TRAINING]
    files = sorted(f for f in os.listdir(arguments.proxies)
                   if f.endswith(".left.pfm") and ".sgbm-" in f)
    if not files:
        sys.exit("%s: no SGBM proxy files (NAME.sgbm-KEY.left.pfm)" % arguments.proxies)
    for name in files:
        scene = name.split(".")[0]
        left, right = views(scene, folders)
        folder = os.path.join(arguments.output, scene)
        os.makedirs(folder, exist_ok=True)
        for source, target in ((left, "im0"), (right, "im1")):
            link = os.path.join(folder, target + os.path.splitext(source)[1])
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(source), link)
        shutil.copyfile(os.path.join(arguments.proxies, name),
                        os.path.join(folder, "disp0GT.pfm"))
    print("%d scenes in %s" % (len(files), arguments.output))


if __name__ == "__main__":
    main()
