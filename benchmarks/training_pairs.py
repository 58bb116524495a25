"""The training pairs of `../shared/data` without ground truth, found by their cache names.

Shared by the scripts that read a run's proxy files (`proxy_validation.py`,
`self_teacher_proxies.py`, `batch_norm_statistics.py`); needs nothing beyond the standard library,
so the label-free validation runs without PyTorch.
"""
import os

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..",
                      "shared", "data")
TRAINING = ["eth3d-two-view", "middlebury-2014-quarter", "kitti-odometry-sample",
            "real-unlabelled"]


def views(name, folders):
    """The left and right files of a cache name: `SCENE` or `SEQUENCE_FRAME`."""
    for folder in folders:
        for extension in (".png", ".jpg"):
            left = os.path.join(folder, name, "left" + extension)
            if os.path.exists(left):
                return left, os.path.join(folder, name, "right" + extension)
        sequence, _, frame = name.rpartition("_")
        left = os.path.join(folder, sequence, "left", frame + ".png")
        if sequence and os.path.exists(left):
            return left, os.path.join(folder, sequence, "right", frame + ".png")
    raise SystemExit("%s: no pair of that name in %s" % (name, ", ".join(folders)))
