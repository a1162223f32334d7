"""Small build contexts for tests."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from tests.support.devenv import ROOT
from tests.support.trivydb.rootfs import write_debian_root

SMALL_APP_DOCKERFILE = """\
# examples/hello's shape with the base's root in the context: labels from org_oci_* build
# args, the app in a layer of its own, a non-root user. No RUN, so any platform builds
# without QEMU.
FROM scratch
ARG org_oci_version=unknown
ARG org_oci_source=unknown
ARG org_oci_revision=unknown
ARG org_oci_created=unknown
LABEL org.opencontainers.image.version=$org_oci_version \\
      org.opencontainers.image.source=$org_oci_source \\
      org.opencontainers.image.revision=$org_oci_revision \\
      org.opencontainers.image.created=$org_oci_created
COPY root/ /
COPY src/ /opt/hello/
USER 10001:10001
EXPOSE 8080
ENV PYTHONPATH=/opt/hello
CMD ["python3", "-m", "hello.app"]
"""


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


def small_app(directory: Path) -> Path:
    """A checkout for tests whose subject is how a job runs, not what the image holds:
    examples/hello's sources on a Debian 12 root that Trivy reads (a few kB, with the test
    DB's planted CRITICAL in openssl) instead of a 50 MB Python base. A cold job then moves
    kilobytes; the base root and the app are two layers, the app's changing with src/."""
    directory.mkdir(parents=True, exist_ok=True)
    write_debian_root(directory / "root")
    shutil.copytree(ROOT / "examples" / "hello" / "src", directory / "src", dirs_exist_ok=True)
    (directory / "Dockerfile").write_text(SMALL_APP_DOCKERFILE, encoding="utf-8")
    return directory
