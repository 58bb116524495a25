#!/usr/bin/env bash
# Times WNet and its PyTorch twin (benchmarks/torch_wnet.py) on the same machine in one run:
# inference (batch 1) and a training step (batch 6) of both presets at 192x336, 2 threads,
# alternating the two implementations ROUNDS times and reporting medians and ratios (WNet / PyTorch).
# PyTorch runs with its best CPU settings here: channels_last, 2 threads, glibc tuned to keep big
# buffers. Usage: bash benchmarks/compare_model.sh [ROUNDS]  (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
export OMP_NUM_THREADS=2
wnet=.build/release/wnet
torch() { MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=268435456 /usr/bin/python3 benchmarks/torch_wnet.py "$@"; }
load() { awk '{print $1}' /proc/loadavg; }
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for preset in realtime original; do
    for mode in infer train; do
      flags=(--preset "$preset" --json)
      [ "$mode" = train ] && flags+=(--train --runs 5 --warmup 1)
      [ "$mode" = infer ] && [ "$preset" = original ] && flags+=(--runs 10 --warmup 2)
      echo "wnet $($wnet bench "${flags[@]}")" >> "$results"
      echo "torch $(torch "${flags[@]}")" >> "$results"
      echo "round $round $preset $mode done (load $(load))" >&2
    done
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, payload = line.split(" ", 1)
    r = json.loads(payload)
    rows.setdefault((r["preset"], r["mode"]), {}).setdefault(who, []).append(r)
print("%-9s %-6s %10s %12s %7s %12s %12s %7s" % ("preset", "mode", "wnet ms", "pytorch ms", "ratio", "wnet MiB", "pytorch MiB", "ratio"))
for (preset, mode), sides in sorted(rows.items()):
    w = statistics.median(r["median_ms"] for r in sides["wnet"])
    t = statistics.median(r["median_ms"] for r in sides["torch"])
    wm = statistics.median(r["peak_rss_mb"] for r in sides["wnet"])
    tm = statistics.median(r["peak_rss_mb"] for r in sides["torch"])
    print("%-9s %-6s %10.1f %12.1f %7.2f %12.0f %12.0f %7.2f" % (preset, mode, w, t, w / t, wm, tm, wm / tm))
PY
rm -f "$results"
