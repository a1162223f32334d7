"""The advice step: newer tags of the image the final stage is built on, on the same track,
scanned by digest and ranked by what they remove from the final image
(`slipway.scan.advice` decides the track, the final image's bases and the ranking).

For each base (at most `MAX_BASES`), the registry's tags of its repository are listed, the
newer ones on its track chosen (at most five), and each is scanned on the run's first
platform, by digest, with the run's DB: results are kept like every scan result, so a later
run reuses them. It is bounded by `BUDGET` seconds; what is left out is said in the advice's
note. Then, on a pull request whose token may write reviews, the best option is posted once
per base digest as a suggestion on the ``FROM`` line (`slipway.github.review`).

Advice never fails the run: a registry or scan error becomes the advice's note.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.errors import RegistryError, ScanError
from slipway.github.review import Suggestion, post_suggestion
from slipway.oci.manifest import platform_manifests
from slipway.oci.refs import ImageName, is_digest, parse_image_name
from slipway.scan.advice import (
    Advice,
    BaseImage,
    Widen,
    candidate_tags,
    final_bases,
    rank,
    review_body,
    review_marker,
)
from slipway.scan.findings import PlatformScan
from slipway.stages.registries import pull_sources
from slipway.stages.scan import scan_published
from slipway.tools.registry import RegistryClient

if TYPE_CHECKING:
    from slipway.stages import Run, State

BUDGET = 120.0  # seconds for the whole step
RETRY_BUDGET = 10.0  # seconds a registry may keep failing before a base is given up
MAX_BASES = 2
MAX_CANDIDATES = 5
NO_NEWER = "no newer tag on its track ({tag})"
NO_TRACK = "its tag names no version to follow"
OUT_OF_TIME = "the time budget ({budget:.0f} s) ran out after {done} of {total} candidates"
NOT_CHECKED = "not checked: {error}"


def advise(run: Run, state: State) -> None:
    """Step ADVICE."""
    dockerfile = run.dockerfile
    if dockerfile is None or not state.platform_digests:
        return
    platform = next(iter(state.platform_digests))
    final = next((s for s in state.scans if s.platform == platform), None)
    if final is None:
        return
    deadline = time.monotonic() + BUDGET
    args = dict(run.plan.build.build_args)
    found: list[Advice] = []
    for base in final_bases(dockerfile, args)[:MAX_BASES]:
        try:
            found.append(_advise(run, state, base, (platform, final), deadline))
        except (RegistryError, ScanError, OSError, ValueError, KeyError) as error:
            found.append(Advice(base, "", (), note=NOT_CHECKED.format(error=str(error)[:200])))
    state.advice = tuple(found)
    for advice in found:
        if advice.options:
            best = advice.options[0]
            run.workflow.info(f"base image {advice.base.reference}: consider `{best.line}`")
            _suggest(run, advice)


def _advise(
    run: Run,
    state: State,
    base: BaseImage,
    target: tuple[str, PlatformScan],
    deadline: float,
) -> Advice:
    platform, final = target
    if not base.tag:
        return Advice(base, "", (), note=NO_TRACK)
    name, registry, listed = _listed(run, parse_image_name(base.repository))
    tags = candidate_tags(base.tag, listed, Widen(run.plan.scan.base_advice), MAX_CANDIDATES)
    if not tags:
        return Advice(base, "", (), note=NO_NEWER.format(tag=base.tag))
    reference = base.reference.rpartition("@")[2] if base.pinned else base.tag
    current_digest, current, current_size = _scanned(
        run, state, registry, name, reference, platform=platform
    )
    scanned: list[tuple[str, str, PlatformScan, int]] = []
    note = ""
    for tag in tags:
        if time.monotonic() > deadline:
            note = OUT_OF_TIME.format(budget=BUDGET, done=len(scanned), total=len(tags))
            break
        digest, scan, size = _scanned(run, state, registry, name, tag, platform=platform)
        scanned.append((tag, digest, scan, size))
    options = rank(
        base,
        final,
        current,
        scanned,
        current_size,
        run.plan.scan.severity,
        digest_pinned=base.pinned,
    )
    if not options and not note:
        note = "no newer tag on its track removes more than it adds"
    return Advice(base, current_digest, options, note)


def _listed(run: Run, image: ImageName) -> tuple[ImageName, RegistryClient, list[str]]:
    """The repository's tags from where the builder pulls it (the engine's mirrors first for
    Docker Hub), each registry given `RETRY_BUDGET` seconds: advice is not worth a wait."""
    engine = run.engine.result() if run.engine is not None else None
    failed: RegistryError | None = None
    for name, registry in pull_sources(run, image, engine, budget=RETRY_BUDGET):
        try:
            return name, registry, registry.tags(name.repository)
        except RegistryError as error:
            failed = error
    raise failed or RegistryError(f"no registry serves {image}")


def _scanned(
    run: Run,
    state: State,
    registry: RegistryClient,
    name: ImageName,
    reference: str,
    *,
    platform: str,
) -> tuple[str, PlatformScan, int]:
    """(index digest, the scan of its ``platform`` image, that image's compressed size)."""
    top = registry.get_manifest(name.repository, reference)
    digest = top.digest
    manifest_digest = digest
    if top.is_index:
        chosen = [p for p in platform_manifests(top.json()) if p.platform == platform]
        if not chosen:
            raise ValueError(f"{name}:{reference} has no {platform} image")
        manifest_digest = chosen[0].digest
        manifest = registry.get_manifest(name.repository, manifest_digest).json()
    else:
        manifest = top.json()
    size = sum(int(layer.get("size", 0)) for layer in manifest.get("layers") or [])
    outcome = scan_published(
        run, name, [(platform, manifest_digest)], known_db=state.db_updated_at, folder="advice"
    )
    return (digest if is_digest(digest) else "", outcome.scans[0], size)


def _suggest(run: Run, advice: Advice) -> None:
    """The best option as a review suggestion on the FROM line, once per base digest."""
    body = review_body(advice)
    path = _repository_path(run)
    if not body or not path or not advice.current_digest:
        return
    suggestion = Suggestion(body, review_marker(advice.current_digest), path, advice.base.line)
    post_suggestion(
        run.workflow,
        run.context,
        run.plan.report,
        suggestion,
        token=run.access.github_token,
        retrier=run.github,
    )


def _repository_path(run: Run) -> str:
    """The Dockerfile's path in the repository ("" when it is outside the workspace)."""
    try:
        return Path(run.plan.dockerfile).resolve().relative_to(run.workspace.resolve()).as_posix()
    except ValueError:
        return ""
