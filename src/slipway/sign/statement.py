"""The in-toto Statements (v1) Slipway signs, about an image by its digest (pure).

- `image_signature`: the image itself, as ``cosign sign`` (v3, bundle format) states it:
  predicate type ``https://sigstore.dev/cosign/sign/v1`` and an empty predicate, the digest
  as the one subject. ``cosign verify`` checks such a statement.
- `gate_verdict`: the gate's verdict as a SLSA Verification Summary Attestation (VSA v1,
  ``https://slsa.dev/verification_summary/v1``), checked by ``cosign verify-attestation
  --type https://slsa.dev/verification_summary/v1``.

Why a VSA and not cosign's vulnerability predicate (``https://cosign.sigstore.dev/
attestation/vuln/v1``): that predicate carries a scanner's *findings* (the scan result,
its scanner and DB), which is what the attached scan report already holds; it has no field
for a decision. What an admission controller needs to require is the decision: "this
digest passed this policy, judged by this verifier at this time, on this evidence". That is
exactly what a VSA is for (verifier, timeVerified, resourceUri, policy, inputAttestations,
verificationResult), it is a SLSA standard that policy engines (Kyverno, policy-controller,
slsa-verifier) already parse, and it points at the scan report by digest instead of copying
it, so the signed statement stays small and the report stays the one source of findings.

Field names follow https://slsa.dev/spec/v1.0/verification_summary and the in-toto
attestation framework's Statement v1 / ResourceDescriptor (protojson: unknown fields make
cosign refuse a statement, so only those names are used).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slipway.sign.dsse import canonical_json

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1"
VSA_PREDICATE = "https://slsa.dev/verification_summary/v1"
CYCLONEDX_PREDICATE = "https://cyclonedx.org/bom"  # cosign's --type cyclonedx
PASSED = "PASSED"
FAILED = "FAILED"
# The VSA's verifiedLevels: Slipway's gate checks no SLSA track, so it claims no SLSA_ level
# (the spec reserves that prefix) but its own, as the spec allows custom values.
GATE_LEVEL = "SLIPWAY_GATE_PASSED"


def digest_map(digest: str) -> dict[str, str]:
    """``sha256:<hex>`` as a ResourceDescriptor's digest set: {"sha256": "<hex>"}."""
    algorithm, _, encoded = digest.partition(":")
    if not algorithm or not encoded:
        raise ValueError(f"not a digest: {digest!r}")
    return {algorithm: encoded}


def statement(
    subject_digest: str, predicate_type: str, predicate: Mapping[str, Any], name: str = ""
) -> dict[str, Any]:
    """An in-toto Statement v1 with one subject: the image by ``subject_digest``."""
    subject: dict[str, Any] = {"digest": digest_map(subject_digest)}
    if name:
        subject["name"] = name
    return {
        "_type": STATEMENT_TYPE,
        "subject": [subject],
        "predicateType": predicate_type,
        "predicate": dict(predicate),
    }


def attestation(
    subjects: Sequence[tuple[str, str]], predicate_type: str, predicate: Mapping[str, Any]
) -> dict[str, Any]:
    """An in-toto Statement v1 about several ``subjects`` ((name, digest), the name "" for
    none): the index a verifier is given, and the platform's manifest the predicate
    describes (an SBOM, a build's provenance). A verifier accepts a statement when the
    digest it checks is one of its subjects."""
    entries = []
    for name, digest in subjects:
        entry: dict[str, Any] = {"digest": digest_map(digest)}
        if name:
            entry["name"] = name
        entries.append(entry)
    return {
        "_type": STATEMENT_TYPE,
        "subject": entries,
        "predicateType": predicate_type,
        "predicate": dict(predicate),
    }


def image_signature(digest: str) -> dict[str, Any]:
    """The statement ``cosign sign`` makes for an image: its digest, an empty predicate."""
    return statement(digest, COSIGN_SIGN_PREDICATE, {})


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second, with a Z (as protobuf's Timestamp is written)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Verdict:
    """What the gate decided about one image, as far as the VSA says it."""

    image: str  # the repository, e.g. ghcr.io/acme/app (no tag, no digest)
    digest: str  # the image index's (or the single manifest's) digest
    passed: bool
    verified_at: datetime
    verifier_id: str  # who judged: the action (and its version), e.g. its repository URL
    versions: Mapping[str, str] = field(default_factory=dict)  # slipway, trivy, ...
    policy_uri: str = ""  # where the thresholds were set (the workflow file)
    policy: Mapping[str, str] = field(default_factory=dict)  # fail-on, fail-on-scope, ...
    report_digest: str = ""  # the attached scan report's digest
    report_uri: str = ""  # where it is: the referrer manifest, the image@digest
    findings: Mapping[str, str] = field(default_factory=dict)  # DB time, counts, ...
    levels: Sequence[str] = (GATE_LEVEL,)


def resource_uri(image: str, digest: str) -> str:
    """The image by digest as the VSA's resourceUri: ``<repository>@sha256:<hex>``."""
    return f"{image}@{digest}"


def _policy(verdict: Verdict) -> dict[str, Any]:
    """The policy as a ResourceDescriptor: its URI, and the thresholds as annotations; its
    digest is of those thresholds' canonical JSON, so two runs under the same thresholds
    name the same policy."""
    policy: dict[str, Any] = {"uri": verdict.policy_uri or f"{verdict.verifier_id}#gate"}
    if verdict.policy:
        thresholds = dict(sorted(verdict.policy.items()))
        policy["digest"] = digest_map(sha256_of(canonical_json(thresholds)))
        policy["annotations"] = thresholds
    return policy


def sha256_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def gate_verdict(verdict: Verdict) -> dict[str, Any]:
    """The gate's verdict about ``verdict.digest`` as a SLSA VSA v1 statement."""
    predicate: dict[str, Any] = {
        "verifier": {"id": verdict.verifier_id},
        "timeVerified": timestamp(verdict.verified_at),
        "resourceUri": resource_uri(verdict.image, verdict.digest),
        "policy": _policy(verdict),
        "inputAttestations": [],
        "verificationResult": PASSED if verdict.passed else FAILED,
        "verifiedLevels": list(verdict.levels) if verdict.passed else [FAILED],
        "slsaVersion": "1.0",
    }
    if verdict.versions:
        predicate["verifier"]["version"] = dict(sorted(verdict.versions.items()))
    if verdict.report_digest:
        report: dict[str, Any] = {"digest": digest_map(verdict.report_digest)}
        report["uri"] = verdict.report_uri or resource_uri(verdict.image, verdict.report_digest)
        if verdict.findings:
            report["annotations"] = dict(sorted(verdict.findings.items()))
        predicate["inputAttestations"] = [report]
    return statement(verdict.digest, VSA_PREDICATE, predicate, name=verdict.image)
