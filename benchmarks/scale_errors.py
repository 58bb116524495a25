#!/usr/bin/env python3
"""Where a `matching` model's scales leave their errors: per scale of the PyTorch twin
(torch_matching.py), the bad-3 of that scale's estimate (brought to the input's size) over the
visible pixels, and how many of the pixels the final dense estimate gets wrong were within 3 and
8 px at that scale ("start": what the scale starts from, the coarser estimate handed on).

    /usr/bin/python3 benchmarks/scale_errors.py CHECKPOINT PAIR...

A PAIR folder holds im0.png, im1.png, disp0GT.pfm and mask0nocc.png (the 2005-2006 layout).
Small pairs are enlarged as `wnet infer`'s `small` policy does (factor min(1.5, sqrt(640*480 /
pixels)) when above 1); no border padding, no check: the dense estimate. Ground truth only
locates here (docs/RUNS.md, "Where the scales leave Books' errors"); nothing is chosen by it.
"""
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_matching as twin  # noqa: E402
from pfm import read_pfm  # noqa: E402

if len(sys.argv) < 3:
    raise SystemExit("usage: scale_errors.py CHECKPOINT PAIR...")
torch.set_num_threads(2)
model = twin.load_model(sys.argv[1])
for folder in sys.argv[2:]:
    left = twin.read_rgb(os.path.join(folder, 'im0.png'))
    right = twin.read_rgb(os.path.join(folder, 'im1.png'))
    truth = read_pfm(os.path.join(folder, 'disp0GT.pfm'))
    mask = cv2.imread(os.path.join(folder, 'mask0nocc.png'), cv2.IMREAD_GRAYSCALE) == 255
    h, w = left.shape[:2]
    f = min(1.5, np.sqrt(307200 / (w * h)))
    W, H = int(round(w * f)), int(round(h * f))
    def prep(img):
        img = cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR) if f > 1 else img
        m = model.size_multiple
        img = np.pad(img, ((0, -img.shape[0] % m), (0, -img.shape[1] % m), (0, 0)), mode='edge')
        return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)[None]))
    with torch.no_grad():
        l, r = prep(left), prep(right)
        outs = model.scales(l, r, sides=('left',))
        maps = []
        scores, _ = outs[0]['left']
        coarse = twin.local_expectation if model.local else twin.expectation
        d = coarse(scores, model.coarse_first)
        maps.append((8, d))
        for i, level in enumerate(model.levels):
            scores, base = outs[i + 1]['left']
            radius = (scores.shape[1] - 1) // 2
            last = i == len(model.levels) - 1
            local = model.local_refinement and not last
            hand = twin.local_expectation if local else twin.expectation
            maps.append((8 >> (i + 1), base + hand(scores, -radius)))
            maps.append((8 >> (i + 1), base))  # what the scale started from
    def to_input(factor, d):
        d = d[0, 0].numpy() * factor  # working px
        size = (d.shape[1] * factor, d.shape[0] * factor)
        d = cv2.resize(d, size, interpolation=cv2.INTER_LINEAR)
        d = d[:H if f > 1 else h, :W if f > 1 else w]
        if f > 1:
            d = cv2.resize(d, (w, h), interpolation=cv2.INTER_LINEAR) / f
        return d
    names = ['1/8', '1/4', '1/4 start', '1/2', '1/2 start', '1/1', '1/1 start']
    est = {n: to_input(fac, d) for n, (fac, d) in zip(names, maps)}
    known = np.isfinite(truth) & mask
    err = {n: np.abs(e - truth) for n, e in est.items()}
    wrong = known & (err['1/1'] > 3)
    print(os.path.basename(folder.rstrip('/')), 'factor %.2f' % f, 'visible px', known.sum(),
          'final wrong (bad-3, visible, dense) %.2f%%' % (100 * wrong.sum() / known.sum()))
    for n in names:
        e = err[n]
        bad = 100 * (known & (e > 3)).sum() / known.sum()
        near = [100 * (wrong & (e <= t)).sum() / wrong.sum() for t in (3, 8)]
        print('  %-9s bad-3 over visible %.2f%%; at the final-wrong pixels: within 3 px %.0f%%, '
              'within 8 px %.0f%%' % (n, bad, near[0], near[1]))
