#!/usr/bin/python3
"""The PyTorch twin of `wnet bench ops`: the same operations, shapes and method.

Each direction runs `--warmup` untimed calls, then `--runs` timed calls; the median (and the
minimum) in milliseconds is reported, and `total` sums a case's medians. Backward passes call
the ATen backward operators directly (as `wnet bench ops` calls the backend's), so forward,
backward-data and backward-weights are timed separately.

Run with Debian's python3-torch 1.13 as /usr/bin/python3, OMP_NUM_THREADS=2, and glibc tuned to
keep big buffers (see benchmarks/compare_ops.sh). Both memory formats are timed: default NCHW
and channels_last (NHWC in memory, like WNet's tensors).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

aten = torch.ops.aten


def proc_stat():
    """(busy, total) clock ticks of all cores from /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:9]]
    except OSError:
        return None
    return sum(fields) - fields[3] - fields[4], sum(fields)


def busy_between(start, end):
    if start is None or end is None or end[1] <= start[1]:
        return None
    return 100 * (end[0] - start[0]) / (end[1] - start[1])


def busy_percent(seconds=2.0):
    """The machine's busy share over `seconds`, in percent (None without /proc/stat)."""
    start = proc_stat()
    time.sleep(seconds)
    return busy_between(start, proc_stat())


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(body, warmup, runs):
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = body()
        samples.append((time.perf_counter() - start) * 1e3)
        del result
    return statistics.median(samples), min(samples)


def cases(args, fmt):
    n, h, w, c = args.batch, args.height, args.width, args.channels
    g = torch.Generator().manual_seed(1)

    def rand(*shape, low=-1.0, high=1.0):
        t = torch.rand(*shape, generator=g) * (high - low) + low
        return t.contiguous(memory_format=fmt) if t.dim() == 4 else t

    x, gy = rand(n, c, h, w), rand(n, c, h, w)
    shape = f"[{n}, {h}, {w}, {c}]"

    # Convolutions: forward, backward-data, backward-weights (+bias).
    for name, weight_shape, groups, padding in [
        ("conv3x3", (c, c, 3, 3), 1, 1),
        ("depthwise3x3", (c, 1, 3, 3), c, 1),
        ("pointwise1x1", (c, c, 1, 1), 1, 0),
    ]:
        weight, bias = rand(*weight_shape), rand(c)

        def backward(mask, weight=weight, groups=groups, padding=padding):
            return aten.convolution_backward(
                gy, x, weight, [c], [1, 1], [padding, padding], [1, 1], False, [0, 0], groups, mask)

        yield name, f"{shape} * {list(weight_shape)}", [
            ("forward", lambda weight=weight, bias=bias, groups=groups, padding=padding:
                F.conv2d(x, weight, bias, padding=padding, groups=groups)),
            ("backward-data", lambda backward=backward: backward([True, False, False])),
            ("backward-weights", lambda backward=backward: backward([False, True, True])),
        ]

    # Transposed convolution 2x2 stride 2 from half resolution.
    half = rand(n, c, h // 2, w // 2)
    up_weight, up_bias = rand(c, c, 2, 2), rand(c)
    up_gradient = rand(n, c, h // 2 * 2, w // 2 * 2)

    def up_backward(mask):
        return aten.convolution_backward(
            up_gradient, half, up_weight, [c], [2, 2], [0, 0], [1, 1], True, [0, 0], 1, mask)

    yield "deconv2x2s2", f"[{n}, {h // 2}, {w // 2}, {c}] → [{n}, {h // 2 * 2}, {w // 2 * 2}, {c}]", [
        ("forward", lambda: F.conv_transpose2d(half, up_weight, up_bias, stride=2)),
        ("backward-data", lambda: up_backward([True, False, False])),
        ("backward-weights", lambda: up_backward([False, True, True])),
    ]

    # Batch norm (training statistics) and activations.
    scale, shift = rand(c, low=0.5, high=1.5), rand(c)
    running_mean, running_var = torch.zeros(c), torch.ones(c)
    _, save_mean, save_invstd = aten.native_batch_norm(
        x, scale, shift, running_mean, running_var, True, 0.1, 1e-5)
    yield "batchnorm", shape, [
        ("forward", lambda: aten.native_batch_norm(
            x, scale, shift, running_mean, running_var, True, 0.1, 1e-5)),
        ("backward", lambda: aten.native_batch_norm_backward(
            gy, x, scale, running_mean, running_var, save_mean, save_invstd, True, 1e-5,
            [True, True, True])),
    ]
    relu_out = torch.relu(x)
    yield "relu", shape, [
        ("forward", lambda: torch.relu(x)),
        ("backward", lambda: aten.threshold_backward(gy, relu_out, 0.0)),
    ]
    elu_out = F.elu(x)
    yield "elu", shape, [
        ("forward", lambda: F.elu(x)),
        ("backward", lambda: aten.elu_backward(gy, 1.0, 1.0, 1.0, True, elu_out)),
    ]

    # Pooling and resizing.
    pooled, indices = aten.max_pool2d_with_indices(x, [2, 2], [2, 2], [0, 0], [1, 1], False)
    pooled_gradient = rand(*pooled.shape)
    yield "maxpool2x2", f"{shape} → [{n}, {h // 2}, {w // 2}, {c}]", [
        ("forward", lambda: aten.max_pool2d_with_indices(x, [2, 2], [2, 2], [0, 0], [1, 1], False)),
        ("backward", lambda: aten.max_pool2d_with_indices_backward(
            pooled_gradient, x, [2, 2], [2, 2], [0, 0], [1, 1], False, indices)),
    ]
    up_size = [h // 2 * 2, w // 2 * 2]
    yield "bilinear2x", f"[{n}, {h // 2}, {w // 2}, {c}] → [{n}, {up_size[0]}, {up_size[1]}, {c}]", [
        ("forward", lambda: F.interpolate(half, size=up_size, mode="bilinear", align_corners=False)),
        ("backward", lambda: aten.upsample_bilinear2d_backward(
            up_gradient, up_size, list(half.shape), False, None, None)),
    ]

    # Softmax over 48 disparity logits at full resolution.
    logits = rand(n, args.softmax_channels, args.softmax_height, args.softmax_width, low=-4, high=4)
    probabilities = torch._softmax(logits, 1, False)
    logits_gradient = rand(*logits.shape)
    yield "softmax", f"[{n}, {args.softmax_height}, {args.softmax_width}, {args.softmax_channels}], over the channels", [
        ("forward", lambda: torch._softmax(logits, 1, False)),
        ("backward", lambda: torch._softmax_backward_data(
            logits_gradient, probabilities, 1, torch.float32)),
    ]

    # Layout and element-wise. The concat backward copies its slices, as WNet's must (autograd's
    # narrow views would cost nothing until used).
    other = rand(n, c, h, w)
    joined_gradient = rand(n, 2 * c, h, w)
    yield "concat", f"2 × {shape} → [{n}, {h}, {w}, {2 * c}]", [
        ("forward", lambda: torch.cat([x, other], 1)),
        ("backward", lambda: [
            joined_gradient.narrow(1, 0, c).contiguous(memory_format=fmt),
            joined_gradient.narrow(1, c, c).contiguous(memory_format=fmt)]),
    ]
    per_channel = rand(c).view(1, c, 1, 1)
    yield "add", f"{shape} + {shape}", [("forward", lambda: x + other)]
    yield "mul-per-channel", f"{shape} * [{c}]", [("forward", lambda: x * per_channel)]
    yield "sum-per-channel", f"{shape} → [{c}]", [("forward", lambda: x.sum(dim=(0, 2, 3)))]


def run(args, fmt, label):
    timings = []
    with torch.no_grad():
        for operation, shape, directions in cases(args, fmt):
            if args.filter and args.filter not in operation:
                continue
            total = total_minimum = 0.0
            for direction, body in directions:
                median, minimum = measure(body, args.warmup, args.runs)
                total += median
                total_minimum += minimum
                timings.append(dict(operation=operation, direction=direction, shape=shape,
                                    milliseconds=median, minimumMilliseconds=minimum))
                if not args.json:
                    print(f"{label:14} {operation:18} {direction:17} {median:9.3f} {minimum:9.3f}")
            if len(directions) > 1:
                timings.append(dict(operation=operation, direction="total", shape=shape,
                                    milliseconds=total, minimumMilliseconds=total_minimum))
                if not args.json:
                    print(f"{label:14} {operation:18} {'total':17} {total:9.3f} {total_minimum:9.3f}")
    return dict(backend=f"pytorch-{label}", format=label, timings=timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--filter", default=None)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    parser.add_argument("--formats", default="nchw,channels_last")
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--height", type=int, default=96)
    parser.add_argument("--width", type=int, default=168)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--softmax-height", type=int, default=192)
    parser.add_argument("--softmax-width", type=int, default=336)
    parser.add_argument("--softmax-channels", type=int, default=48)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    busy = busy_percent()
    formats = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}
    if not args.json:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
              f"machine busy before the run: {busy:.1f}%" if busy is not None else "")
        print(f"{'format':14} {'operation':18} {'direction':17} {'median ms':>9} {'min ms':>9}")
    start, own, wall = proc_stat(), own_cpu_seconds(), time.perf_counter()
    runs = [run(args, formats[label], label) for label in args.formats.split(",")]
    # The busy share of the machine that this process did not account for.
    busy_during = busy_between(start, proc_stat())
    other = None
    if busy_during is not None:
        mine = 100 * (own_cpu_seconds() - own) / ((time.perf_counter() - wall) * os.cpu_count())
        other = max(0.0, busy_during - mine)
    if args.json:
        json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(),
                       busyPercentBefore=busy, otherLoadPercent=other, runs=runs),
                  sys.stdout, indent=1)
        print()
    elif other is not None:
        print(f"load from other processes during the run: {other:.1f}% of the machine")


if __name__ == "__main__":
    main()
