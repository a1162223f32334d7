"""Evidence attached to a pushed image: OCI 1.1 artifacts whose ``subject`` is the image
(pure). The registry's referrers API lists them (``oras discover``, ``cosign tree``); where
the registry has none, the referrers tag schema does: an index tagged ``sha256-<hex>`` that
lists every artifact referring to that digest, kept up to date by the one who pushes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST

EMPTY_CONFIG = b"{}"  # the OCI 1.1 empty descriptor's content
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
SCAN_REPORT_TYPE = "application/vnd.slipway.scan-report.v1+json"
CYCLONEDX_TYPE = "application/vnd.cyclonedx+json"
KINDS = ("scan-report", "sbom")


def sha256(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Subject:
    """The image an artifact refers to."""

    digest: str
    media_type: str
    size: int

    def descriptor(self) -> dict[str, Any]:
        """As a manifest's ``subject`` field."""
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size}


@dataclass(frozen=True)
class Artifact:
    """One artifact manifest to push: its bytes, and its entry in a referrers index."""

    body: bytes
    artifact_type: str
    annotations: Mapping[str, str]
    subject: str  # the digest it refers to

    @property
    def digest(self) -> str:
        """The manifest's digest."""
        return sha256(self.body)

    def index_entry(self) -> dict[str, Any]:
        """The descriptor a referrers listing holds for it."""
        return {
            "mediaType": OCI_MANIFEST,
            "digest": self.digest,
            "size": len(self.body),
            "artifactType": self.artifact_type,
            "annotations": dict(self.annotations),
        }


def artifact(
    subject: Subject, artifact_type: str, payload: bytes, annotations: Mapping[str, str]
) -> Artifact:
    """An image manifest carrying ``payload`` as its one layer (the empty config), that
    refers to ``subject``."""
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": EMPTY_TYPE, "digest": sha256(EMPTY_CONFIG), "size": 2},
        "layers": [{"mediaType": artifact_type, "digest": sha256(payload), "size": len(payload)}],
        "subject": subject.descriptor(),
        "annotations": dict(annotations),
    }
    return Artifact(_canonical(document), artifact_type, dict(annotations), subject.digest)


def fallback_tag(digest: str) -> str:
    """The referrers tag schema's tag for ``digest``: ``sha256:abc`` -> ``sha256-abc``."""
    algorithm, _, encoded = digest.partition(":")
    return f"{algorithm}-{encoded}"[:128]


def with_referrer(existing: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> bytes:
    """The fallback index with ``entry`` added (once); the others it lists are kept."""
    manifests = [
        m
        for m in (existing or {}).get("manifests", [])
        if isinstance(m, dict) and m.get("digest") != entry["digest"]
    ]
    return _canonical(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [*manifests, entry]}
    )


def _canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
