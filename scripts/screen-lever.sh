#!/usr/bin/env bash
# Screens a training lever cheaply before a whole lineage is spent on it (docs/RUNS.md, "The
# second-order smoothness screened"): the first of the recipe's last four runs (`local`, 1000 steps
# at rate 1e-4 with SGBM's proxy at weight 1 and the local estimates) of the slim lineage
# (scripts/retrain-slim.sh ROOT lineage), from its ROOT/slim-lineage/matching-proxy, with the
# seed of the variant K (5 + K, as retrain-slim.sh's `lineage K`) and the lever's FLAGS, into
# ROOT/screen/NAME/seedK/local, then its export ROOT/screen/NAME/seedK/wnet-matching.safetensors:
#   bash scripts/screen-lever.sh ROOT NAME K [FLAGS...]
#   bash scripts/screen-lever.sh /work/runs/clean second-order-0.1 200 --second-order-smoothness 0.1
# The controls are the lineage's own `local` runs of the same seeds (FLAGS empty). START, when
# set, is the checkpoint the run starts from instead (a start shared by several seeds, such as a
# transplanted one: docs/RUNS.md, "The context branch added to the bundled lineage's last
# fine-tune, screened"). The run resumes where it stopped. Needs the release build and
# ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-}" "${@:2}"
[ ${#wanted[@]} -ge 2 ] && [[ "${wanted[1]}" =~ ^[0-9]+$ ]] ||
  { echo "usage: screen-lever.sh ROOT NAME K [FLAGS...], K a whole number" >&2; exit 1; }
name="${wanted[0]}" k="${wanted[1]}"
start="${START:-$root/slim-lineage/matching-proxy/checkpoint.safetensors}"
[ -f "$start" ] || { echo "screen-lever.sh: no $start (scripts/retrain-slim.sh $root lineage, or START)" >&2; exit 1; }
run="screen/$name/seed$k"
first_fine_tune "$run/local" "$start" "$k" --slim-half-scale "${wanted[@]:2}"
"$wnet" export --model "$root/$run/local/checkpoint.safetensors" \
  --weights "$root/$run/wnet-matching.safetensors" --propagation 2
