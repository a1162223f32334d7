"""Layer contents kept on disk between runs, by layer digest.

A layer's digest fixes its bytes, so what streaming it showed never changes: a base
image's layers are read once, not on every build. Entries are written only after the
bytes read matched the digest, and a damaged entry counts as missing.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from slipway.size.model import FileEntry, LayerContents

STORE_DIR = "slipway-layers-v1"  # inside the cache directory; the suffix is the format
KEEP_SECONDS = 30 * 24 * 3600


def to_json(contents: LayerContents) -> dict[str, object]:
    """The stored form."""
    return {
        "uncompressed": contents.uncompressed,
        "largest": [[f.path, f.size] for f in contents.largest],
        "cache_bytes": [[d, n] for d, n in contents.cache_bytes],
        "build_tool_bytes": contents.build_tool_bytes,
    }


def from_json(data: object) -> LayerContents:
    """Back from the stored form; ValueError or TypeError when it is not one."""
    if not isinstance(data, dict):
        raise TypeError("a stored layer is a JSON object")
    try:
        return LayerContents(
            int(data["uncompressed"]),
            tuple(FileEntry(str(p), int(n)) for p, n in data["largest"]),
            tuple((str(d), int(n)) for d, n in data["cache_bytes"]),
            int(data["build_tool_bytes"]),
        )
    except KeyError as error:
        raise ValueError(f"missing {error}") from None


class LayerStore(MutableMapping[str, LayerContents | None]):
    """A `slipway.stages.size.LayerCache` that also remembers, on disk, what it learnt.

    Unknown contents (``None``: a compression this install cannot read) stay in memory
    only, so a later install that can read them will.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._memory: dict[str, LayerContents | None] = {}

    def _file(self, digest: str) -> Path | None:
        algorithm, _, hexdigest = digest.partition(":")
        if algorithm != "sha256" or len(hexdigest) != 64 or not hexdigest.isalnum():
            return None  # never a path from an unexpected digest
        return self.root / f"{hexdigest}.json"

    def __getitem__(self, digest: str) -> LayerContents | None:
        if digest in self._memory:
            return self._memory[digest]
        path = self._file(digest)
        if path is None:
            raise KeyError(digest)
        try:
            contents = from_json(json.loads(path.read_text(encoding="utf-8")))
            os.utime(path)  # used: kept by `prune`
        except (OSError, ValueError, TypeError):
            raise KeyError(digest) from None
        self._memory[digest] = contents
        return contents

    def __setitem__(self, digest: str, contents: LayerContents | None) -> None:
        self._memory[digest] = contents
        path = self._file(digest)
        if contents is None or path is None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=self.root, suffix=".tmp", delete=False, encoding="utf-8"
            ) as handle:
                json.dump(to_json(contents), handle)
            Path(handle.name).replace(path)
        except OSError:
            pass  # a read-only or full cache directory only costs the next run a re-read

    def __delitem__(self, digest: str) -> None:
        self._memory.pop(digest, None)
        path = self._file(digest)
        if path is not None:
            path.unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._memory)

    def __len__(self) -> int:
        return len(self._memory)

    def prune(self, *, older_than: float = KEEP_SECONDS, now: float | None = None) -> int:
        """Remove entries not used for ``older_than`` seconds; how many went."""
        now = time.time() if now is None else now
        removed = 0
        for path in self.root.glob("*.json"):
            try:
                if now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed
