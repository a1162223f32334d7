"""A signing key given as PEM, read (pure): ECDSA P-256, PKCS#8 or SEC 1, encrypted or not,
as ``openssl`` writes them (``cosign generate-key-pair``'s own encrypted format is not PEM's
and is refused by name). Messages never hold the key or its password."""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PEM_BEGIN = "-----BEGIN"
KEY_HINT = (
    "Give an ECDSA P-256 private key as PKCS#8 or SEC 1 PEM (its password in "
    "`sign-key-password` when it is encrypted), e.g. from `openssl ecparam -name prime256v1 "
    "-genkey -noout | openssl pkcs8 -topk8 -nocrypt`, as a secret:\n"
    "sign-key: ${{ secrets.SIGNING_KEY }}"
)
COSIGN_KEYS = ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY")


class KeyError_(ValueError):
    """The PEM is not a key Slipway signs with (the message says why, never what it holds)."""


def looks_like_pem_key(text: str) -> bool:
    """Whether ``text`` has a PEM private key's armour (what inputs check before a run)."""
    return PEM_BEGIN in text and "PRIVATE KEY-----" in text


def load_signing_key(pem: str, password: str = "") -> ec.EllipticCurvePrivateKey:
    """The P-256 private key in ``pem``; a `KeyError_` when it cannot be read (or its password
    is wrong) or is another kind of key."""
    if any(armour in pem for armour in COSIGN_KEYS):
        # cosign's own format (scrypt + NaCl secretbox inside the armour) is no PKCS#8.
        raise KeyError_(
            "the signing key is in cosign's encrypted format, which Slipway cannot read"
        )
    try:
        key = serialization.load_pem_private_key(
            pem.strip().encode(), password.encode() if password else None
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyError_(
            "the signing key is not a PEM private key Slipway can read, or its password is wrong"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyError_("the signing key is not an ECDSA P-256 key")
    return key
