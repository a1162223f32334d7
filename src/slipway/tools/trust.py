"""The run's trust in registries' TLS: ``registry-ca`` written next to the public roots.

Slipway's own HTTPS (requests) and Trivy (``SSL_CERT_FILE``) read one bundle, the public
roots and the CA; the builder Slipway creates reads the CA alone, named per registry in its
buildkitd.toml (buildx copies the file into the builder's container).
"""

from __future__ import annotations

from pathlib import Path

import certifi

from slipway.errors import InputError
from slipway.inputs import TrustFiles
from slipway.inputs.registry import PEM_BEGIN, REGISTRY_CA_EXAMPLE, check_ca_pem

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # Debian's, when installed


def load_ca(value: str) -> str:
    """The PEM text of ``registry-ca``: the value itself, or the content of the file it names."""
    if PEM_BEGIN in value:
        return value
    path = Path(value)
    if not path.is_file():
        raise InputError(
            "registry-ca",
            f"{value[:60]!r} is neither PEM text nor a file",
            REGISTRY_CA_EXAMPLE,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError("registry-ca", f"{value[:60]!r} cannot be read as text") from None
    return check_ca_pem(text, f"the file {value[:60]!r}")


def public_roots() -> str:
    """The public roots this container trusts (the system's, else certifi's)."""
    source = SYSTEM_BUNDLE if SYSTEM_BUNDLE.is_file() else Path(certifi.where())
    return source.read_text(encoding="utf-8")


def write_trust(pem: str, work: Path) -> TrustFiles:
    """Write the CA and the bundle into the run's private folder."""
    ca, bundle = work / "registry-ca.pem", work / "trust-bundle.pem"
    ca.write_text(pem.rstrip("\n") + "\n", encoding="utf-8")
    bundle.write_text(public_roots().rstrip("\n") + "\n" + ca.read_text(encoding="utf-8"))
    return TrustFiles(str(ca), str(bundle))
