"""Reading artifacts back from a registry with the ORAS client (oras-py), which shares no code
with Slipway: what ``oras discover`` lists for a digest and what ``oras pull`` gets."""

from __future__ import annotations

from typing import Any

import oras.provider
import oras.schemas


def discover(client: oras.provider.Registry, name: str, digest: str) -> list[dict[str, Any]]:
    """What ``oras discover NAME@DIGEST`` lists on a registry without the referrers API: the
    referrers tag schema's index (``sha256-<hex>``; none: no referrers), each manifest checked
    against ORAS's own schema and against the digest it must refer to."""
    try:
        listing = client.get_manifest(f"{name}:{digest.replace(':', '-')}")
    except ValueError:  # oras-py: no such tag
        return []
    found = []
    for entry in listing["manifests"]:
        manifest = client.get_manifest(
            f"{name}@{entry['digest']}", validation_schema=oras.schemas.manifest
        )
        assert manifest["subject"]["digest"] == digest
        assert manifest["artifactType"] == entry["artifactType"]
        found.append(manifest)
    return found


def pull(client: oras.provider.Registry, name: str, manifest: dict[str, Any]) -> bytes:
    """The one layer of an artifact's manifest."""
    [layer] = manifest["layers"]
    response = client.get_blob(name, layer["digest"])
    response.raise_for_status()
    return bytes(response.content)
