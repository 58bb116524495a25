#!/usr/bin/env bash
# What `--weighted-median` costs: `wnet infer` on an OAK-D 640x480 pair (or LEFT/RIGHT), with and
# without it, interleaved over ROUNDS rounds; prints the median wall time of each and the
# difference (the filter, on the map the bundled model keeps there). Whole processes, so both
# include the start and the model's loading, which the difference cancels.
#
#   bash benchmarks/median_speed.sh [ROUNDS]
#
# 2 threads (OMP_NUM_THREADS). Build first: swift build -c release --product wnet.
source "$(dirname "$0")/speed-common.sh" 7 "$@"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  for variant in plain median; do
    flags=()
    [ "$variant" = median ] && flags=(--weighted-median)
    start=$EPOCHREALTIME
    .build/release/wnet infer "$left" "$right" "${flags[@]}" --output "$out/$variant" >/dev/null
    echo "$variant $start $EPOCHREALTIME"
  done
done | /usr/bin/python3 -c '
import sys, statistics
times = {}
for line in sys.stdin:
    name, start, end = line.split()
    times.setdefault(name, []).append((float(end) - float(start)) * 1000)
medians = {name: statistics.median(values) for name, values in times.items()}
for name, value in medians.items():
    print(f"infer {name}: median {value:.0f} ms over {len(times[name])} runs")
cost = medians["median"] - medians["plain"]
print(f"--weighted-median costs {cost:.0f} ms")
'
