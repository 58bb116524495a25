#!/usr/bin/env bash
# Proves that another package can depend on a tagged version of WNet: copies this working tree
# (tracked and untracked, not ignored files) into a temporary git repository tagged 9.9.9, then
# builds and runs a client package outside the repository that depends on it by
# `.package(url: "file://…", exact: "9.9.9")` and imports StereoDepth. SwiftPM refuses a
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
    | while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done \
    | xargs -0 cp --parents -t "$work/WNet"
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
      name: "WNetClient", dependencies: [.product(name: "StereoDepth", package: "WNet")])
  ]
)
EOF
cat > "$work/Client/Sources/WNetClient/main.swift" <<'EOF'
import StereoDepth

// Loads the model bundled as a resource of the dependency.
let (model, _) = try PretrainedModel.load()
print("client: WNet's bundled model loaded, \(model.parameters.trainableCount) trainable parameters")
EOF

cd "$work/Client"
swift build --scratch-path "$work/Client/.build" --disable-dependency-cache 2>&1 | tail -n 20
"$work/Client/.build/debug/WNetClient"
echo "client check passed: a package depending on WNet 9.9.9 builds and runs"
