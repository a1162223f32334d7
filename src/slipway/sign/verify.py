"""What a run signed, and the exact commands that verify it (pure): ``cosign verify`` for the
image's own signature, ``cosign verify-attestation --type <predicate type>`` for each signed
statement, with the identity and issuer a keyless signature was certified for (the
certificate's URI SAN: ``https://github.com/<job_workflow_ref>``, and the OIDC token's
issuer), or the key for a key-mode one.

The identity comes from a workflow ref, which holds a branch name (attacker-chosen text): each
command is quoted for a POSIX shell here, and the report shows it in a code block
(`slipway.report.sign_section`)."""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from slipway.sign.statement import COSIGN_SIGN_PREDICATE

PUBLIC_KEY_FILE = "cosign.pub"  # the key-mode commands' name for the signing key's public half
TRUSTED_ROOT_FILE = "trusted_root.json"  # a private instance's trusted root, as the user has it


@dataclass(frozen=True)
class Signer:
    """Who signed: a keyless identity and issuer, or a key (``identity`` "")."""

    identity: str = ""  # the certificate's URI SAN
    issuer: str = ""  # the OIDC token's issuer
    logged: bool = True  # in a transparency log (else only a timestamp, or nothing: a key)
    timestamped: bool = False  # an RFC 3161 timestamp is in the bundle
    trusted_root: bool = False  # a private Sigstore instance: its trusted root must be named

    @property
    def keyless(self) -> bool:
        """Certified by Fulcio for an OIDC identity."""
        return bool(self.identity)


@dataclass(frozen=True)
class Signed:
    """What one run signed about one image (the predicate types, the image's own signature
    first) and the commands that verify each."""

    reference: str  # repository@sha256:...
    predicate_types: tuple[str, ...]
    commands: tuple[str, ...]


def certificate_identity(certificate_der: bytes) -> str:
    """The URI SAN (else the e-mail SAN) of a Fulcio certificate; "" when it has neither."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ""
    found = names.get_values_for_type(x509.UniformResourceIdentifier)
    found = found or names.get_values_for_type(x509.RFC822Name)
    return found[0] if found else ""


def token_issuer(token: str) -> str:
    """The ``iss`` claim of a JWT (read, not verified: it is the token Slipway was just given;
    Fulcio verified it); "" when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return ""
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else ""


def _trust(signer: Signer) -> list[str]:
    if signer.keyless:
        argv = [f"--certificate-identity={signer.identity}"]
        argv.append(f"--certificate-oidc-issuer={signer.issuer}")
    else:
        argv = [f"--key={PUBLIC_KEY_FILE}"]
    if not signer.logged:
        argv.append("--insecure-ignore-tlog=true")  # nothing was logged: no entry to find
    if signer.timestamped and not signer.logged:
        argv.append("--use-signed-timestamps")
    if signer.trusted_root:
        argv.append(f"--trusted-root={TRUSTED_ROOT_FILE}")
    return argv


def verify_commands(reference: str, predicate_types: Sequence[str], signer: Signer) -> list[str]:
    """The commands that verify each signed thing about ``reference`` (repository@digest)."""
    commands = []
    for predicate_type in predicate_types:
        if predicate_type == COSIGN_SIGN_PREDICATE:
            argv = ["cosign", "verify", *_trust(signer), reference]
        else:
            argv = ["cosign", "verify-attestation", f"--type={predicate_type}"]
            argv += [*_trust(signer), reference]
        commands.append(shlex.join(argv))
    return commands
