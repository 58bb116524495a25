#!/usr/bin/env bash
# The bundled matching model's lineage with the slimmer 1/2 scale (`--slim-half-scale`: its
# features and refinement unit 8 channels wide instead of 16; docs/RUNS.md, "The slim 1/2 scale
# in the clean lineage"), from the clean runs of `scripts/retrain-clean.sh ROOT`:
#   bash scripts/retrain-slim.sh [ROOT]         # ROOT defaults to runs/clean
#     prunes ROOT/matching-proxy into the slim form (--transplant) by the first of the last four
#     runs (rate 1e-4), then the other three, into ROOT/slim/{local,teach,teach2,teach3};
#   bash scripts/retrain-slim.sh ROOT warm
#     prunes ROOT/matching-warm instead, by the third run (2000 steps at rate 1e-3, proxy weight
#     1), then the last four, into ROOT/slim-warm/{matching-proxy,local,teach,teach2,teach3}.
# The seeds and teachers are those of `scripts/retrain-clean.sh ROOT 200` (the bundled file's);
# the export is ROOT/slim[-warm]/wnet-matching.safetensors. Each run resumes where it stopped.
# Needs the release build (swift build -c release --product wnet) and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}" ${2:+"$2"}
slim=(--slim-half-scale --local-coarse-estimate --local-refinement-estimates --learning-rate 1e-4)
case "${wanted[0]:-}" in
  "")
    out=slim start="$root/matching-proxy/checkpoint.safetensors" ;;
  warm)
    out=slim-warm start="$root/matching-warm/checkpoint.safetensors" ;;
  *) echo "usage: retrain-slim.sh [ROOT [warm]]" >&2; exit 1 ;;
esac
[ -f "$start" ] || { echo "retrain-slim.sh: no $start (run scripts/retrain-clean.sh $root)" >&2; exit 1; }
if [ "$out" = slim-warm ]; then
  stage "$out/matching-proxy" 2000 --init-from "$start" --transplant --slim-half-scale \
    --learning-rate 1e-3 --proxy-weight 1 --learning-rate-drops 1500 --seed 3
  stage "$out/local" 1000 --init-from "$root/$out/matching-proxy/checkpoint.safetensors" \
    --proxy-weight 1 "${slim[@]}" --seed 205
else
  stage "$out/local" 1000 --init-from "$start" --transplant --proxy-weight 1 "${slim[@]}" --seed 205
fi
previous="$out/local"
for run in teach:1:208 teach2:1:210 teach3:3:211; do
  IFS=: read -r name weight seed <<<"$run"
  stage "$out/$name" 1000 --init-from "$root/$previous/checkpoint.safetensors" \
    --proxy-teacher "$root/$previous/checkpoint.safetensors" --proxy-weight "$weight" \
    "${slim[@]}" --seed "$seed"
  previous="$out/$name"
done
"$wnet" export --model "$root/$previous/checkpoint.safetensors" \
  --weights "$root/$out/wnet-matching.safetensors" --propagation 2
