#!/usr/bin/env bash
# The bundled matching model's last four runs again with the slimmer 1/2 scale
# (`--slim-half-scale`: its features and refinement unit 8 channels wide instead of 16; docs/RUNS.md,
# "The slim 1/2 scale in the clean lineage"): the first run prunes the clean `matching-proxy`
# weights into it (`--transplant`), then the same four runs, seeds and teachers as
# `scripts/retrain-clean.sh ROOT 200`, into ROOT/slim/{local,teach,teach2,teach3}, exported to
# ROOT/slim/wnet-matching.safetensors. Each run resumes where it stopped.
#   bash scripts/retrain-slim.sh [ROOT]    # ROOT defaults to runs/clean
# Needs ROOT/matching-proxy (scripts/retrain-clean.sh ROOT), the release build and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}"
start="$root/matching-proxy/checkpoint.safetensors"
[ -f "$start" ] || { echo "retrain-slim.sh: no $start (run scripts/retrain-clean.sh $root)" >&2; exit 1; }
slim=(--slim-half-scale --local-coarse-estimate --local-refinement-estimates --learning-rate 1e-4)
stage slim/local 1000 --init-from "$start" --transplant --proxy-weight 1 "${slim[@]}" --seed 205
previous=slim/local
for run in teach:1:208 teach2:1:210 teach3:3:211; do
  IFS=: read -r name weight seed <<<"$run"
  stage "slim/$name" 1000 --init-from "$root/$previous/checkpoint.safetensors" \
    --proxy-teacher "$root/$previous/checkpoint.safetensors" --proxy-weight "$weight" \
    "${slim[@]}" --seed "$seed"
  previous="slim/$name"
done
"$wnet" export --model "$root/slim/teach3/checkpoint.safetensors" \
  --weights "$root/slim/wnet-matching.safetensors" --propagation 2
