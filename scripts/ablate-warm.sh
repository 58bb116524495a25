#!/usr/bin/env bash
# The 2000-step warm restarts of docs/RUNS.md, one after another, each resumed where it
# stopped (a finished run is left as it is):
#   bash scripts/ablate-warm.sh [ROOT]     # ROOT/ab-control, ab-proxy03, ab-proxy10, ab-proxy30, ab-scale4
# Needs the release build (swift build -c release --product wnet) and ../shared/data.
# INIT=FILE starts from other weights than the bundled model's (the runs of 2026-12-01 started
# from the model bundled before them: git show 33a0593:Sources/StereoDepth/Resources/wnet-matching.safetensors).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-runs}"
wnet="${WNET:-.build/release/wnet}"
data=../shared/data
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
init="${INIT:-Sources/StereoDepth/Resources/wnet-matching.safetensors}"
common=(--preset matching --init-from "$init"
  --data "$data/eth3d-two-view" --data "$data/middlebury-2014-quarter"
  --data "$data/kitti-odometry-sample" --data "$data/real-unlabelled"
  --validation-fraction 0.1 --synthetic-share 0.25 --learning-rate 1e-3 --ssim
  --smoothness-weight 0.01 --occlusion-mask --cosine-correlation
  --steps 2000 --learning-rate-drops 1500
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250 --seed 3)
run() {
  local name="$1"
  shift
  if [ -f "$root/$name/checkpoint.safetensors" ]; then
    "$wnet" train --resume --output "$root/$name"
  else
    "$wnet" train "${common[@]}" "$@" --output "$root/$name"
  fi
}
run ab-control --proxy-weight 0.1 --max-scale 2.5 --min-coverage 0.03
run ab-proxy03 --proxy-weight 0.3 --max-scale 2.5 --min-coverage 0.03
run ab-proxy10 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03
run ab-proxy30 --proxy-weight 3 --max-scale 2.5 --min-coverage 0.03
run ab-scale4 --proxy-weight 0.1 --max-scale 4 --min-coverage 0.01
