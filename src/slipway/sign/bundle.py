"""The Sigstore bundle (v0.3) as protobuf JSON, and the Rekor v1 entries that go into it
(pure).

Field names are protobuf-specs' (``sigstore_bundle.proto``, ``sigstore_rekor.proto``,
``sigstore_common.proto``, ``envelope.proto``) as protojson writes them: lowerCamelCase,
bytes in standard base64, 64-bit integers as strings. A bundle holds:

- ``verificationMaterial``: the signing certificate (``certificate.rawBytes``, the leaf's
  DER: bundle v0.3 carries the leaf only) or, in key mode, a ``publicKey`` hint; the
  transparency log entries (``tlogEntries``), each with Rekor's ``inclusionPromise`` (the
  signed entry timestamp) and ``inclusionProof`` (with its checkpoint) as Rekor returned
  them and the ``canonicalizedBody`` Rekor logged; and, when a TSA stamped the signature,
  ``timestampVerificationData.rfc3161Timestamps`` (the DER TimeStampResp as received);
- the content: a ``dsseEnvelope`` (what ``cosign sign`` and ``cosign attest`` make) or a
  ``messageSignature`` (a blob's digest and signature, as ``cosign sign-blob``).

Rekor's entries (``POST /api/v1/log/entries``): a ``dsse`` v0.0.1 entry proposes the
envelope (as a JSON string) and its verifiers (the certificate's or key's PEM, base64);
Rekor logs a canonical form of it (the envelope's and payload's SHA-256, each signature with
its verifier). A ``hashedrekord`` v0.0.1 entry proposes a digest and a signature over it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.sign.dsse import Envelope, b64

BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
DSSE_KIND = ("dsse", "0.0.1")
HASHEDREKORD_KIND = ("hashedrekord", "0.0.1")
SHA2_256 = "SHA2_256"


class RekorAnswerError(ValueError):
    """Rekor's answer is not an entry as its API describes it."""


def dsse_entry(envelope: Envelope, verifier_pem: bytes) -> dict[str, Any]:
    """The proposed ``dsse`` v0.0.1 entry for ``envelope``, signed by the key of
    ``verifier_pem`` (a certificate or a public key, PEM)."""
    return {
        "apiVersion": DSSE_KIND[1],
        "kind": DSSE_KIND[0],
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(envelope.json(), separators=(",", ":")),
                "verifiers": [b64(verifier_pem)],
            }
        },
    }


def hashedrekord_entry(digest: bytes, signature: bytes, verifier_pem: bytes) -> dict[str, Any]:
    """The proposed ``hashedrekord`` v0.0.1 entry for a signature over a SHA-256 ``digest``."""
    return {
        "apiVersion": HASHEDREKORD_KIND[1],
        "kind": HASHEDREKORD_KIND[0],
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
            "signature": {"content": b64(signature), "publicKey": {"content": b64(verifier_pem)}},
        },
    }


def _hex_b64(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise RekorAnswerError(f"Rekor's {what} is not a hex string")
    try:
        return b64(bytes.fromhex(value))
    except ValueError:
        raise RekorAnswerError(f"Rekor's {what} is not a hex string") from None


def _int_text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RekorAnswerError(f"Rekor's {what} is not an integer")
    return str(value)


def tlog_entry(answer: Mapping[str, Any], kind: tuple[str, str]) -> dict[str, Any]:
    """A bundle's TransparencyLogEntry from one entry of Rekor v1's answer (``{uuid: entry}``'s
    entry: ``logIndex``, ``logID`` (hex), ``integratedTime``, ``body`` (base64 of the
    canonical entry), ``verification.signedEntryTimestamp``, ``verification.inclusionProof``
    with hex hashes)."""
    verification = answer.get("verification")
    if not isinstance(verification, Mapping):
        raise RekorAnswerError("Rekor's entry has no verification")
    body = answer.get("body")
    if not isinstance(body, str):
        raise RekorAnswerError("Rekor's entry has no body")
    entry: dict[str, Any] = {
        "logIndex": _int_text(answer.get("logIndex"), "logIndex"),
        "logId": {"keyId": _hex_b64(answer.get("logID"), "logID")},
        "kindVersion": {"kind": kind[0], "version": kind[1]},
        "integratedTime": _int_text(answer.get("integratedTime"), "integratedTime"),
        "canonicalizedBody": body,
    }
    promise = verification.get("signedEntryTimestamp")
    if isinstance(promise, str) and promise:
        entry["inclusionPromise"] = {"signedEntryTimestamp": promise}
    proof = verification.get("inclusionProof")
    if isinstance(proof, Mapping):
        hashes = proof.get("hashes") or []
        if not isinstance(hashes, list):
            raise RekorAnswerError("Rekor's inclusion proof hashes are not a list")
        checkpoint = proof.get("checkpoint")
        if not isinstance(checkpoint, str):
            raise RekorAnswerError("Rekor's inclusion proof has no checkpoint")
        entry["inclusionProof"] = {
            "logIndex": _int_text(proof.get("logIndex"), "inclusion proof logIndex"),
            "rootHash": _hex_b64(proof.get("rootHash"), "inclusion proof rootHash"),
            "treeSize": _int_text(proof.get("treeSize"), "inclusion proof treeSize"),
            "hashes": [_hex_b64(h, "inclusion proof hash") for h in hashes],
            "checkpoint": {"envelope": checkpoint},
        }
    if "inclusionPromise" not in entry and "inclusionProof" not in entry:
        raise RekorAnswerError("Rekor's entry has neither an inclusion promise nor a proof")
    return entry


def logged_body(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical entry Rekor logged (the bundle entry's ``canonicalizedBody``, decoded)."""
    document: dict[str, Any] = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    return document


@dataclass(frozen=True)
class Material:
    """What proves who signed and when: a certificate (keyless) or a key's hint, the log
    entries, the RFC 3161 timestamps."""

    certificate_der: bytes = b""
    public_key_hint: str = ""
    tlog_entries: Sequence[Mapping[str, Any]] = ()
    timestamps: Sequence[bytes] = ()  # DER TimeStampResp, each as the TSA answered

    def json(self) -> dict[str, Any]:
        """The bundle's ``verificationMaterial``."""
        material: dict[str, Any] = {}
        if self.certificate_der:
            material["certificate"] = {"rawBytes": b64(self.certificate_der)}
        else:
            material["publicKey"] = {"hint": self.public_key_hint}
        material["tlogEntries"] = [dict(entry) for entry in self.tlog_entries]
        if self.timestamps:
            stamps = [{"signedTimestamp": b64(stamp)} for stamp in self.timestamps]
            material["timestampVerificationData"] = {"rfc3161Timestamps": stamps}
        return material


def dsse_bundle(material: Material, envelope: Envelope) -> dict[str, Any]:
    """A bundle (v0.3) whose content is a DSSE envelope."""
    return {
        "mediaType": BUNDLE_TYPE,
        "verificationMaterial": material.json(),
        "dsseEnvelope": envelope.json(),
    }


def message_bundle(material: Material, digest: bytes, signature: bytes) -> dict[str, Any]:
    """A bundle (v0.3) whose content is a signature over a blob's SHA-256 ``digest``."""
    return {
        "mediaType": BUNDLE_TYPE,
        "verificationMaterial": material.json(),
        "messageSignature": {
            "messageDigest": {"algorithm": SHA2_256, "digest": b64(digest)},
            "signature": b64(signature),
        },
    }


def key_hint(public_key_der: bytes) -> str:
    """A public key's hint: the base64 of its DER SubjectPublicKeyInfo's SHA-256."""
    return b64(hashlib.sha256(public_key_der).digest())
