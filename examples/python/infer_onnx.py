#!/usr/bin/env python3
"""Disparity for a rectified stereo pair with WNet's ONNX model and onnxruntime alone.

    wnet export --onnx wnet.onnx
    python3 examples/python/infer_onnx.py wnet.onnx left.png right.png -o out
    # out/disparity.pfm, out/disparity.npy, out/disparity.png: what `wnet infer` writes

Needs numpy and onnxruntime (scripts/setup.sh puts both in ~/.cache/wnet/venv). Reads 8- and
16-bit PNG (non-interlaced), binary PPM/PGM and, when Pillow or OpenCV is installed, anything
they read. Every rule it applies is read from the model's metadata (keys wnet.*, written by
`wnet export`), which is the same contract `wnet infer` follows (DisparityEstimator):

    d_max_input = --max-disparity, else wnet.default_disparity_fraction * W (fraction 0: scale 1)
    scale = min(1, wnet.maximum_disparity / d_max_input)
    w, h = max(M, round(W * scale)), max(M, round(H * scale))      M = wnet.size_multiple
    resize to h x w (bilinear, half-pixel), edge-pad to multiples of M, run, crop,
    resize the disparity back to H x W and multiply it by W / w.
"""
import argparse
import os
import struct
import sys
import zlib

import numpy as np


# ---------------------------------------------------------------------------------------------
# Images in: PNG (pure Python + zlib), PPM/PGM, else Pillow/OpenCV if present.

def _unfilter(raw, width, height, bpp):
    """Undoes PNG's per-row filters; returns (height, width * bpp) uint8."""
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    position = 0
    for y in range(height):
        kind = raw[position]
        row = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=position + 1).astype(np.int32)
        position += stride + 1
        if kind == 0:
            current = row
        elif kind == 1:
            current = row.copy()
            for x in range(bpp, stride):
                current[x] = (current[x] + current[x - bpp]) & 0xFF
        elif kind == 2:
            current = (row + previous) & 0xFF
        elif kind == 3:
            current = row.copy()
            for x in range(stride):
                left = current[x - bpp] if x >= bpp else 0
                current[x] = (current[x] + ((left + previous[x]) >> 1)) & 0xFF
        elif kind == 4:
            current = row.copy()
            for x in range(stride):
                a = current[x - bpp] if x >= bpp else 0
                b = previous[x]
                c = previous[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                current[x] = (current[x] + predictor) & 0xFF
        else:
            raise ValueError("bad PNG filter type %d" % kind)
        out[y] = current
        previous = current
    return out


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG file" % path)
    position, idat, palette = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat += body
    if interlace:
        raise ValueError("%s: interlaced PNG is not supported here" % path)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if depth < 8:
        raise ValueError("%s: PNG of %d bits per sample is not supported here" % (path, depth))
    bpp = channels * depth // 8
    rows = _unfilter(zlib.decompress(idat), width, height, bpp)
    if depth == 16:
        samples = rows.reshape(height, width * channels, 2).astype(np.uint32)
        values = ((samples[..., 0] << 8) | samples[..., 1]).reshape(height, width, channels)
        image = values.astype(np.float32) / 65535
    else:
        values = rows.reshape(height, width, channels)
        if color == 3:
            values = palette[values[..., 0]]
            channels = 3
        image = values.astype(np.float32) / 255
    if channels in (2, 4):  # drop alpha
        image = image[..., :channels - 1]
    return image


def read_pnm(path):
    data = open(path, "rb").read()
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            while data[position:position + 1] not in (b"\n", b""):
                position += 1
            continue
        start = position
        while not data[position:position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    magic, width, height, maximum = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    channels = {b"P5": 1, b"P6": 3}.get(magic)
    if channels is None:
        raise ValueError("%s: only binary PGM (P5) and PPM (P6) are read here" % path)
    dtype = np.dtype(">u2") if maximum > 255 else np.uint8
    values = np.frombuffer(data, dtype=dtype, count=width * height * channels, offset=position + 1)
    return values.reshape(height, width, channels).astype(np.float32) / maximum


def read_image(path):
    """An image as float32 (H, W, 3) RGB in [0, 1], grey repeated."""
    head = open(path, "rb").read(2)
    if head == b"\x89P":
        image = read_png(path)
    elif head in (b"P5", b"P6"):
        image = read_pnm(path)
    else:
        try:
            from PIL import Image
            image = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255
        except ImportError:
            import cv2
            image = cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return image


# ---------------------------------------------------------------------------------------------
# The contract (model metadata).

def _resize_taps(out_size, in_size):
    """oneDNN's resampling_linear taps along one axis, in float32 as it computes them:
    s = (o + 0.5) * in / out - 0.5, taps max(trunc(s), 0) and min(ceil(s), in - 1),
    far weight |s - near tap|, near weight 1 - far weight."""
    f32 = np.float32
    s = (np.arange(out_size, dtype=f32) + f32(0.5)) * f32(in_size) / f32(out_size) - f32(0.5)
    near = np.maximum(np.trunc(s), 0).astype(np.int64)
    far = np.minimum(np.where(s < 0, 0, np.ceil(s)), in_size - 1).astype(np.int64)
    far_weight = np.abs(s - near.astype(f32))
    return near, far, f32(1) - far_weight, far_weight


def _fma(a, b, c):
    """a * b + c rounded once to float32, as a fused multiply-add (the float32 product is exact
    in float64)."""
    return (a.astype(np.float64) * b + c).astype(np.float32)


def resize_bilinear(image, height, width):
    """Half-pixel bilinear resize of float32 (H, W, C), no antialiasing: wnet.resize.

    The arithmetic is that of oneDNN's resampling kernel, which `wnet infer` runs, rounding
    for rounding: each row is left * w_left then a fused multiply-add of right * w_right,
    then the two rows the same way with the vertical weights. A float64 resize differs in the
    last bit of half the pixels, and the network turns that into up to 1e-3 px (issue 14).
    """
    in_h, in_w = image.shape[:2]
    if (in_h, in_w) == (height, width):
        return image
    y0, y1, w_top, w_bottom = _resize_taps(height, in_h)
    x0, x1, w_left, w_right = _resize_taps(width, in_w)
    w_left, w_right = w_left[None, :, None], w_right[None, :, None]
    data = image.astype(np.float32)

    def rows(y):
        row = data[y]
        return _fma(row[:, x1], w_right, row[:, x0] * w_left)

    top, bottom = rows(y0), rows(y1)
    return _fma(bottom, w_bottom[:, None, None], top * w_top[:, None, None])


def round_half_away(value):
    return int(np.floor(np.float32(value) + np.float32(0.5)))


def working_size(width, height, meta, max_disparity=None):
    """wnet.scale_policy and wnet.input_size_rule, in float32 as the Swift code computes them."""
    f32 = np.float32
    model_maximum = f32(max(int(meta["wnet.maximum_disparity"]), 1))
    if max_disparity is None and f32(meta["wnet.default_disparity_fraction"]) == 0:
        return width, height  # a coarse-to-fine model: the input's own size
    if max_disparity is None:
        input_maximum = f32(meta["wnet.default_disparity_fraction"]) * f32(width)
    else:
        input_maximum = f32(max_disparity)
    scale = min(f32(1), f32(model_maximum / max(input_maximum, f32(1e-3))))
    multiple = int(meta["wnet.size_multiple"])
    return (max(multiple, round_half_away(f32(width) * scale)),
            max(multiple, round_half_away(f32(height) * scale)))


def pad_to_multiple(image, multiple):
    h, w = image.shape[:2]
    padded_h = (h + multiple - 1) // multiple * multiple
    padded_w = (w + multiple - 1) // multiple * multiple
    return np.pad(image, ((0, padded_h - h), (0, padded_w - w), (0, 0)), mode="edge")


def infer(session, left, right, max_disparity=None):
    """Left-view disparity (H, W) float32 in input pixels."""
    meta = session.get_modelmeta().custom_metadata_map
    height, width = left.shape[:2]
    w, h = working_size(width, height, meta, max_disparity)
    multiple = int(meta["wnet.size_multiple"])

    def prepare(image):
        small = pad_to_multiple(resize_bilinear(image, h, w), multiple)
        return np.ascontiguousarray(small.transpose(2, 0, 1)[None], dtype=np.float32)

    (disparity,) = session.run(["disparity"], {"left": prepare(left), "right": prepare(right)})
    cropped = disparity[0, 0, :h, :w, None]
    full = resize_bilinear(cropped, height, width)[..., 0]
    return full * (np.float32(width) / np.float32(w)) if w != width else full


# ---------------------------------------------------------------------------------------------
# Files out: the same names and formats as `wnet infer`.

def write_pfm(path, image):
    """Middlebury PFM, little-endian, bottom row first."""
    height, width = image.shape[:2]
    with open(path, "wb") as file:
        file.write(b"Pf\n%d %d\n-1.0\n" % (width, height))
        file.write(np.ascontiguousarray(image[::-1], dtype="<f4").tobytes())


def write_png16(path, values):
    """A 16-bit grey PNG of uint16 (H, W)."""
    height, width = values.shape
    rows = b"".join(b"\x00" + values[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)))
        file.write(chunk(b"IDAT", zlib.compress(rows, 6)))
        file.write(chunk(b"IEND", b""))


def write_outputs(folder, disparity):
    os.makedirs(folder, exist_ok=True)
    write_pfm(os.path.join(folder, "disparity.pfm"), disparity)
    np.save(os.path.join(folder, "disparity.npy"), disparity.astype(np.float32))
    known = np.isfinite(disparity) & (disparity > 0)
    kitti = np.where(known, np.clip(np.floor(disparity * 256 + 0.5), 1, 65535), 0)
    write_png16(os.path.join(folder, "disparity.png"), kitti.astype(np.uint16))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="the ONNX file from 'wnet export --onnx'")
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("-o", "--output", default="wnet-output", help="the output folder")
    parser.add_argument("--max-disparity", type=float,
                        help="the largest disparity expected, in input pixels")
    arguments = parser.parse_args()
    import onnxruntime

    session = onnxruntime.InferenceSession(arguments.model, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    if "wnet.default_disparity_fraction" not in meta:
        sys.exit("%s: no wnet.* inference metadata; export it again with a newer 'wnet export'"
                 % arguments.model)
    left, right = read_image(arguments.left), read_image(arguments.right)
    if left.shape != right.shape:
        sys.exit("%s and %s differ in size" % (arguments.left, arguments.right))
    disparity = infer(session, left, right, arguments.max_disparity)
    write_outputs(arguments.output, disparity)
    w, h = working_size(left.shape[1], left.shape[0], meta, arguments.max_disparity)
    print("disparity for %dx%d (network at %dx%d) in %s"
          % (left.shape[1], left.shape[0], w, h, arguments.output))


if __name__ == "__main__":
    main()
