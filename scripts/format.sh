#!/usr/bin/env bash
# Formats every Swift file in place with swift-format and the repository's `.swift-format`
# (2 spaces, 100 columns, ordered imports). `scripts/lint.sh` checks that this leaves nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel --configuration .swift-format \
  Sources Tests Package.swift
