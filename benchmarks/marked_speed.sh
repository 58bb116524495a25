#!/usr/bin/env bash
# Times the `matching` preset's maps on a real 640x480 pair (the OAK-D desk pair, 192 px range,
# 2 threads) against OpenCV's StereoSGBM (cv2, 3-way, block 3, 192 px) on the same pair,
# interleaved over ROUNDS rounds: the dense left view, the marked map `wnet infer` writes by
# default (with the hole fill) and the marked map with `--no-fill-holes`. Prints each round's
# times and ratios to SGBM, then the median of the per-round ratios (these machines are shared
# and noisy: a ratio within a round cancels some of it).
#
#   bash benchmarks/marked_speed.sh [ROUNDS]
#
# `wnet bench` reports the median of 30 runs after 5 warm-up runs; cv2 the median of 10 calls
# after one warm-up call. Extra `wnet bench` options for all three maps go in WNET_OPTIONS.
# Without AVX-512 (most laptops), as in BENCHMARKS.md:
#   DNNL_MAX_CPU_ISA=AVX2 WNET_NARROW_CONVOLUTION=8 WNET_WEIGHTED_MEDIAN=8 WNET_HOLE_FILL=8 \
#   OPENCV_CPU_DISABLE=AVX512-SKX bash benchmarks/marked_speed.sh 7
# Build first: swift build -c release --product wnet.
source "$(dirname "$0")/speed-common.sh" 7 "$@"
read -r -a extra <<<"${WNET_OPTIONS:-}"
bench() { # OPTIONS...: the median time of `wnet bench` in ms
  .build/release/wnet bench --preset matching --left "$left" --right "$right" \
    --max-disparity 192 --runs 30 --warmup 5 --json "${extra[@]}" "$@" \
    | /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['median_ms'])"
}
results=()
for round in $(seq "$rounds"); do
  dense=$(bench)
  marked=$(bench --marked)
  unfilled=$(bench --marked --no-fill-holes)
  classic=$(/usr/bin/python3 benchmarks/sgbm_time.py "$left" "$right")
  line=$(/usr/bin/python3 -c "
d, m, u, s = $dense, $marked, $unfilled, $classic
print('%.4f %.4f %.4f' % (d / s, m / s, u / s))
print('round $round at $(date -u +%H:%M) UTC: dense %.1f, marked %.1f, marked --no-fill-holes %.1f, SGBM %.1f ms; ratios %.2f %.2f %.2f' % (d, m, u, s, d / s, m / s, u / s))")
  results+=("$(head -1 <<<"$line")")
  tail -1 <<<"$line"
done
printf '%s\n' "${results[@]}" | /usr/bin/python3 -c "
import statistics, sys
rows = [[float(v) for v in line.split()] for line in sys.stdin if line.strip()]
for index, name in enumerate(['dense', 'marked (default)', 'marked --no-fill-holes']):
    print('%s: median ratio to SGBM %.2f' % (name, statistics.median(r[index] for r in rows)))"
