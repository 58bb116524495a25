#!/usr/bin/env bash
# Issue 13's ablation with the clean data (docs/RUNS.md, "The ablation again, clean"): three
# 1000-step runs of the bundled recipe's first run (scripts/retrain-clean.sh, random scale and
# cosine correlation on) from seeded weights, one lever added at a time. Each resumes where it
# stopped; a finished run is left as it is:
#   bash scripts/ablate-clean.sh [ROOT]    # ROOT defaults to runs/clean; runs in ROOT/ablation
# About 10 minutes a run on 2 cores. Needs the release build and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}"
mkdir -p "$root/ablation"
first=(--learning-rate 1e-3 --seed 1)
stage ablation/photometric 1000 "${first[@]}" --no-occlusion-mask --proxy-weight 0
stage ablation/mask 1000 "${first[@]}" --proxy-weight 0
stage ablation/proxy 1000 "${first[@]}" --proxy-weight 0.1
