#!/usr/bin/env bash
# Times every operation with `wnet bench ops` and with its PyTorch twin (benchmarks/torch_ops.py)
# in one go, on the same thread count and malloc settings, and prints ours / PyTorch ratios
# (against channels_last, PyTorch's fastest layout here, and against default NCHW).
#
# Usage: benchmarks/compare_ops.sh [--runs N] [--warmup N] [--filter TEXT]
# Environment: OMP_NUM_THREADS (default 2); KEEP=dir keeps the JSON files there; MARKDOWN=1
# prints the table as Markdown (for BENCHMARKS.md); REUSE=1 with KEEP=dir re-prints a kept run.
# The machine must be idle: both tools report the busy share seen before they start.
set -euo pipefail
cd "$(dirname "$0")/.."

export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
# glibc keeps big buffers instead of returning them to the kernel (PLATFORM-NOTES.md): PyTorch
# otherwise page-faults every large output in again. Applied to both sides.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=268435456

out="${KEEP:-$(mktemp -d)}"
mkdir -p "$out"
if [ "${REUSE:-0}" != 1 ]; then
  swift build -c release --product wnet >&2
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads: $OMP_NUM_THREADS" >&2
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  .build/release/wnet bench ops --json "$@" > "$out/wnet.json"
  /usr/bin/python3 benchmarks/torch_ops.py --json "$@" > "$out/torch.json"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
fi

MARKDOWN="${MARKDOWN:-0}" /usr/bin/python3 - "$out/wnet.json" "$out/torch.json" <<'EOF'
import json, os, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
torch = {run["format"]: {(t["operation"], t["direction"]): t["milliseconds"] for t in run["timings"]}
         for run in theirs["runs"]}
torch_min = {run["format"]: {(t["operation"], t["direction"]): t["minimumMilliseconds"]
                             for t in run["timings"]} for run in theirs["runs"]}
def fmt(value):
    return f"{value:9.2f}" if value is not None else f"{'-':>9}"
def ratio(a, b):
    return f"{a / b:7.2f}" if a is not None and b else f"{'-':>7}"
print(f"WNet (oneDNN {ours['oneDNN']}, {ours['threads']} threads) vs PyTorch {theirs['torch']}"
      f" ({theirs['threads']} threads); medians in ms; min/CL compares the fastest runs")
loads = [ours.get("busyPercentBefore"), theirs.get("busyPercentBefore"),
         ours.get("otherLoadPercent"), theirs.get("otherLoadPercent")]
print("machine busy before: wnet {}, torch {}; other processes during: wnet {}, torch {}".format(
    *[f"{b:.1f}%" if b is not None else "?" for b in loads]))
markdown = os.environ.get("MARKDOWN") == "1"
if markdown:
    print("\n| operation | direction | WNet ms | PyTorch CL ms | PyTorch NCHW ms | WNet / CL "
          "| WNet / NCHW | min / min CL |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
else:
    print(f"{'operation':18} {'direction':17} {'wnet':>9} {'torch CL':>9} {'torch NCHW':>10} "
          f"{'/CL':>7} {'/NCHW':>7} {'min/CL':>7}")
for t in ours["timings"]:
    key = (t["operation"], t["direction"])
    cl = torch.get("channels_last", {}).get(key)
    nchw = torch.get("nchw", {}).get(key)
    cl_min = torch_min.get("channels_last", {}).get(key)
    row = [t["operation"], t["direction"], fmt(t["milliseconds"]), fmt(cl), fmt(nchw),
           ratio(t["milliseconds"], cl), ratio(t["milliseconds"], nchw),
           ratio(t["minimumMilliseconds"], cl_min)]
    if markdown:
        bold = "**" if t["direction"] == "total" else ""
        print("| " + " | ".join(bold + c.strip() + bold for c in row) + " |")
    else:
        print(f"{row[0]:18} {row[1]:17} {row[2]} {row[3]} {row[4]:>10} {row[5]} {row[6]} {row[7]}")
EOF
