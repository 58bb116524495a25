# Sourced by the training-run scripts (scripts/ablate-warm.sh, scripts/restart-quarter.sh) with
# their arguments, [ROOT [RUN...]]: sets root (ROOT, default runs), wanted (the RUNs), wnet
# ($WNET or the release build), OMP_NUM_THREADS (default 2) and data_args (the four sources
# without ground truth that every run trains on, and the evaluation sets whose pictures they must
# not hold: MiddEval3's Teddy is Middlebury 2003's teddy) and defines bundled_weights; works from
# the repository root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="${1:-runs}"
shift || true
wanted=("$@")
wnet="${WNET:-.build/release/wnet}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
data=../shared/data
# bundled_weights COMMIT: extracts COMMIT's bundled matching model to
# ROOT/init-COMMIT.safetensors (atomically, once).
bundled_weights() {
  local init="$root/init-$1.safetensors"
  if [ ! -f "$init" ]; then
    mkdir -p "$root"
    git show "$1:Sources/StereoDepth/Resources/wnet-matching.safetensors" > "$init.$$.tmp"
    mv "$init.$$.tmp" "$init"
  fi
}
data_args=(--data "$data/eth3d-two-view" --data "$data/middlebury-2014-quarter"
  --data "$data/kitti-odometry-sample" --data "$data/real-unlabelled")
data_args+=(--evaluation-data "$data/middlebury-2001-2003"
  --evaluation-data "$data/middlebury-2005-2006")
if [ -d "$HOME/.cache/wnet/samples/aloe" ]; then
  data_args+=(--evaluation-data "$HOME/.cache/wnet/samples/aloe")
fi
