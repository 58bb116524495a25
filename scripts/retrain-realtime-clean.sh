#!/usr/bin/env bash
# The bundled realtime model's training run (README, "`realtime`"), again, with the evaluation
# sets' pictures left out (--evaluation-data: its Middlebury 2014 data holds MiddEval3's Teddy,
# which is Middlebury 2003's teddy). Resumes where it stopped; a finished run is left as it is:
#   bash scripts/retrain-realtime-clean.sh [ROOT]    # ROOT defaults to runs/clean
# Then ROOT/wnet-realtime.safetensors holds the weights as the bundled file stores them.
# About 2 hours on 2 cores. Needs the release build and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}"
run="$root/realtime"
steps=6000
mkdir -p "$root"
if [ -f "$run/checkpoint.safetensors" ]; then
  "$wnet" train --resume --output "$run"
else
  # The README's command: only two of data_args' four sources, and its evaluation sets.
  evaluation=()
  for ((i = 0; i < ${#data_args[@]}; i += 2)); do
    [ "${data_args[i]}" = --evaluation-data ] && evaluation+=("${data_args[i]}" "${data_args[i + 1]}")
  done
  "$wnet" train --preset realtime \
    --data "$data/eth3d-two-view" --data "$data/middlebury-2014-quarter" "${evaluation[@]}" \
    --synthetic-share 0.5 --validation-fraction 0.1 --learning-rate 3e-3 \
    --learning-rate-drops 5000 5600 --smoothness-weight 0.01 --steps "$steps" \
    --checkpoint-every 250 --validate-every 1000 --seed 1 --output "$run"
fi
"$wnet" export --model "$run/checkpoint.safetensors" --weights "$root/wnet-realtime.safetensors"
