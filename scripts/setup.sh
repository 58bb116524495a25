#!/usr/bin/env bash
# Installs the system libraries and tools WNet needs on Debian 12 (idempotent; skips what is there).
set -euo pipefail
command -v swift >/dev/null || { echo "error: WNet needs the Swift 6 toolchain (swift.org/install) on PATH" >&2; exit 1; }
packages=(libdnnl-dev libpng-dev libjpeg62-turbo-dev libopencv-dev ffmpeg)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "Installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Python packages used by the export and metric cross-checks (tests skip cleanly without them).
if command -v python3 >/dev/null; then
  python3 -c "import onnx, onnxruntime, numpy" 2>/dev/null \
    || python3 -m pip install -q onnx onnxruntime numpy 2>/dev/null \
    || echo "note: could not install onnx/onnxruntime; export tests will be skipped"
fi
