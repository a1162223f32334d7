"""OCI labels (``org.opencontainers.image.*``) and the seed document's ``org_oci_*`` build args."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slipway.context import Context

OCI = "org.opencontainers.image"

# The seed document's Dockerfile contract: ARG org_oci_<x> feeds LABEL org.opencontainers.image.<x>.
BUILD_ARG_LABELS = {
    "org_oci_version": f"{OCI}.version",
    "org_oci_source": f"{OCI}.source",
    "org_oci_revision": f"{OCI}.revision",
    "org_oci_created": f"{OCI}.created",
}


def format_created(now: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as metadata-action writes ``created``."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def compute_labels(
    context: Context, version: str, now: datetime, repo: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """OCI labels from the repository record (API or event payload) and the run."""
    info: Mapping[str, Any] = repo if repo is not None else context.payload.get("repository") or {}
    license_info = info.get("license") or {}
    spdx = license_info.get("spdx_id") if isinstance(license_info, Mapping) else None
    return {
        f"{OCI}.title": str(info.get("name") or context.repo),
        f"{OCI}.description": str(info.get("description") or ""),
        f"{OCI}.url": str(info.get("html_url") or context.repository_url),
        f"{OCI}.source": str(info.get("html_url") or context.repository_url),
        f"{OCI}.version": version,
        f"{OCI}.created": format_created(now),
        f"{OCI}.revision": context.sha,
        f"{OCI}.licenses": str(spdx) if spdx and spdx != "NOASSERTION" else "",
    }


def build_args_from_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """The ``org_oci_*`` build args the seed's Dockerfile pattern reads."""
    return {arg: labels.get(label, "") or "unknown" for arg, label in BUILD_ARG_LABELS.items()}
