#!/usr/bin/env bash
# Extracts real stereo pairs that Debian ships into a local cache (default ~/.cache/wnet/samples):
#   aloe/        Middlebury 2006 "Aloe", full size, with ground truth (from opencv-doc's examples)
# Only the needed files are unpacked from the downloaded package; nothing is installed system-wide.
set -euo pipefail
target="${WNET_SAMPLES:-$HOME/.cache/wnet/samples}"
if [ -f "$target/aloe/left.jpg" ] && [ -f "$target/aloe/disp0GT.png" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$target/aloe"
(cd "$work" && apt-get download opencv-doc >/dev/null 2>&1) || { echo "note: could not download opencv-doc; the demo will use synthetic scenes only" >&2; exit 0; }
prefix=./usr/share/doc/opencv-doc/examples/data
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -x -C "$work" "$prefix/aloeL.jpg" "$prefix/aloeR.jpg" "$prefix/aloeGT.png"
cp "$work/$prefix/aloeL.jpg" "$target/aloe/left.jpg"
cp "$work/$prefix/aloeR.jpg" "$target/aloe/right.jpg"
cp "$work/$prefix/aloeGT.png" "$target/aloe/disp0GT.png"
echo "Sample stereo pairs in $target"
