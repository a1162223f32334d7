"""OCI image data as registries serve it: media types, a manifest with its exact bytes,
and the platform entries of an index (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)


@dataclass(frozen=True)
class Manifest:
    """A manifest as the registry serves it: exact bytes, type and digest."""

    digest: str
    media_type: str
    body: bytes

    def json(self) -> dict[str, Any]:
        """The parsed document."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def is_index(self) -> bool:
        """True for an OCI index or a Docker manifest list."""
        return self.media_type in INDEX_TYPES


@dataclass(frozen=True)
class PlatformManifest:
    """One image manifest of an index, by platform."""

    platform: str
    digest: str
    size: int


def platform_manifests(index: Mapping[str, Any]) -> list[PlatformManifest]:
    """The runnable images of an index; attestation manifests (unknown/unknown) are left out."""
    found: list[PlatformManifest] = []
    for entry in index.get("manifests", []):
        annotations = entry.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        platform = entry.get("platform") or {}
        name = "/".join(
            p
            for p in (platform.get("os"), platform.get("architecture"), platform.get("variant"))
            if p
        )
        if name and name != "unknown/unknown":
            found.append(PlatformManifest(name, entry["digest"], int(entry.get("size", 0))))
    return found
