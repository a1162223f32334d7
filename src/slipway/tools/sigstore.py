"""Signing with Sigstore's services, by hand: an ephemeral P-256 key (``cryptography``), a
certificate for it from Fulcio for the job's OIDC token, the DSSE signature, an entry in
Rekor, an RFC 3161 timestamp where a TSA is configured, and the bundle (v0.3) that holds
them (written by the pure `slipway.sign`). Or, in key mode, a PEM private key: no Fulcio, and
no Rekor unless asked for.

Why not sigstore-python: it does not fit the image's size budget (README, "Signing: what it
would cost the image"); verifying stays with the verifiers (cosign, policy-controller).

Every request goes through `slipway.tools.retry` (`POLICY`). Secrets are never logged and
never in a message: the OIDC token goes only into Fulcio's request body, and messages are
scrubbed of it; the private key (ephemeral or the PEM's) never leaves this module's objects.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slipway.errors import SigningError
from slipway.runner import cancel
from slipway.sign import rfc3161
from slipway.sign.bundle import (
    DSSE_KIND,
    Material,
    RekorAnswerError,
    dsse_bundle,
    dsse_entry,
    key_hint,
    tlog_entry,
)
from slipway.sign.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, b64, pae
from slipway.sign.keys import KEY_HINT, KeyError_, load_signing_key
from slipway.tools import retry
from slipway.tools.retry import EVERY_FAILURE, TRANSIENT_STATUS, Policy, Retries

TIMEOUT = 30.0  # seconds, every request
# Fulcio, Rekor and the TSA: three attempts on 408, 429, 5xx or any failure to get an
# answer, waiting as long as a Retry-After asks up to 30 s. A repeated Rekor POST whose
# first answer was lost is answered 409 with the entry's Location, which is then read.
POLICY = Policy(
    statuses=TRANSIENT_STATUS,
    failures=EVERY_FAILURE,
    attempts=3,
    backoff=1.0,
    retry_after_cap=30.0,
)
SIGNING_CERT_PATH = "/api/v2/signingCert"
LOG_ENTRIES_PATH = "/api/v1/log/entries"
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Services:
    """Where Sigstore's services are: Fulcio (keyless only), Rekor ("" for none: a private
    repository's signatures stay out of the public log), a TSA's full URL ("" for none)."""

    fulcio_url: str = ""
    rekor_url: str = ""
    tsa_url: str = ""
    ca_bundle: str = ""  # a PEM file of CAs to trust for them, else the public roots


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def _scrub(text: str, *secret_values: str) -> str:
    for value in filter(None, secret_values):
        text = text.replace(value, "***")
    return text


class _Client:
    """The requests of one signer: one retry budget, TLS trust, no secret in a message."""

    def __init__(self, services: Services, sleep: Sleep, secret_values: tuple[str, ...] = ()):
        self.services = services
        self._retries = Retries(POLICY, sleep=sleep)
        self._secrets = secret_values

    def send(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        verify: str | bool = self.services.ca_bundle or True
        try:
            return retry.send(
                self._retries,
                lambda: requests.request(method, url, timeout=TIMEOUT, verify=verify, **kwargs),
            )
        except requests.RequestException as error:
            reason = f"cannot reach {_host(url)} ({type(error).__name__})"
            raise SigningError(f"{what}: {reason}") from None

    def refused(self, what: str, response: requests.Response) -> SigningError:
        detail = _scrub(response.text[:300].strip(), *self._secrets)
        return SigningError(f"{what} refused: HTTP {response.status_code} {detail}".rstrip())


def _pem_public(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _der_public(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class _Signing:
    """What one signer signs with: its key, the PEM Rekor verifies with (the certificate's
    or the key's), and the bundle's material for the signer (certificate or key hint)."""

    key: ec.EllipticCurvePrivateKey = field(repr=False)
    verifier_pem: bytes
    certificate_der: bytes = b""


class Signer:
    """Signs in-toto statements into DSSE bundles (v0.3): `KeylessSigner` or `KeySigner`."""

    def __init__(self, signing: _Signing, client: _Client) -> None:
        self._signing = signing
        self._client = client

    def sign_statement(self, statement: Mapping[str, Any]) -> dict[str, Any]:
        """The bundle for ``statement`` (an in-toto Statement v1), as JSON."""
        payload = json.dumps(statement, separators=(",", ":"), sort_keys=True).encode()
        signature = self._signing.key.sign(
            pae(IN_TOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256())
        )
        envelope = Envelope(IN_TOTO_PAYLOAD_TYPE, payload, signature)
        services = self._client.services
        entries = [self._log(envelope)] if services.rekor_url else []
        stamps = [self._timestamp(signature)] if services.tsa_url else []
        hint = "" if self._signing.certificate_der else key_hint(_der_public(self._key_public))
        material = Material(self._signing.certificate_der, hint, entries, stamps)
        return dsse_bundle(material, envelope)

    @property
    def _key_public(self) -> ec.EllipticCurvePublicKey:
        return self._signing.key.public_key()

    @property
    def public_key_pem(self) -> bytes:
        """The signing key's public half (key mode: what ``cosign verify --key`` is given)."""
        return _pem_public(self._key_public)

    @property
    def certificate_der(self) -> bytes:
        """Fulcio's certificate (keyless), else b""."""
        return self._signing.certificate_der

    def _log(self, envelope: Envelope) -> dict[str, Any]:
        """Rekor's entry for the envelope, as a bundle's TransparencyLogEntry."""
        url = self._client.services.rekor_url.rstrip("/") + LOG_ENTRIES_PATH
        proposed = dsse_entry(envelope, self._signing.verifier_pem)
        response = self._client.send("Rekor", "POST", url, json=proposed)
        if response.status_code == 409 and response.headers.get("Location"):
            existing = urljoin(url, response.headers["Location"])
            response = self._client.send("Rekor", "GET", existing)
        if response.status_code not in (200, 201):  # created, or (GET) the existing entry
            raise self._client.refused("Rekor", response)
        try:
            answer = response.json()
            if not isinstance(answer, dict) or len(answer) != 1:
                raise RekorAnswerError("Rekor's answer is not one entry")
            return tlog_entry(next(iter(answer.values())), DSSE_KIND)
        except (ValueError, AttributeError) as error:  # RekorAnswerError is a ValueError
            raise SigningError(f"Rekor answered with no entry Slipway can use: {error}") from None

    def _timestamp(self, signature: bytes) -> bytes:
        """The TSA's TimeStampResp (DER) over the signature."""
        url = self._client.services.tsa_url
        body = rfc3161.request(signature, secrets.randbits(63) + 1)
        headers = {"Content-Type": rfc3161.MEDIA_QUERY}
        response = self._client.send(
            "the timestamp authority", "POST", url, data=body, headers=headers
        )
        if response.status_code not in (200, 201):
            raise self._client.refused("the timestamp authority", response)
        try:
            rfc3161.status(response.content)
        except rfc3161.TimestampError as error:
            raise SigningError(str(error)) from None
        return response.content


class KeylessSigner(Signer):
    """An ephemeral P-256 key certified by Fulcio for the job's OIDC token (the certificate
    lives 10 minutes: sign right after `start`). Keyless signing needs Rekor or a TSA: a
    verifier must be able to tell the signature was made while the certificate was valid."""

    @classmethod
    def start(cls, token: str, services: Services, *, sleep: Sleep = cancel.sleep) -> KeylessSigner:
        """A new key and Fulcio's certificate for it."""
        if not services.fulcio_url:
            raise SigningError("keyless signing needs Fulcio's URL")
        if not (services.rekor_url or services.tsa_url):
            raise SigningError(
                "keyless signing needs a transparency log or a timestamp authority",
                "Without either, no verifier can tell the short-lived certificate was valid "
                "when the signature was made.",
            )
        client = _Client(services, sleep, (token,))
        key = ec.generate_private_key(ec.SECP256R1())
        chain = _certificate(client, token, key)
        leaf = chain[0]
        pem = leaf.public_bytes(serialization.Encoding.PEM)
        der = leaf.public_bytes(serialization.Encoding.DER)
        return cls(_Signing(key, pem, der), client)


def _csr(key: ec.EllipticCurvePrivateKey) -> bytes:
    """A CSR for ``key`` (PEM): Fulcio takes its signature as the proof of possession."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _certificate(
    client: _Client, token: str, key: ec.EllipticCurvePrivateKey
) -> list[x509.Certificate]:
    """Fulcio's chain (leaf first) for ``key`` and the OIDC ``token``."""
    url = client.services.fulcio_url.rstrip("/") + SIGNING_CERT_PATH
    body = {
        "credentials": {"oidcIdentityToken": token},
        "certificateSigningRequest": b64(_csr(key)),
    }
    response = client.send("Fulcio", "POST", url, json=body)
    if response.status_code not in (200, 201):
        raise client.refused("Fulcio", response)
    try:
        answer = response.json()
        signed = answer.get("signedCertificateEmbeddedSct") or answer.get(
            "signedCertificateDetachedSct"
        )
        pems = signed["chain"]["certificates"]
        chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in pems]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SigningError("Fulcio answered with no certificate chain Slipway can read") from None
    leaf_key = chain[0].public_key() if chain else None
    if not isinstance(leaf_key, ec.EllipticCurvePublicKey) or (
        _der_public(leaf_key) != _der_public(key.public_key())
    ):
        raise SigningError("Fulcio's certificate is not for the key Slipway sent")
    return chain


class KeySigner(Signer):
    """A P-256 private key given as PEM (PKCS#8 or SEC 1, encrypted or not). No Fulcio; Rekor
    and the TSA only when ``services`` names them."""

    @classmethod
    def from_pem(
        cls,
        pem: str,
        password: str = "",
        services: Services | None = None,
        *,
        sleep: Sleep = cancel.sleep,
    ) -> KeySigner:
        """The signer for the key in ``pem``; a `SigningError` (naming neither the key nor
        its password) when it cannot be read or is not an ECDSA P-256 key."""
        try:
            key = load_signing_key(pem, password)
        except KeyError_ as error:
            raise SigningError(str(error), KEY_HINT) from None
        services = services or Services()
        client = _Client(services, sleep, tuple(filter(None, (pem, password))))
        return cls(_Signing(key, _pem_public(key.public_key())), client)
