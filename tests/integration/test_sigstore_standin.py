"""The Sigstore stand-in (tests/support/sigstore_standin: Fulcio, Rekor and a timestamp
authority from npm @sigstore/mock under node) against the real verifiers: a key gets a
certificate for a GitHub-shaped OIDC token, the blob's signature goes into Rekor and gets
an RFC 3161 timestamp, the pieces make a Sigstore bundle (v0.3), and cosign (Debian's, with
``--trusted-root``) and sigstore-python's verifier accept it for the right identity and
issuer only. sigstore-python also signs against the stand-in through a ClientTrustConfig.

The groundwork of issue 26: no engine, no registry (marked no_engine)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from rfc3161_client import TimestampRequestBuilder, decode_timestamp_response

from tests.support.oidc_standin import ISSUER, OidcStandin
from tests.support.sigstore_standin import SigstoreStandin, b64

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

WORKFLOW_REF = "octo-org/hello/.github/workflows/release.yml@refs/heads/main"
IDENTITY = f"https://github.com/{WORKFLOW_REF}"
CLAIMS = {
    "job_workflow_ref": WORKFLOW_REF,
    "repository": "octo-org/hello",
    "ref": "refs/heads/main",
    "sha": "0123456789abcdef0123456789abcdef01234567",
    "workflow_ref": WORKFLOW_REF,
}
OID_ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
OID_SOURCE_REPO_URI = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
COSIGN = shutil.which("cosign")
needs_cosign = pytest.mark.skipif(
    COSIGN is None, reason="cosign not installed (scripts/dev-env: Debian sid's cosign)"
)


@pytest.fixture(scope="module")
def standin() -> Iterator[SigstoreStandin]:
    with SigstoreStandin() as running:
        yield running


@pytest.fixture(scope="module")
def github() -> Iterator[OidcStandin]:
    with OidcStandin(subject="repo:octo-org/hello:ref:refs/heads/main", claims=CLAIMS) as oidc:
        yield oidc


def oidc_token(github: OidcStandin) -> str:
    """A token for audience ``sigstore``, fetched as a job with id-token: write does."""
    env = github.env
    answer = requests.get(
        env["ACTIONS_ID_TOKEN_REQUEST_URL"],
        params={"audience": "sigstore"},
        headers={"Authorization": f"Bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
        timeout=10,
    )
    answer.raise_for_status()
    token: str = answer.json()["value"]
    return token


def fulcio_certificate(url: str, token: str, key: ec.EllipticCurvePrivateKey) -> list[str]:
    """Fulcio's v2 signingCert for ``key``: the chain as PEM, leaf first."""
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    proof = key.sign(b"repo:octo-org/hello:ref:refs/heads/main", ec.ECDSA(hashes.SHA256()))
    body = {
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": public.decode()},
            "proofOfPossession": b64(proof),
        },
    }
    answer = requests.post(f"{url}/api/v2/signingCert", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    chain: list[str] = answer.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    return chain


def rekor_entry(url: str, leaf_pem: str, signature: bytes, digest: bytes) -> dict[str, Any]:
    """A hashedrekord v0.0.1 entry for the signature; Rekor's answer's one entry."""
    proposed = {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
            "signature": {
                "content": b64(signature),
                "publicKey": {"content": b64(canonical_pem(leaf_pem))},
            },
        },
    }
    answer = requests.post(f"{url}/api/v1/log/entries", json=proposed, timeout=10)
    assert answer.status_code == 201, answer.text
    entries: dict[str, dict[str, Any]] = answer.json()
    assert len(entries) == 1
    return next(iter(entries.values()))


def rfc3161_timestamp(tsa_url: str, signature: bytes) -> bytes:
    """The TSA's TimeStampResp (DER) over the signature, asked as cosign and sigstore-python do."""
    request = TimestampRequestBuilder().data(signature).nonce(nonce=True).build()
    answer = requests.post(
        tsa_url,
        data=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text
    assert answer.headers["Content-Type"] == "application/timestamp-reply"
    decoded = decode_timestamp_response(answer.content)
    assert decoded.tst_info.nonce == request.nonce
    return answer.content


def canonical_pem(pem: str) -> bytes:
    """The certificate's PEM in 64-column lines (the mock's is one line; verifiers rebuild the
    Rekor body from the bundle's certificate so, and compare)."""
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.PEM)


def pem_der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


@dataclass
class Signed:
    """A blob, its Sigstore bundle (v0.3), and what went into it."""

    blob: bytes
    bundle: dict[str, Any]
    chain: list[str]
    entry: dict[str, Any]


def sign_blob(standin: SigstoreStandin, token: str, blob: bytes, timestamp: bool) -> Signed:
    """Keyless signing by hand: Fulcio, the signature, Rekor, (the TSA), the bundle."""
    key = ec.generate_private_key(ec.SECP256R1())
    chain = fulcio_certificate(standin.url, token, key)
    signature = key.sign(blob, ec.ECDSA(hashes.SHA256()))
    digest = hashlib.sha256(blob).digest()
    entry = rekor_entry(standin.url, chain[0], signature, digest)
    proof = entry["verification"]["inclusionProof"]
    material: dict[str, Any] = {
        "certificate": {"rawBytes": b64(pem_der(chain[0]))},
        "tlogEntries": [
            {
                "logIndex": str(entry["logIndex"]),
                "logId": {"keyId": b64(bytes.fromhex(entry["logID"]))},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": str(entry["integratedTime"]),
                "inclusionPromise": {
                    "signedEntryTimestamp": entry["verification"]["signedEntryTimestamp"]
                },
                "inclusionProof": {
                    "logIndex": str(proof["logIndex"]),
                    "rootHash": b64(bytes.fromhex(proof["rootHash"])),
                    "treeSize": str(proof["treeSize"]),
                    "hashes": [b64(bytes.fromhex(h)) for h in proof["hashes"]],
                    "checkpoint": {"envelope": proof["checkpoint"]},
                },
                "canonicalizedBody": entry["body"],
            }
        ],
    }
    if timestamp:
        stamp = rfc3161_timestamp(standin.tsa_url, signature)
        material["timestampVerificationData"] = {
            "rfc3161Timestamps": [{"signedTimestamp": b64(stamp)}]
        }
    bundle = {
        "mediaType": BUNDLE_V03,
        "verificationMaterial": material,
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
            "signature": b64(signature),
        },
    }
    return Signed(blob, bundle, chain, entry)


def write(tmp_path: Path, signed: Signed) -> tuple[Path, Path]:
    blob, bundle = tmp_path / "blob", tmp_path / "blob.sigstore.json"
    blob.write_bytes(signed.blob)
    bundle.write_text(json.dumps(signed.bundle))
    return blob, bundle


def cosign_verify(
    standin: SigstoreStandin,
    blob: Path,
    bundle: Path,
    identity: str = IDENTITY,
    issuer: str = ISSUER,
) -> subprocess.CompletedProcess[str]:
    assert COSIGN is not None
    argv = [COSIGN, "verify-blob", "--bundle", str(bundle)]
    argv += ["--trusted-root", str(standin.trusted_root_path)]
    argv += ["--certificate-identity", identity, "--certificate-oidc-issuer", issuer]
    argv.append(str(blob))
    # No TUF: everything cosign trusts is in --trusted-root (HOME keeps its cache apart).
    env = {"PATH": "/usr/bin:/bin", "HOME": str(blob.parent), "TUF_ROOT": str(blob.parent)}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


# --- the stand-in's services, checked by hand --------------------------------------------


def test_fulcio_certifies_the_key_for_the_github_identity(
    standin: SigstoreStandin, github: OidcStandin
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    chain = fulcio_certificate(standin.url, oidc_token(github), key)
    leaf, root = (x509.load_pem_x509_certificate(pem.encode()) for pem in chain)
    assert leaf.public_key() == key.public_key()
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [IDENTITY]
    issuer = leaf.extensions.get_extension_for_oid(OID_ISSUER_V2).value
    assert isinstance(issuer, x509.UnrecognizedExtension)
    assert ISSUER.encode() in issuer.value
    repo_uri = leaf.extensions.get_extension_for_oid(OID_SOURCE_REPO_URI).value
    assert isinstance(repo_uri, x509.UnrecognizedExtension)
    assert b"https://github.com/octo-org/hello" in repo_uri.value
    leaf.verify_directly_issued_by(root)
    trusted = json.loads(standin.trusted_root_path.read_text())
    anchor = trusted["certificateAuthorities"][0]["certChain"]["certificates"][-1]["rawBytes"]
    assert base64.b64decode(anchor) == root.public_bytes(serialization.Encoding.DER)


def test_rekor_logs_the_entry_with_a_promise_signed_by_its_key(
    standin: SigstoreStandin, github: OidcStandin
) -> None:
    signed = sign_blob(standin, oidc_token(github), b"evidence\n", timestamp=False)
    body = json.loads(base64.b64decode(signed.entry["body"]))
    assert body["kind"] == "hashedrekord"
    assert body["spec"]["data"]["hash"]["value"] == hashlib.sha256(b"evidence\n").hexdigest()
    payload = {
        "body": signed.entry["body"],
        "integratedTime": signed.entry["integratedTime"],
        "logIndex": signed.entry["logIndex"],
        "logID": signed.entry["logID"],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    trusted = json.loads(standin.trusted_root_path.read_text())
    rekor_key = serialization.load_der_public_key(
        base64.b64decode(trusted["tlogs"][0]["publicKey"]["rawBytes"])
    )
    assert isinstance(rekor_key, ec.EllipticCurvePublicKey)
    promise = base64.b64decode(signed.entry["verification"]["signedEntryTimestamp"])
    rekor_key.verify(promise, canonical, ec.ECDSA(hashes.SHA256()))
    key_id = hashlib.sha256(base64.b64decode(trusted["tlogs"][0]["publicKey"]["rawBytes"]))
    assert signed.entry["logID"] == key_id.hexdigest()


# --- cosign, the verifier admission controllers and users run ---------------------------


@needs_cosign
@pytest.mark.parametrize("timestamp", [False, True], ids=["tlog", "tlog+tsa"])
def test_cosign_verifies_the_bundle_for_the_identity_and_issuer(
    standin: SigstoreStandin, github: OidcStandin, tmp_path: Path, timestamp: bool
) -> None:
    signed = sign_blob(standin, oidc_token(github), b"gate passed\n", timestamp=timestamp)
    blob, bundle = write(tmp_path, signed)
    done = cosign_verify(standin, blob, bundle)
    assert done.returncode == 0, done.stderr
    assert "Verified OK" in done.stderr


@needs_cosign
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("identity", "expected san value"),
        ("issuer", "expected issuer value"),
        ("blob", "verif"),
    ],
)
def test_cosign_refuses_a_wrong_identity_issuer_or_blob(
    standin: SigstoreStandin, github: OidcStandin, tmp_path: Path, change: str, expected: str
) -> None:
    signed = sign_blob(standin, oidc_token(github), b"gate passed\n", timestamp=False)
    blob, bundle = write(tmp_path, signed)
    identity, issuer = IDENTITY, ISSUER
    if change == "identity":
        identity = "https://github.com/octo-org/evil/.github/workflows/release.yml@refs/heads/main"
    elif change == "issuer":
        issuer = "https://accounts.example.com"
    else:
        blob.write_bytes(b"gate failed\n")
    done = cosign_verify(standin, blob, bundle, identity=identity, issuer=issuer)
    assert done.returncode != 0, done.stderr
    assert expected in done.stderr.lower()


@needs_cosign
def test_cosign_refuses_a_bundle_from_another_sigstore(
    standin: SigstoreStandin, github: OidcStandin, tmp_path: Path
) -> None:
    with SigstoreStandin() as other:
        signed = sign_blob(other, oidc_token(github), b"gate passed\n", timestamp=False)
    blob, bundle = write(tmp_path, signed)
    done = cosign_verify(standin, blob, bundle)
    assert done.returncode != 0, done.stderr


# --- sigstore-python: its verifier on the hand-made bundle, its signer on the stand-in ----


def test_sigstore_python_verifies_the_bundle(standin: SigstoreStandin, github: OidcStandin) -> None:
    from sigstore.errors import VerificationError
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier, policy

    signed = sign_blob(standin, oidc_token(github), b"gate passed\n", timestamp=True)
    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(standin.trusted_root_path)))
    bundle = Bundle.from_json(json.dumps(signed.bundle))
    verifier.verify_artifact(signed.blob, bundle, policy.Identity(identity=IDENTITY, issuer=ISSUER))
    wrong = policy.Identity(identity=IDENTITY, issuer="https://accounts.example.com")
    with pytest.raises(VerificationError):
        verifier.verify_artifact(signed.blob, bundle, wrong)


@pytest.mark.parametrize("timestamp", [False, True], ids=["tlog", "tlog+tsa"])
def test_sigstore_python_signs_against_the_standin(
    standin: SigstoreStandin, github: OidcStandin, tmp_path: Path, timestamp: bool
) -> None:
    from sigstore.models import ClientTrustConfig, TrustedRoot
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext
    from sigstore.verify import Verifier, policy

    config = ClientTrustConfig.from_json(json.dumps(standin.client_trust_config(tsa=timestamp)))
    context = SigningContext.from_trust_config(config)
    with context.signer(IdentityToken(oidc_token(github))) as signer:
        bundle = signer.sign_artifact(b"gate passed\n")
    document = json.loads(bundle.to_json())
    assert document["mediaType"] == BUNDLE_V03
    stamps = document["verificationMaterial"].get("timestampVerificationData", {})
    assert bool(stamps.get("rfc3161Timestamps")) == timestamp
    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(standin.trusted_root_path)))
    verifier.verify_artifact(
        b"gate passed\n", bundle, policy.Identity(identity=IDENTITY, issuer=ISSUER)
    )
    if COSIGN is not None:
        blob, path = tmp_path / "blob", tmp_path / "blob.sigstore.json"
        blob.write_bytes(b"gate passed\n")
        path.write_text(bundle.to_json())
        done = cosign_verify(standin, blob, path)
        assert done.returncode == 0, done.stderr
