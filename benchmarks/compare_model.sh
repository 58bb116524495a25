#!/usr/bin/env bash
# Times WNet and its PyTorch twins (benchmarks/torch_wnet.py for realtime and original,
# benchmarks/torch_matching.py for matching) on the same machine in one run: inference (batch 1)
# at 192x336 (matching also at 640x480) and a training step (batch 6) at 192x336, 2 threads,
# alternating the two implementations ROUNDS times and reporting medians and ratios
# (WNet / PyTorch). PyTorch runs with its best CPU settings here: channels_last (NCHW for
# matching, see torch_matching.py), 2 threads, glibc tuned to keep big buffers.
# Check the matching twin's arithmetic first: torch_matching.py --check CHECKPOINT LEFT RIGHT.
#
#   bash benchmarks/compare_model.sh [ROUNDS] [PRESET...]    (default: 3 rounds, all presets)
#
# Build first: swift build -c release.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
shift || true
presets=("${@:-realtime original matching}")
read -r -a presets <<< "${presets[*]}"
export OMP_NUM_THREADS=2
wnet=.build/release/wnet
torch() {
  local script=benchmarks/torch_wnet.py
  [ "$1" = matching ] && script=benchmarks/torch_matching.py
  shift
  MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=268435456 \
    /usr/bin/python3 "$script" "$@"
}
load() { awk '{print $1}' /proc/loadavg; }
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for preset in "${presets[@]}"; do
    cases=("infer 192 336" "train 192 336")
    [ "$preset" = matching ] && cases=("infer 192 336" "infer 480 640" "train 192 336")
    for case in "${cases[@]}"; do
      read -r mode height width <<< "$case"
      flags=(--height "$height" --width "$width" --json)
      [ "$mode" = train ] && flags+=(--train --runs 5 --warmup 1)
      [ "$mode" = infer ] && [ "$preset" != realtime ] && flags+=(--runs 10 --warmup 2)
      echo "wnet $($wnet bench --preset "$preset" "${flags[@]}")" >> "$results"
      twin=()  # the twin of the architecture `wnet bench` times (a new run's: the bundled one's)
      [ "$preset" = matching ] && twin=(--cosine-correlation --local-coarse-estimate
        --local-refinement-estimates --slim-half-scale)
      echo "torch $(torch "$preset" "${flags[@]}" ${twin[@]+"${twin[@]}"})" >> "$results"
      echo "round $round $preset $mode ${width}x$height done (load $(load))" >&2
    done
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, payload = line.split(" ", 1)
    r = json.loads(payload)
    key = (r["preset"].split()[0], r["mode"], "%dx%d" % (r["width"], r["height"]))
    rows.setdefault(key, {}).setdefault(who, []).append(r)
print("%-9s %-6s %-8s %10s %12s %7s %10s %12s %7s" % ("preset", "mode", "size", "wnet ms",
      "pytorch ms", "ratio", "wnet MiB", "pytorch MiB", "ratio"))
for (preset, mode, size), sides in sorted(rows.items()):
    w = statistics.median(r["median_ms"] for r in sides["wnet"])
    t = statistics.median(r["median_ms"] for r in sides["torch"])
    wm = statistics.median(r["peak_rss_mb"] for r in sides["wnet"])
    tm = statistics.median(r["peak_rss_mb"] for r in sides["torch"])
    print("%-9s %-6s %-8s %10.1f %12.1f %7.2f %10.0f %12.0f %7.2f"
          % (preset, mode, size, w, t, w / t, wm, tm, wm / tm))
PY
rm -f "$results"
