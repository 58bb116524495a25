#!/usr/bin/env bash
# Times OpenCV's StereoSGBM called by `wnet infer --method sgbm` (the time it prints: converting
# the views to 8 bits, the call, converting the result) against the same call from Python's cv2
# (Debian's python3-opencv, the same library): its first call in the process, as wnet's is, and a
# second one. One pair, interleaved over ROUNDS rounds; prints the medians and the ratio.
#
#   bash benchmarks/sgbm_speed.sh [ROUNDS] [LEFT RIGHT] [MAX_DISPARITY]
#
# Defaults: 7 rounds, an OAK-D 640x480 pair from ../shared/data, 192 px, 3-way mode, block 3;
# OpenCV uses all cores in both (2 here). Build first: swift build -c release --product wnet.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-7}"
left="${2:-../shared/data/real-unlabelled/oakd-desk/left.png}"
right="${3:-../shared/data/real-unlabelled/oakd-desk/right.png}"
range="${4:-192}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  .build/release/wnet infer "$left" "$right" --method sgbm --sgbm-mode 3way --block-size 3 \
    --max-disparity "$range" --output "$out/wnet" | sed -n 's/.* in \([0-9.]*\) ms.*/wnet \1/p'
  /usr/bin/python3 - "$left" "$right" "$range" <<'PY'
import sys, time, cv2
left, right = cv2.imread(sys.argv[1]), cv2.imread(sys.argv[2])
n = (int(sys.argv[3]) + 15) // 16 * 16
b = 3
sgbm = cv2.StereoSGBM_create(minDisparity=0, numDisparities=n, blockSize=b, P1=8 * 3 * b * b,
                             P2=32 * 3 * b * b, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
# The first call, as `wnet infer` makes one call per process (OpenCV's TBB thread pool and the
# buffers cold; OpenCV's default thread count, all cores, in both), then a second one (warm).
for name in ("cv2", "cv2-warm"):
    start = time.perf_counter()
    sgbm.compute(left, right)
    print("%s %.1f" % (name, (time.perf_counter() - start) * 1000))
PY
done | /usr/bin/python3 -c '
import sys, statistics
times = {}
for line in sys.stdin:
    name, value = line.split()
    times.setdefault(name, []).append(float(value))
w, c = statistics.median(times["wnet"]), statistics.median(times["cv2"])
warm = statistics.median(times["cv2-warm"])
n = len(times["wnet"])
print(f"SGBM 3-way, block 3: wnet {w:.1f} ms, cv2 first call {c:.1f} ms, cv2 second call "
      f"{warm:.1f} ms (medians of {n}); wnet / cv2 first call {w / c:.2f}")
'
