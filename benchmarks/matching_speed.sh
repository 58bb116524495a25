#!/usr/bin/env bash
# Times the `matching` preset's inference (`wnet bench`, 640x480 and 192x336, 192 px range, full
# resolution; the dense left view, and the marked map `wnet infer` writes by default, `--marked`)
# against OpenCV's StereoSGBM (cv2, 3-way, block 3, 192 px, on an OAK-D 640x480
# pair), interleaved over ROUNDS rounds, and prints the medians of each round's medians and the
# ratio matching / SGBM. Set BASELINE to a second wnet binary to time it too (before/after, both
# at the preset's own range 0...255, since an older binary may not take --max-disparity). Set
# LAYOUT to layout options of `wnet bench` (for example "--quarter-coarse --coarse-context") to
# also time that layout at 640x480 (the bundled model's options for the others; the time does
# not depend on the weights' values).
#
#   bash benchmarks/matching_speed.sh [ROUNDS]
#
# `wnet bench` reports the median of 30 runs after 5 warm-up runs, from two decoded images to
# the disparity map; cv2 the median of 10 calls after one warm-up call, in one process (both
# warm: buffers and thread pools started). 2 threads in both (OMP_NUM_THREADS, cv2.setNumThreads).
# Build first: swift build -c release --product wnet.
source "$(dirname "$0")/speed-common.sh" 5 "$@"
bench() { # NAME BINARY WIDTH HEIGHT [OPTIONS...]
  "$2" bench --preset matching --width "$3" --height "$4" "${@:5}" --runs 30 --warmup 5 --json \
    | /usr/bin/python3 -c "import json, sys; print('$1', json.load(sys.stdin)['median_ms'])"
}
for _ in $(seq "$rounds"); do
  bench matching-640x480 .build/release/wnet 640 480 --max-disparity 192
  bench matching-336x192 .build/release/wnet 336 192 --max-disparity 192
  # What `wnet infer` writes by default: both views, the left-right check, the speckle filter.
  bench marked-640x480 .build/release/wnet 640 480 --max-disparity 192 --marked
  bench marked-336x192 .build/release/wnet 336 192 --max-disparity 192 --marked
  if [ -n "${LAYOUT:-}" ]; then
    # shellcheck disable=SC2086 # LAYOUT is a list of options
    bench layout-640x480 .build/release/wnet 640 480 --max-disparity 192 $LAYOUT
  fi
  if [ -n "${BASELINE:-}" ]; then
    # The baseline may predate --max-disparity: both at the preset's own range 0...255.
    bench range255-640x480 .build/release/wnet 640 480
    bench baseline-range255-640x480 "$BASELINE" 640 480
    bench range255-336x192 .build/release/wnet 336 192
    bench baseline-range255-336x192 "$BASELINE" 336 192
  fi
  echo "sgbm-640x480 $(/usr/bin/python3 benchmarks/sgbm_time.py "$left" "$right")"
done | /usr/bin/python3 -c '
import sys, statistics
times = {}
for line in sys.stdin:
    name, value = line.split()
    times.setdefault(name, []).append(float(value))
medians = {name: statistics.median(values) for name, values in times.items()}
for name, value in medians.items():
    print(f"{name}: median {value:.1f} ms over {len(times[name])} rounds "
          f"({min(times[name]):.1f}-{max(times[name]):.1f})")
sgbm = medians["sgbm-640x480"]
for name in ("matching-640x480", "marked-640x480", "layout-640x480", "range255-640x480",
             "baseline-range255-640x480"):
    if name in medians:
        print(f"{name} / sgbm-640x480: {medians[name] / sgbm:.2f}")
'
