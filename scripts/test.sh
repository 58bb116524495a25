#!/usr/bin/env bash
# Builds and runs the test suite on 2 threads. Set WNET_SLOW_TESTS=1 for the slow checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
swift build --build-tests
swift test --skip-build
