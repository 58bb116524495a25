#!/usr/bin/env bash
# Installs what WNet needs on Debian 12 (idempotent; skips what is there):
# - system libraries and tools with apt-get (oneDNN, libpng, libjpeg-turbo, libtiff, ffmpeg,
#   OpenCV, Python's venv, NumPy and cv2);
# - the Python packages of the cross-checks (onnx, onnxruntime, numpy, safetensors) into a virtual
#   environment at ${WNET_VENV:-$HOME/.cache/wnet/venv}, never into the system interpreter. The
#   tests find it there (or use $WNET_PYTHON); offline, they skip the checks that need it.
set -euo pipefail
command -v swift >/dev/null || {
  echo "error: WNet needs the Swift 6 toolchain (swift.org/install) on PATH" >&2
  exit 1
}

packages=(
  libdnnl-dev libpng-dev libjpeg62-turbo-dev libtiff-dev ffmpeg
  libopencv-dev python3-opencv python3-numpy python3-venv
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "Installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The venv is made from Debian's interpreter with its site packages visible, so cv2 and Debian's
# NumPy 1.x work in it too; `numpy<2` keeps pip from shadowing them with a NumPy that breaks cv2.
venv="${WNET_VENV:-$HOME/.cache/wnet/venv}"
base_python=/usr/bin/python3
[ -x "$base_python" ] || base_python="$(command -v python3 || true)"
python_modules="onnx, onnxruntime, numpy, safetensors"
if [ -z "$base_python" ]; then
  echo "note: no python3; the Python cross-checks will be skipped"
elif [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c "import $python_modules" 2>/dev/null; then
  : # already set up
else
  if [ ! -x "$venv/bin/python3" ]; then
    mkdir -p "$(dirname "$venv")"
    "$base_python" -m venv --system-site-packages "$venv" \
      || echo "note: could not create the virtual environment $venv"
  fi
  if [ -x "$venv/bin/python3" ]; then
    "$venv/bin/python3" -m pip install -q --disable-pip-version-check \
      onnx onnxruntime safetensors "numpy<2" 2>/dev/null \
      || echo "note: could not install onnx/onnxruntime/safetensors into $venv (offline?);" \
        "the export and safetensors cross-checks will be skipped"
  fi
fi
