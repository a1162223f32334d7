"""What a run signs about a published index (pure): the statements, made from what the run
found, and the provenance BuildKit attached to the index, found in it.

- the image itself (cosign's sign/v1);
- the gate's verdict as a SLSA VSA (`gate_verdict`): the scanner and its version, the DB's
  time, the thresholds, the counts, the result, the scan report's digest;
- each platform's CycloneDX SBOM (predicate ``https://cyclonedx.org/bom``, cosign's
  ``--type cyclonedx``), about the index and that platform's manifest;
- each platform's SLSA provenance as BuildKit wrote it (``https://slsa.dev/provenance/v0.2``
  or ``v1``), read from the index's attestation manifests (``vnd.docker.reference.type:
  attestation-manifest``, whose layers carry ``in-toto.io/predicate-type``), about the index
  and the platform's manifest.

Every statement names the index's digest among its subjects: ``cosign verify-attestation
<image>@<index digest>`` finds and checks them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.sign.statement import SLSA_PROVENANCE_PREFIX

REFERENCE_TYPE = "vnd.docker.reference.type"
REFERENCE_DIGEST = "vnd.docker.reference.digest"
PREDICATE_TYPE = "in-toto.io/predicate-type"
VERIFIER_ID = "https://github.com/slipway/slipway"


@dataclass(frozen=True)
class AttestationManifest:
    """An attestation manifest of an index, and the manifest it is about."""

    digest: str
    about: str  # the platform manifest's digest


def attestation_manifests(index: Mapping[str, Any]) -> list[AttestationManifest]:
    """The attestation manifests BuildKit added to ``index`` (an OCI index's JSON)."""
    found = []
    for entry in index.get("manifests") or []:
        notes = entry.get("annotations") or {}
        if notes.get(REFERENCE_TYPE) == "attestation-manifest" and notes.get(REFERENCE_DIGEST):
            found.append(AttestationManifest(str(entry["digest"]), str(notes[REFERENCE_DIGEST])))
    return found


def provenance_layers(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(predicate type, layer digest) of each SLSA provenance statement in an attestation
    manifest (its SBOM layers, if any, are BuildKit's SPDX: the scan's CycloneDX is signed)."""
    for layer in manifest.get("layers") or []:
        predicate_type = str((layer.get("annotations") or {}).get(PREDICATE_TYPE, ""))
        if predicate_type.startswith(SLSA_PROVENANCE_PREFIX):
            yield predicate_type, str(layer["digest"])


def platform_of(index: Mapping[str, Any], digest: str) -> str:
    """``os/arch[/variant]`` of the manifest ``digest`` in ``index``, "" when not listed."""
    for entry in index.get("manifests") or []:
        if entry.get("digest") == digest:
            platform = entry.get("platform") or {}
            parts = [platform.get("os", ""), platform.get("architecture", "")]
            return "/".join(str(p) for p in [*parts, platform.get("variant", "")] if p)
    return ""


def verdict_findings(
    db_updated_at: str, counts: Mapping[str, Any], scanners: Sequence[str]
) -> dict[str, str]:
    """The VSA's notes on the scan report: the scanners, the DB's time, and the count per
    severity of the whole index (each finding once), fixable and not."""
    found = {"scanners": ",".join(scanners)}
    if db_updated_at:
        found["db-updated-at"] = db_updated_at
    for severity, count in counts.items():
        if isinstance(count, int):
            found[f"count-{severity.lower()}"] = str(count)
        elif isinstance(count, Mapping):
            for name, number in count.items():
                found[f"{severity}-{name.lower()}"] = str(number)
    return found
