"""Read what a registry really holds (plain requests, independent of Slipway's own client)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import requests

MEDIA_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ACCEPT = ", ".join(MEDIA_TYPES)
REFERRERS_TAG = re.compile(r"sha256-[0-9a-f]{64}")


class RegistryView:
    """Anonymous read access to a plain-HTTP test registry."""

    def __init__(self, registry: str) -> None:
        self.base = f"http://{registry}/v2"

    def manifest(self, repository: str, reference: str) -> tuple[str, dict[str, Any]] | None:
        """(digest of the exact bytes, document), or None when the reference does not exist."""
        response = requests.get(
            f"{self.base}/{repository}/manifests/{reference}",
            headers={"Accept": ACCEPT},
            timeout=30,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return "sha256:" + hashlib.sha256(response.content).hexdigest(), json.loads(
            response.content
        )

    def all_tags(self, repository: str) -> list[str]:
        """Every tag of the repository (empty when it has none)."""
        response = requests.get(f"{self.base}/{repository}/tags/list", timeout=30)
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return list(response.json().get("tags") or [])

    def tags(self, repository: str) -> list[str]:
        """The image tags: without the referrers tag schema's ``sha256-<hex>`` listings of
        the evidence attached to a digest (`referrer_tags`)."""
        return [t for t in self.all_tags(repository) if not REFERRERS_TAG.fullmatch(t)]

    def referrer_tags(self, repository: str) -> list[str]:
        """The referrers tag schema's tags."""
        return [t for t in self.all_tags(repository) if REFERRERS_TAG.fullmatch(t)]

    def config(self, repository: str, manifest_digest: str) -> dict[str, Any]:
        """The image config of a platform manifest."""
        found = self.manifest(repository, manifest_digest)
        assert found is not None, f"{repository}@{manifest_digest} is missing"
        blob = found[1]["config"]["digest"]
        response = requests.get(f"{self.base}/{repository}/blobs/{blob}", timeout=30)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def platforms(self, repository: str, reference: str) -> dict[str, str]:
        """platform -> manifest digest for an index, attestations left out."""
        found = self.manifest(repository, reference)
        assert found is not None, f"{repository}:{reference} is missing"
        result = {}
        for entry in found[1].get("manifests", []):
            platform = entry.get("platform", {})
            name = "/".join(
                p
                for p in (platform.get("os"), platform.get("architecture"), platform.get("variant"))
                if p
            )
            if name != "unknown/unknown":
                result[name] = entry["digest"]
        return result
