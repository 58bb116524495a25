# Sourced by the training-run scripts (scripts/ablate-warm.sh, scripts/restart-quarter.sh) with
# their arguments, [ROOT [RUN...]]: sets root (ROOT, default runs), wanted (the RUNs), wnet
# ($WNET or the release build), OMP_NUM_THREADS (default 2), evaluation_args (the evaluation sets
# whose pictures no run may hold: MiddEval3's Teddy is Middlebury 2003's teddy), data_args (the
# four sources without ground truth that every run trains on, and evaluation_args) and
# clean_recipe (the options that the bundled matching model's runs share,
# scripts/retrain-clean.sh), and defines bundled_weights, finished, stage, first_three,
# first_fine_tune and last_four; works from the repository root.
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
evaluation_args=(--evaluation-data "$data/middlebury-2001-2003"
  --evaluation-data "$data/middlebury-2005-2006")
if [ -d "$HOME/.cache/wnet/samples/aloe" ]; then
  evaluation_args+=(--evaluation-data "$HOME/.cache/wnet/samples/aloe")
fi
data_args=(--data "$data/eth3d-two-view" --data "$data/middlebury-2014-quarter"
  --data "$data/kitti-odometry-sample" --data "$data/real-unlabelled" "${evaluation_args[@]}")
clean_recipe=(--preset matching "${data_args[@]}"
  --validation-fraction 0.1 --synthetic-share 0.25 --ssim --smoothness-weight 0.01
  --occlusion-mask --max-scale 2.5 --min-coverage 0.03 --cosine-correlation
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250)
# finished NAME STEPS: whether ROOT/NAME's log reached STEPS steps.
finished() {
  [ -f "$root/$1/log.jsonl" ] && [ "$(/usr/bin/python3 -c "import json, sys
steps = [json.loads(line).get('step', 0) for line in open(sys.argv[1]) if line.strip()]
print(max(steps, default=0))" "$root/$1/log.jsonl")" -ge "$2" ]
}
# stage NAME STEPS FLAGS...: runs ROOT/NAME to STEPS steps with clean_recipe and FLAGS (resuming
# it if it started); stops the script unless the run got there (a run stopped by a signal saves
# and exits early).
stage() {
  local name="$1" steps="$2"
  shift 2
  local run="$root/$name"
  if ! finished "$name" "$steps"; then
    if [ -f "$run/checkpoint.safetensors" ]; then
      "$wnet" train --resume --output "$run"
    else
      "$wnet" train "${clean_recipe[@]}" --steps "$steps" "$@" --output "$run"
    fi
  fi
  finished "$name" "$steps" || { echo "$run stopped before step $steps" >&2; exit 1; }
}
# first_three PREFIX [FLAGS...]: the bundled matching recipe's first three runs (README), into
# ROOT/PREFIX{matching,matching-warm,matching-proxy}, each from the one before; FLAGS go to every
# run. Ends with ROOT/PREFIXmatching-proxy trained.
first_three() {
  local prefix="$1"
  shift
  stage "${prefix}matching" 8000 --learning-rate 1e-3 --proxy-weight 0.1 \
    --learning-rate-drops 7000 --seed 1 "$@"
  stage "${prefix}matching-warm" 7000 --init-from "$root/${prefix}matching/checkpoint.safetensors" \
    --learning-rate 1e-3 --proxy-weight 0.1 --learning-rate-drops 6000 --seed 2 "$@"
  stage "${prefix}matching-proxy" 2000 \
    --init-from "$root/${prefix}matching-warm/checkpoint.safetensors" \
    --learning-rate 1e-3 --proxy-weight 1 --learning-rate-drops 1500 --seed 3 "$@"
}
# first_fine_tune NAME START K [FLAGS...]: the recipe's first fine-tune (`local`, the last run of
# the bundled model's recipe since session 41): 1000 steps (FINE_TUNE_STEPS, when set, instead)
# into ROOT/NAME from START at rate 1e-4
# with SGBM's proxy (weight 1) and both local hand-offs, seed 5 + K, FLAGS added.
first_fine_tune() {
  local name="$1" start="$2" k="$3"
  shift 3
  stage "$name" "${FINE_TUNE_STEPS:-1000}" --init-from "$start" --proxy-weight 1 --learning-rate 1e-4 \
    --local-coarse-estimate --local-refinement-estimates --seed $((5 + k)) "$@"
}
# last_four PREFIX START K FIRST [FLAGS...]: the bundled matching recipe's last four runs
# (README), into ROOT/PREFIX{local,teach,teach2,teach3}: 1000 steps each at rate 1e-4 with the
# local estimates; the first from START with SGBM's proxy (weight 1) and the option FIRST unless
# it is empty, the others each from and taught by the one before (proxy weights 1, 1, 3); seeds 5,
# 8, 10 and 11 raised by K; FLAGS go to every run. Ends with ROOT/PREFIXteach3 trained.
last_four() {
  local prefix="$1" start="$2" k="$3" first="$4"
  shift 4
  local common=(--learning-rate 1e-4 --local-coarse-estimate --local-refinement-estimates "$@")
  first_fine_tune "${prefix}local" "$start" "$k" ${first:+"$first"} "$@"
  local previous="${prefix}local" run name weight seed
  for run in teach:1:8 teach2:1:10 teach3:3:11; do
    IFS=: read -r name weight seed <<<"$run"
    stage "$prefix$name" 1000 --init-from "$root/$previous/checkpoint.safetensors" \
      --proxy-teacher "$root/$previous/checkpoint.safetensors" --proxy-weight "$weight" \
      "${common[@]}" --seed $((seed + k))
    previous="$prefix$name"
  done
}
