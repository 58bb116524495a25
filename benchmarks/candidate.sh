#!/usr/bin/env bash
# What the training rules in docs/RUNS.md measure of a candidate `matching` weights file, against
# the bundled file, in one go: the five label-free judges (benchmarks/judges.sh score; no ground
# truth read) of the bundled file and of the candidate (both here: the judges move with the
# machine's arithmetic, AMX or not, and with each machine's own judges build), then the
# evaluation table (SGBM, the bundled file, the candidate; reported, never used to choose), then
# the marked map's time at 640x480 (the OAK-D pair, 192 px, 2 threads,
# `wnet bench --marked`, 30 runs) in ROUNDS rounds alternating the bundled file and the candidate,
# each round's ratio candidate / bundled and their median.
#
#   bash benchmarks/candidate.sh WEIGHTS LABEL [ROUNDS]        (default 5 rounds)
#
# JUDGES_DIR as for judges.sh (built first with `judges.sh build`); EVAL_CACHE, if set, is passed
# to eval_table.py as --cache (rows are cached by label, whatever the code: give each file its
# own LABEL, and use a fresh cache after a change to inference). LEFT and RIGHT replace the timed
# pair, as for the other speed scripts (speed-common.sh). Stop training runs first (or pause
# them: kill -STOP PID, then kill -CONT PID): the timing needs an otherwise idle machine. Build
# first: swift build -c release --product wnet.
weights="${1:?usage: candidate.sh WEIGHTS LABEL [ROUNDS]}"
label="${2:?usage: candidate.sh WEIGHTS LABEL [ROUNDS]}"
[ -f "$weights" ] || { echo "candidate.sh: no weights file $weights" >&2; exit 1; }
weights="$(cd "$(dirname "$weights")" && pwd)/$(basename "$weights")"
# Works from the repository root; sets rounds (ROUNDS, default 5), left, right, OMP_NUM_THREADS.
source "$(dirname "$0")/speed-common.sh" 5 ${3:+"$3"}
bundled=Sources/StereoDepth/Resources/wnet-matching.safetensors
# The bundled row's label names its file's hash, so that a cache never serves another file's row.
bundled_label="bundled-$(sha256sum "$bundled" | cut -c1-8)"
bash benchmarks/judges.sh score "$bundled_label" -- --model "$PWD/$bundled"
bash benchmarks/judges.sh score "$label" -- --model "$weights"
cache=()
[ -n "${EVAL_CACHE:-}" ] && cache=(--cache "$EVAL_CACHE")
(cd benchmarks && /usr/bin/python3 eval_table.py "SGBM=--method sgbm" \
  "$bundled_label=--model $PWD/../$bundled" "$label=--model $weights" ${cache[@]+"${cache[@]}"})
time_ms() { # WEIGHTS: the marked map's median time in ms
  .build/release/wnet bench --preset matching --weights "$1" --left "$left" --right "$right" \
    --max-disparity 192 --runs 30 --warmup 5 --marked --json |
    /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['median_ms'])"
}
ratios=()
for round in $(seq "$rounds"); do
  old=$(time_ms "$bundled")
  new=$(time_ms "$weights")
  ratio=$(/usr/bin/python3 -c "print('%.3f' % ($new / $old))")
  ratios+=("$ratio")
  echo "round $round at $(date -u +%H:%M) UTC: bundled $old ms, $label $new ms, ratio $ratio"
done
printf '%s\n' "${ratios[@]}" |
  /usr/bin/python3 -c "import statistics, sys; print('median ratio %.3f' % statistics.median(float(v) for v in sys.stdin))"
