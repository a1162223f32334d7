"""Where Sigstore's services are (pure): the public-good instance by default, or what a
Sigstore SigningConfig names (input ``sigstore-config``: a GHES installation, a private
Sigstore, the tests' stand-in).

The document is Sigstore's own (protobuf-specs ``sigstore_trustroot.proto``), as cosign v3's
``--signing-config`` and sigstore-python read it: a ``SigningConfig`` v0.2 (``caUrls``,
``rekorTlogUrls``, ``tsaUrls``, each a list of services with ``url`` and
``majorApiVersion``), or a ``ClientTrustConfig`` that holds one (``signingConfig``) beside
its trusted root. Of each list, the first service with API version 1 is used: Fulcio's v2 API
and Rekor's v1 API are what `slipway.tools.sigstore` speaks (majorApiVersion 1 in the
document), a Rekor v2 log (majorApiVersion 2) is not.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SIGNING_CONFIG_V02 = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
CLIENT_TRUST_CONFIG = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
PUBLIC_FULCIO = "https://fulcio.sigstore.dev"
PUBLIC_REKOR = "https://rekor.sigstore.dev"
PUBLIC_TSA = "https://timestamp.sigstore.dev/api/v1/timestamp"


class SigningConfigError(ValueError):
    """The document is not a SigningConfig Slipway can use (the message says why)."""


@dataclass(frozen=True)
class Instance:
    """A Sigstore instance's services: Fulcio, Rekor and a TSA ("" where it has none)."""

    fulcio: str = ""
    rekor: str = ""
    tsa: str = ""
    public: bool = False  # the public-good instance (verifiers need no --trusted-root)


PUBLIC = Instance(PUBLIC_FULCIO, PUBLIC_REKOR, PUBLIC_TSA, public=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """``url`` when it is https (or http to this machine), without credentials or a query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise SigningConfigError(f"{what} is not an https URL")
    if parts.scheme == "http" and not _loopback(host):
        raise SigningConfigError(f"{what} is http: only https, or http to this machine")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise SigningConfigError(f"{what} holds credentials, a query or a fragment")
    return url.rstrip("/")


def _first(document: Mapping[str, Any], key: str, what: str) -> str:
    services = document.get(key) or []
    if not isinstance(services, list):
        raise SigningConfigError(f"{key} is not a list")
    for service in services:
        if not isinstance(service, Mapping) or not isinstance(service.get("url"), str):
            raise SigningConfigError(f"an entry of {key} has no url")
        if int(service.get("majorApiVersion") or 1) == 1:
            return check_url(service["url"], f"{what} ({key})")
    return ""


def parse_signing_config(text: str) -> Instance:
    """The services a SigningConfig v0.2 (or a ClientTrustConfig holding one) names."""
    try:
        document = json.loads(text)
    except ValueError:
        raise SigningConfigError("it is not JSON") from None
    if not isinstance(document, dict):
        raise SigningConfigError("it is not a JSON object")
    if document.get("mediaType") == CLIENT_TRUST_CONFIG:
        document = document.get("signingConfig")
        if not isinstance(document, dict):
            raise SigningConfigError("the ClientTrustConfig has no signingConfig")
    if document.get("mediaType") != SIGNING_CONFIG_V02:
        raise SigningConfigError(
            f"its mediaType is not {SIGNING_CONFIG_V02} (nor a ClientTrustConfig holding one)"
        )
    try:
        instance = Instance(
            fulcio=_first(document, "caUrls", "Fulcio"),
            rekor=_first(document, "rekorTlogUrls", "Rekor"),
            tsa=_first(document, "tsaUrls", "the timestamp authority"),
        )
    except (TypeError, ValueError) as error:
        if isinstance(error, SigningConfigError):
            raise
        raise SigningConfigError("an entry's majorApiVersion is not a number") from None
    if not (instance.fulcio or instance.rekor or instance.tsa):
        raise SigningConfigError("it names no Fulcio, Rekor or timestamp authority")
    return instance
