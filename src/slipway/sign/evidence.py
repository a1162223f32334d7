"""What a run signs about a published index (pure): the statements, made from what the run
found, and the provenance BuildKit attached to the index, found in it.

- the image itself (cosign's sign/v1);
- the gate's verdict as a SLSA VSA (`gate_verdict`): the scanner and its version, the DB's
  time, the thresholds, the counts, the result, the scan report's digest;
- each platform's CycloneDX SBOM (predicate ``https://cyclonedx.org/bom``, cosign's
  ``--type cyclonedx``), about the index and that platform's manifest;
- each platform's SLSA provenance as BuildKit wrote it (``https://slsa.dev/provenance/v0.2``
  or ``v1``), read by `slipway.oci.attestations` (from the index's attestation manifests, or
  as the push moved them out of it), about the index and the platform's manifest.

Every statement names the index's digest among its subjects: ``cosign verify-attestation
<image>@<index digest>`` finds and checks them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from slipway.oci.attestations import Detached, kind_of
from slipway.sign.statement import attestation

VERIFIER_ID = "https://github.com/slipway/slipway"


def provenance(
    index_digest: str, found: Iterable[Detached]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(predicate type, statement) of each SLSA provenance among BuildKit's statements
    ``found``, about the index and the platform's manifest (BuildKit's SPDX SBOMs are left
    out: the scan's CycloneDX SBOM is the one signed)."""
    for statement in found:
        if kind_of(statement.predicate_type) != "provenance":
            continue
        predicate = json.loads(statement.payload).get("predicate")
        if not isinstance(predicate, dict):
            continue
        about = statement.attached
        subjects = [("", index_digest), (about.platform, about.about.digest)]
        yield statement.predicate_type, attestation(subjects, statement.predicate_type, predicate)


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
