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
# The last four runs go to ROOT/matching-NAME, or with K to ROOT/seedK/NAME; that folder's
# parent, ROOT or ROOT/seedK, holds the export.
if [ "$k" -eq 0 ]; then prefix=matching- out="$root"; else prefix="seed$k/" out="$root/seed$k"; fi
mkdir -p "$out"
first_three ""
last_four "$prefix" "$root/matching-proxy/checkpoint.safetensors" "$k" ""
"$wnet" export --model "$root/${prefix}teach3/checkpoint.safetensors" \
  --weights "$out/wnet-matching.safetensors" --propagation 2
