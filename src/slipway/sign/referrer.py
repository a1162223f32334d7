"""A Sigstore bundle stored next to an image as cosign v3 stores it (pure): an OCI 1.1
artifact manifest whose artifactType and one layer are the bundle's media type, with the
empty config, the image as its subject, and cosign's annotations (``dev.sigstore.bundle.
content``, ``dev.sigstore.bundle.predicateType``, ``org.opencontainers.image.created``)
(cosign's specs/BUNDLE_SPEC.md). Pushed like every other piece of evidence
(`slipway.tools.registry.push_artifact`), so registries without the referrers API get the
referrers tag schema too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slipway.oci.referrers import Artifact, Subject, artifact
from slipway.sign.bundle import BUNDLE_TYPE
from slipway.sign.dsse import canonical_json
from slipway.sign.statement import timestamp

CONTENT = "dev.sigstore.bundle.content"
PREDICATE_TYPE = "dev.sigstore.bundle.predicateType"
CREATED = "org.opencontainers.image.created"


def bundle_artifact(
    subject: Subject, bundle: dict[str, Any], predicate_type: str, created: datetime
) -> tuple[Artifact, bytes]:
    """(the artifact manifest, the bundle's bytes) for a DSSE bundle about ``subject``."""
    payload = canonical_json(bundle)
    notes = {CONTENT: "dsse-envelope", PREDICATE_TYPE: predicate_type, CREATED: timestamp(created)}
    return artifact(subject, BUNDLE_TYPE, payload, notes), payload
