"""The attach stage: the scan report and the SBOMs the gate decided on, pushed as OCI
artifacts that refer to the image (slipway.oci.referrers), to every image pushed.

Evidence is secondary to the image: a registry that refuses it is a warning, not a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.errors import RegistryError
from slipway.oci.manifest import OCI_MANIFEST
from slipway.oci.referrers import CYCLONEDX_TYPE, SCAN_REPORT_TYPE, Artifact, Subject, artifact
from slipway.stages.registries import client
from slipway.tools.registry import push_artifact

if TYPE_CHECKING:
    from slipway.stages import Run, State

TITLE = "org.opencontainers.image.title"
CREATED = "org.opencontainers.image.created"


def _evidence(run: Run, state: State) -> Iterator[tuple[Artifact, bytes]]:
    """(artifact, payload) for each piece of evidence asked for and written."""
    kinds, created = run.plan.report.attach, run.now.isoformat().replace("+00:00", "Z")
    index = state.index
    if "scan-report" in kinds and state.report_file and index is not None:
        payload = Path(state.report_file).read_bytes()
        subject = Subject(index.digest, index.media_type, len(index.body))
        notes = {TITLE: Path(state.report_file).name, CREATED: created}
        yield artifact(subject, SCAN_REPORT_TYPE, payload, notes), payload
    if "sbom" not in kinds or index is None:
        return
    sizes = {}
    if index.is_index:
        sizes = {e["digest"]: int(e.get("size", 0)) for e in index.json().get("manifests", [])}
    for platform, path in sorted(state.sbom_files.items()):
        digest = state.platform_digests.get(platform, "")
        if not digest:
            continue
        size = sizes.get(digest, len(index.body) if digest == index.digest else 0)
        payload = Path(path).read_bytes()
        notes = {TITLE: Path(path).name, CREATED: created, "dev.slipway.platform": platform}
        subject = Subject(digest, OCI_MANIFEST if index.is_index else index.media_type, size)
        yield artifact(subject, CYCLONEDX_TYPE, payload, notes), payload


def attach(run: Run, state: State) -> None:
    """Attach the evidence to every image pushed; a refusal is a warning."""
    evidence = list(_evidence(run, state))
    for image in run.plan.images if evidence else ():
        registry = client(run, image)
        for piece, payload in evidence:
            try:
                how = push_artifact(registry, image.repository, piece, payload, run.work)
            except RegistryError as error:
                run.workflow.warning(
                    f"could not attach {piece.annotations[TITLE]} to {image}: {error.message}"
                )
                continue
            if piece.artifact_type == SCAN_REPORT_TYPE:  # the signed verdict points at it
                state.report_artifact = piece.digest
            run.workflow.info(
                f"attached {piece.annotations[TITLE]} to {image}@{piece.subject} "
                f"as {piece.digest} (listed by the {how})"
            )
