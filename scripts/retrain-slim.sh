#!/usr/bin/env bash
# The bundled matching model's lineage with the slimmer 1/2 scale (`--slim-half-scale`: its
# features and refinement unit 8 channels wide instead of 16; docs/RUNS.md, "The slim 1/2 scale
# in the clean lineage"), from the clean runs of `scripts/retrain-clean.sh ROOT`:
#   bash scripts/retrain-slim.sh [ROOT]         # ROOT defaults to runs/clean
#     prunes ROOT/matching-proxy into the slim form (--transplant) by the first of the last four
#     runs (rate 1e-4), then the other three, into ROOT/slim/{local,teach,teach2,teach3};
#   bash scripts/retrain-slim.sh ROOT warm
#     prunes ROOT/matching-warm instead, by the third run (2000 steps at rate 1e-3, proxy weight
#     1), then the last four, into ROOT/slim-warm/{matching-proxy,local,teach,teach2,teach3};
#   bash scripts/retrain-slim.sh ROOT soup
#     the bundled matching model's recipe since session 47 (README): the lineage's first three
#     runs slim (as `lineage`), then the first of the last four runs (`local`) with
#     `--smoothness-weight 0.003`, its full-resolution scale pruned at the start (`--transplant
#     --slim-full-scale`), and the seeds of the variants K = 200, 0, 100, 300 and 400 (205, 5,
#     105, 305, 405; into ROOT/slim-lineage/slim-full/seedK/local), and the average of the five's
#     weights, ROOT/slim-lineage/soup/wnet-matching.safetensors (docs/RUNS.md, "The slim
#     full-resolution scale");
#   bash scripts/retrain-slim.sh ROOT context
#     the bundled matching model's recipe since session 55 (README): `soup`'s first three runs,
#     then one start for all five fine-tunes, ROOT/slim-lineage/context/start (the lineage's
#     matching-proxy pruned at full resolution and given the coarse context branch, `--transplant
#     --slim-full-scale --coarse-context`, its context units seeded by `--seed 1`, written by one
#     step at rate 1e-12), the same five `local` runs from it with `--coarse-context` (into
#     ROOT/slim-lineage/context/seedK/local) and their average,
#     ROOT/slim-lineage/context/soup/wnet-matching.safetensors (docs/RUNS.md, "The five members
#     from one transplanted start");
#   bash scripts/retrain-slim.sh ROOT held-out
#     `context` with 12 indoor pairs held out of every run (`--hold-out`, below: every other
#     Middlebury 2014 scene in name order with both Playtable views, and every other OAK-D place,
#     desk, pov_controllers and pov_hands counted as one place and kept),
#     into ROOT/slim-heldout/ (laid out as `context`'s slim-lineage/): a lineage that has never
#     seen them, so that a judge of the indoor scenes can score held-out pairs (docs/RUNS.md, "A
#     lineage that holds indoor pairs out, for an indoor judge");
#   bash scripts/retrain-slim.sh ROOT soup-46
#     the file bundled in session 46: the same without the pruning, its `local` runs in
#     ROOT/slim-lineage/smooth/seedK/local, into ROOT/slim-lineage/soup-46/ (docs/RUNS.md, "Less
#     smoothing, or a stronger pull towards SGBM, in the last fine-tune");
#   bash scripts/retrain-slim.sh ROOT soup-42
#     the file bundled in sessions 42-45: the same with the recipe's smoothness (0.01), its
#     `local` runs in ROOT/slim-lineage/local and ROOT/slim-lineage/seedK/local (shared with
#     `lineage`; scripts/screen-lever.sh's controls), into ROOT/slim-lineage/soup-42/;
#   bash scripts/retrain-slim.sh ROOT coarse
#     the slim coarse scales (`--slim-coarse-scales`: the coarse units 24 wide instead of 48, the
#     1/4 refinement units 12 instead of 24; docs/RUNS.md, "The slim coarse scales, pruned"):
#     ROOT/slim-lineage/matching-warm pruned into that form by the third run (2000 steps at rate
#     1e-3, proxy weight 1, --transplant), then `local` with the seeds 205, 5 and 105 and the
#     average of the three, into ROOT/slim-coarse/{matching-proxy,local,seed0/local,
#     seed100/local,soup};
#   bash scripts/retrain-slim.sh ROOT coarse-lineage
#     the same form trained from the start: the first three runs with --slim-half-scale
#     --slim-coarse-scales (as `soup`'s, no pruning), then `local` with the seeds 205, 5 and 105
#     and their average, into ROOT/slim-coarse-lineage/ (laid out as `coarse`);
#   bash scripts/retrain-slim.sh ROOT lineage [K]
#     trains the whole lineage slim from the start (all seven runs with --slim-half-scale, no
#     pruning; needs nothing in ROOT), into ROOT/slim-lineage/{matching,matching-warm,
#     matching-proxy,local,teach,teach2,teach3} (about four hours on two idle cores); with K
#     other than 200, the same first three and then the last four with their seeds raised by K (as
#     `retrain-clean.sh ROOT K`), into ROOT/slim-lineage/seedK/ and its export there.
# The seeds and teachers are those of `scripts/retrain-clean.sh ROOT 200` (the bundled file's);
# the export is ROOT/slim[-warm|-lineage]/wnet-matching.safetensors. Each run resumes where it
# stopped.
# Needs the release build (swift build -c release --product wnet) and ../shared/data.
source "$(dirname "$0")/runs-common.sh" "${1:-runs/clean}" "${@:2}"
case "${wanted[0]:-}" in
  "") out=slim ;;
  warm) out=slim-warm ;;
  lineage | soup | context | soup-46 | soup-42) out=slim-lineage ;;
  held-out) out=slim-heldout ;;
  coarse) out=slim-coarse ;;
  coarse-lineage) out=slim-coarse-lineage ;;
  *) echo "usage: retrain-slim.sh [ROOT [warm|lineage [K]|soup|context|held-out|soup-46|soup-42|coarse|coarse-lineage]]" >&2; exit 1 ;;
esac
k="${wanted[1]:-200}"
[[ "$k" =~ ^[0-9]+$ && ("${wanted[0]:-}" = lineage || -z "${wanted[1]:-}") ]] ||
  { echo "usage: retrain-slim.sh [ROOT [warm|lineage [K]|soup|context|held-out|soup-46|soup-42|coarse|coarse-lineage]], K a whole number" >&2; exit 1; }
if [[ "${wanted[0]:-}" =~ ^(soup|context|held-out|soup-46|soup-42|coarse|coarse-lineage)$ ]]; then
  seeds=(200 0 100 300 400) flags=(--slim-half-scale) soup="$out/soup" fine=()
  if [ "${wanted[0]}" = held-out ]; then
    m=middlebury-2014-quarter o=real-unlabelled/oakd
    flags+=(--hold-out "$m/Adirondack,$m/Jadeplant,$m/Pipes,$m/Recycle,$m/Vintage,$m/Playtable"
      --hold-out "$m/PlaytableP,$o-bedroom_chair,$o-cycles,$o-donkey_toy,$o-living_room"
      --hold-out "$o-stairs")
  fi
  start="$root/$out/matching-proxy/checkpoint.safetensors"
  if [ "$out" = slim-coarse-lineage ]; then
    seeds=(200 0 100) flags+=(--slim-coarse-scales)
    first_three "$out/" "${flags[@]}"
  elif [ "$out" = slim-coarse ]; then
    warm="$root/slim-lineage/matching-warm/checkpoint.safetensors"
    [ -f "$warm" ] || { echo "retrain-slim.sh: no $warm (run retrain-slim.sh $root soup)" >&2; exit 1; }
    seeds=(200 0 100) flags+=(--slim-coarse-scales)
    stage "$out/matching-proxy" 2000 --init-from "$warm" --transplant "${flags[@]}" \
      --learning-rate 1e-3 --proxy-weight 1 --learning-rate-drops 1500 --seed 3
  else
    first_three "$out/" "${flags[@]}"
    case "${wanted[0]}" in
      soup-42) soup="$out/soup-42" ;;
      soup-46) soup="$out/soup-46" fine=(--smoothness-weight 0.003) ;;
      context | held-out)
        soup="$out/context/soup" fine=(--slim-full-scale --smoothness-weight 0.003 --coarse-context)
        stage "$out/context/start" 1 --init-from "$start" --transplant "${flags[@]}" \
          --slim-full-scale --coarse-context --learning-rate 1e-12 --proxy-weight 1 \
          --local-coarse-estimate --local-refinement-estimates --smoothness-weight 0.003 --seed 1
        start="$root/$out/context/start/checkpoint.safetensors" ;;
      *) fine=(--smoothness-weight 0.003 --transplant --slim-full-scale) ;;
    esac
  fi
  models=()
  for k in "${seeds[@]}"; do
    prefix="$out/"
    if [ "${wanted[0]}" = soup ]; then prefix="$out/slim-full/seed$k/"
    elif [[ "${wanted[0]}" =~ ^(context|held-out)$ ]]; then prefix="$out/context/seed$k/"
    elif [ "${wanted[0]}" = soup-46 ]; then prefix="$out/smooth/seed$k/"
    elif [ "$k" -ne 200 ]; then prefix="$out/seed$k/"; fi
    first_fine_tune "${prefix}local" "$start" "$k" "${flags[@]}" "${fine[@]}"
    models+=(--model "$root/${prefix}local/checkpoint.safetensors")
  done
  mkdir -p "$root/$soup"
  "$wnet" export "${models[@]}" --weights "$root/$soup/wnet-matching.safetensors" \
    --propagation 2
  exit 0
fi
# The last four runs' folder prefix and the export's folder.
prefix="$out/" export_dir="$root/$out"
if [ "$k" -ne 200 ]; then prefix="$out/seed$k/" export_dir="$root/$out/seed$k"; fi
proxy="$root/matching-proxy/checkpoint.safetensors"
if [ "$out" = slim-lineage ]; then
  first_three "$out/" --slim-half-scale
  last_four "$prefix" "$root/$out/matching-proxy/checkpoint.safetensors" "$k" "" --slim-half-scale
elif [ "$out" = slim-warm ]; then
  warm="$root/matching-warm/checkpoint.safetensors"
  [ -f "$warm" ] || { echo "retrain-slim.sh: no $warm (run scripts/retrain-clean.sh $root)" >&2; exit 1; }
  proxy="$root/$out/matching-proxy/checkpoint.safetensors"
  stage "$out/matching-proxy" 2000 --init-from "$warm" --transplant --slim-half-scale \
    --learning-rate 1e-3 --proxy-weight 1 --learning-rate-drops 1500 --seed 3
  last_four "$out/" "$proxy" 200 "" --slim-half-scale
else
  [ -f "$proxy" ] || { echo "retrain-slim.sh: no $proxy (run scripts/retrain-clean.sh $root)" >&2; exit 1; }
  last_four "$out/" "$proxy" 200 --transplant --slim-half-scale
fi
"$wnet" export --model "$root/${prefix}teach3/checkpoint.safetensors" \
  --weights "$export_dir/wnet-matching.safetensors" --propagation 2
