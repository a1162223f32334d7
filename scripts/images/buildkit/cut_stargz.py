"""Cut the stargz snapshotter out of buildkitd's OCI worker (cmd/buildkitd/main_oci_worker.go).

Debian packages stargz-snapshotter 0.14, which does not compile against containerd v2. Slipway
never asks for the stargz snapshotter, so its `case "stargz":` branch, its imports and the
helpers only it uses go. `--unused PATH...` then drops imports the compiler reports unused.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def cut(source: str) -> str:
    """The file without the stargz branch, its helpers and its imports."""
    lines = source.splitlines(keepends=True)
    kept = [line for line in lines if "stargz-snapshotter" not in line]
    text = "".join(kept)
    start = text.index('\tcase "stargz":\n')
    end = text.index("\tdefault:\n", start)
    text = text[:start] + text[end:]
    helpers = text.find("const (\n\t// targetRefLabel")
    if helpers >= 0:
        text = text[:helpers].rstrip() + "\n"
    return text


def drop_imports(source: str, paths: list[str]) -> str:
    """Remove the import lines of ``paths`` (with or without an alias)."""
    for path in paths:
        source = re.sub(rf'^\t(?:\w+ )?"{re.escape(path)}"\n', "", source, flags=re.MULTILINE)
    return source


def main(argv: list[str]) -> int:
    target = Path(argv[1])
    text = target.read_text(encoding="utf-8")
    unused = len(argv) > 2 and argv[2] == "--unused"
    text = drop_imports(text, argv[3:]) if unused else cut(text)
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
