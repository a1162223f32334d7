"""The baseline step: the published image this change is compared with, and its findings.

Which image is decided in `slipway.scan.baseline`; this step asks the registry where that tag
points now, reads the scan report attached to it (`attach: scan-report` of an earlier run)
when that report was made as this run's scan would be, and else scans it by digest, with
the run's DB and options: the result is kept like every scan result (by digest, DB and
options), so the next run that compares with the same image reuses it. The difference
(`slipway.scan.delta`) is what the gate reads with `fail-on-scope: new`, and what the
summary and the comment lead with. The baseline's policy findings come with its attached
report only (a scan of an image does not see its Dockerfile); the policy step compares them.

The comparison is secondary to the run: a baseline that cannot be read is said in one
warning, and every finding then counts as new.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from slipway.core.plan import ConfigFindings
from slipway.errors import RegistryError, ScanError
from slipway.oci.manifest import platform_manifests
from slipway.oci.referrers import SCAN_REPORT_TYPE
from slipway.oci.refs import (
    ImageName,
    is_digest,
    parse_image_name,
    split_reference,
)
from slipway.policy.model import Finding as PolicyFinding
from slipway.scan.baseline import (
    BaselineChoice,
    choose_baseline,
    incompatible,
    misconfigurations_from_report,
    policy_from_report,
    previous_release,
    scans_from_report,
)
from slipway.scan.delta import Baseline, diff
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.stages.registries import client
from slipway.stages.scan import scan_published
from slipway.tools.registry import RegistryClient

if TYPE_CHECKING:
    from slipway.stages import Run, State

CREATED = "org.opencontainers.image.created"
MAX_REPORT = 64 * 1024 * 1024  # an attached report larger than this is not read
NOT_FOUND = "{reference} does not exist in the registry"
NO_RELEASE = "no release of {image} comes before {version}"
UNREADABLE = "the baseline {reference} could not be read ({error}): every finding counts as new"


def baseline(run: Run, state: State) -> None:
    """Step BASELINE."""
    plan = run.plan
    image = plan.images[0]
    # With `tag-on-gate-failure` the tags moved before the scan: they name this very image.
    moving = (
        []
        if plan.tag_on_gate_failure
        else [t for t in plan.metadata.tags if t.startswith(f"{image}:")]
    )
    choice = choose_baseline(plan.scan.baseline, image, run.context, moving, plan.metadata.version)
    if choice.kind == "none":
        run.workflow.info(f"no baseline to compare with: {choice.why}")
        return
    try:
        found = _find(run, image, choice, state.db_updated_at)
    except (RegistryError, ScanError, OSError, ValueError) as error:
        shown = choice.references[0] if choice.references else str(image)
        run.workflow.warning(UNREADABLE.format(reference=shown, error=str(error)[:300]))
        found = Baseline(shown, missing=f"it could not be read ({str(error)[:200]})")
    if found.present:
        run.workflow.info(
            f"baseline: {found.reference} ({found.digest}), {choice.why}; findings: {found.source}"
        )
        if not found.policy_known:
            run.workflow.info(
                f"the baseline's policy findings are unknown ({found.policy_unknown_why}): "
                "every Dockerfile and image-policy finding counts as new"
            )
    else:
        run.workflow.info(f"no baseline to compare with: {found.missing}")
    state.delta = diff(state.scans, found)
    if plan.config_findings is ConfigFindings.SCAN:
        if found.present and not found.misconfigurations_known:
            run.workflow.info(
                "the baseline's Dockerfile misconfigurations are unknown "
                f"({found.misconfigurations_unknown_why}): every one counts as new"
            )
        state.delta = state.delta.with_misconfigurations(state.misconfigurations)


def _find(run: Run, image: ImageName, choice: BaselineChoice, known_db: str) -> Baseline:
    """The baseline ``choice`` names, with its findings (or why there is none)."""
    references = list(choice.references)
    if choice.kind == "previous-release":
        tags = client(run, image).tags(image.repository)
        previous = previous_release(tags, choice.version)
        if previous is None:
            return Baseline(
                str(image), missing=NO_RELEASE.format(image=image, version=choice.version)
            )
        references = [f"{image}:{previous}"]
    for reference in references:
        name, tag_or_digest = _split(reference)
        registry = client(run, name)
        digest = tag_or_digest if is_digest(tag_or_digest) else None
        if digest is None:
            digest = registry.head_digest(name.repository, tag_or_digest)
        elif registry.head_digest(name.repository, digest) is None:
            digest = None
        if digest is not None:
            return _with_findings(run, registry, name, (reference, digest), known_db)
    return Baseline(references[0], missing=NOT_FOUND.format(reference=" or ".join(references)))


def _split(reference: str) -> tuple[ImageName, str]:
    """``registry/repo:tag`` or ``registry/repo@sha256:...`` -> (the name, tag or digest)."""
    name, tag, digest = split_reference(reference)
    return parse_image_name(name), digest or tag or "latest"


def _with_findings(
    run: Run, registry: RegistryClient, name: ImageName, found: tuple[str, str], known_db: str
) -> Baseline:
    """The baseline's findings (``found``: its reference and digest): its attached report
    when compatible, else a scan by digest (``known_db``: the DB the run's scan used)."""
    reference, digest = found
    attached, why = _attached(run, registry, name, digest)
    if attached is not None:
        scans, policy, misconfigurations = attached
        return Baseline(
            reference,
            digest,
            scans,
            source="attached report",
            policy=policy,
            misconfigurations=misconfigurations,
        )
    if why:
        run.workflow.info(f"the report attached to {reference} is not used: {why}")
    scans = _scan(run, registry, name, digest, known_db)
    source = "scan reused" if scans and all(s.reused for s in scans) else "scanned"
    return Baseline(reference, digest, scans, source=source)


Attached = tuple[
    tuple[PlatformScan, ...],
    tuple[PolicyFinding, ...] | None,
    tuple[Misconfiguration, ...] | None,
]


def _attached(
    run: Run, registry: RegistryClient, name: ImageName, digest: str
) -> tuple[Attached | None, str]:
    """The findings of the newest scan report attached to ``digest`` (per platform, and the
    policy's: None when the report does not carry them), or why there are none to use (""
    when nothing is attached)."""
    found = registry.referrers(name.repository, digest, SCAN_REPORT_TYPE)
    if not found:
        return None, ""
    newest = max(found, key=lambda d: str((d.get("annotations") or {}).get(CREATED, "")))
    manifest = registry.get_manifest(name.repository, str(newest.get("digest", "")))
    layers = manifest.json().get("layers") or []
    if not layers or int(layers[0].get("size", 0)) > MAX_REPORT:
        return None, "it holds no report of a size Slipway reads"
    with registry.open_blob(name.repository, str(layers[0]["digest"])) as response:
        text = response.raw.read(MAX_REPORT + 1)
    try:
        document = json.loads(text)
    except ValueError:
        return None, "it is not JSON"
    if not isinstance(document, dict):
        return None, "it is not a scan report"
    why = incompatible(document, run.plan.scan)
    if why:
        return None, why
    scans = scans_from_report(document)
    found_now = (scans, policy_from_report(document), misconfigurations_from_report(document))
    return (found_now if scans else None), ""


def _scan(
    run: Run, registry: RegistryClient, name: ImageName, digest: str, known_db: str
) -> tuple[PlatformScan, ...]:
    """Each platform of ``digest`` scanned by digest (or its kept result reused)."""
    index = registry.get_manifest(name.repository, digest)
    document = index.json()
    if index.is_index:
        platforms = [(p.platform, p.digest) for p in platform_manifests(document)]
    else:  # one image: its platform is its config's
        config = registry.get_blob_json(name.repository, str(document["config"]["digest"]))
        parts = (config.get("os"), config.get("architecture"), config.get("variant"))
        platforms = [("/".join(str(p) for p in parts if p), digest)]
    outcome = scan_published(run, name, platforms, known_db=known_db, folder="baseline")
    for warning in outcome.warnings:
        run.workflow.warning(warning)
    return tuple(outcome.scans)
