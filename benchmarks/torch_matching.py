#!/usr/bin/env python3
"""The PyTorch twin of WNet's `matching` preset, timed the way `wnet bench` times ours, and
checked against `wnet infer` with the same weights.

The same architecture as Sources/StereoDepth/Model/MatchingWNet.swift (and its ONNX export,
ONNXGraphBuilder+Matching.swift), NCHW:

    features (shared by the views): conv 3x3/2 3->16 (f1/2); 3x3/2 16->24, 24->24 (f1/4);
        3x3/2 24->32, 32->32 (f1/8), with deep features (--deep-features, or a checkpoint that
        has them) three more 32->32 at 1/8; conv 3x3 3->8 at full resolution (f1; 3->4, and a
        9->4 unit there, with --slim-full-scale)
    coarse: corr(f1/8 L, f1/8 R) over D8 absolute candidates (32 for 0...255), concat f1/8,
        conv 3x3 (32+D8)->48, 48->48, head conv 3x3 48->D8 (bias); d = softmax expectation;
        with the coarse context branch (--coarse-context, or a checkpoint that has it), the
        second 48->48 is: three 48->48 on maxpool 2x2 (1/16), bilinear x2, concat with the 1/8
        activation, conv 96->48;
        with cosine correlation (--cosine-correlation, or a checkpoint that has it), the
        correlations at 1/8 and 1/4 compare f / sqrt(mean_c f^2 + 0.01) instead of f;
        with the local coarse estimate (--local-coarse-estimate, or a checkpoint that has it),
        the d handed to 1/4 is the expectation over the argmax candidate and its two neighbours;
        with the correlation skip (--correlation-skip, or a checkpoint that has it), the coarse
        scores are head + alpha * the correlation volume (alpha a learned scalar, initially 4)
    refine at 1/4, 1/2, 1: d0 = 2 * bilinear x2 (half-pixel) of d; the other view's features
        warped by d0 (linear along the row, edge clamped); corr over the offsets -2...2;
        concat the scale's features, convs (29->24, 24->24 | 21->16 | 13->8), head -> 5 (bias);
        d = d0 + softmax expectation of the offsets (with the local refinement estimates,
        --local-refinement-estimates or a checkpoint that has them, the d handed on from 1/4
        and 1/2 is d0 + the expectation over the argmax offset and its two neighbours); with
        the wide refinement
        (--wide-refinement, or a checkpoint that has it) the 1/4 scale searches -4...4 instead
        (its first unit 33->24, its head -> 9)
    with the slim coarse scales (--slim-coarse-scales, or a checkpoint that has them) the coarse
        units and head input are 24 wide instead of 48 and the 1/4 refinement units 12 instead
        of 24 (29->12, 12->12, head 12->5)
    with the quarter coarse scale (--quarter-coarse, or a checkpoint that has it) the features
        stop at 1/4 (deep features add their units there, 24->24), the coarse scale correlates
        f1/4 over D4 candidates in 1/4 px (conv (24+D4)->48 first), and the refinement runs at
        1/2 and 1 only (its units keep their names refine.1, refine.2)
    with quarterPasses = P in a checkpoint (wnet --quarter-passes), the 1/4 scale runs P times,
        each pass warping by and refining around the last one's d (no gradient through it)
    with propagation = N in a checkpoint (wnet --propagation N; the bundled model has 2), the
        first N hand-ons choose d0 where the coarse 3x3 neighbourhood's estimates (x2) span more
        than 2 px of the finer scale: among the bilinear d0 and the nine neighbours' values, the
        first with the least 3x3-box sum of the channel-summed squared difference between the
        pixel's matched features and the other view's warped by it, sums below 1e-2 tying
        (DisparityPropagation.swift)

"conv" is convolution (no bias), batch norm, ReLU; correlation is the channel mean of
L(x) * R(x - d) (left view) or R(x) * L(x + d) (right view), zero outside the image. Training
renders every scale's downsampled views (probabilistic selection at 1/8, offset selection
around d0 at the finer scales) with the preset's loss: in-bounds-weighted L1 plus 0.1 x
edge-aware smoothness per view and scale.

    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/torch_matching.py --json
    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/torch_matching.py --train --json
    /usr/bin/python3 benchmarks/torch_matching.py --check CHECKPOINT LEFT RIGHT [--wnet PATH]

--check loads a `matching` checkpoint (safetensors, read by hand: Debian's python3 has no
safetensors module), runs the twin on the pair (RGB in [0, 1], edge-padded to multiples of 8,
as `wnet infer` does for this preset) and compares its disparity with `wnet infer`'s
disparity.npy; it prints the differences and exits 1 beyond --tolerance px.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_wnet import edge_aware, select  # noqa: E402  (the realtime twin's loss pieces)

FEATURE_WIDTHS = [16, 24, 32]
SLIM_HALF_WIDTH = 8  # the 1/2 features' width with slimHalfScale (MatchingWNet.slimHalfWidth)
FULL_WIDTH = 8
SLIM_FULL_WIDTH = 4  # the full-resolution features and unit with slimFullScale
COARSE_WIDTH = 48
SLIM_COARSE_WIDTH = 24  # with slimCoarseScales (MatchingWNet.slimCoarseWidth)
SLIM_QUARTER_WIDTH = 12  # the 1/4 refinement units with slimCoarseScales
RADIUS = 2
COARSE_FACTOR = 8
DEEP_FEATURE_UNITS = 3  # MatchingWNet.deepFeatureUnitCount
LOCAL_RADIUS = 1  # MatchingWNet.localEstimateRadius
SKIP_SCALE = 4.0  # MatchingWNet.correlationSkipInitialScale
WIDE_RADIUS = 4  # MatchingWNet.wideRefinementRadius


def coarse_range(minimum, maximum, factor=COARSE_FACTOR):
    """MatchingWNet.coarseRange: the first candidate floor(min/f) and the count Df, in 1/f px."""
    first = minimum // factor
    span = maximum - factor * first + 1
    return first, max(2, (span + factor - 1) // factor)


class ConvBNReLU(nn.Sequential):
    """ConvBatchNormReLU: a 3x3 convolution without bias (padding 1), batch norm, ReLU."""

    def __init__(self, cin, cout, stride=1):
        super().__init__(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def shifted(t, s):
    """t shifted along the width by s columns, zeros coming in: out(x) = t(x - s)."""
    if s == 0:
        return t
    w = t.shape[3]
    if abs(s) >= w:
        return torch.zeros_like(t)
    if s > 0:
        return F.pad(t[..., : w - s], (s, 0))
    return F.pad(t[..., -s:], (0, -s))


def correlation(left, right, dmin, count, view):
    """[N, C, H, W] twice -> [N, count, H, W]: channel means of L(x)R(x - d) or R(x)L(x + d)."""
    planes = []
    for k in range(count):
        d = dmin + k
        if view == "left":
            planes.append((left * shifted(right, d)).mean(1, keepdim=True))
        else:
            planes.append((right * shifted(left, -d)).mean(1, keepdim=True))
    return torch.cat(planes, 1)


def expectation(scores, dmin):
    """sum_k softmax(scores)_k (dmin + k): [N, K, H, W] -> [N, 1, H, W]."""
    k = scores.shape[1]
    candidates = torch.arange(dmin, dmin + k, dtype=scores.dtype).view(1, k, 1, 1)
    return (torch.softmax(scores, 1) * candidates).sum(1, keepdim=True)


def local_expectation(scores, dmin, radius=LOCAL_RADIUS):
    """The expectation over the argmax candidate k* (the first on ties) and its neighbours
    within radius: sum_{|k-k*|<=r} e_k (dmin + k) / sum_{|k-k*|<=r} e_k."""
    k = scores.shape[1]
    indices = torch.arange(k, dtype=scores.dtype).view(1, k, 1, 1)
    best = scores.argmax(1, keepdim=True).to(scores.dtype)
    weights = torch.exp(scores - scores.max(1, keepdim=True)[0])
    weights = weights * ((indices - best).abs() <= radius).to(scores.dtype)
    return (weights * (indices + dmin)).sum(1, keepdim=True) / weights.sum(1, keepdim=True)


PROPAGATION_THRESHOLD = 2.0  # DisparityPropagation.threshold
PROPAGATION_WINDOW = 3  # DisparityPropagation.window
PROPAGATION_FLOOR = 1e-2  # DisparityPropagation.costFloor


def propagated(d, bilinear, own, other, sigma):
    """DisparityPropagation.handOn: [N, 1, h, w] coarse d, its bilinear hand-on and the finer
    scale's features [N, C, 2h, 2w] of both views -> [N, 1, 2h, 2w]."""
    n, _, h, w = d.shape
    neighbours = 2 * F.unfold(F.pad(d, (1, 1, 1, 1), mode="replicate"), 3).view(n, 9, h, w)
    span = neighbours.max(1, keepdim=True)[0] - neighbours.min(1, keepdim=True)[0]
    marked = F.interpolate((span > PROPAGATION_THRESHOLD).to(d.dtype), scale_factor=2,
                           mode="nearest") > 0
    candidates = torch.cat(
        [bilinear, F.interpolate(neighbours, scale_factor=2, mode="nearest")], 1)
    grid = column_grid(bilinear)
    reach = PROPAGATION_WINDOW // 2
    ones = torch.ones(1, 1, PROPAGATION_WINDOW, PROPAGATION_WINDOW, dtype=d.dtype)
    costs = []
    for k in range(candidates.shape[1]):
        c = candidates[:, k:k + 1]
        error = ((own - sample_columns(other, grid + sigma * c)) ** 2).sum(1, keepdim=True)
        costs.append(F.conv2d(error, ones, padding=reach))
    best = torch.cat(costs, 1).clamp(min=PROPAGATION_FLOOR).argmin(1, keepdim=True)
    return torch.where(marked, torch.gather(candidates, 1, best), bilinear)


def sample_columns(source, columns):
    """source(y, columns(y, x)), linear along the row, columns clamped to [0, W - 1] (edge
    replication): [N, C, H, W], [N, 1, H, W] -> [N, C, H, W]. grid_sample with
    align_corners=True maps g = 2x/(W - 1) - 1 back to column x."""
    n, _, h, w = columns.shape
    gx = 2 * columns / max(w - 1, 1) - 1
    rows = torch.arange(h, dtype=columns.dtype).view(1, 1, h, 1).expand(n, 1, h, w)
    gy = 2 * rows / max(h - 1, 1) - 1
    grid = torch.cat([gx, gy], 1).permute(0, 2, 3, 1)
    return F.grid_sample(source, grid, mode="bilinear", padding_mode="border",
                         align_corners=True)


def column_grid(d):
    return torch.arange(d.shape[3], dtype=d.dtype).view(1, 1, 1, -1)


class MatchingWNet(nn.Module):
    def __init__(self, minimum=0, maximum=255, coarse_context=False, cosine=False, deep=False,
                 local=False, skip=False, wide=False, local_refinement=False, quarter=False,
                 slim_half=False, quarter_passes=1, propagation=0, slim_coarse=False,
                 slim_full=False):
        super().__init__()
        # How many hand-ons, coarsest first, propagate the neighbours' estimates (propagation).
        self.propagation = propagation
        # Passes of the 1/4 scale, each around the last one's estimate (quarterPasses).
        self.quarter_passes = quarter_passes
        self.coarse_factor = 4 if quarter else COARSE_FACTOR
        # The refinement levels (MatchingWNet.refinementLevels): 0 = 1/4, 1 = 1/2, 2 = 1.
        self.levels = [1, 2] if quarter else [0, 1, 2]
        self.size_multiple = self.coarse_factor * (2 if coarse_context else 1)
        # The offset radius of each refinement scale, 1/4, 1/2, 1 (MatchingWNet.refinementRadii).
        self.radii = [WIDE_RADIUS if wide else RADIUS, RADIUS, RADIUS]
        self.skip = nn.Parameter(torch.tensor([SKIP_SCALE])) if skip else None
        self.cosine = cosine
        self.local = local
        self.local_refinement = local_refinement
        w = [SLIM_HALF_WIDTH if slim_half else FEATURE_WIDTHS[0]] + FEATURE_WIDTHS[1:]
        self.coarse_first, self.d8 = coarse_range(minimum, maximum, self.coarse_factor)
        self.coarse_context = coarse_context
        aw = SLIM_COARSE_WIDTH if slim_coarse else COARSE_WIDTH  # the coarse aggregation width
        stages = [[ConvBNReLU(3, w[0], 2)],
                  [ConvBNReLU(w[0], w[1], 2), ConvBNReLU(w[1], w[1])],
                  [ConvBNReLU(w[1], w[2], 2), ConvBNReLU(w[2], w[2])]][:2 if quarter else 3]
        cw = w[len(stages) - 1]  # the coarse features' width
        stages[-1] += [ConvBNReLU(cw, cw) for _ in range(DEEP_FEATURE_UNITS if deep else 0)]
        self.features = nn.ModuleList([nn.Sequential(*stage) for stage in stages])
        full = SLIM_FULL_WIDTH if slim_full else FULL_WIDTH  # the full-resolution width
        self.features_full = ConvBNReLU(3, full)
        if coarse_context:
            self.coarse = nn.Sequential(ConvBNReLU(cw + self.d8, aw))
            self.context = nn.Sequential(*[ConvBNReLU(aw, aw) for _ in range(3)])
            self.context_merge = ConvBNReLU(2 * aw, aw)
        else:
            self.coarse = nn.Sequential(ConvBNReLU(cw + self.d8, aw), ConvBNReLU(aw, aw))
        self.coarse_head = nn.Conv2d(aw, self.d8, 3, padding=1)
        self.refine = nn.ModuleList()
        self.refine_heads = nn.ModuleList()
        for level in self.levels:
            inputs, units, radius = [w[1], w[0], full][level], [2, 1, 1][level], self.radii[level]
            # The units' width: the scale's features', the 1/4 one narrower with slim_coarse.
            width = SLIM_QUARTER_WIDTH if slim_coarse and level == 0 else inputs
            k = 2 * radius + 1
            layers = [ConvBNReLU(inputs + k, width)]
            layers += [ConvBNReLU(width, width) for _ in range(units - 1)]
            self.refine.append(nn.Sequential(*layers))
            self.refine_heads.append(nn.Conv2d(width, k, 3, padding=1))

    def pyramid(self, rgb):
        """[f1, f1/2, f1/4, f1/8] ([f1, f1/2, f1/4] with the quarter coarse scale)."""
        result, x = [self.features_full(rgb)], rgb
        for stage in self.features:
            x = stage(x)
            result.append(x)
        return result

    def matched(self, pyramid):
        """What the correlations compare: RMS-normalized features at 1/4 and 1/8 (cosine)."""
        if not self.cosine:
            return pyramid
        return [f if level < 2 else f / torch.sqrt((f * f).mean(1, keepdim=True) + 0.01)
                for level, f in enumerate(pyramid)]

    def scales(self, left, right, sides=("left", "right"), coarse_hand_on=None):
        """Per scale (coarse first): {side: (scores, base or None)}. `coarse_hand_on(scores)`,
        when given, replaces the coarse estimate handed to 1/4 (coarse_sgm.py's experiments)."""
        pyramids = {"left": self.pyramid(left), "right": self.pyramid(right)}
        matched = {side: self.matched(p) for side, p in pyramids.items()}
        other = {"left": "right", "right": "left"}
        result, disparity, level_out = [], {}, {}
        top = len(pyramids["left"]) - 1  # the coarse features' index
        for side in sides:
            volume = correlation(matched["left"][top], matched["right"][top], self.coarse_first,
                                 self.d8, side)
            x = self.coarse(torch.cat([pyramids[side][top], volume], 1))
            if self.coarse_context:
                c = self.context(F.max_pool2d(x, 2))
                c = F.interpolate(c, scale_factor=2, mode="bilinear", align_corners=False)
                x = self.context_merge(torch.cat([c, x], 1))
            scores = self.coarse_head(x)
            if self.skip is not None:
                scores = scores + self.skip * volume
            level_out[side] = (scores, None)
            if coarse_hand_on is not None:
                disparity[side] = coarse_hand_on(scores)
            else:
                disparity[side] = (local_expectation if self.local else expectation)(
                    scores, self.coarse_first)
        result.append(level_out)
        for level, units, head in zip(self.levels, self.refine, self.refine_heads):
            index = 2 - level  # f1/4, f1/2, f1
            level_out = {}
            for side in sides:
                # The coarse estimate steers the finer scale but gets no gradient through it.
                base = 2 * F.interpolate(disparity[side].detach(), scale_factor=2,
                                         mode="bilinear", align_corners=False)
                if len(result) - 1 < self.propagation:
                    base = propagated(disparity[side].detach(), base, matched[side][index],
                                      matched[other[side]][index], -1 if side == "left" else 1)
                for step in range(self.quarter_passes if level == 0 else 1):
                    if step > 0:  # the next pass starts from this one's estimate
                        base = disparity[side].detach()
                    features = pyramids[side][index]
                    sigma = -1 if side == "left" else 1
                    warped = sample_columns(matched[other[side]][index],
                                            column_grid(base) + sigma * base)
                    own = matched[side][index]
                    l, r = (own, warped) if side == "left" else (warped, own)
                    radius = self.radii[level]
                    volume = correlation(l, r, -radius, 2 * radius + 1, side)
                    scores = head(units(torch.cat([features, volume], 1)))
                    level_out[side] = (scores, base)
                    hand_on = local_expectation if self.local_refinement else expectation
                    disparity[side] = base + hand_on(scores, -radius)
            result.append(level_out)
        return result

    def forward(self, left, right):
        """The left view's disparity, [N, 1, H, W] in input pixels."""
        scores, base = self.scales(left, right, sides=("left",))[-1]["left"]
        return base + expectation(scores, -RADIUS)


# ---------------------------------------------------------------------------------------------
# Training: the preset's loss at every scale.

def offset_select(scores, base, source, direction):
    """OffsetSelection: view(x) = sum_k p_k source(x + sigma (d0 + o_k)), linear, edge clamped;
    also d0 + sum_k p_k o_k and the in-bounds probability mass; offsets -r...r, K = 2r + 1."""
    p = torch.softmax(scores, 1)
    radius = (p.shape[1] - 1) // 2
    w = source.shape[3]
    columns = column_grid(base)
    view, validity = 0, 0
    for k in range(p.shape[1]):
        position = columns + direction * (base + (k - radius))
        view = view + p[:, k:k + 1] * sample_columns(source, position)
        inside = ((position >= 0) & (position <= w - 1)).to(p.dtype)
        validity = validity + p[:, k:k + 1].detach() * inside
    return view, base + expectation(scores, -radius), validity


def downsampled(image, h, w):
    """WNet.downsampled: bilinear halvings (half-pixel) down to h x w."""
    while image.shape[2] > h or image.shape[3] > w:
        image = F.interpolate(image, size=(max(h, image.shape[2] // 2),
                                           max(w, image.shape[3] // 2)),
                              mode="bilinear", align_corners=False)
    return image


def loss_fn(model, left, right):
    total = 0
    h, w = left.shape[2:]
    factors = [model.coarse_factor >> i for i in range(len(model.levels) + 1)]
    for factor, outputs in zip(factors, model.scales(left, right)):
        images = {"left": downsampled(left, h // factor, w // factor),
                  "right": downsampled(right, h // factor, w // factor)}
        for side, source, direction in (("left", "right", -1), ("right", "left", 1)):
            scores, base = outputs[side]
            if base is None:
                view, disparity, validity = select(scores, images[source], model.coarse_first,
                                                   direction)
                dmin = model.coarse_first
            else:
                view, disparity, validity = offset_select(scores, base, images[source],
                                                          direction)
                dmin = 0
            error = (view - images[side]).abs().mean(1, keepdim=True)
            total = total + (error * validity).sum() / validity.sum().clamp_min(1e-6)
            total = total + 0.1 * edge_aware(disparity, images[side], dmin)
    return total


# ---------------------------------------------------------------------------------------------
# Weights from a WNet checkpoint.

def read_safetensors(path):
    """{name: float32 array} from a safetensors file (8-byte header length, JSON, raw LE data)."""
    with open(path, "rb") as file:
        length = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(length))
        data = file.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError("%s: %s is %s, not F32" % (path, name, entry["dtype"]))
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, json.loads(header.get("__metadata__", {}).get("wnet", "{}"))


def units(model):
    """(ConvBNReLU, checkpoint prefix) for every unit of the twin, in the file's naming."""
    for scale, stage in enumerate(model.features):
        for index, module in enumerate(stage):
            yield module, "features.%d.%d" % (scale, index)
    yield model.features_full, "features.full"
    for index, module in enumerate(model.coarse):
        yield module, "coarse.%d" % index
    if model.coarse_context:
        for index, module in enumerate(model.context):
            yield module, "coarse.context.%d" % index
        yield model.context_merge, "coarse.context.merge"
    for level, stage in zip(model.levels, model.refine):
        for index, module in enumerate(stage):
            yield module, "refine.%d.%d" % (level, index)


BATCH_NORM_NAMES = (("weight", "scale"), ("bias", "shift"), ("running_mean", "running_mean"),
                    ("running_var", "running_variance"))


def load_checkpoint(model, tensors):
    """Copies `model.*` tensors in: filters [C_out, KH, KW, C_in] -> [C_out, C_in, KH, KW]."""
    def conv(layer, prefix):
        layer.weight.data = torch.from_numpy(
            tensors[prefix + ".filter"].transpose(0, 3, 1, 2).copy())
        if layer.bias is not None:
            layer.bias.data = torch.from_numpy(tensors[prefix + ".bias"].copy())

    for module, prefix in units(model):
        conv(module[0], "model.%s.conv" % prefix)
        for ours, theirs in BATCH_NORM_NAMES:
            getattr(module[1], ours).data = torch.from_numpy(
                tensors["model.%s.bn.%s" % (prefix, theirs)].copy())
    conv(model.coarse_head, "model.coarse.head")
    if model.skip is not None:
        model.skip.data = torch.from_numpy(tensors["model.coarse.skip.scale"].copy().reshape(1))
    for level, head in zip(model.levels, model.refine_heads):
        conv(head, "model.refine.%d.head" % level)


def read_rgb(path):
    import cv2
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit("%s: cannot read the image" % path)
    return image[..., ::-1].astype(np.float32) / 255


def load_model(path):
    """The twin of the `matching` model in a WNet safetensors file, its weights loaded, in
    evaluation mode; its architecture from the file's configuration."""
    tensors, meta = read_safetensors(path)
    configuration = meta.get("configuration", {})
    if configuration.get("preset") != "matching":
        raise SystemExit("%s: not a matching checkpoint" % path)
    model = MatchingWNet(configuration.get("minimumDisparity", 0),
                         configuration.get("maximumDisparity", 255),
                         configuration.get("coarseContext", False),
                         configuration.get("cosineCorrelation", False),
                         configuration.get("deepFeatures", False),
                         configuration.get("localCoarseEstimate", False),
                         configuration.get("correlationSkip", False),
                         configuration.get("wideRefinement", False),
                         configuration.get("localRefinementEstimates", False),
                         configuration.get("quarterCoarse", False),
                         configuration.get("slimHalfScale", False),
                         configuration.get("quarterPasses", 1),
                         configuration.get("propagation", 0),
                         configuration.get("slimCoarseScales", False),
                         configuration.get("slimFullScale", False))
    load_checkpoint(model, tensors)
    return model.eval()


def check(arguments):
    model = load_model(arguments.check[0])
    multiple = model.size_multiple
    left, right = read_rgb(arguments.check[1]), read_rgb(arguments.check[2])
    h, w = left.shape[:2]

    def prepare(image):  # edge-padded to the size multiple, as DisparityEstimator.padded
        padded = np.pad(image, ((0, -h % multiple), (0, -w % multiple), (0, 0)), mode="edge")
        return torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1)[None]))

    with torch.no_grad():
        ours = model(prepare(left), prepare(right))[0, 0, :h, :w].numpy()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([arguments.wnet, "infer", arguments.check[1], arguments.check[2],
                        "--model", arguments.check[0], "--npy", "--dense", "--precision", "float32",
                        "--upscale", "1", "-o", folder],
                       check=True, stdout=subprocess.DEVNULL)
        theirs = np.load(os.path.join(folder, "disparity.npy")).reshape(h, w)
    difference = np.abs(ours - theirs)
    print("twin vs wnet infer at %dx%d: max %.3g px, mean %.3g px, disparity %.1f...%.1f px"
          % (w, h, difference.max(), difference.mean(), theirs.min(), theirs.max()))
    return 0 if difference.max() <= arguments.tolerance else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--width", type=int, default=336)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--cosine-correlation", action="store_true",
                        help="correlate RMS-normalized features at 1/8 and 1/4")
    parser.add_argument("--coarse-context", action="store_true",
                        help="with the coarse context branch at 1/16 (sizes: multiples of 16)")
    parser.add_argument("--deep-features", action="store_true",
                        help="with three more feature units at 1/8")
    parser.add_argument("--local-coarse-estimate", action="store_true",
                        help="hand 1/4 the expectation around the coarse argmax")
    parser.add_argument("--local-refinement-estimates", action="store_true",
                        help="hand on from 1/4 and 1/2 the expectation around the argmax offset")
    parser.add_argument("--correlation-skip", action="store_true",
                        help="add alpha * the correlation volume to the coarse scores")
    parser.add_argument("--wide-refinement", action="store_true",
                        help="search the offsets -4...4 at 1/4")
    parser.add_argument("--quarter-coarse", action="store_true",
                        help="match the whole range at 1/4, refine at 1/2 and 1")
    parser.add_argument("--slim-half-scale", action="store_true",
                        help="the 1/2 features and refinement unit 8 wide instead of 16")
    parser.add_argument("--slim-coarse-scales", action="store_true",
                        help="the coarse units 24 wide instead of 48, the 1/4 units 12 not 24")
    parser.add_argument("--slim-full-scale", action="store_true",
                        help="the full-resolution features and refinement unit 4 wide, not 8")
    parser.add_argument("--threads", type=int, default=2)
    # NCHW here, unlike the other twins: with channels_last, PyTorch 1.13's training step of
    # this network took 26x as long (batch 1, 96x168, measured), falling back to slow kernels
    # for its odd channel counts (29, 21, 13 inputs).
    parser.add_argument("--layout", choices=["channels_last", "nchw"], default="nchw")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", nargs=3, metavar=("CHECKPOINT", "LEFT", "RIGHT"))
    parser.add_argument("--wnet", default=".build/release/wnet")
    parser.add_argument("--tolerance", type=float, default=1e-3,
                        help="the largest difference to wnet infer --check accepts, in px")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        return check(args)
    torch.manual_seed(0)
    batch = args.batch or (6 if args.train else 1)
    memory_format = (torch.channels_last if args.layout == "channels_last"
                     else torch.contiguous_format)
    model = MatchingWNet(coarse_context=args.coarse_context,
                         cosine=args.cosine_correlation,
                         deep=args.deep_features,
                         local=args.local_coarse_estimate,
                         skip=args.correlation_skip,
                         wide=args.wide_refinement,
                         local_refinement=args.local_refinement_estimates,
                         quarter=args.quarter_coarse,
                         slim_half=args.slim_half_scale,
                         slim_coarse=args.slim_coarse_scales,
                         slim_full=args.slim_full_scale).to(memory_format=memory_format)
    left = torch.rand(batch, 3, args.height, args.width).contiguous(memory_format=memory_format)
    right = torch.rand(batch, 3, args.height, args.width).contiguous(memory_format=memory_format)
    runs = args.runs or (10 if args.train else 50)
    warmup = args.warmup or (2 if args.train else 5)
    times = []
    if args.train:
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        for i in range(warmup + runs):
            start = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model, left, right)
            loss.backward()
            optimizer.step()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    else:
        model.eval()
        with torch.no_grad():
            for i in range(warmup + runs):
                start = time.perf_counter()
                model(left, right)
                if i >= warmup:
                    times.append(time.perf_counter() - start)
    median = statistics.median(times)
    result = {
        "implementation": "pytorch-" + args.layout,
        "torch": torch.__version__,
        "preset": "matching" + (" coarse-context" if args.coarse_context else "")
        + (" cosine" if args.cosine_correlation else "")
        + (" deep-features" if args.deep_features else "")
        + (" local-coarse-estimate" if args.local_coarse_estimate else "")
        + (" local-refinement-estimates" if args.local_refinement_estimates else "")
        + (" correlation-skip" if args.correlation_skip else "")
        + (" wide-refinement" if args.wide_refinement else "")
        + (" quarter-coarse" if args.quarter_coarse else "")
        + (" slim-half-scale" if args.slim_half_scale else "")
        + (" slim-coarse-scales" if args.slim_coarse_scales else "")
        + (" slim-full-scale" if args.slim_full_scale else ""),
        "mode": "train" if args.train else "infer",
        "batch": batch,
        "height": args.height,
        "width": args.width,
        "median_ms": round(median * 1000, 3),
        "fps": round(batch / median, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    print(json.dumps(result) if args.json else result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
