#!/usr/bin/env bash
# The restarts of docs/RUNS.md "A restart of --quarter-coarse against today's layout": both from
# seeded weights with the same recipe, each resumed where it stopped:
#   bash scripts/restart-quarter.sh [ROOT [RUN...]]   # the runs below under ROOT (runs)
# Two processes with OMP_NUM_THREADS=1 and different RUNs run them side by side. Needs the
# release build, ../shared/data and git: the teacher (the model bundled at 6d1956c) is extracted
# to ROOT/init-6d1956c.safetensors, and each run computes its teacher's proxies into its folder
# as its batches first need them (or finds them there, copied from another run of this teacher).
source "$(dirname "$0")/runs-common.sh"
mkdir -p "$root"
teacher="$root/init-6d1956c.safetensors"
bundled_weights 6d1956c
recipe=(--preset matching "${data_args[@]}"
  --validation-fraction 0.1 --synthetic-share 0.25 --learning-rate 1e-3 --ssim
  --occlusion-mask --cosine-correlation --local-coarse-estimate --local-refinement-estimates
  --proxy-weight 3 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
  --proxy-teacher "$teacher"
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250 --seed 21)
# run NAME STEPS DROP FLAGS...: a new run of the recipe, STEPS steps with the rate dropped to a
# tenth at DROP, with FLAGS; or the stopped one resumed.
run() {
  local name="$1" steps="$2" drop="$3"
  shift 3
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $name " ]]; then return; fi
  if [ -f "$root/$name/checkpoint.safetensors" ]; then
    "$wnet" train --resume --output "$root/$name"
    return
  fi
  "$wnet" train "${recipe[@]}" --steps "$steps" --learning-rate-drops "$drop" "$@" \
    --output "$root/$name"
}
# 2026-12-02 (eighth session): lost with its machine at steps ~1200 of 8000.
run rs-qcx 8000 7000 --quarter-coarse --coarse-context --deep-features
run rs-control 8000 7000
# 2026-12-02 (ninth session): the same pair, 4000 steps, to finish within one session.
run rs4-qcx 4000 3500 --quarter-coarse --coarse-context --deep-features
run rs4-control 4000 3500
