#!/usr/bin/env python3
"""Writes a copy of a WNet safetensors file A whose batch-norm running statistics (the tensors
named `...running_mean` and `...running_variance`) come from file B, everything else from A, or
with `--weights` the other way round: B's weights with A's statistics. Both files must hold the
same tensors (the same architecture; B may hold more, such as a checkpoint's optimizer state,
which is left out). To tell, after a fine-tune, how much of a change in
`wnet eval` comes from the statistics the run re-estimated and how much from its weights. The
copy drops the CRC-32 and keeps A's metadata: use it to measure, not to ship.

    /usr/bin/python3 benchmarks/swap_batch_norm.py A B OUT [--weights]
"""
import argparse
import json
import struct


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + length]), data[8 + length:]


def write(path, header, chunks):
    """A safetensors file of `header`'s tensors (names, dtypes, shapes) with the bytes
    `chunks[name]`, its metadata `header`'s less the CRC-32."""
    metadata = dict(header.get("__metadata__", {}))
    metadata.pop("crc32", None)
    result, offset = {"__metadata__": metadata}, 0
    names = sorted(k for k in header if k != "__metadata__")
    for name in names:
        result[name] = {"dtype": header[name]["dtype"], "shape": header[name]["shape"],
                        "data_offsets": [offset, offset + len(chunks[name])]}
        offset += len(chunks[name])
    encoded = json.dumps(result).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks[n] for n in names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("output")
    parser.add_argument("--weights", action="store_true",
                        help="B's weights with A's statistics instead")
    arguments = parser.parse_args()
    (header_a, body_a), (header_b, body_b) = read(arguments.a), read(arguments.b)
    names = sorted(k for k in header_a if k != "__metadata__")
    if any(k not in header_b or header_a[k]["shape"] != header_b[k]["shape"] for k in names):
        raise SystemExit("%s lacks tensors of %s, or their shapes differ"
                         % (arguments.b, arguments.a))
    chunks = {}
    for name in names:
        from_b = ("running" in name) != arguments.weights
        source_header, body = (header_b, body_b) if from_b else (header_a, body_a)
        start, end = source_header[name]["data_offsets"]
        chunks[name] = body[start:end]
    write(arguments.output, header_a, chunks)


if __name__ == "__main__":
    main()
