#!/usr/bin/env python3
"""PyTorch twins of WNet's two presets, timed the way `wnet bench` times ours.

Same layers, sizes, loss and candidate ranges as the Swift implementation (see
Sources/StereoDepth/Model and Losses). Run with Debian's python3-torch:

    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/torch_wnet.py --preset realtime --json
    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/torch_wnet.py --preset realtime --train --json

Prints one JSON object like `wnet bench --json`. PyTorch's best CPU setting here is
channels_last with 2 threads and glibc tuned to keep big buffers (see run_comparison.sh).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, k, groups=1):
        super().__init__(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DS(nn.Sequential):
    """Depthwise 3x3 + BN + ReLU, pointwise 1x1 + BN + ReLU."""

    def __init__(self, cin, cout):
        super().__init__(ConvBNReLU(cin, cin, 3, groups=cin), ConvBNReLU(cin, cout, 1))


class RealtimeWNet(nn.Module):
    widths = [32, 64, 128, 256]

    def __init__(self, d):
        super().__init__()
        w = self.widths
        self.d = d
        self.stem = nn.Sequential(ConvBNReLU(6, w[0], 3), DS(w[0], w[0]))
        self.encoder = nn.ModuleList(nn.Sequential(DS(w[i - 1], w[i]), DS(w[i], w[i])) for i in range(1, 4))
        self.decoder = nn.ModuleList(nn.Sequential(DS(w[i + 1] + w[i], w[i]), DS(w[i], w[i])) for i in (2, 1, 0))
        self.head = nn.Conv2d(w[0], 2 * d, 1)

    def forward(self, x):
        x = self.stem(x)
        skips = [x]
        for level in self.encoder:
            x = level(F.max_pool2d(x, 2))
            skips.append(x)
        skips.pop()
        for level in self.decoder:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = level(torch.cat([x, skips.pop()], 1))
        s = self.head(x)
        return s[:, : self.d], s[:, self.d:]


class SepReLUBN(nn.Module):
    """Keras SeparableConv2D (depthwise without bias, pointwise with bias) or a full 3x3 conv, then ReLU, then BN."""

    def __init__(self, cin, cout, full=False):
        super().__init__()
        if full:
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        else:
            self.conv = nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1))
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(F.relu(self.conv(x)))


class OriginalWNet(nn.Module):
    enc = [32, 64, 128, 256, 512]
    dec = [256, 128, 64, 64]

    def __init__(self, d):
        super().__init__()
        self.encoder = nn.ModuleList()
        prev = 6
        for w in self.enc:
            self.encoder.append(nn.Sequential(SepReLUBN(prev, w), SepReLUBN(w, w)))
            prev = w
        self.ups = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for i, w in enumerate(self.dec):
            skip = self.enc[len(self.enc) - 2 - i]
            self.ups.append(nn.ConvTranspose2d(prev, w, 2, stride=2))
            self.decoder.append(nn.Sequential(SepReLUBN(w + skip, w, full=True), SepReLUBN(w, w)))
            prev = w
        self.head_ups = nn.ModuleList(
            nn.ModuleList(nn.ConvTranspose2d(c, 32, s, stride=s) for c, s in ((32, 4), (64, 8), (128, 16))) for _ in range(2))
        self.head_convs = nn.ModuleList(
            nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.Conv2d(32, d, 1)) for _ in range(2))

    def forward(self, x):
        levels, pooled = [], []
        for i, level in enumerate(self.encoder):
            x = level(x)
            levels.append(x)
            if i < len(self.encoder) - 1:
                x = F.max_pool2d(x, 2)
                pooled.append(x)
        for i, level in enumerate(self.decoder):
            x = level(torch.cat([self.ups[i](x), levels[len(levels) - 2 - i]], 1))
            x = F.dropout(x, 0.4, self.training)
        outs = []
        for view in range(2):
            first = view == 0
            c = x.shape[1]
            maps = [x[:, : c // 2] if first else x[:, c // 2:]]
            for j, up in enumerate(self.head_ups[view]):
                p = pooled[j + 1]
                h = p.shape[1] // 2
                maps.append(up(p[:, h:] if first else p[:, :h]))
            outs.append(self.head_convs[view](sum(maps) / len(maps)))
        return outs[0], outs[1]


def select_loop(logits, source, dmin, direction):
    """The probabilistic selection layer as a loop over the candidates of (probability x shifted
    source), edges replicated."""
    p = torch.softmax(logits, 1)
    n, d, h, w = p.shape
    pad = max(dmin + d - 1, -dmin, 0)
    padded = F.pad(source, (pad, pad, 0, 0), mode="replicate")
    view = 0
    for k in range(d):
        shift = direction * (dmin + k)
        view = view + p[:, k:k + 1] * padded[..., pad + shift: pad + shift + w]
    return p, view


def select_stack(logits, source, dmin, direction):
    """The same layer vectorised: the D shifted copies of the source gathered from one strided
    `unfold` view into a [N, C, H, D, W] stack, contracted with P by einsum."""
    p = torch.softmax(logits, 1)
    n, d, h, w = p.shape
    pad = max(dmin + d - 1, -dmin, 0)
    padded = F.pad(source, (pad, pad, 0, 0), mode="replicate")
    windows = padded.unfold(3, w, 1)  # [N, C, H, 2·pad + 1, W], a view
    starts = torch.tensor([pad + direction * (dmin + k) for k in range(d)])
    stack = windows.index_select(3, starts)  # [N, C, H, D, W]
    return p, torch.einsum("nchdw,ndhw->nchw", stack, p)


SELECT = {"loop": select_loop, "stack": select_stack}


def select(logits, source, dmin, direction, variant="stack"):
    p, view = SELECT[variant](logits, source, dmin, direction)
    n, d, h, w = p.shape
    columns = torch.arange(w)
    shifts = torch.tensor([direction * (dmin + k) for k in range(d)]).view(d, 1)
    inside = ((columns + shifts >= 0) & (columns + shifts < w)).to(p.dtype).view(1, d, 1, w)
    validity = (p.detach() * inside).sum(1, keepdim=True)
    candidates = torch.arange(dmin, dmin + d, dtype=p.dtype).view(1, d, 1, 1)
    disparity = (p * candidates).sum(1, keepdim=True)
    return view, disparity, validity


def edge_aware(disp, img, dmin):
    s = disp - dmin
    s = s / (s.mean((2, 3), keepdim=True) + 1e-7)
    dx = (s[..., 1:] - s[..., :-1]).abs() * torch.exp(-(img[..., 1:] - img[..., :-1]).abs().mean(1, keepdim=True))
    dy = (s[..., 1:, :] - s[..., :-1, :]).abs() * torch.exp(-(img[..., 1:, :] - img[..., :-1, :]).abs().mean(1, keepdim=True))
    return dx.mean() + dy.mean()


def gradient2017(f):
    c = f[..., 2:-2, 2:-2]
    s = (c - f[..., 1:-3, 2:-2]) ** 2 + (c - f[..., 3:-1, 2:-2]) ** 2 + (c - f[..., 2:-2, 1:-3]) ** 2 + (c - f[..., 2:-2, 3:-1]) ** 2
    return 0.25 * torch.sqrt(s + 1e-8)


def smooth2017(disp, img):
    gray = img.mean(1, keepdim=True)
    gray = gray / (gray.amax((1, 2, 3), keepdim=True) + 1e-6)
    return (gradient2017(disp) * (1 - gradient2017(gray))).mean()


def loss_fn(preset, left, right, logits, dmin, variant):
    total = 0
    for side, (lg, img, src, direction) in enumerate(((logits[0], left, right, -1), (logits[1], right, left, 1))):
        view, disparity, validity = select(lg, src, dmin, direction, variant)
        err = (view - img).abs().mean(1, keepdim=True)
        total = total + (err * validity).sum() / validity.sum().clamp_min(1e-6)
        if preset == "realtime":
            total = total + 0.1 * edge_aware(disparity, img, dmin)
        else:
            total = total + 0.001 * smooth2017(disparity, img)
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", choices=["realtime", "original"], default="realtime")
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--width", type=int, default=336)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layout", choices=["channels_last", "nchw"], default="channels_last")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--selection", choices=["stack", "loop"], default="stack",
                        help="how the twin implements the selection layer (stack: vectorised; loop: per candidate)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batch = args.batch or (6 if args.train else 1)
    dmin, d = (0, 48) if args.preset == "realtime" else (-16, 32)
    model = RealtimeWNet(d) if args.preset == "realtime" else OriginalWNet(d)
    memory_format = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=memory_format)
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
            logits = model(torch.cat([left, right], 1))
            loss = loss_fn(args.preset, left, right, logits, dmin, args.selection)
            loss.backward()
            optimizer.step()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    else:
        model.eval()
        with torch.no_grad():
            for i in range(warmup + runs):
                start = time.perf_counter()
                left_logits, _ = model(torch.cat([left, right], 1))
                p = torch.softmax(left_logits, 1)
                candidates = torch.arange(dmin, dmin + d, dtype=p.dtype).view(1, d, 1, 1)
                disparity = (p * candidates).sum(1)
                if i >= warmup:
                    times.append(time.perf_counter() - start)
    median = statistics.median(times)
    result = {
        "implementation": "pytorch-" + args.layout + ("-" + args.selection if args.train else ""),
        "torch": torch.__version__,
        "preset": args.preset,
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


if __name__ == "__main__":
    sys.exit(main())
