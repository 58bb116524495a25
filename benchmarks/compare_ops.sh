#!/usr/bin/env bash
# Times every operation with `wnet bench ops` and with its PyTorch twin (benchmarks/torch_ops.py)
# on the same thread count and malloc settings, and prints ours / PyTorch ratios (against
# channels_last, PyTorch's fastest layout here, and against default NCHW).
#
# The machine is shared and its load drifts, so the two tools are interleaved: for each operation
# in turn, WNet then PyTorch, and the whole sweep is repeated ROUNDS times. Each tool reports the
# median of its runs; the table gives, per operation, the median of those medians over the rounds
# (and the ratio of the fastest runs seen).
#
# Usage: benchmarks/compare_ops.sh [--runs N] [--warmup N]
# Environment: OMP_NUM_THREADS (default 2); ROUNDS (default 3); KEEP=dir keeps the JSON files
# there; MARKDOWN=1 prints the table as Markdown (for BENCHMARKS.md); REUSE=1 with KEEP=dir
# re-prints a kept run. Both tools report the machine's busy share before and during their runs.
set -euo pipefail
cd "$(dirname "$0")/.."

export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
# glibc keeps big buffers instead of returning them to the kernel (PLATFORM-NOTES.md): PyTorch
# otherwise page-faults every large output in again. Applied to both sides.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=268435456
rounds="${ROUNDS:-3}"

out="${KEEP:-$(mktemp -d)}"
mkdir -p "$out"
if [ "${REUSE:-0}" != 1 ]; then
  swift build -c release --product wnet >&2
  rm -f "$out"/wnet-*.json "$out"/torch-*.json
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads: $OMP_NUM_THREADS" >&2
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  # The operation names, from a tiny run.
  operations=$(.build/release/wnet bench ops --json --runs 1 --warmup 0 --batch 1 --height 8 \
    --width 8 --channels 16 | /usr/bin/python3 -c \
    'import json, sys; print(" ".join(dict.fromkeys(t["operation"] for t in json.load(sys.stdin)["timings"])))')
  echo "$operations" > "$out/operations.txt"
  for round in $(seq 1 "$rounds"); do
    for operation in $operations; do
      echo "round $round/$rounds: $operation" >&2
      .build/release/wnet bench ops --json --filter "$operation" "$@" \
        > "$out/wnet-$round-$operation.json"
      if [[ "$operation" != *-onednn && "$operation" != filter-reorder* ]]; then
        /usr/bin/python3 benchmarks/torch_ops.py --json --filter "$operation" "$@" \
          > "$out/torch-$round-$operation.json"
      fi
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
fi

MARKDOWN="${MARKDOWN:-0}" /usr/bin/python3 - "$out" <<'EOF'
import glob, json, os, statistics, sys
out = sys.argv[1]
ours, theirs = {}, {}   # (operation, direction) -> list of (median, minimum)
ours_order, meta, loads = [], {}, {"wnet": [], "torch": []}
def operation_of(path):
    # wnet-ROUND-OPERATION.json; --filter matches substrings, so keep only that operation's rows.
    return os.path.basename(path)[:-len(".json")].split("-", 2)[2]

for path in sorted(glob.glob(os.path.join(out, "wnet-*.json"))):
    report = json.load(open(path))
    meta["oneDNN"], meta["threads"] = report["oneDNN"], report["threads"]
    loads["wnet"].append(report.get("otherLoadPercent"))
    for t in report["timings"]:
        if t["operation"] != operation_of(path):
            continue
        key = (t["operation"], t["direction"])
        if key not in ours:
            ours_order.append(key)
        ours.setdefault(key, []).append((t["milliseconds"], t["minimumMilliseconds"]))
for path in sorted(glob.glob(os.path.join(out, "torch-*.json"))):
    report = json.load(open(path))
    meta["torch"], meta["torchThreads"] = report["torch"], report["threads"]
    loads["torch"].append(report.get("otherLoadPercent"))
    for run in report["runs"]:
        for t in run["timings"]:
            if t["operation"] != operation_of(path):
                continue
            key = (run["format"], t["operation"], t["direction"])
            theirs.setdefault(key, []).append((t["milliseconds"], t["minimumMilliseconds"]))

def median(key, table):
    values = table.get(key)
    return statistics.median(v[0] for v in values) if values else None

def minimum(key, table):
    values = table.get(key)
    return min(v[1] for v in values) if values else None

def fmt(value):
    return f"{value:9.2f}" if value is not None else f"{'-':>9}"

def ratio(a, b):
    return f"{a / b:7.2f}" if a is not None and b else f"{'-':>7}"

def load_range(values):
    values = [v for v in values if v is not None]
    return f"{min(values):.0f}-{max(values):.0f}%" if values else "?"

# The benchmark's own order of operations.
order_path = os.path.join(out, "operations.txt")
if os.path.exists(order_path):
    rank = {name: index for index, name in enumerate(open(order_path).read().split())}
    ours_order.sort(key=lambda key: rank.get(key[0], len(rank)))
rounds = max((len(v) for v in ours.values()), default=0)
print(f"WNet (oneDNN {meta.get('oneDNN')}, {meta.get('threads')} threads) vs PyTorch "
      f"{meta.get('torch')} ({meta.get('torchThreads')} threads); per operation, the median over "
      f"{rounds} interleaved rounds of each tool's median, in ms; min/CL compares the fastest runs")
print(f"load from other processes during the runs: wnet {load_range(loads['wnet'])}, "
      f"torch {load_range(loads['torch'])}")
markdown = os.environ.get("MARKDOWN") == "1"
if markdown:
    print("\n| operation | direction | WNet ms | PyTorch CL ms | PyTorch NCHW ms | WNet / CL "
          "| WNet / NCHW | min / min CL |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
else:
    print(f"{'operation':18} {'direction':17} {'wnet':>9} {'torch CL':>9} {'torch NCHW':>10} "
          f"{'/CL':>7} {'/NCHW':>7} {'min/CL':>7}")
for key in ours_order:
    ms = median(key, ours)
    cl = median(("channels_last",) + key, theirs)
    nchw = median(("nchw",) + key, theirs)
    row = [key[0], key[1], fmt(ms), fmt(cl), fmt(nchw), ratio(ms, cl), ratio(ms, nchw),
           ratio(minimum(key, ours), minimum(("channels_last",) + key, theirs))]
    if markdown:
        bold = "**" if key[1] == "total" else ""
        print("| " + " | ".join(bold + c.strip() + bold for c in row) + " |")
    else:
        print(f"{row[0]:18} {row[1]:17} {row[2]} {row[3]} {row[4]:>10} {row[5]} {row[6]} {row[7]}")
EOF
