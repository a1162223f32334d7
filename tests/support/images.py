"""Small build contexts for tests."""

from __future__ import annotations

import uuid
from pathlib import Path


def scratch_context(directory: Path, platforms: tuple[str, ...]) -> Path:
    """FROM scratch + one file per platform: builds for any platform without QEMU; new content each call."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(
        "FROM scratch\nARG TARGETARCH\nARG TARGETVARIANT\nARG org_oci_version=unknown\n"
        "LABEL org.opencontainers.image.version=$org_oci_version\n"
        "COPY file-${TARGETARCH}${TARGETVARIANT} /file\n"
    )
    nonce = uuid.uuid4().hex
    for platform in platforms:
        arch_variant = "".join(platform.split("/")[1:])
        (directory / f"file-{arch_variant}").write_text(f"{platform} {nonce}\n")
    return directory
