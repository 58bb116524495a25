#!/usr/bin/env bash
# The bundled matching model's seven training runs (README, "`matching` (the default)"), again,
# with the evaluation sets' pictures left out (--evaluation-data: the README's commands trained
# on MiddEval3's Teddy, which is Middlebury 2003's teddy). Each run resumes where it stopped and
# a finished one is left as it is, so the script can be stopped and started again across sessions:
#   bash scripts/retrain-clean.sh [ROOT [K]]    # ROOT defaults to runs/clean
# Then ROOT/wnet-matching.safetensors holds the weights as the bundled file stores them. With K,
# the last four runs go again with their seeds raised by K (docs/RUNS.md, "The clean model
# judged"), into ROOT/seedK/{local,teach,teach2,teach3} and ROOT/seedK/wnet-matching.safetensors.
# The bundled file since session 35 is K=200's (the README's commands):
#   bash scripts/retrain-clean.sh runs/clean 200
# Needs the release build (swift build -c release --product wnet) and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}" ${2:+"$2"}
k="${wanted[0]:-0}"
[[ "$k" =~ ^[0-9]+$ ]] ||
  { echo "usage: retrain-clean.sh [ROOT [K]], K a whole number" >&2; exit 1; }
# last NAME: where the last four runs' NAME goes; its folder, ROOT or ROOT/seedK, holds the export.
last() { if [ "$k" -eq 0 ]; then echo "matching-$1"; else echo "seed$k/$1"; fi; }
out="$root/$(dirname "$(last x)")"
mkdir -p "$out"
local_estimates=(--local-coarse-estimate --local-refinement-estimates)
stage matching 8000 --learning-rate 1e-3 --proxy-weight 0.1 --learning-rate-drops 7000 --seed 1
stage matching-warm 7000 --init-from "$root/matching/checkpoint.safetensors" --learning-rate 1e-3 \
  --proxy-weight 0.1 --learning-rate-drops 6000 --seed 2
stage matching-proxy 2000 --init-from "$root/matching-warm/checkpoint.safetensors" \
  --learning-rate 1e-3 --proxy-weight 1 --learning-rate-drops 1500 --seed 3
stage "$(last local)" 1000 --init-from "$root/matching-proxy/checkpoint.safetensors" \
  --learning-rate 1e-4 --proxy-weight 1 "${local_estimates[@]}" --seed $((5 + k))
stage "$(last teach)" 1000 --init-from "$root/$(last local)/checkpoint.safetensors" \
  --proxy-teacher "$root/$(last local)/checkpoint.safetensors" --learning-rate 1e-4 \
  --proxy-weight 1 "${local_estimates[@]}" --seed $((8 + k))
stage "$(last teach2)" 1000 --init-from "$root/$(last teach)/checkpoint.safetensors" \
  --proxy-teacher "$root/$(last teach)/checkpoint.safetensors" --learning-rate 1e-4 \
  --proxy-weight 1 "${local_estimates[@]}" --seed $((10 + k))
stage "$(last teach3)" 1000 --init-from "$root/$(last teach2)/checkpoint.safetensors" \
  --proxy-teacher "$root/$(last teach2)/checkpoint.safetensors" --learning-rate 1e-4 \
  --proxy-weight 3 "${local_estimates[@]}" --seed $((11 + k))
"$wnet" export --model "$root/$(last teach3)/checkpoint.safetensors" \
  --weights "$out/wnet-matching.safetensors" --propagation 2
