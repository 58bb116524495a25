#!/usr/bin/env python3
"""Prunes a `matching` model's 1/2 scale from 16 to H channels (its features and its refinement
unit), without data: each BN-ReLU channel's activation is taken as relu(y), y ~ N(shift, scale^2)
(its batch norm's running statistics normalise the pre-activation), its importance is
E[relu(y)^2] times the squared norm of the weights that read it, the H most important are kept,
and the mean E[relu(y)] of each dropped channel is folded into what reads it (the next batch
norm's running mean, or the head's bias). The 1/2 correlation is a mean over the features'
channels, so the refinement unit's weights on it are scaled by H/16. Writes a file without CRC
(read unchecked); `wnet train --init-from IN --slim-half-scale --transplant` does the same.

    prune_half.py IN OUT H
"""
import json, math, struct, sys
import numpy as np

def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    tensors = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        tensors[k] = np.frombuffer(data[8 + n + a:8 + n + b], dtype=np.float32).reshape(v["shape"]).copy()
    return header.get("__metadata__", {}), tensors

def write(path, metadata, tensors):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for k in sorted(tensors):
        b = np.ascontiguousarray(tensors[k], dtype=np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b); blobs.append(b)
    enc = json.dumps(header).encode(); enc += b" " * (-len(enc) % 8)
    open(path, "wb").write(struct.pack("<Q", len(enc)) + enc + b"".join(blobs))

def moments(t, unit):
    s, m = np.abs(t[unit + ".bn.scale"]), t[unit + ".bn.shift"]
    z = m / np.maximum(s, 1e-8)
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    mean = m * cdf + s * pdf
    square = (m * m + s * s) * cdf + m * s * pdf
    return mean, square

def slice_bn(t, unit, keep):
    for p in ("running_mean", "running_variance", "scale", "shift"):
        t[f"{unit}.bn.{p}"] = t[f"{unit}.bn.{p}"][keep]
    t[unit + ".conv.filter"] = t[unit + ".conv.filter"][keep]

def fold(t, reader, dropped, channels, mean, into_bn):
    """Adds the dropped input channels' constant contribution sum_{kh,kw,c} W[o,kh,kw,c]*mean[c]."""
    w = t[reader]
    const = (w[:, :, :, channels] * mean[dropped][None, None, None, :]).sum(axis=(1, 2, 3))
    if into_bn:  # pre-BN z + const: the running mean moves with it
        t[into_bn + ".bn.running_mean"] = t[into_bn + ".bn.running_mean"] - const
    else:
        t[reader.replace(".filter", ".bias")] = t[reader.replace(".filter", ".bias")] + const

def main():
    src, dst, h = sys.argv[1], sys.argv[2], int(sys.argv[3])
    meta, t = read(src)
    meta.pop("crc32", None)
    if "wnet" in meta:  # the file's model is now the slim one
        wnet = json.loads(meta["wnet"])
        wnet["configuration"]["slimHalfScale"] = True
        wnet.pop("training", None)
        meta["wnet"] = json.dumps(wnet)
    p = "model."
    # 1/2 features: read by features.1.0 (all 16 inputs) and refine.1.0 (its first 16 inputs).
    f0, f1, r0, rh = p + "features.0.0", p + "features.1.0", p + "refine.1.0", p + "refine.1.head"
    mean, square = moments(t, f0)
    w1, wr = t[f1 + ".conv.filter"], t[r0 + ".conv.filter"]
    width = w1.shape[3]
    score = square * ((w1 ** 2).sum(axis=(0, 1, 2)) + (wr[:, :, :, :width] ** 2).sum(axis=(0, 1, 2)))
    keep = np.sort(np.argsort(-score)[:h]); drop = np.setdiff1d(np.arange(width), keep)
    fold(t, f1 + ".conv.filter", drop, drop, mean, f1)
    fold(t, r0 + ".conv.filter", drop, drop, mean, r0)
    slice_bn(t, f0, keep)
    t[f1 + ".conv.filter"] = t[f1 + ".conv.filter"][:, :, :, keep]
    t[r0 + ".conv.filter"] = np.concatenate([wr[:, :, :, keep], wr[:, :, :, width:]], axis=3)
    t[r0 + ".conv.filter"][:, :, :, h:] *= h / width  # the correlation: a mean over h, not width
    print("features.0.0 keeps", keep.tolist(), "share of importance %.3f" % (score[keep].sum() / score.sum()))
    # 1/2 refinement unit: read by its head only.
    mean, square = moments(t, r0)
    wh = t[rh + ".filter"]
    score = square * (wh ** 2).sum(axis=(0, 1, 2))
    keep = np.sort(np.argsort(-score)[:h]); drop = np.setdiff1d(np.arange(wh.shape[3]), keep)
    fold(t, rh + ".filter", drop, drop, mean, None)
    slice_bn(t, r0, keep)
    t[rh + ".filter"] = t[rh + ".filter"][:, :, :, keep]
    print("refine.1.0 keeps", keep.tolist(), "share of importance %.3f" % (score[keep].sum() / score.sum()))
    write(dst, meta, t)

main()
