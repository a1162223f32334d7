"""Azure Blob Storage pieces the stand-in needs: SAS tokens and a tiny REST client for Azurite.

Signatures are computed here with HMAC-SHA256 over Azure's documented string-to-sign (no
Azure SDK): a *service SAS* (``Create a service SAS``, format for version 2020-12-06 and
later) for the blob URLs handed to cache clients and for listing a container, and an
*account SAS* (``Create an account SAS``, same versions) to create the container. Both
layouts match what Microsoft's own azure-sdk-for-go builds (``sas/service.go``,
``sas/account.go``) and what Azurite 3.37.0 verifies
(``dist/src/blob/authentication/IBlobSASSignatureValues.js``).

The account is Azurite's well-known development account ``devstoreaccount1``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import requests

ACCOUNT = "devstoreaccount1"
# Azurite's published well-known key for devstoreaccount1 (not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
# The storage service version the SAS tokens are signed for (sv) and requests use
# (x-ms-version); the same as azure-sdk-for-go's azblob in BuildKit v0.25.2.
SAS_VERSION = "2023-08-03"
TIMEOUT = 30.0


class AzureError(RuntimeError):
    """Azurite answered a management request (create container, list) with an error."""


def _sign(string_to_sign: str, key: str = ACCOUNT_KEY) -> str:
    """Return base64(HMAC-SHA256(base64-decoded key, UTF-8 string-to-sign))."""
    digest = hmac.new(base64.b64decode(key), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _sas_time(moment: datetime) -> str:
    """ISO 8601 UTC without fractions, as SAS fields want (``2026-01-02T03:04:05Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def service_sas(
    container: str,
    blob: str,
    permissions: str,
    expiry: datetime,
    start: datetime | None = None,
    account: str = ACCOUNT,
    key: str = ACCOUNT_KEY,
) -> str:
    """Return a service SAS query string for one blob (``blob`` set) or a container (``""``)."""
    resource = "b" if blob else "c"
    canonical = f"/blob/{account}/{container}" + (f"/{blob}" if blob else "")
    start_text = _sas_time(start) if start else ""
    expiry_text = _sas_time(expiry)
    fields = [
        permissions,  # signedPermissions
        start_text,  # signedStart
        expiry_text,  # signedExpiry
        canonical,  # canonicalizedResource
        "",  # signedIdentifier
        "",  # signedIP
        "",  # signedProtocol
        SAS_VERSION,  # signedVersion
        resource,  # signedResource
        "",  # signedSnapshotTime
        "",  # signedEncryptionScope
        "",  # rscc
        "",  # rscd
        "",  # rsce
        "",  # rscl
        "",  # rsct
    ]
    query = {"sv": SAS_VERSION, "sr": resource, "sp": permissions, "se": expiry_text}
    if start_text:
        query["st"] = start_text
    query["sig"] = _sign("\n".join(fields), key)
    return urlencode(query, quote_via=quote)


def account_sas(
    permissions: str,
    resource_types: str,
    expiry: datetime,
    account: str = ACCOUNT,
    key: str = ACCOUNT_KEY,
) -> str:
    """Return an account SAS query string for the blob service (``ss=b``)."""
    expiry_text = _sas_time(expiry)
    fields = [account, permissions, "b", resource_types, "", expiry_text, "", "", SAS_VERSION, ""]
    # The account SAS string-to-sign ends with a newline (after signedEncryptionScope).
    string_to_sign = "\n".join(fields) + "\n"
    query = {
        "sv": SAS_VERSION,
        "ss": "b",
        "srt": resource_types,
        "sp": permissions,
        "se": expiry_text,
        "sig": _sign(string_to_sign, key),
    }
    return urlencode(query, quote_via=quote)


@dataclass(frozen=True)
class BlobInfo:
    """One blob of a List Blobs answer."""

    name: str
    size: int
    blob_type: str


class BlobAccount:
    """An Azurite blob account endpoint, e.g. ``http://127.0.0.1:10000/devstoreaccount1``."""

    def __init__(self, account_url: str, account: str = ACCOUNT, key: str = ACCOUNT_KEY) -> None:
        self.account_url = account_url.rstrip("/")
        # Where the blob URLs handed to clients point: Azurite itself, or a front before it
        # (see .blobfront); management requests always go to Azurite directly.
        self.public_url = self.account_url
        self.account = account
        self.key = key
        self.session = requests.Session()

    def blob_url(
        self, container: str, blob: str, permissions: str, ttl: timedelta, public: bool = True
    ) -> str:
        """Return the signed URL of one blob (what the cache service hands out)."""
        sas = service_sas(
            container,
            blob,
            permissions,
            datetime.now(UTC) + ttl,
            account=self.account,
            key=self.key,
        )
        base = self.public_url if public else self.account_url
        return f"{base}/{quote(container)}/{quote(blob)}?{sas}"

    def _headers(self) -> dict[str, str]:
        """Headers of every management request (the storage service version)."""
        return {"x-ms-version": SAS_VERSION}

    def create_container(self, container: str) -> None:
        """Create ``container`` (Create Container, account SAS); an existing one is fine."""
        sas = account_sas(
            "c", "c", datetime.now(UTC) + timedelta(minutes=5), self.account, self.key
        )
        url = f"{self.account_url}/{quote(container)}?restype=container&{sas}"
        response = self.session.put(url, headers=self._headers(), timeout=TIMEOUT)
        if response.status_code not in (201, 409):
            raise AzureError(
                f"Create Container {container}: {response.status_code} {response.text}"
            )

    def list_blobs(self, container: str, include_uncommitted: bool = False) -> list[BlobInfo]:
        """List the blobs in ``container`` (List Blobs with a container SAS, all pages).

        Without ``include_uncommitted`` only committed blobs are listed (List Blobs' default);
        with it also blobs that have staged blocks but no committed block list yet.
        """
        sas = service_sas(
            container,
            "",
            "l",
            datetime.now(UTC) + timedelta(minutes=5),
            None,
            self.account,
            self.key,
        )
        blobs: list[BlobInfo] = []
        marker = ""
        while True:
            query = "restype=container&comp=list"
            if include_uncommitted:
                query += "&include=uncommittedblobs"
            if marker:
                query += "&marker=" + quote(marker, safe="")
            url = f"{self.account_url}/{quote(container)}?{query}&{sas}"
            response = self.session.get(url, headers=self._headers(), timeout=TIMEOUT)
            if response.status_code != 200:
                raise AzureError(f"List Blobs {container}: {response.status_code} {response.text}")
            page, marker = _parse_blob_list(response.content)
            blobs.extend(page)
            if not marker:
                return blobs

    def blob_size(self, container: str, blob: str) -> int | None:
        """Return the committed size of a blob (Get Blob Properties), None if it does not exist."""
        url = self.blob_url(container, blob, "r", timedelta(minutes=5), public=False)
        response = self.session.head(url, headers=self._headers(), timeout=TIMEOUT)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AzureError(f"Get Blob Properties {blob}: {response.status_code}")
        return int(response.headers["Content-Length"])

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def _parse_blob_list(xml: bytes) -> tuple[list[BlobInfo], str]:
    """Parse one EnumerationResults page into blobs and the NextMarker ("" at the end)."""
    root = ET.fromstring(xml)
    blobs = []
    for node in root.iterfind("./Blobs/Blob"):
        size = node.findtext("Properties/Content-Length", "0") or "0"
        blob_type = node.findtext("Properties/BlobType", "")
        blobs.append(BlobInfo(node.findtext("Name", ""), int(size), blob_type))
    return blobs, root.findtext("NextMarker", "") or ""
