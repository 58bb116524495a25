#!/usr/bin/env bash
# The bundled realtime model's training run (README, "`realtime`"), again, with the evaluation
# sets' pictures left out (--evaluation-data: its Middlebury 2014 data holds MiddEval3's Teddy,
# which is Middlebury 2003's teddy). Resumes where it stopped; a finished run is left as it is:
#   bash scripts/retrain-realtime-clean.sh [ROOT]    # ROOT defaults to runs/clean
# Then ROOT/wnet-realtime.safetensors holds the weights as the bundled file stores them.
# About 2 hours on 2 cores. Needs the release build and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}"
run="$root/realtime"
mkdir -p "$root"
if [ -f "$run/checkpoint.safetensors" ]; then
  finished realtime 6000 || "$wnet" train --resume --output "$run"
else
  # The README's command: two of data_args' four sources, and the evaluation sets.
  "$wnet" train --preset realtime \
    --data "$data/eth3d-two-view" --data "$data/middlebury-2014-quarter" "${evaluation_args[@]}" \
    --synthetic-share 0.5 --validation-fraction 0.1 --learning-rate 3e-3 \
    --learning-rate-drops 5000 5600 --smoothness-weight 0.01 --steps 6000 \
    --checkpoint-every 250 --validate-every 1000 --seed 1 --output "$run"
fi
"$wnet" export --model "$run/checkpoint.safetensors" --weights "$root/wnet-realtime.safetensors"
