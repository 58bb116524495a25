#!/usr/bin/env bash
# Replays issue 15's reliability campaign against the release binary and counts the outcomes.
#
#   bash scripts/fuzz.sh            the full campaign (a few minutes on 2 cores)
#   WNET_FUZZ_QUICK=1 bash scripts/fuzz.sh   the short version CI runs (under ~2 minutes)
#
# Campaigns: mutated checkpoints (truncations, flipped bytes, edited headers and metadata),
# calibration files, dataset folders, videos, extreme option values, signals during training
# followed by resume (SIGKILL, SIGTERM, SIGINT, SIGHUP), and, as root with `unshare -m`, a full
# disk and a read-only output on tmpfs.
#
# Each case says what it expects: `error` (exit status 1, and one error line, "Error: ...", last
# on standard error: notes and progress may come before it, but no usage text, trace or second
# error), `ok` (exit status 0) or `any` (either). It counts:
#   clean   the expected outcome
#   crash   a signal, a trap or an exit status other than 0 and 1
#   hang    no exit within the case's time limit
#   wrong   exit 0 where an error was due, a failure where success was due, a multi-line
#           error, or a result that a check after the run found wrong
#   lost    a checkpoint that was written and is no longer readable after a kill or a fault
# and exits 1 unless crash, hang, wrong and lost are all 0. WNET_FUZZ_SEED seeds the random
# mutations (default 1); WNET_FUZZ_KEEP=1 keeps the work folder.
set -uo pipefail
cd "$(dirname "$0")/.."
WNET="$(pwd)/${WNET:-.build/release/wnet}"
[ -x "$WNET" ] || { echo "fuzz: build first: $WNET is missing" >&2; exit 2; }
PY=/usr/bin/python3
QUICK="${WNET_FUZZ_QUICK:-0}"
SEED="${WNET_FUZZ_SEED:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
WORK="$(mktemp -d /tmp/wnet-fuzz.XXXXXX)"
[ "${WNET_FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
declare -A COUNT=([clean]=0 [crash]=0 [hang]=0 [wrong]=0 [lost]=0)
declare -A CAMPAIGN_TOTAL=()
CAMPAIGN=setup
FAILURES="$WORK/failures.txt"
: >"$FAILURES"

note() { printf '%s\n' "$*" >&2; }
record() { # record OUTCOME NAME DETAIL
  COUNT[$1]=$((COUNT[$1] + 1))
  local key="$CAMPAIGN/$1"
  CAMPAIGN_TOTAL[$key]=$((${CAMPAIGN_TOTAL[$key]:-0} + 1))
  [ "$1" = clean ] || printf '%-6s %s/%s: %s\n' "$1" "$CAMPAIGN" "$2" "$3" | tee -a "$FAILURES" >&2
}

# check NAME EXPECT TIMEOUT -- COMMAND...: runs the command and classifies its outcome.
check() {
  local name=$1 expect=$2 limit=$3
  shift 4
  local err="$WORK/stderr" rc started=$SECONDS
  timeout -k 5 "$limit" "$@" >"$WORK/stdout" 2>"$err"
  rc=$?
  local lines first
  # The error's lines: from the first "Error:" on (notes and progress before it are fine).
  lines=$(sed -n '/^Error:/,$p' "$err" | grep -c .)
  first=$(grep -m1 '^Error:' "$err" | head -c 300)
  [ -n "$first" ] || first=$(head -c 300 "$err" | tail -1)
  local elapsed=$((SECONDS - started))
  if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && [ $elapsed -ge "$limit" ]; }; then
    record hang "$name" "no exit within ${limit}s"
    return
  fi
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then record crash "$name" "exit $rc: $first"; return; fi
  case "$expect" in
    error)
      if [ $rc -eq 0 ]; then record wrong "$name" "exit 0 where an error was due"
      elif [ "$lines" -ne 1 ] || [[ "$first" != Error:* ]]; then
        record wrong "$name" "$lines lines of error: $(head -c 200 "$err" | tr '\n' '|')"
      else record clean "$name" ""; fi ;;
    ok)
      if [ $rc -eq 0 ]; then record clean "$name" ""
      else record wrong "$name" "exit $rc: $first"; fi ;;
    any)
      if [ $rc -eq 1 ] && { [ "$lines" -ne 1 ] || [[ "$first" != Error:* ]]; }; then
        record wrong "$name" "$lines lines of error: $(head -c 200 "$err" | tr '\n' '|')"
      else record clean "$name" ""; fi ;;
  esac
}

# verify NAME CONDITION...: a check after a run (a wrong result when it fails).
verify() {
  local name=$1
  shift
  if "$@"; then record clean "$name" ""; else record wrong "$name" "check failed: $*"; fi
}

readable() { "$WNET" export --model "$1" --weights "$WORK/readable.safetensors" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
note "fuzz: work folder $WORK (quick=$QUICK, seed=$SEED)"
TINY=(--batch-size 1 --height 16 --width 32 --validate-every 0)
"$WNET" synth --count 1 --width 64 --height 48 --max-disparity 8 --output "$WORK/synth" \
  >/dev/null || { note "fuzz: synth failed"; exit 2; }
SCENE="$WORK/synth/scene-0000"
L="$SCENE/im0.png" R="$SCENE/im1.png"
"$WNET" train --steps 2 --checkpoint-every 1 "${TINY[@]}" --output "$WORK/base" >/dev/null 2>&1 \
  || { note "fuzz: the base training run failed"; exit 2; }
BASE="$WORK/base/checkpoint.safetensors"

# ---------------------------------------------------------------------------------------------
CAMPAIGN=checkpoints
FLIPS=$([ "$QUICK" = 1 ] && echo 4 || echo 40)
HEADER_FLIPS=$([ "$QUICK" = 1 ] && echo 4 || echo 40)
# Mutations, written by Python: name<TAB>expectation per line.
$PY - "$BASE" "$WORK/mutants" "$SEED" "$FLIPS" "$HEADER_FLIPS" >"$WORK/mutants.txt" <<'EOF'
import json, os, random, struct, sys, zlib
base, folder, seed, flips, header_flips = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
os.makedirs(folder, exist_ok=True)
raw = open(base, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
rng = random.Random(seed)

def emit(name, blob, expect):
    open(os.path.join(folder, name), "wb").write(blob)
    print(f"{name}\t{expect}")

def build(header, data, checksum=True):
    header = json.loads(json.dumps(header))
    meta = header.setdefault("__metadata__", {})
    if checksum:
        canonical = b""
        for key in sorted(k for k in header if k != "__metadata__"):
            entry = header[key]
            begin, end = entry["data_offsets"]
            canonical += key.encode() + b"\0" + ",".join(map(str, entry["shape"])).encode() + b"\0"
            canonical += data[begin:end]
        for key in sorted(meta):
            if key != "crc32":
                canonical += key.encode() + b"\0" + meta[key].encode() + b"\0"
        meta["crc32"] = "%08x" % zlib.crc32(canonical)
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data

# Truncations.
for cut in sorted({0, 1, 7, 8, 9, 16, 100, 8 + n - 1, 8 + n, 8 + n + 4, len(raw) // 2, len(raw) - 1}):
    emit(f"truncated-{cut}.safetensors", raw[:cut], "error")
# Flipped bytes in the tensor data: the checksum must find every one.
for i in range(flips):
    at = 8 + n + rng.randrange(len(data))
    blob = bytearray(raw); blob[at] ^= 1 << rng.randrange(8)
    emit(f"data-flip-{at}.safetensors", bytes(blob), "error")
# Flipped bytes in the header: invalid JSON, another value, or a checksum mismatch; never a crash.
for i in range(header_flips):
    at = 8 + rng.randrange(n)
    blob = bytearray(raw); blob[at] ^= 1 << rng.randrange(7)
    emit(f"header-flip-{at}.safetensors", bytes(blob), "any")

first = sorted(k for k in header if k.startswith("model."))[0]
def edited(edit, checksum=True):
    h = json.loads(json.dumps(header)); edit(h); return build(h, data, checksum)
def set_entry(key, field, value):
    def edit(h): h[key][field] = value
    return edit
emit("shape-2e62.safetensors", edited(set_entry(first, "shape", [2**62, 4])), "error")
emit("shape-negative.safetensors", edited(set_entry(first, "shape", [-1, 4])), "error")
emit("offsets-beyond.safetensors", edited(set_entry(first, "data_offsets", [0, 2**40])), "error")
emit("dtype-f16.safetensors", edited(set_entry(first, "dtype", "F16")), "error")
emit("header-length-huge.safetensors", struct.pack("<Q", 2**63) + raw[8:], "error")

def metadata_edit(path, value):
    def edit(h):
        meta = json.loads(h["__metadata__"]["wnet"])
        target = meta
        for key in path[:-1]: target = target[key]
        target[path[-1]] = value
        h["__metadata__"]["wnet"] = json.dumps(meta, sort_keys=True)
    return edit
for label, path, value in [
    ("min-gt-max", ["configuration", "minimumDisparity"], 60),
    ("min-2e63", ["configuration", "minimumDisparity"], -2**63),
    ("max-2e63", ["configuration", "maximumDisparity"], 2**63 - 1),
    ("step-negative", ["step"], -5),
    ("batch-0", ["training", "batchSize"], 0),
    ("batch-negative", ["training", "batchSize"], -2),
    ("height-0", ["training", "height"], 0),
    ("height-negative", ["training", "height"], -8),
    ("height-13", ["training", "height"], 13),
    ("width-0", ["training", "width"], 0),
    ("learning-rate-negative", ["training", "learningRate"], -1),
    ("interval-0", ["training", "checkpointInterval"], 0),
]:
    emit(f"meta-{label}.safetensors", edited(metadata_edit(path, value)), "error")
    emit(f"meta-{label}-stale-crc.safetensors", edited(metadata_edit(path, value), checksum=False), "error")
emit("meta-not-json.safetensors", edited(lambda h: h["__metadata__"].update(wnet="{")), "error")
emit("meta-missing.safetensors", edited(lambda h: h["__metadata__"].pop("wnet")), "error")

# Tensor edits with a valid checksum: an Adam step of 1e30, an infinite weight.
def tensor_edit(name, values):
    h = json.loads(json.dumps(header)); d = bytearray(data)
    begin, end = h[name]["data_offsets"]
    d[begin:begin + 4 * len(values)] = struct.pack(f"<{len(values)}f", *values)
    return build(h, bytes(d))
emit("adam-step-1e30.safetensors", tensor_edit("optimizer.adam.step", [1e30]), "error")
emit("adam-step-negative.safetensors", tensor_edit("optimizer.adam.step", [-3]), "error")
emit("weight-infinite.safetensors", tensor_edit(first, [float("inf")]), "error")
emit("weight-nan.safetensors", tensor_edit(first, [float("nan")]), "error")
EOF
while IFS=$'\t' read -r name expect; do
  file="$WORK/mutants/$name"
  check "infer $name" "$expect" 60 -- "$WNET" infer "$L" "$R" --model "$file" --output "$WORK/out-m"
  # The quick version resumes only from the edited recipes and optimizer states.
  [ "$QUICK" = 1 ] && [[ "$name" != meta-* && "$name" != adam-* ]] && continue
  run="$WORK/resume-m"
  rm -rf "$run" && mkdir -p "$run" && cp "$file" "$run/checkpoint.safetensors"
  check "resume $name" "$expect" 60 -- "$WNET" train --resume --steps 3 --output "$run"
done <"$WORK/mutants.txt"

# ---------------------------------------------------------------------------------------------
CAMPAIGN=calibration
C="$WORK/calib"
mkdir -p "$C"
middlebury() { # middlebury FILE BASELINE DOFFS FOCAL
  printf 'cam0=[%s 0 32; 0 %s 24; 0 0 1]\ncam1=[%s 0 32; 0 %s 24; 0 0 1]\ndoffs=%s\nbaseline=%s\nwidth=64\nheight=48\nndisp=16\n' \
    "$4" "$4" "$4" "$4" "$3" "$2" >"$1"
}
middlebury "$C/good.txt" 100 0 50
check "middlebury good" ok 60 -- "$WNET" infer "$L" "$R" --calibration "$C/good.txt" --ply --output "$WORK/out-c"
for spec in "0 0 50" "-1 0 50" "nan 0 50" "inf 0 50" "100 nan 50" "100 inf 50" "100 0 0" "100 0 -5" "100 0 inf"; do
  read -r b d f <<<"$spec"
  middlebury "$C/bad.txt" "$b" "$d" "$f"
  check "middlebury baseline=$b doffs=$d f=$f" error 60 -- "$WNET" infer "$L" "$R" --calibration "$C/bad.txt" --output "$WORK/out-c"
done
for json in '{"fx":50,"fy":50,"cx":32,"cy":24,"baseline":0}' '{"fx":"inf","fy":50,"cx":32,"cy":24,"baseline":1}' \
  '{"fx":50,"fy":50,"cx":32,"cy":24,"baseline":-2}' '{"fx":50}' '[]' '{' ''; do
  printf '%s' "$json" >"$C/c.json"
  check "json $json" error 60 -- "$WNET" infer "$L" "$R" --calibration "$C/c.json" --output "$WORK/out-c"
done
printf 'P_rect_02: 0 0 0 0 0 0 0 0 0 0 0 0\nP_rect_03: 1 0 0 0 0 1 0 0 0 0 1 0\n' >"$C/calib_cam_to_cam.txt"
check "kitti zero focal" error 60 -- "$WNET" infer "$L" "$R" --calibration "$C/calib_cam_to_cam.txt" --output "$WORK/out-c"
for option in "--doffs nan" "--doffs inf" "--focal inf --baseline 1" "--focal 50 --baseline 0" \
  "--focal 50 --baseline nan" "--focal 0 --baseline 1" "--focal 50 --baseline 1 --cx nan"; do
  # shellcheck disable=SC2086
  check "option $option" error 60 -- "$WNET" infer "$L" "$R" $option --output "$WORK/out-c"
done

# ---------------------------------------------------------------------------------------------
CAMPAIGN=datasets
D="$WORK/datasets"
scene() { # scene NAME: a copy of the synthetic Middlebury-layout scene
  rm -rf "$D/$1" && mkdir -p "$D/$1" && cp -r "$SCENE" "$D/$1/scene"
}
scene good
check "eval good" ok 120 -- "$WNET" eval --data "$D/good"
scene folder-view && rm "$D/folder-view/scene/im1.png" && mkdir "$D/folder-view/scene/im1.png"
check "im1.png is a folder" error 60 -- "$WNET" eval --data "$D/folder-view"
check "im1.png is a folder (train)" error 60 -- "$WNET" train --data "$D/folder-view" --steps 1 "${TINY[@]}" --output "$WORK/run-d"
scene lonely && rm "$D/lonely/scene/im1.png"
check "im0.png without im1.png" error 60 -- "$WNET" eval --data "$D/lonely"
scene mask && $PY -c "import cv2, numpy as np; cv2.imwrite('$D/mask/scene/mask0nocc.png', np.full((48, 64), 128, np.uint8))"
check "mask without 255" error 60 -- "$WNET" eval --data "$D/mask"
scene absurd && $PY - "$D/absurd/scene/disp0GT.pfm" <<'EOF'
import sys, numpy as np
d = np.full((48, 64), 1e30, np.float32)
open(sys.argv[1], "wb").write(b"Pf\n64 48\n-1.0\n" + d.tobytes())
EOF
check "ground truth 1e30" error 60 -- "$WNET" eval --data "$D/absurd"
scene unknown && $PY - "$D/unknown/scene/disp0GT.pfm" <<'EOF'
import sys, numpy as np
d = np.full((48, 64), np.inf, np.float32)
open(sys.argv[1], "wb").write(b"Pf\n64 48\n-1.0\n" + d.tobytes())
EOF
check "no valid ground truth" error 60 -- "$WNET" eval --data "$D/unknown"
for ndisp in inf nan 0 -4 1e30; do
  scene "ndisp-$ndisp"
  middlebury "$D/ndisp-$ndisp/scene/calib.txt" 100 0 50
  sed -i "s/^ndisp=.*/ndisp=$ndisp/" "$D/ndisp-$ndisp/scene/calib.txt"
  check "ndisp=$ndisp" error 60 -- "$WNET" eval --data "$D/ndisp-$ndisp"
done
K="$D/kitti/training"
mkdir -p "$K/image_2" "$K/image_3" "$K/disp_occ_0" "$K/disp_noc_0"
cp "$L" "$K/image_2/000000_10.png" && cp "$R" "$K/image_3/000000_10.png"
$PY -c "
import cv2, numpy as np
g = np.full((48, 64, 3), 512, np.uint16); g[..., 1] = 700
cv2.imwrite('$K/disp_occ_0/000000_10.png', g); cv2.imwrite('$K/disp_noc_0/000000_10.png', g)"
check "KITTI 16-bit RGB ground truth" error 60 -- "$WNET" eval --data "$D/kitti"
rm -rf "$D/empty" && mkdir -p "$D/empty"
check "empty dataset" error 60 -- "$WNET" eval --data "$D/empty"
printf 'not a png' >"$WORK/notpng.png"
check "image not a PNG" error 60 -- "$WNET" infer "$WORK/notpng.png" "$R" --output "$WORK/out-d"
check "missing image" error 60 -- "$WNET" infer "$WORK/missing.png" "$R" --output "$WORK/out-d"

# ---------------------------------------------------------------------------------------------
CAMPAIGN=options
for value in inf 1e30 nan -1 0 1000; do
  check "--max-disparity $value" error 60 -- "$WNET" infer "$L" "$R" --max-disparity "$value" --output "$WORK/out-o"
done
check "--output ''" error 30 -- "$WNET" infer "$L" "$R" --output ""
check "--output=" error 30 -- "$WNET" infer "$L" "$R" --output=
check "empty left path" error 30 -- "$WNET" infer "" "$R"
for option in "--steps 0" "--steps -1" "--batch-size 0" "--batch-size -2" "--batch-size 100000" \
  "--height 13" "--height 0" "--height -8" "--width 100000" "--learning-rate -1" "--learning-rate inf" \
  "--learning-rate nan" "--checkpoint-every 0" "--max-disparity 100000" "--min-disparity 9 --max-disparity 3" \
  "--synthetic-share 2"; do
  # shellcheck disable=SC2086
  check "train $option" error 60 -- "$WNET" train $option --output "$WORK/run-o"
done
check "--adapt -1" error 30 -- "$WNET" infer "$L" "$R" --adapt -1 --output "$WORK/out-o"
check "OMP_NUM_THREADS=64 is capped" ok 60 -- env OMP_NUM_THREADS=64 "$WNET" infer "$L" "$R" --output "$WORK/out-o"
verify "the cap is noted" grep -q "exceeds the" "$WORK/stderr"
check "memory estimate refuses" error 60 -- env WNET_MEMORY_LIMIT=1000000 "$WNET" infer "$L" "$R" --output "$WORK/out-o"
verify "the refusal gives the figure" grep -q "needs about" "$WORK/stderr"
# infer writes its outputs as a set: an earlier run's depth.pfm does not survive.
"$WNET" infer "$L" "$R" --focal 50 --baseline 1 --ply --output "$WORK/out-set" >/dev/null 2>&1
check "infer into a used folder" ok 60 -- "$WNET" infer "$L" "$R" --output "$WORK/out-set"
verify "no stale depth.pfm or points.ply" test ! -e "$WORK/out-set/depth.pfm" -a ! -e "$WORK/out-set/points.ply"
verify "no temporary files left" test -z "$(find "$WORK/out-set" -name '.*tmp-*')"

# ---------------------------------------------------------------------------------------------
CAMPAIGN=videos
if command -v ffmpeg >/dev/null; then
  V="$WORK/video"
  mkdir -p "$V"
  ffmpeg -v error -f lavfi -i testsrc=size=128x48:rate=10:duration=2 -c:v ffv1 "$V/sbs.mkv"
  check "extract" ok 120 -- "$WNET" extract "$V/sbs.mkv" --layout sbs --fps 5 --output "$V/frames"
  check "extract --overwrite fewer" ok 120 -- "$WNET" extract "$V/sbs.mkv" --layout sbs --fps 2 --overwrite --output "$V/frames"
  verify "no old extra frames" test "$(ls "$V/frames/left" | wc -l)" -eq "$(grep -o '[0-9]* pairs' "$WORK/stdout" | grep -o '[0-9]*')"
  for fps in 1e9 11 inf 0 -1 nan; do
    check "extract --fps $fps" error 60 -- "$WNET" extract "$V/sbs.mkv" --layout sbs --fps "$fps" --overwrite --output "$V/f2"
  done
  head -c 3000 "$V/sbs.mkv" >"$V/truncated.mkv"
  : >"$V/empty.mkv"
  printf 'not a video' >"$V/text.mkv"
  for bad in truncated empty text; do
    check "extract $bad video" error 60 -- "$WNET" extract "$V/$bad.mkv" --layout sbs --output "$V/f3"
    # ffmpeg salvages the frames before a truncation: a shorter video, or an error.
    expect=$([ "$bad" = truncated ] && echo any || echo error)
    check "infer --video $bad video" "$expect" 60 -- "$WNET" infer --video "$V/$bad.mkv" \
      --layout sbs --output "$V/o.mp4"
  done
  check "extract odd layout" error 60 -- "$WNET" extract "$V/sbs.mkv" --layout half-tb --start 99 --output "$V/f4"
  check "train on video --fps above the rate" error 60 -- "$WNET" train --data "$V/sbs.mkv" --layout sbs --fps 100 --steps 1 "${TINY[@]}" --output "$WORK/run-v"
else
  note "fuzz: ffmpeg missing: no video campaign"
fi

# ---------------------------------------------------------------------------------------------
CAMPAIGN=signals
# A reference run, uninterrupted.
STEPS=$([ "$QUICK" = 1 ] && echo 12 || echo 30)
"$WNET" train --steps "$STEPS" --checkpoint-every 3 "${TINY[@]}" --seed 5 --output "$WORK/reference" >/dev/null 2>&1
wait_for_steps() { # wait_for_steps LOG N
  for _ in $(seq 1 300); do
    local count
    count=$(grep -c '"kind":"train"' "$1" 2>/dev/null)
    [ "${count:-0}" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
killed_run() { # killed_run SIGNAL RUN N: starts or resumes RUN and sends SIGNAL after N more steps
  local signal=$1 run=$2 n=$3 before resume=()
  [ -e "$run/checkpoint.safetensors" ] && resume=(--resume)
  before=$(grep -c '"kind":"train"' "$run/log.jsonl" 2>/dev/null || true)
  "$WNET" train "${resume[@]}" --steps "$STEPS" --checkpoint-every 3 "${TINY[@]}" --seed 5 \
    --output "$run" >/dev/null 2>"$WORK/stderr" &
  local pid=$!
  wait_for_steps "$run/log.jsonl" $((${before:-0} + n))
  kill "-$signal" $pid 2>/dev/null
  wait $pid
  echo $?
}
KILLS=$([ "$QUICK" = 1 ] && echo 2 || echo 6)
for signal in KILL TERM INT HUP; do
  run="$WORK/killed-$signal"
  rounds=$([ "$signal" = KILL ] && echo "$KILLS" || echo 1)
  for round in $(seq 1 "$rounds"); do
    rc=$(killed_run "$signal" "$run" 2)
    if [ "$signal" = KILL ]; then
      if [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ]; then record clean "SIGKILL $round" ""; else record crash "SIGKILL $round" "exit $rc"; fi
    else
      if [ "$rc" -eq 1 ] && grep -q "stopped by SIG$signal" "$WORK/stderr"; then record clean "SIG$signal" ""
      else record wrong "SIG$signal" "exit $rc: $(head -1 "$WORK/stderr")"; fi
    fi
    if [ -e "$run/checkpoint.safetensors" ]; then
      readable "$run/checkpoint.safetensors" && record clean "checkpoint after SIG$signal $round" "" \
        || record lost "checkpoint after SIG$signal $round" "unreadable"
    fi
  done
  check "resume after SIG$signal" ok 300 -- "$WNET" train --resume --steps "$STEPS" --output "$run"
  verify "SIG$signal: resumed run equals the uninterrupted one" \
    $PY - "$run/checkpoint.safetensors" "$WORK/reference/checkpoint.safetensors" <<'EOF'
import json, struct, sys
def tensors(path):
    raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return {k: raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}
sys.exit(0 if tensors(sys.argv[1]) == tensors(sys.argv[2]) else 1)
EOF
done
# Two runs on one folder: the second is refused while the first holds the lock.
"$WNET" train --steps 100000 "${TINY[@]}" --output "$WORK/locked" >/dev/null 2>&1 &
first=$!
wait_for_steps "$WORK/locked/log.jsonl" 1
check "a second run on a busy folder" error 60 -- "$WNET" train --resume --steps 100000 --output "$WORK/locked"
kill -TERM $first; wait $first
# A diverging run keeps its last finite checkpoint.
check "learning rate 1e10" error 120 -- "$WNET" train --steps 30 --learning-rate 1e10 --checkpoint-every 1 "${TINY[@]}" --output "$WORK/diverged"
if [ -e "$WORK/diverged/checkpoint.safetensors" ]; then
  readable "$WORK/diverged/checkpoint.safetensors" && record clean "diverged checkpoint finite" "" \
    || record lost "diverged checkpoint" "unreadable or non-finite"
fi

# ---------------------------------------------------------------------------------------------
CAMPAIGN=filesystems
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
  FS="$WORK/fs"
  mkdir -p "$FS"
  cat >"$WORK/fs.sh" <<EOF
set -u
mount -t tmpfs -o size=\$1 tmpfs "$FS" || exit 3
mkdir -p "$FS/w" && cp "$L" "$R" "$FS/w/" 2>/dev/null
[ "\$2" = ro ] && mount -o remount,ro "$FS"
shift 2
"\$@"
EOF
  fs() { unshare -m bash "$WORK/fs.sh" "$@"; }
  for command in "train --steps 2 ${TINY[*]} --output $FS/run" "synth --count 1 --width 64 --height 48 --output $FS/s" \
    "infer $L $R --output $FS/o" "extract $WORK/video/sbs.mkv --layout sbs --output $FS/e" \
    "infer --video $WORK/video/sbs.mkv --layout sbs --output $FS/v.mp4"; do
    # shellcheck disable=SC2086
    check "read-only: ${command%% *}" error 120 -- unshare -m bash "$WORK/fs.sh" 1m ro "$WNET" $command
  done
  # A full disk: the first checkpoint fits, a later one does not; the last good one survives.
  size=$(( $(stat -c %s "$BASE") * 3 / 2 ))
  cat >"$WORK/full.sh" <<EOF
mount -t tmpfs -o size=$size tmpfs "$FS" || exit 3
"$WNET" train --steps 20 --checkpoint-every 1 ${TINY[*]} --output "$FS/run" >/dev/null 2>"$WORK/full-stderr"
echo \$? >"$WORK/full-rc"
"$WNET" export --model "$FS/run/checkpoint.safetensors" --weights "$WORK/full-copy.safetensors" >/dev/null 2>&1
echo \$? >"$WORK/full-readable"
ls -a "$FS/run" >"$WORK/full-ls"
EOF
  unshare -m bash "$WORK/full.sh"
  rc=$(cat "$WORK/full-rc" 2>/dev/null || echo 99)
  if [ "$rc" = 1 ] && tail -1 "$WORK/full-stderr" | grep -q '^Error:'; then
    record clean "disk full" ""
  else record wrong "disk full" "exit $rc: $(tail -1 "$WORK/full-stderr" 2>/dev/null)"; fi
  [ "$(cat "$WORK/full-readable" 2>/dev/null)" = 0 ] && record clean "checkpoint after disk full" "" \
    || record lost "checkpoint after disk full" "unreadable"
  grep -q 'tmp-' "$WORK/full-ls" && record wrong "disk full" "temporary files left: $(tr '\n' ' ' <"$WORK/full-ls")"
else
  note "fuzz: not root or no unshare -m: no tmpfs campaign"
fi

# ---------------------------------------------------------------------------------------------
echo
printf '%-12s %6s %6s %6s %6s %6s\n' campaign clean crash hang wrong lost
for campaign in checkpoints calibration datasets options videos signals filesystems; do
  printf '%-12s' "$campaign"
  for outcome in clean crash hang wrong lost; do
    printf ' %6s' "${CAMPAIGN_TOTAL[$campaign/$outcome]:-0}"
  done
  echo
done
printf '%-12s %6s %6s %6s %6s %6s\n' total "${COUNT[clean]}" "${COUNT[crash]}" "${COUNT[hang]}" \
  "${COUNT[wrong]}" "${COUNT[lost]}"
if [ $((COUNT[crash] + COUNT[hang] + COUNT[wrong] + COUNT[lost])) -ne 0 ]; then
  echo "fuzz: failures:"
  cat "$FAILURES"
  exit 1
fi
