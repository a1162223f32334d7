"""The GitHub stand-in's reading of an attestation's bundle (pure): the in-toto statement in
its DSSE envelope, the subjects' digests the list finds it by, the predicate-type filter."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.github_standin.attestations import (
    BadBundle,
    predicate_matches,
    statement_of,
    subject_digests,
)

DIGEST = "ab" * 32


def bundle(statement: Any, **changes: Any) -> dict[str, Any]:
    payload = base64.b64encode(json.dumps(statement).encode()).decode()
    envelope = {
        "payloadType": "application/vnd.in-toto+json",
        "payload": payload,
        "signatures": [{"sig": "MEUC"}],
    }
    return {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {},
        "dsseEnvelope": {**envelope, **changes.pop("envelope", {})},
        **changes,
    }


STATEMENT = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [
        {"digest": {"sha256": DIGEST}},
        {"name": "linux/arm64", "digest": {"sha256": "CD" * 32}},
    ],
    "predicateType": "https://slsa.dev/provenance/v1",
    "predicate": {},
}


def test_the_statement_and_its_subjects_digests_are_read() -> None:
    statement = statement_of(bundle(STATEMENT))
    assert statement == STATEMENT
    assert subject_digests(statement) == [f"sha256:{DIGEST}", f"sha256:{'cd' * 32}"]


def test_subjects_without_a_sha256_digest_are_not_listed() -> None:
    statement = {"subject": [{"digest": {"sha512": "ff"}}, {"name": "x"}, "junk"]}
    assert subject_digests(statement) == []


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (bundle(STATEMENT, mediaType="application/json"), "not a Sigstore bundle"),
        ({**bundle(STATEMENT), "dsseEnvelope": None}, "no DSSE envelope"),
        (bundle(STATEMENT, envelope={"payloadType": "text/plain"}), "no DSSE envelope"),
        (bundle(STATEMENT, envelope={"signatures": []}), "no signature"),
        (bundle(STATEMENT, envelope={"payload": "%%%"}), "not base64 JSON"),
        (bundle({**STATEMENT, "_type": "other"}), "not an in-toto statement"),
        (bundle({**STATEMENT, "predicateType": None}), "no predicateType"),
        (bundle({**STATEMENT, "subject": []}), "no subject"),
        ([], "not an object"),
    ],
)
def test_what_github_would_not_store_is_refused_saying_why(broken: Any, reason: str) -> None:
    with pytest.raises(BadBundle, match=reason):
        statement_of(broken)


@pytest.mark.parametrize(
    ("wanted", "predicate_type", "matches"),
    [
        ("provenance", "https://slsa.dev/provenance/v1", True),
        ("provenance", "https://slsa.dev/provenance/v0.2", True),
        ("sbom", "https://cyclonedx.org/bom", True),
        ("sbom", "https://spdx.dev/Document/v2.3", True),
        ("sbom", "https://slsa.dev/provenance/v1", False),
        (
            "https://slsa.dev/verification_summary/v1",
            "https://slsa.dev/verification_summary/v1",
            True,
        ),
        ("https://slsa.dev/verification_summary/v1", "https://slsa.dev/provenance/v1", False),
    ],
)
def test_the_predicate_type_filter(wanted: str, predicate_type: str, matches: bool) -> None:
    assert predicate_matches(wanted, predicate_type) is matches
