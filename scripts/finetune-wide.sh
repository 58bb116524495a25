#!/usr/bin/env bash
# One more teacher round of the bundled matching model (docs/RUNS.md, "Wider training crops"):
# 1000 steps from the bundled run's last checkpoint (ROOT/seed200/teach3, made by
# `bash scripts/retrain-clean.sh ROOT 200`), the checkpoint also the proxy teacher, as that
# run's own last round; `wide` at 320x640 crops in batches of 2 (about the same pixels per step
# as 192x336 in batches of 6), `more` at the recipe's crops (the control). Each resumes where it
# stopped; the exports are ROOT/seed200/{wide,more}/wnet-matching.safetensors.
#   bash scripts/finetune-wide.sh [ROOT]    # ROOT defaults to runs/clean
# Needs the release build (swift build -c release --product wnet) and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}"
base="$root/seed200/teach3/checkpoint.safetensors"
[ -f "$base" ] || { echo "finetune-wide.sh: no $base (run scripts/retrain-clean.sh $root 200)" >&2; exit 1; }
round=(--init-from "$base" --proxy-teacher "$base" --learning-rate 1e-4 --proxy-weight 3
  --local-coarse-estimate --local-refinement-estimates --seed 412)
stage seed200/wide 1000 "${round[@]}" --height 320 --width 640 --batch-size 2
"$wnet" export --model "$root/seed200/wide/checkpoint.safetensors" \
  --weights "$root/seed200/wide/wnet-matching.safetensors" --propagation 2
stage seed200/more 1000 "${round[@]}"
"$wnet" export --model "$root/seed200/more/checkpoint.safetensors" \
  --weights "$root/seed200/more/wnet-matching.safetensors" --propagation 2
