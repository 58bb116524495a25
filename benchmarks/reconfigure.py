#!/usr/bin/env python3
"""Writes a copy of a WNet safetensors file with some of its `matching` settings changed, for
settings that have no weights of their own (the hand-offs: localCoarseEstimate,
localRefinementEstimates), so that `wnet eval --model COPY` scores the same weights read another
way. The copy drops the file's CRC-32 (WNet reads files without one unchecked) and is not a
product of `wnet train`: use it to measure, not to ship.

    /usr/bin/python3 benchmarks/reconfigure.py IN OUT '{"localCoarseEstimate": true}'
"""
import json
import struct
import sys

ALLOWED = {"localCoarseEstimate", "localRefinementEstimates"}


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    source, target, changes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    unknown = set(changes) - ALLOWED
    if unknown:
        raise SystemExit("%s: only %s can change without retraining"
                         % (", ".join(sorted(unknown)), ", ".join(sorted(ALLOWED))))
    with open(source, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    metadata = header.get("__metadata__", {})
    if "wnet" not in metadata:
        raise SystemExit("%s: no WNet metadata" % source)
    metadata.pop("crc32", None)
    wnet = json.loads(metadata["wnet"])
    if wnet["configuration"].get("preset") != "matching":
        raise SystemExit("%s: not a matching model" % source)
    wnet["configuration"].update(changes)
    if wnet.get("training"):
        wnet["training"]["model"].update(changes)  # the recipe names the same model
    metadata["wnet"] = json.dumps(wnet)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(target, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + data[8 + length:])


if __name__ == "__main__":
    main()
