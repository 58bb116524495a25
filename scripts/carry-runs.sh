#!/usr/bin/env bash
# Carries unfinished training runs from one machine to the next through the repository: a
# session's machine may be new (its /work/runs gone), and only what is committed survives it.
#   bash scripts/carry-runs.sh save ROOT      # ROOT's runs -> checkpoints/carried/ (then commit it)
#   bash scripts/carry-runs.sh restore ROOT   # checkpoints/carried/ -> ROOT, where ROOT is behind
# A run is a folder under ROOT that holds checkpoint.safetensors; `save` copies that file and the
# run's log.jsonl (what `wnet train --resume` and runs-common.sh's `finished` read), keeping the
# folder's path below ROOT, each file written to a temporary name first and then renamed.
# `restore` copies a carried run back unless ROOT's copy has reached as many steps; then the
# training scripts (scripts/retrain-slim.sh and the others) resume it where it stopped. SGBM's
# proxies are not carried: the first resumed run computes them again (about two minutes).
# Remove checkpoints/carried/ once its runs are finished and their result is recorded, unless
# they are kept as the start of more runs (since session 41: the bundled matching model's runs,
# eight since session 42, thirteen since session 46 and eighteen since session 47, so that
# scripts/screen-lever.sh can start from their matching-proxy and retrain-slim.sh soup and
# soup-46 rewrite the bundled files; docs/RUNS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
command="${1:-}" root="${2:-}"
[[ ("$command" = save || "$command" = restore) && -n "$root" ]] ||
  { echo "usage: carry-runs.sh save|restore ROOT" >&2; exit 1; }
carried=checkpoints/carried
# steps FOLDER: the largest step in FOLDER/log.jsonl, 0 without one.
steps() {
  [ -f "$1/log.jsonl" ] || { echo 0; return; }
  /usr/bin/python3 -c "import json, sys
steps = [json.loads(line).get('step', 0) for line in open(sys.argv[1]) if line.strip()]
print(max(steps, default=0))" "$1/log.jsonl" 2>/dev/null || echo 0
}
# copy FROM TO: the run's two files from folder FROM into folder TO, each renamed into place.
copy() {
  mkdir -p "$2"
  local file
  for file in checkpoint.safetensors log.jsonl; do
    [ -f "$1/$file" ] || continue
    cp "$1/$file" "$2/$file.$$.tmp"
    mv "$2/$file.$$.tmp" "$2/$file"
  done
}
if [ "$command" = save ]; then
  [ -d "$root" ] || { echo "carry-runs.sh: no folder $root" >&2; exit 1; }
  find "$root" -name checkpoint.safetensors -not -path '*/proxies/*' | sort | while read -r file; do
    run="$(dirname "$file")"
    copy "$run" "$carried/${run#"$root"/}"
    echo "saved ${run#"$root"/} (step $(steps "$run"))"
  done
else
  [ -d "$carried" ] || { echo "carry-runs.sh: nothing carried ($carried is absent)" >&2; exit 1; }
  find "$carried" -name checkpoint.safetensors | sort | while read -r file; do
    run="$(dirname "$file")" name="${run#"$carried"/}"
    if [ "$(steps "$root/$name")" -ge "$(steps "$run")" ]; then
      echo "kept $name (ROOT has step $(steps "$root/$name"))"
    else
      copy "$run" "$root/$name"
      echo "restored $name (step $(steps "$run"))"
    fi
  done
fi
