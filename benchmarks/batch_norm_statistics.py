#!/usr/bin/env python3
"""A prototype, not a feature: a `matching` model's batch-norm statistics taken from whole views
at their native size, as `wnet eval` sees them, instead of from 192×336 training crops.

    native CHECKPOINT OUT [--data PATH ...]
        writes a copy of CHECKPOINT whose every batch norm's running mean and variance are the
        plain average of its batch statistics (unbiased variance, as BatchNorm keeps it) over
        the pairs of the training folders (default: ETH3D two-view, Middlebury 2014 quarter,
        the KITTI odometry sample, real-unlabelled; at most --per-scene evenly spaced pairs per
        scene folder), each view one batch, edge-padded to multiples of 8. The weights are
        unchanged. Score the copy with `wnet eval --model OUT`.
    adaptive CHECKPOINT [--data NAME=PATH ...]
        scores, as `wnet eval` does (coarse_sgm.score), the model whose statistics are, for each
        evaluation pair, the average over that pair's two views alone (adaptive batch norm: one
        more forward per pair, no label).

    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/batch_norm_statistics.py native \\
        Sources/StereoDepth/Resources/wnet-matching.safetensors /tmp/native.safetensors
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coarse_sgm  # noqa: E402
import swap_batch_norm  # noqa: E402
import torch_matching as twin  # noqa: E402
from eval_table import default_data  # noqa: E402

from training_pairs import SHARED, TRAINING  # noqa: E402,F401  (re-exported)
IMAGES = (".png", ".jpg", ".jpeg")


def training_pairs(folder, per_scene):
    """(left, right) paths: per scene folder, its pair, or at most `per_scene` evenly spaced
    frames of its left/ and right/ sequences."""
    for scene in sorted(glob.glob(os.path.join(folder, "*"))):
        pairs = [(os.path.join(scene, "left" + e), os.path.join(scene, "right" + e))
                 for e in IMAGES if os.path.exists(os.path.join(scene, "left" + e))]
        if not pairs and os.path.isdir(os.path.join(scene, "left")):
            frames = sorted(f for f in os.listdir(os.path.join(scene, "left"))
                            if f.lower().endswith(IMAGES)
                            and os.path.exists(os.path.join(scene, "right", f)))
            chosen = np.linspace(0, len(frames) - 1, min(per_scene, len(frames))).round()
            pairs = [(os.path.join(scene, "left", frames[int(i)]),
                      os.path.join(scene, "right", frames[int(i)])) for i in sorted(set(chosen))]
        yield from pairs[:per_scene]


def padded(image):
    """[1, 3, H', W'] from an [H, W, 3] array, edge-padded to multiples of 8."""
    h, w = image.shape[:2]
    image = np.pad(image, ((0, -h % 8), (0, -w % 8), (0, 0)), mode="edge")
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)[None]))


def averaging(model):
    """Puts every batch norm into plain averaging (momentum None) from zero counts."""
    model.eval()
    for module, _ in twin.units(model):
        module[1].reset_running_stats()
        module[1].momentum = None
        module[1].train()


def accumulate(model, left, right):
    """One forward of both views at every scale: each view's batch statistics averaged in."""
    with torch.no_grad():
        model.scales(left, right)


def native(arguments):
    model = twin.load_model(arguments.checkpoint)
    averaging(model)
    count = 0
    for folder in arguments.data or [os.path.join(SHARED, f) for f in TRAINING]:
        for left_path, right_path in training_pairs(folder, arguments.per_scene):
            accumulate(model, padded(twin.read_rgb(left_path)), padded(twin.read_rgb(right_path)))
            count += 1
    if count == 0:
        raise SystemExit("no training pairs found")
    header, body = swap_batch_norm.read(arguments.checkpoint)
    chunks = {}
    for name in header:
        if name != "__metadata__":
            start, end = header[name]["data_offsets"]
            chunks[name] = body[start:end]
    for module, prefix in twin.units(model):
        for ours, theirs in twin.BATCH_NORM_NAMES[2:]:
            chunks["model.%s.bn.%s" % (prefix, theirs)] = (
                getattr(module[1], ours).numpy().astype("<f4").tobytes())
    swap_batch_norm.write(arguments.output, header, chunks)
    print("%d pairs averaged into %s" % (count, arguments.output))


def adaptive(arguments):
    model = twin.load_model(arguments.checkpoint)

    def disparities(left, right):
        averaging(model)
        accumulate(model, left, right)
        model.eval()
        with torch.no_grad():
            return coarse_sgm.both_views(model, left, right, 0, 0)

    coarse_sgm.score([tuple(d.split("=", 1)) for d in arguments.data] or default_data(),
                     disparities)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["native", "adaptive"])
    parser.add_argument("checkpoint")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--data", action="append", default=[])
    parser.add_argument("--per-scene", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    if arguments.mode == "native":
        if arguments.output is None:
            raise SystemExit("native needs an output path")
        native(arguments)
    else:
        adaptive(arguments)


if __name__ == "__main__":
    main()
