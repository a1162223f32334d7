"""Reading an OCI image layout (what ``buildx --output type=oci,tar=false`` writes).

Slipway builds into a layout and pushes it by digest itself: buildx's docker driver
cannot ``push-by-digest``, and pushing ourselves lets the registry adapter retry,
order manifest writes, and create tags only after the gate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.oci.manifest import INDEX_TYPES


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor."""

    media_type: str
    digest: str
    size: int

    @classmethod
    def of(cls, data: dict[str, Any]) -> Descriptor:
        """From a descriptor's JSON."""
        return cls(str(data["mediaType"]), str(data["digest"]), int(data["size"]))


@dataclass(frozen=True)
class Upload:
    """One thing to push: a blob (by file) or a manifest (by digest), in order."""

    descriptor: Descriptor
    is_manifest: bool


class Layout:
    """An OCI layout directory on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        """The file of a blob."""
        algorithm, _, hexdigest = digest.partition(":")
        return self.root / "blobs" / algorithm / hexdigest

    def read(self, digest: str) -> bytes:
        """A blob's bytes."""
        return self.path(digest).read_bytes()

    def write(self, data: bytes) -> str:
        """Store ``data`` as a blob (a manifest Slipway made); its digest."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.path(digest).write_bytes(data)
        return digest

    def read_json(self, digest: str) -> dict[str, Any]:
        """A JSON blob (manifest, index, config)."""
        data: dict[str, Any] = json.loads(self.read(digest))
        return data

    def top(self) -> Descriptor:
        """The descriptor of the last build written here (first entry of index.json)."""
        index = json.loads((self.root / "index.json").read_text(encoding="utf-8"))
        return Descriptor.of(index["manifests"][0])

    def prune(self, keep: Descriptor, *, older_than: float, now: float) -> int:
        """Remove blobs ``keep`` does not reference and not touched since ``older_than`` s."""
        referenced = {u.descriptor.digest for u in self.uploads(keep)}
        removed = 0
        for blob in (self.root / "blobs" / "sha256").glob("*"):
            if f"sha256:{blob.name}" not in referenced and now - blob.stat().st_mtime > older_than:
                blob.unlink(missing_ok=True)
                removed += 1
        return removed

    def uploads(self, top: Descriptor | None = None) -> list[Upload]:
        """Everything to push, children before parents, each blob once."""
        order: list[Upload] = []
        seen: set[str] = set()
        self._collect(top or self.top(), order, seen)
        return order

    def _collect(self, descriptor: Descriptor, order: list[Upload], seen: set[str]) -> None:
        if descriptor.digest in seen:
            return
        seen.add(descriptor.digest)
        document = self.read_json(descriptor.digest)
        if descriptor.media_type in INDEX_TYPES:
            for child in document.get("manifests", []):
                self._collect(Descriptor.of(child), order, seen)
        else:
            for blob in [document["config"], *document.get("layers", [])]:
                blob_descriptor = Descriptor.of(blob)
                if blob_descriptor.digest not in seen:
                    seen.add(blob_descriptor.digest)
                    order.append(Upload(blob_descriptor, is_manifest=False))
        order.append(Upload(descriptor, is_manifest=True))


LAYOUT_KEEP_SECONDS = 7 * 24 * 3600
