#!/usr/bin/env bash
# Proves that another package can depend on a tagged version of WNet: copies this working tree
# (tracked and untracked, not ignored files and links, such as CStereoClassic's link to OpenCV's
# headers) into a temporary git repository tagged 9.9.9, then
# builds and runs a client package outside the repository that depends on it by
# `.package(url: "file://…", exact: "9.9.9")`; the client is README.md's "Use it from Swift"
# example, run on a test picture pair. SwiftPM refuses a
# version-pinned dependency with unsafe flags ("contains unsafe build flags"), so this fails if
# Package.swift has any. The client builds in debug, in its own scratch folder.
#
# Usage: scripts/check-client.sh [WNET_DIR]   (default: this repository)
set -euo pipefail
source_dir="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/wnet-client.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Stage: a tagged copy of WNet.
mkdir "$work/WNet"
(
  cd "$source_dir"
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' file; do
      { [ -f "$file" ] || [ -L "$file" ]; } && printf '%s\0' "$file"
    done \
    | xargs -0 cp --parents --no-dereference -t "$work/WNet"
)
git -C "$work/WNet" init -q
git -C "$work/WNet" add -A
git -C "$work/WNet" -c user.name=check-client -c user.email=check-client@localhost \
  commit -q -m "WNet under test"
git -C "$work/WNet" tag 9.9.9

# Stage: a client package that depends on that tag.
mkdir -p "$work/Client/Sources/WNetClient"
cat > "$work/Client/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "WNetClient",
  dependencies: [.package(url: "file://$work/WNet", exact: "9.9.9")],
  targets: [
    .executableTarget(
      name: "WNetClient",
      dependencies: [
        .product(name: "StereoData", package: "WNet"),
        .product(name: "StereoDepth", package: "WNet"),
      ])
  ]
)
EOF
# The client's code is README.md's "Use it from Swift" example, verbatim: the first ```swift
# block after that heading.
awk '/^## Use it from Swift/ { section = 1 } section && /^```swift/ { copying = 1; next }
  copying && /^```/ { exit } copying { print }' "$source_dir/README.md" \
  > "$work/Client/Sources/WNetClient/main.swift"
if [ ! -s "$work/Client/Sources/WNetClient/main.swift" ]; then
  echo "README.md has no swift block under '## Use it from Swift'" >&2
  exit 1
fi
# A pair to run it on: a 64x48 test picture and the same shifted by 4 pixels.
ffmpeg -v error -f lavfi -i testsrc=size=68x48 -frames:v 1 -vf crop=64:48:4:0 "$work/left.png"
ffmpeg -v error -f lavfi -i testsrc=size=68x48 -frames:v 1 -vf crop=64:48:0:0 "$work/right.png"

cd "$work/Client"
swift build --scratch-path "$work/Client/.build" --disable-dependency-cache 2>&1 | tail -n 20
(cd "$work" && "$work/Client/.build/debug/WNetClient" left.png right.png)
test -s "$work/depth-output/disparity.npy"
echo "client check passed: a package depending on WNet 9.9.9 builds and runs the README example"
