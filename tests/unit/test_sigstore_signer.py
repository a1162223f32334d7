"""slipway.tools.sigstore without the services: key mode end to end (the DSSE signature
verifies under the key over PAE), and the keyless signer's refusals, retries and messages
(never the token, the key or its password), with requests answered by hand."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slipway.errors import SigningError
from slipway.sign.dsse import pae
from slipway.sign.statement import image_signature
from slipway.tools.sigstore import KeylessSigner, KeySigner, Services

DIGEST = "sha256:" + "ab" * 32
TOKEN = "eyJ.secret-token.sig"
FULCIO = Services(fulcio_url="https://fulcio.example", rekor_url="https://rekor.example")


def pem_key(password: bytes | None = None) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return key, pem.decode()


def answer(status: int, body: Any = None, content: bytes = b"") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = content or json.dumps(body).encode()
    return response


def test_key_mode_signs_the_statement_in_a_dsse_bundle_the_key_verifies() -> None:
    key, pem = pem_key()
    bundle = KeySigner.from_pem(pem).sign_statement(image_signature(DIGEST))
    envelope = bundle["dsseEnvelope"]
    payload = base64.b64decode(envelope["payload"])
    assert json.loads(payload) == image_signature(DIGEST)
    signature = base64.b64decode(envelope["signatures"][0]["sig"])
    key.public_key().verify(
        signature, pae(envelope["payloadType"], payload), ec.ECDSA(hashes.SHA256())
    )
    assert bundle["verificationMaterial"]["tlogEntries"] == []
    assert "certificate" not in bundle["verificationMaterial"]


def test_an_encrypted_key_needs_its_password() -> None:
    _, pem = pem_key(b"hunter2")
    KeySigner.from_pem(pem, "hunter2")
    with pytest.raises(SigningError) as refused:
        KeySigner.from_pem(pem, "wrong-password")
    assert "wrong-password" not in refused.value.message + refused.value.hint
    assert "PRIVATE KEY" not in refused.value.message


def test_only_p256_keys_are_taken() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningError, match="P-256"):
        KeySigner.from_pem(pem.decode())
    with pytest.raises(SigningError, match="not a PEM private key"):
        KeySigner.from_pem("not a key")


def test_keyless_signing_needs_a_log_or_a_timestamp() -> None:
    with pytest.raises(SigningError, match="transparency log or a timestamp authority"):
        KeylessSigner.start(TOKEN, Services(fulcio_url="https://fulcio.example"))


def certificate_for(key: ec.EllipticCurvePublicKey) -> str:
    issuer = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key)
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(minutes=10))
        .sign(issuer, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_fulcio_is_asked_with_a_csr_and_retried_on_transient_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[dict[str, Any]] = []

    def fulcio(method: str, url: str, **kwargs: Any) -> requests.Response:
        sent.append(kwargs["json"])
        if len(sent) == 1:
            return answer(503, {"message": "busy"})
        csr = x509.load_pem_x509_csr(base64.b64decode(kwargs["json"]["certificateSigningRequest"]))
        assert csr.is_signature_valid
        public = csr.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        chain = {"chain": {"certificates": [certificate_for(public)]}}
        return answer(201, {"signedCertificateEmbeddedSct": chain})

    monkeypatch.setattr("slipway.tools.sigstore.requests.request", fulcio)
    waits: list[float] = []
    signer = KeylessSigner.start(TOKEN, FULCIO, sleep=waits.append)
    assert waits == [1.0]
    assert sent[-1]["credentials"] == {"oidcIdentityToken": TOKEN}
    assert x509.load_der_x509_certificate(signer.certificate_der)


def test_fulcios_refusal_never_repeats_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    said = {"message": f"token {TOKEN} is expired"}
    monkeypatch.setattr(
        "slipway.tools.sigstore.requests.request", lambda *a, **k: answer(401, said)
    )
    with pytest.raises(SigningError) as refused:
        KeylessSigner.start(TOKEN, FULCIO, sleep=lambda seconds: None)
    assert "HTTP 401" in refused.value.message
    assert TOKEN not in refused.value.message


def test_a_certificate_for_another_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    chain = {"chain": {"certificates": [certificate_for(other)]}}
    monkeypatch.setattr(
        "slipway.tools.sigstore.requests.request",
        lambda *a, **k: answer(201, {"signedCertificateEmbeddedSct": chain}),
    )
    with pytest.raises(SigningError, match="not for the key"):
        KeylessSigner.start(TOKEN, FULCIO, sleep=lambda seconds: None)


def test_an_unreachable_service_is_named_without_the_url_s_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> requests.Response:
        raise requests.ConnectionError("refused")

    monkeypatch.setattr("slipway.tools.sigstore.requests.request", refuse)
    waits: list[float] = []
    services = Services(fulcio_url="https://user:pw@fulcio.example", rekor_url="https://r")
    with pytest.raises(SigningError) as failed:
        KeylessSigner.start(TOKEN, services, sleep=waits.append)
    assert failed.value.message == "Fulcio: cannot reach fulcio.example (ConnectionError)"
    assert len(waits) == 2  # three attempts


def test_rekor_409_reads_the_existing_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    _, pem = pem_key()
    entry = {
        "body": "e30=",
        "integratedTime": 1,
        "logID": "00" * 32,
        "logIndex": 7,
        "verification": {"signedEntryTimestamp": "U0VU"},
    }
    calls: list[tuple[str, str]] = []

    def rekor(method: str, url: str, **kwargs: Any) -> requests.Response:
        calls.append((method, url))
        if method == "POST":
            response = answer(409, {"code": 409})
            response.headers["Location"] = "/api/v1/log/entries/abc"
            return response
        return answer(200, {"abc": entry})

    monkeypatch.setattr("slipway.tools.sigstore.requests.request", rekor)
    signer = KeySigner.from_pem(pem, services=Services(rekor_url="https://rekor.example"))
    bundle = signer.sign_statement(image_signature(DIGEST))
    assert calls == [
        ("POST", "https://rekor.example/api/v1/log/entries"),
        ("GET", "https://rekor.example/api/v1/log/entries/abc"),
    ]
    assert bundle["verificationMaterial"]["tlogEntries"][0]["logIndex"] == "7"


def test_a_refused_timestamp_fails_the_signing(monkeypatch: pytest.MonkeyPatch) -> None:
    _, pem = pem_key()
    rejection = bytes.fromhex("30053003020102")  # PKIStatus rejection, no token
    monkeypatch.setattr(
        "slipway.tools.sigstore.requests.request",
        lambda *a, **k: answer(200, content=rejection),
    )
    signer = KeySigner.from_pem(pem, services=Services(tsa_url="https://tsa.example/ts"))
    with pytest.raises(SigningError, match="refused"):
        signer.sign_statement(image_signature(DIGEST))
