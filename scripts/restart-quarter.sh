#!/usr/bin/env bash
# The restarts of docs/RUNS.md "A restart of --quarter-coarse against today's layout": both from
# seeded weights with the same recipe, 8000 steps, each resumed where it stopped:
#   bash scripts/restart-quarter.sh [ROOT [RUN...]]   # rs-qcx and rs-control under ROOT (runs)
# Two processes with OMP_NUM_THREADS=1 and different RUNs run them side by side. Needs the
# release build, ../shared/data, ROOT/init-6d1956c.safetensors (the teacher, extracted by
# scripts/ablate-warm.sh) and the teacher's proxies copied into each run's folder first
# (cp -r ROOT/teach-d-w3/proxies ROOT/RUN/).
source "$(dirname "$0")/runs-common.sh"
recipe=(--preset matching "${data_args[@]}"
  --validation-fraction 0.1 --synthetic-share 0.25 --learning-rate 1e-3 --ssim
  --occlusion-mask --cosine-correlation --local-coarse-estimate --local-refinement-estimates
  --proxy-weight 3 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
  --proxy-teacher "$root/init-6d1956c.safetensors" --steps 8000 --learning-rate-drops 7000
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250 --seed 21)
# run NAME FLAGS...: a new run of the recipe with FLAGS, or the stopped one resumed.
run() {
  local name="$1"
  shift
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $name " ]]; then return; fi
  if [ -f "$root/$name/checkpoint.safetensors" ]; then
    "$wnet" train --resume --output "$root/$name"
    return
  fi
  "$wnet" train "${recipe[@]}" "$@" --output "$root/$name"
}
run rs-qcx --quarter-coarse --coarse-context --deep-features
run rs-control
