#!/usr/bin/env bash
# The README's second command: installs what this machine lacks, then builds and runs the test
# suite on 2 threads (the whole suite takes about 1-2 minutes on 2 cores once built).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
swift build --build-tests
swift test --skip-build
