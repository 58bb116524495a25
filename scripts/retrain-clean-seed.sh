#!/usr/bin/env bash
# The clean retrain's last four runs again with other seeds (docs/RUNS.md, "The clean model
# judged"): from ROOT/matching-proxy (written by scripts/retrain-clean.sh), the hand-off
# fine-tune and the three self-taught fine-tunes with seeds 5+K, 8+K, 10+K and 11+K, into
# ROOT/seedK/…, then ROOT/seedK/wnet-matching.safetensors. Resumable as retrain-clean.sh:
#   bash scripts/retrain-clean-seed.sh ROOT K
[ $# -eq 2 ] || { echo "usage: retrain-clean-seed.sh ROOT K" >&2; exit 1; }
source "$(dirname "$0")/runs-common.sh" "$@"
k="${wanted[0]:?usage: retrain-clean-seed.sh ROOT K}"
from="$root/matching-proxy/checkpoint.safetensors"
[ -f "$from" ] || { echo "no $from: run scripts/retrain-clean.sh $root first" >&2; exit 1; }
out="$root/seed$k"
mkdir -p "$out"
common=(--preset matching "${data_args[@]}"
  --validation-fraction 0.1 --synthetic-share 0.25 --ssim --smoothness-weight 0.01
  --occlusion-mask --max-scale 2.5 --min-coverage 0.03 --cosine-correlation
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250
  --learning-rate 1e-4 --local-coarse-estimate --local-refinement-estimates --steps 1000)
# stage NAME FLAGS...: runs OUT/NAME to 1000 steps, resuming it if it started.
stage() {
  local run="$out/$1"
  shift
  if [ ! -f "$run/log.jsonl" ] || ! grep -q '"step":1000[,}]' "$run/log.jsonl"; then
    if [ -f "$run/checkpoint.safetensors" ]; then
      "$wnet" train --resume --output "$run"
    else
      "$wnet" train "${common[@]}" "$@" --output "$run"
    fi
  fi
  grep -q '"step":1000[,}]' "$run/log.jsonl" || { echo "$run stopped before step 1000" >&2; exit 1; }
}
stage local --init-from "$from" --proxy-weight 1 --seed $((5 + k))
stage teach --init-from "$out/local/checkpoint.safetensors" \
  --proxy-teacher "$out/local/checkpoint.safetensors" --proxy-weight 1 --seed $((8 + k))
stage teach2 --init-from "$out/teach/checkpoint.safetensors" \
  --proxy-teacher "$out/teach/checkpoint.safetensors" --proxy-weight 1 --seed $((10 + k))
stage teach3 --init-from "$out/teach2/checkpoint.safetensors" \
  --proxy-teacher "$out/teach2/checkpoint.safetensors" --proxy-weight 3 --seed $((11 + k))
"$wnet" export --model "$out/teach3/checkpoint.safetensors" \
  --weights "$out/wnet-matching.safetensors" --propagation 2
