#!/usr/bin/env python3
"""Writes the uniform "soup" of several WNet checkpoints of one architecture: every tensor the
plain average of the files' tensors (the batch-norm running statistics included), the metadata
the first file's less the CRC-32 (docs/RUNS.md, "A uniform soup of the six fine-tunes"). Meant for
runs fine-tuned from one start; `wnet eval --model OUT` scores the result.

    /usr/bin/python3 benchmarks/soup.py OUT CHECKPOINT CHECKPOINT [CHECKPOINT ...]

    W_soup = (1/n) · Σ_i W_i     for every tensor W, in float64, stored as float32
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swap_batch_norm import read, write  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    parser.add_argument("checkpoints", nargs="+")
    arguments = parser.parse_args()
    if len(arguments.checkpoints) < 2:
        raise SystemExit("soup.py: give at least two checkpoints")
    files = []
    for path in arguments.checkpoints:
        try:
            files.append(read(path))
        except (OSError, ValueError) as error:
            raise SystemExit("%s: not a readable safetensors file (%s)" % (path, error))
    first = files[0][0]
    names = sorted(k for k in first if k != "__metadata__")
    for path, (header, _) in zip(arguments.checkpoints[1:], files[1:]):
        other = sorted(k for k in header if k != "__metadata__")
        if other != names or any(header[k]["shape"] != first[k]["shape"] for k in names):
            raise SystemExit("%s: its tensors differ from %s's" % (path, arguments.checkpoints[0]))
    chunks = {}
    for name in names:
        if first[name]["dtype"] != "F32":
            raise SystemExit("%s: tensor %s is %s, not F32"
                             % (arguments.checkpoints[0], name, first[name]["dtype"]))
        total = np.zeros(first[name]["shape"], dtype=np.float64)
        for header, body in files:
            start, end = header[name]["data_offsets"]
            total += np.frombuffer(body[start:end], dtype="<f4").reshape(header[name]["shape"])
        chunks[name] = (total / len(files)).astype("<f4").tobytes()
    write(arguments.output, first, chunks)


if __name__ == "__main__":
    main()
