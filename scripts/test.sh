#!/usr/bin/env bash
# The README's second command, and what CI runs (`.ci/run`): installs what this machine lacks,
# checks the package's hygiene, then builds and runs the whole suite on 2 threads.
#
# The suite runs in release with testing enabled (`@testable import` works): the kernels and the
# reference oracle are plain Swift loops that run 10-100x slower at -Onone, and the manifest has
# no unsafe flags to optimise them in debug. Plain `swift test` works too, only slower.
#
# Also, by environment:
#   CI=true or WNET_CHECK_CLIENT=1   a client package builds against a tagged copy of WNet
#                                    (scripts/check-client.sh; about a minute)
#   CI=true or WNET_LINT=1           the sources must be formatted (scripts/lint.sh)
#   CI=true or WNET_FUZZ=1           before the suite, the short reliability campaign
#                                    (WNET_FUZZ_QUICK=1 scripts/fuzz.sh; under 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
python3 scripts/check-imports.py
if [ "${CI:-}" = true ] || [ "${WNET_LINT:-0}" = 1 ]; then
  bash scripts/lint.sh
fi
if [ "${CI:-}" = true ] || [ "${WNET_CHECK_CLIENT:-0}" = 1 ]; then
  bash scripts/check-client.sh
fi
swift build -c release --build-tests -Xswiftc -enable-testing
if [ "${CI:-}" = true ] || [ "${WNET_FUZZ:-0}" = 1 ]; then
  WNET_FUZZ_QUICK=1 bash scripts/fuzz.sh
fi
swift test -c release -Xswiftc -enable-testing --skip-build
