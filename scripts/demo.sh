#!/usr/bin/env bash
# The README's first command: installs what this machine lacks, builds WNet (release), unpacks the
# sample stereo pairs Debian ships, and runs `wnet demo` on built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/fetch-samples.sh
swift build -c release --product wnet
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
.build/release/wnet demo "$@"
