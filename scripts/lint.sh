#!/usr/bin/env bash
# Checks the Swift sources against the repository's `.swift-format`:
# 1. Formatting (fails): every file must be as `scripts/format.sh` leaves it. The tree is copied to
#    a temporary folder, formatted there and compared, so nothing here is touched.
# 2. swift-format's lint rules that formatting cannot fix (documentation comments, force-try):
#    listed as notes; WNET_LINT_STRICT=1 makes them fail too.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Package.swift)
work="$(mktemp -d "${TMPDIR:-/tmp}/wnet-lint.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R "${paths[@]}" .swift-format "$work/"
(cd "$work" && swift format format --in-place --recursive --parallel \
  --configuration .swift-format "${paths[@]}")
status=0
changed=()
while IFS= read -r -d '' file; do
  cmp -s "$file" "$work/$file" || changed+=("$file")
done < <(find "${paths[@]}" -name '*.swift' -print0 | sort -z)
if [ ${#changed[@]} -gt 0 ]; then
  printf 'not formatted (run scripts/format.sh): %s\n' "${changed[@]}"
  status=1
else
  echo "swift-format: every file is formatted"
fi

findings="$(swift format lint --recursive --parallel --configuration .swift-format \
  "${paths[@]}" 2>&1 || true)"
count="$(printf '%s' "$findings" | grep -c 'warning:' || true)"
if [ "$count" -gt 0 ]; then
  printf '%s\n' "$findings" | grep 'warning:' | sed 's/^/note: /'
  echo "swift-format lint: $count findings"
  [ "${WNET_LINT_STRICT:-0}" = 1 ] && status=1
fi
exit "$status"
