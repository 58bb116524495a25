#!/usr/bin/env python3
"""A third label-free judge: time. Which of two maps of the same frames rebuilds the *next*
frames of a moving stereo camera better, at the pixels where the maps differ.

    temporal_judge.py A B [--data SEQUENCES] [--poses DIR] [--visible]

A and B are folders of `wnet infer` maps of the KITTI odometry sample's sequences, one
subfolder per sequence (A/sequence1/000000/disparity.pfm …), as `benchmarks/judges.sh
temporal-maps` writes them. For each frame t and k = 1, 2 (when frame t + k exists):

    Z(x) = f·B / d(x),  X = Z·K⁻¹(x, 1),  X' = R_k X + t_k,  x' = π(K X')

with the camera's motion (R_k, t_k) from frame t to t + k estimated once, without either map:
KLT tracks of the left views checked forward and backward, lifted to 3-D by OpenCV SGBM's
disparity of frame t (cross-checked), then `solvePnPRansac` (cached in --poses). Over the
pixels that both maps keep, that differ by more than 0.25 px, and whose two reprojections land
inside frame t + k in front of the camera, it pools

    census cost = Hamming distance of the 5×5 census transforms (grey) of I_t(x) and
                  I_{t+k}(round(x'))
    grey cost   = |I_t(x) − I_{t+k}(x')|, bilinear, grey in 0…255

per map, and counts the frame pairs where B's mean census cost is lower. With `--visible`, a
pixel is compared only if neither map hides it in frame t + k: its moved depth within 5% of the
nearest moved depth of that map's kept pixels landing on the same rounded pixel.

Why: the network is trained to make the *stereo* pair's photometric error small, so the stereo
photometric check (changed_pixels_photometric.py) favours its raw per-pixel minimiser, and
SGBM's proxies favour SGBM's kind of map; neither can judge a change that smooths the map
(docs/RUNS.md, "Is the photometric check's verdict on the median about occlusions?"). The
motion between frames of a car moving forward 1-1.3 m a frame moves pixels along rays from the
focus of expansion, mostly not along the rows, by amounts that depend on depth about as
strongly as the stereo disparity does at the image's sides: an error that the stereo views
cannot see (a flat cost along a row) changes where a pixel lands in the next frame. No ground
truth is read (the sequences have none); moving objects and the pose's own error weigh on both
maps alike.
"""
import argparse
import glob
import os

import cv2
import numpy as np

from changed_pixels_photometric import census
from pfm import read_pfm

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                    "kitti-odometry-sample")
STEPS = (1, 2)


def camera(sequence):
    """K (3×3) and the baseline B in metres, from calib.txt's P0 and P1."""
    projections = np.loadtxt(os.path.join(sequence, "calib.txt")).reshape(-1, 3, 4)
    k = projections[0][:, :3]
    return k, -projections[1][0, 3] / k[0, 0]


def sgbm(left, right):
    """OpenCV SGBM's disparity of a grey pair, 0 where it gives none."""
    matcher = cv2.StereoSGBM_create(
        minDisparity=0, numDisparities=128, blockSize=5, P1=8 * 25, P2=32 * 25,
        disp12MaxDiff=1, uniquenessRatio=10, speckleWindowSize=100, speckleRange=2,
        mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
    disparity = matcher.compute(left, right).astype(np.float32) / 16
    return np.where(disparity > 0, disparity, 0)


def motion(first, second, disparity, k, baseline):
    """(R, t, inliers): frame `first`'s camera coordinates to `second`'s."""
    points = cv2.goodFeaturesToTrack(first, 3000, 0.01, 7)
    tracked, status, _ = cv2.calcOpticalFlowPyrLK(first, second, points, None,
                                                  winSize=(21, 21), maxLevel=3)
    back, back_status, _ = cv2.calcOpticalFlowPyrLK(second, first, tracked, None,
                                                    winSize=(21, 21), maxLevel=3)
    good = (status[:, 0] == 1) & (back_status[:, 0] == 1)
    good &= np.linalg.norm(back - points, axis=2)[:, 0] < 0.5
    u, v = points[:, 0, 0], points[:, 0, 1]
    rows = np.clip(np.rint(v).astype(int), 0, disparity.shape[0] - 1)
    columns = np.clip(np.rint(u).astype(int), 0, disparity.shape[1] - 1)
    d = disparity[rows, columns]
    good &= d > 2
    z = k[0, 0] * baseline / d[good]
    world = np.stack([(u[good] - k[0, 2]) / k[0, 0] * z, (v[good] - k[1, 2]) / k[1, 1] * z, z], 1)
    found, rotation, translation, inliers = cv2.solvePnPRansac(
        world, tracked[good, 0], k, None, reprojectionError=1.0, iterationsCount=300)
    if not found or inliers is None:
        return None
    return cv2.Rodrigues(rotation)[0], translation.ravel(), len(inliers)


def poses(sequence, cache):
    """{(t, t + k): (R, t)} for the sequence, computed once and kept in `cache`."""
    name = os.path.basename(os.path.normpath(sequence))
    path = os.path.join(cache, f"{name}.npz")
    if os.path.exists(path):
        stored = np.load(path)
        return {(int(a), int(b)): (r, t) for a, b, r, t in
                zip(stored["first"], stored["second"], stored["rotations"], stored["translations"])}
    k, baseline = camera(sequence)
    frames = sorted(os.listdir(os.path.join(sequence, "left")))
    grey = [cv2.imread(os.path.join(sequence, "left", f), cv2.IMREAD_GRAYSCALE) for f in frames]
    result = {}
    for t, frame in enumerate(frames):
        right = cv2.imread(os.path.join(sequence, "right", frame), cv2.IMREAD_GRAYSCALE)
        disparity = sgbm(grey[t], right)
        for step in STEPS:
            if t + step < len(frames):
                found = motion(grey[t], grey[t + step], disparity, k, baseline)
                if found is not None and found[2] >= 50:
                    result[(t, t + step)] = found[:2]
    os.makedirs(cache, exist_ok=True)
    keys = sorted(result)
    np.savez(path, first=[a for a, _ in keys], second=[b for _, b in keys],
             rotations=[result[key][0] for key in keys],
             translations=[result[key][1] for key in keys])
    return result


def landing(disparity, rows, columns, k, baseline, rotation, translation):
    """Where the pixels (rows, columns) of disparity `disparity` land in the other frame:
    (x', y', in front)."""
    z = k[0, 0] * baseline / disparity
    world = np.stack([(columns - k[0, 2]) / k[0, 0] * z, (rows - k[1, 2]) / k[1, 1] * z, z])
    moved = rotation @ world + translation[:, None]
    ahead = moved[2] > 0.5
    depth = np.where(ahead, moved[2], 1)
    return k[0, 0] * moved[0] / depth + k[0, 2], k[1, 1] * moved[1] / depth + k[1, 2], ahead


def hidden(disparity, k, baseline, rotation, translation, tolerance=0.05):
    """`[H, W]` booleans: the kept pixels of `disparity` that the map itself hides in the other
    frame (a moved depth more than `tolerance` beyond the nearest moved depth that lands on the
    same rounded pixel)."""
    h, w = disparity.shape
    with np.errstate(invalid="ignore"):
        rows, columns = np.nonzero(np.isfinite(disparity) & (disparity > 0.5))
    d = disparity[rows, columns]
    z = k[0, 0] * baseline / d
    world = np.stack([(columns - k[0, 2]) / k[0, 0] * z, (rows - k[1, 2]) / k[1, 1] * z, z])
    moved = rotation @ world + translation[:, None]
    ahead = moved[2] > 0.5
    depth = np.where(ahead, moved[2], 1)
    x = np.rint(k[0, 0] * moved[0] / depth + k[0, 2]).astype(np.int64)
    y = np.rint(k[1, 1] * moved[1] / depth + k[1, 2]).astype(np.int64)
    inside = ahead & (x >= 0) & (x < w) & (y >= 0) & (y < h)
    index = y[inside] * w + x[inside]
    nearest = np.full(h * w, np.inf)
    np.minimum.at(nearest, index, moved[2][inside])
    result = np.zeros((h, w), bool)
    behind = moved[2][inside] > nearest[index] * (1 + tolerance)
    result[rows[inside][behind], columns[inside][behind]] = True
    return result


def bilinear(image, x, y):
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    return ((1 - fy) * ((1 - fx) * image[y0, x0] + fx * image[y0, x0 + 1])
            + fy * ((1 - fx) * image[y0 + 1, x0] + fx * image[y0 + 1, x0 + 1]))


def judge(first, second, data, cache, visible=False):
    report = []
    for sequence in sorted(glob.glob(os.path.join(data, "sequence*"))):
        name = os.path.basename(sequence)
        k, baseline = camera(sequence)
        motions = poses(sequence, cache)
        frames = sorted(os.listdir(os.path.join(sequence, "left")))
        grey = [cv2.imread(os.path.join(sequence, "left", f), cv2.IMREAD_GRAYSCALE)
                .astype(np.float32) for f in frames]
        censuses = [census(g) for g in grey]
        sums = {"census_a": 0.0, "census_b": 0.0, "grey_a": 0.0, "grey_b": 0.0}
        pixels = pairs = wins = 0
        for (t, later), (rotation, translation) in sorted(motions.items()):
            stem = os.path.splitext(frames[t])[0]
            a = read_pfm(os.path.join(first, name, stem, "disparity.pfm"))
            b = read_pfm(os.path.join(second, name, stem, "disparity.pfm"))
            with np.errstate(invalid="ignore"):
                changed = (np.isfinite(a) & np.isfinite(b) & (a > 0.5) & (b > 0.5)
                           & (np.abs(a - b) > 0.25))
            if visible:
                changed &= ~hidden(a, k, baseline, rotation, translation)
                changed &= ~hidden(b, k, baseline, rotation, translation)
            rows, columns = np.nonzero(changed)
            rows_f, columns_f = rows.astype(np.float64), columns.astype(np.float64)
            h, w = a.shape
            xa, ya, ahead_a = landing(a[rows, columns], rows_f, columns_f, k, baseline,
                                      rotation, translation)
            xb, yb, ahead_b = landing(b[rows, columns], rows_f, columns_f, k, baseline,
                                      rotation, translation)
            inside = ahead_a & ahead_b
            for x, y in ((xa, ya), (xb, yb)):
                inside &= (x >= 2) & (x <= w - 3) & (y >= 2) & (y <= h - 3)
            if not inside.any():
                continue
            rows, columns = rows[inside], columns[inside]
            xa, ya, xb, yb = xa[inside], ya[inside], xb[inside], yb[inside]
            source = censuses[t][rows, columns]
            target = censuses[later]
            cost_a = (source != target[np.rint(ya).astype(int), np.rint(xa).astype(int)]).sum(-1)
            cost_b = (source != target[np.rint(yb).astype(int), np.rint(xb).astype(int)]).sum(-1)
            base = grey[t][rows, columns]
            sums["census_a"] += cost_a.sum()
            sums["census_b"] += cost_b.sum()
            sums["grey_a"] += np.abs(base - bilinear(grey[later], xa, ya)).sum()
            sums["grey_b"] += np.abs(base - bilinear(grey[later], xb, yb)).sum()
            pixels += len(rows)
            pairs += 1
            wins += int(cost_b.mean() < cost_a.mean())
        if pixels:
            report.append(
                f"{name}: {pixels} changed pixels in {pairs} frame pairs: census cost "
                f"{sums['census_a'] / pixels:.3f} (A) against {sums['census_b'] / pixels:.3f} "
                f"(B); grey cost {sums['grey_a'] / pixels:.2f} against "
                f"{sums['grey_b'] / pixels:.2f}; B lower in {wins} of {pairs}")
    if not report:
        raise SystemExit("no pixel differs between the two maps")
    print("\n".join(report))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--visible", action="store_true",
                        help="compare only the pixels that neither map hides in the later frame")
    parser.add_argument("--poses", default=None,
                        help="where the camera motions are cached (default: A/../poses)")
    arguments = parser.parse_args()
    cache = arguments.poses or os.path.join(os.path.dirname(os.path.abspath(
        os.path.normpath(arguments.first))), "poses")
    judge(arguments.first, arguments.second, arguments.data, cache, arguments.visible)


if __name__ == "__main__":
    main()
