"""Merge per-platform builds (pushed by digest from several jobs) into one image index.

This is how the reusable workflow fans a multi-platform build out over native runners:
each job pushes its platform with ``push-by-digest: true``; the merge job creates the
index from their digests, then scans, gates and tags it like any other run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from slipway.oci.manifest import INDEX_TYPES, OCI_INDEX, Manifest


class MergeError(ValueError):
    """The sources cannot be merged (e.g. two of them carry the same platform)."""


def _platform_key(entry: Mapping[str, Any]) -> str:
    platform = entry.get("platform") or {}
    return "/".join(str(platform.get(k, "")) for k in ("os", "architecture", "variant")).rstrip("/")


def merge_index(sources: Sequence[Manifest], annotations: Mapping[str, str]) -> Manifest:
    """One OCI index holding every image (and attestation) manifest of ``sources``.

    A source is either an index (its entries are taken over) or a single image
    manifest (it needs a platform, so it must come from an index in practice).
    """
    entries: list[dict[str, Any]] = []
    seen_platforms: dict[str, str] = {}
    for source in sources:
        if source.media_type not in INDEX_TYPES:
            raise MergeError(
                f"{source.digest} is a single image manifest, not an index; merge the digest output of a push-by-digest job"
            )
        for entry in source.json().get("manifests", []):
            is_attestation = (entry.get("annotations") or {}).get(
                "vnd.docker.reference.type"
            ) == "attestation-manifest"
            key = _platform_key(entry)
            if not is_attestation:
                if key in seen_platforms and seen_platforms[key] != entry["digest"]:
                    raise MergeError(
                        f"two sources carry {key}: {seen_platforms[key]} and {entry['digest']}"
                    )
                seen_platforms[key] = entry["digest"]
            if entry not in entries:
                entries.append(entry)
    document: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    if annotations:
        document["annotations"] = dict(annotations)
    body = json.dumps(document, separators=(",", ":"), sort_keys=False).encode()
    return Manifest("sha256:" + hashlib.sha256(body).hexdigest(), OCI_INDEX, body)
