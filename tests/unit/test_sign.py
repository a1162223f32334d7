"""The signer's pure parts (slipway.sign): DSSE's PAE and envelope, the in-toto statements
(cosign's image signature, the gate's VSA), Rekor's proposed entries and the bundle entry
made from its answer, the bundle (v0.3), the RFC 3161 request, and the referrer manifest in
cosign v3's layout. Golden shapes: the field names are protobuf-specs' and the specs'."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST
from slipway.oci.referrers import EMPTY_TYPE, Subject, sha256
from slipway.sign import rfc3161
from slipway.sign.bundle import (
    BUNDLE_TYPE,
    DSSE_KIND,
    Material,
    RekorAnswerError,
    dsse_bundle,
    dsse_entry,
    hashedrekord_entry,
    key_hint,
    logged_body,
    message_bundle,
    tlog_entry,
)
from slipway.sign.dsse import Envelope, pae
from slipway.sign.referrer import bundle_artifact
from slipway.sign.statement import (
    COSIGN_SIGN_PREDICATE,
    VSA_PREDICATE,
    Verdict,
    digest_map,
    gate_verdict,
    image_signature,
)

DIGEST = "sha256:" + "ab" * 32
REPORT = "sha256:" + "cd" * 32
WHEN = datetime(2026, 12, 6, 10, 30, 5, 123, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- DSSE ------------------------------------------------------------------------------


def test_pae_is_the_dsse_specs_example() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("t", "é".encode()) == b"DSSEv1 1 t 2 \xc3\xa9"
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_the_envelope_is_dsse_json() -> None:
    envelope = Envelope("application/vnd.in-toto+json", b'{"a":1}', b"\x01\x02")
    assert envelope.json() == {
        "payload": b64(b'{"a":1}'),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{"sig": "AQI="}],
    }
    assert Envelope("t", b"", b"s", keyid="k").json()["signatures"] == [
        {"sig": "cw==", "keyid": "k"}
    ]


# --- statements ---------------------------------------------------------------------------


def test_the_image_signature_is_cosigns_statement() -> None:
    assert image_signature(DIGEST) == {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"digest": {"sha256": "ab" * 32}}],
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "predicate": {},
    }
    assert COSIGN_SIGN_PREDICATE == "https://sigstore.dev/cosign/sign/v1"


def test_a_digest_must_name_its_algorithm() -> None:
    with pytest.raises(ValueError, match="not a digest"):
        digest_map("abc")


def verdict(**more: Any) -> Verdict:
    fields: dict[str, Any] = {
        "image": "ghcr.io/acme/app",
        "digest": DIGEST,
        "passed": True,
        "verified_at": WHEN,
        "verifier_id": "https://github.com/slipway/slipway@v1",
        "versions": {"trivy": "0.58.1", "slipway": "1.4.0"},
        "policy_uri": "https://github.com/acme/app/blob/0123abc/.github/workflows/ci.yml",
        "policy": {"fail-on": "HIGH", "fail-on-scope": "new"},
        "report_digest": REPORT,
        "findings": {"db-updated": "2026-12-06T00:00:00Z", "critical": "0", "high": "2"},
    }
    return Verdict(**(fields | more))


def test_the_gates_verdict_is_a_slsa_vsa() -> None:
    document = gate_verdict(verdict())
    thresholds = {"fail-on": "HIGH", "fail-on-scope": "new"}
    policy_digest = hashlib.sha256(
        json.dumps(thresholds, separators=(",", ":"), sort_keys=True).encode()
    ).hexdigest()
    assert document == {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "ghcr.io/acme/app", "digest": {"sha256": "ab" * 32}}],
        "predicateType": "https://slsa.dev/verification_summary/v1",
        "predicate": {
            "verifier": {
                "id": "https://github.com/slipway/slipway@v1",
                "version": {"slipway": "1.4.0", "trivy": "0.58.1"},
            },
            "timeVerified": "2026-12-06T10:30:05Z",
            "resourceUri": f"ghcr.io/acme/app@{DIGEST}",
            "policy": {
                "uri": "https://github.com/acme/app/blob/0123abc/.github/workflows/ci.yml",
                "digest": {"sha256": policy_digest},
                "annotations": thresholds,
            },
            "inputAttestations": [
                {
                    "uri": f"ghcr.io/acme/app@{REPORT}",
                    "digest": {"sha256": "cd" * 32},
                    "annotations": {
                        "critical": "0",
                        "db-updated": "2026-12-06T00:00:00Z",
                        "high": "2",
                    },
                }
            ],
            "verificationResult": "PASSED",
            "verifiedLevels": ["SLIPWAY_GATE_PASSED"],
            "slsaVersion": "1.0",
        },
    }
    assert document["predicateType"] == VSA_PREDICATE


def test_no_custom_level_claims_a_slsa_track() -> None:
    levels = gate_verdict(verdict())["predicate"]["verifiedLevels"]
    assert not any(level.startswith("SLSA_") for level in levels)


def test_a_failed_verdict_says_failed() -> None:
    predicate = gate_verdict(verdict(passed=False))["predicate"]
    assert predicate["verificationResult"] == "FAILED"
    assert predicate["verifiedLevels"] == ["FAILED"]


def test_a_vsa_without_a_report_or_thresholds_keeps_the_required_fields() -> None:
    predicate = gate_verdict(verdict(report_digest="", policy={}, policy_uri="", versions={}))[
        "predicate"
    ]
    assert predicate["inputAttestations"] == []
    assert predicate["policy"] == {"uri": "https://github.com/slipway/slipway@v1#gate"}
    assert predicate["verifier"] == {"id": "https://github.com/slipway/slipway@v1"}
    assert {
        "verifier",
        "timeVerified",
        "resourceUri",
        "policy",
        "verificationResult",
        "verifiedLevels",
    } <= predicate.keys()


# --- Rekor ---------------------------------------------------------------------------------


def test_the_dsse_entry_proposes_the_envelope_and_its_verifier() -> None:
    envelope = Envelope("application/vnd.in-toto+json", b"{}", b"sig")
    entry = dsse_entry(envelope, b"-----BEGIN CERTIFICATE-----\n")
    assert entry["kind"] == "dsse"
    assert entry["apiVersion"] == "0.0.1"
    proposed = entry["spec"]["proposedContent"]
    assert json.loads(proposed["envelope"]) == envelope.json()
    assert proposed["verifiers"] == [b64(b"-----BEGIN CERTIFICATE-----\n")]


def test_the_hashedrekord_entry() -> None:
    assert hashedrekord_entry(b"\x01" * 32, b"sig", b"PEM") == {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": "01" * 32}},
            "signature": {"content": b64(b"sig"), "publicKey": {"content": b64(b"PEM")}},
        },
    }


def rekor_answer() -> dict[str, Any]:
    """One entry as Rekor v1 answers POST /api/v1/log/entries (hex IDs and hashes)."""
    return {
        "body": b64(b'{"apiVersion":"0.0.1","kind":"dsse","spec":{}}'),
        "integratedTime": 1796553005,
        "logID": "c0" * 32,
        "logIndex": 4242,
        "verification": {
            "inclusionProof": {
                "checkpoint": "rekor.example - 1\n1\nroot\n\n— rekor.example sig\n",
                "hashes": ["aa" * 32, "bb" * 32],
                "logIndex": 4241,
                "rootHash": "dd" * 32,
                "treeSize": 9000,
            },
            "signedEntryTimestamp": "U0VU",
        },
    }


def test_the_bundle_entry_is_rekors_answer_in_protobuf_json() -> None:
    entry = tlog_entry(rekor_answer(), DSSE_KIND)
    assert entry == {
        "logIndex": "4242",
        "logId": {"keyId": b64(bytes.fromhex("c0" * 32))},
        "kindVersion": {"kind": "dsse", "version": "0.0.1"},
        "integratedTime": "1796553005",
        "inclusionPromise": {"signedEntryTimestamp": "U0VU"},
        "inclusionProof": {
            "logIndex": "4241",
            "rootHash": b64(bytes.fromhex("dd" * 32)),
            "treeSize": "9000",
            "hashes": [b64(bytes.fromhex("aa" * 32)), b64(bytes.fromhex("bb" * 32))],
            "checkpoint": {"envelope": "rekor.example - 1\n1\nroot\n\n— rekor.example sig\n"},
        },
        "canonicalizedBody": rekor_answer()["body"],
    }
    assert logged_body(entry)["kind"] == "dsse"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"verification": None}, "no verification"),
        ({"body": 3}, "no body"),
        ({"logID": "zz"}, "logID"),
        ({"logIndex": "4242"}, "logIndex"),
        ({"integratedTime": True}, "integratedTime"),
        ({"verification": {}}, "neither an inclusion promise nor a proof"),
    ],
)
def test_an_answer_that_is_not_an_entry_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RekorAnswerError, match=message):
        tlog_entry(rekor_answer() | change, DSSE_KIND)


def test_a_promise_alone_or_a_proof_alone_is_an_entry() -> None:
    answer = rekor_answer()
    promise_only = answer | {"verification": {"signedEntryTimestamp": "U0VU"}}
    assert "inclusionProof" not in tlog_entry(promise_only, DSSE_KIND)
    proof_only = answer | {
        "verification": {"inclusionProof": answer["verification"]["inclusionProof"]}
    }
    assert "inclusionPromise" not in tlog_entry(proof_only, DSSE_KIND)


# --- the bundle ----------------------------------------------------------------------------


def test_a_keyless_dsse_bundle() -> None:
    envelope = Envelope("application/vnd.in-toto+json", b"{}", b"sig")
    entry = tlog_entry(rekor_answer(), DSSE_KIND)
    material = Material(certificate_der=b"DER", tlog_entries=[entry], timestamps=[b"TSR"])
    assert dsse_bundle(material, envelope) == {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(b"DER")},
            "tlogEntries": [entry],
            "timestampVerificationData": {"rfc3161Timestamps": [{"signedTimestamp": b64(b"TSR")}]},
        },
        "dsseEnvelope": envelope.json(),
    }


def test_a_key_mode_bundle_names_the_key_and_may_have_no_log() -> None:
    hint = key_hint(b"SPKI")
    assert hint == b64(hashlib.sha256(b"SPKI").digest())
    bundle = message_bundle(Material(public_key_hint=hint), b"\x02" * 32, b"sig")
    assert bundle == {
        "mediaType": BUNDLE_TYPE,
        "verificationMaterial": {"publicKey": {"hint": hint}, "tlogEntries": []},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(b"\x02" * 32)},
            "signature": b64(b"sig"),
        },
    }


# --- RFC 3161 ------------------------------------------------------------------------------


def test_the_timestamp_request_is_der_for_the_signatures_sha256() -> None:
    der = rfc3161.request(b"sig", 0x1234)
    digest = hashlib.sha256(b"sig").digest()
    assert (
        der
        == bytes.fromhex(
            "303d"  # TimeStampReq
            "020101"  # version 1
            "3031"
            "300d"
            "0609608648016503040201"
            "0500"  # messageImprint: sha256, NULL
            "0420"
            + digest.hex()  # hashedMessage
            + "02021234"  # nonce
            "0101ff"  # certReq TRUE
        )
    )


def test_the_timestamp_request_is_what_rfc3161_client_reads() -> None:
    rust = pytest.importorskip("rfc3161_client._rust")
    nonce = 2**63 - 5  # a leading 1 bit: DER needs a 0 byte before it
    parsed = rust.parse_timestamp_request(rfc3161.request(b"signature", nonce))
    assert parsed.version == 1
    assert parsed.nonce == nonce
    assert parsed.cert_req is True
    assert parsed.message_imprint.message == hashlib.sha256(b"signature").digest()


def response(code: int, token: bytes = b"\x30\x00") -> bytes:
    status = b"\x30\x03\x02\x01" + bytes([code])
    content = status + token
    return b"\x30" + bytes([len(content)]) + content


def test_a_granted_answer_with_a_token_is_accepted() -> None:
    assert rfc3161.status(response(0)) == 0
    assert rfc3161.status(response(1)) == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (response(2), "refused"),
        (response(0, token=b""), "no token"),
        (b"\x04\x00", "not a TimeStampResp"),
        (b"\x30\x05\x02", "cut short"),
        (b"", "cut short"),
        (b"\x30\x85\x00\x00\x00\x00\x00", "bad length"),
    ],
)
def test_an_answer_that_grants_nothing_is_refused(answer: bytes, message: str) -> None:
    with pytest.raises(rfc3161.TimestampError, match=message):
        rfc3161.status(answer)


# --- the referrer --------------------------------------------------------------------------


def test_the_bundle_is_stored_in_cosign_v3s_layout() -> None:
    subject = Subject(DIGEST, OCI_INDEX, 321)
    bundle = {"mediaType": BUNDLE_TYPE, "dsseEnvelope": {}}
    piece, payload = bundle_artifact(subject, bundle, VSA_PREDICATE, WHEN)
    assert json.loads(payload) == bundle
    manifest = json.loads(piece.body)
    assert manifest == {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "config": {"mediaType": EMPTY_TYPE, "digest": sha256(b"{}"), "size": 2},
        "layers": [
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "digest": sha256(payload),
                "size": len(payload),
            }
        ],
        "subject": {"mediaType": OCI_INDEX, "digest": DIGEST, "size": 321},
        "annotations": {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": VSA_PREDICATE,
            "org.opencontainers.image.created": "2026-12-06T10:30:05Z",
        },
    }
    assert piece.index_entry()["artifactType"] == BUNDLE_TYPE
    assert piece.subject == DIGEST
