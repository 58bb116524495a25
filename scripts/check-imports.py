#!/usr/bin/env python3
"""Checks that every module a target imports is one of its declared dependencies.

SwiftPM builds every module into one folder, so an undeclared `import StereoData` compiles as
long as something else built StereoData first, and breaks a client that builds less
(`--explicit-target-dependency-import-check` does not catch this on Linux). This reads the
manifest (`swift package dump-package`), collects each target's `import X` lines (any access
level, `@testable`, `@preconcurrency`), and fails when X is a target of this package or a product
of a dependency that the target does not declare. System modules (Foundation, Glibc, Testing…)
are not checked.

Usage: scripts/check-imports.py [PACKAGE_DIR]   (exit status 1 and one line per problem)
"""

import json
import pathlib
import re
import subprocess
import sys

IMPORT = re.compile(
    r"^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:struct|class|enum|protocol|typealias|func|let|var)\s+)?([A-Za-z_]\w*)",
    re.MULTILINE,
)
# Products of the package's dependencies, by the module they provide.
DEPENDENCY_PRODUCTS = {"ArgumentParser"}


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    manifest = json.loads(
        subprocess.run(
            ["swift", "package", "dump-package"], cwd=root, check=True, capture_output=True,
            text=True,
        ).stdout
    )
    targets = {target["name"]: target for target in manifest["targets"]}
    checked_modules = set(targets) | DEPENDENCY_PRODUCTS
    problems = []
    for name, target in targets.items():
        if target["type"] == "system":
            continue
        declared = set()
        for dependency in target["dependencies"]:
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        default = "Tests" if target["type"] == "test" else "Sources"
        folder = root / (target.get("path") or f"{default}/{name}")
        for source in sorted(folder.rglob("*.swift")):
            for module in sorted(set(IMPORT.findall(source.read_text(encoding="utf-8")))):
                if module in checked_modules and module != name and module not in declared:
                    problems.append(
                        f"{source.relative_to(root)}: imports {module}, "
                        f"which target {name} does not declare as a dependency"
                    )
    for problem in problems:
        print(problem)
    if not problems:
        print(f"imports: every target declares what it imports ({len(targets)} targets)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
