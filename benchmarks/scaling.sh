#!/usr/bin/env bash
# How WNet's time and memory grow with input size and batch (BENCHMARKS.md, "Scaling"):
# realtime inference at batch 1 from 192x336 to 768x1344, inference batches at 192x336, and
# training steps at growing sizes and batches, 2 threads. Prints a Markdown table.
# Usage: bash benchmarks/scaling.sh   (build first: swift build -c release --product wnet)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
wnet=.build/release/wnet
run() { "$wnet" bench --json "$@"; }
{
  for size in "192 336" "384 672" "768 1344"; do
    set -- $size
    run --height "$1" --width "$2" --runs 20 --warmup 3
  done
  for batch in 2 4 8; do run --batch "$batch" --runs 20 --warmup 3; done
  for batch in 1 2 6 12; do run --train --batch "$batch" --runs 5 --warmup 1; done
  run --train --height 384 --width 672 --batch 1 --runs 5 --warmup 1
  run --train --height 384 --width 672 --batch 6 --runs 3 --warmup 1
  run --train --height 768 --width 1344 --batch 1 --runs 3 --warmup 1
} | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
print("| mode | batch | size | pixels vs 192x336 x1 | median ms | ms per frame | per-pixel cost vs smallest | peak RSS MiB |")
print("|---|---:|---|---:|---:|---:|---:|---:|")
base = {}
for r in rows:
    pixels = r["batch"] * r["height"] * r["width"] / (192 * 336)
    per = r["median_ms"] / pixels
    base.setdefault(r["mode"], per)
    print("| %s | %d | %dx%d | %.0f | %.1f | %.1f | %.2f | %.0f |" % (
        r["mode"], r["batch"], r["height"], r["width"], pixels, r["median_ms"],
        r["median_ms"] / r["batch"], per / base[r["mode"]], r["peak_rss_mb"]))
'
