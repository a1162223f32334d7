"""Reusing an identical build: its key computed before anything is built, and the step that
takes the pushed index from the registry instead of building (`slipway.cache.build_key` says what
the key holds, `slipway.stages.cache` finds the record)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.buildx.builders import EngineFacts
from slipway.cache import build_key as keys
from slipway.errors import RegistryError, SlipwayError
from slipway.oci.refs import is_digest, parse_image_name, split_reference
from slipway.stages.build import read_index
from slipway.stages.policy import read_dockerfile
from slipway.stages.registries import client, pull_sources
from slipway.tools.context_digest import NoContextDigest, digest_context

if TYPE_CHECKING:
    from slipway.stages import Run, State

# Two checkouts of one commit differ in .git (index bytes, logs, times); the commit itself is
# in the key through the revision label and build arg.
LEAVE_OUT = frozenset({".git"})
RESOLVE_BUDGET = 2.0  # seconds of retries per image: a registry that does not answer means "build"
REUSED = (
    "reused {image}@{digest}: an earlier run built and pushed exactly this (build key "
    "{key}), so no builder and no build"
)
NOT_KEYED = "every build: {why}"


def compute_key(run: Run) -> str:
    """The build key of the run, or "" (said in the debug log) when it cannot be known."""
    why = keys.unkeyed(run.plan) or _key_or_why(run)
    if why and not why.startswith("sha256:"):
        run.workflow.debug(NOT_KEYED.format(why=why))
        return ""
    return why.removeprefix("sha256:")


def _key_or_why(run: Run) -> str:
    """``sha256:<key>``, or why there is none."""
    plan = run.plan
    path = Path(plan.dockerfile)
    try:
        text = path.read_text(encoding="utf-8")
        dockerfile = run.dockerfile or read_dockerfile(path, target=plan.build.target)
    except (OSError, UnicodeDecodeError, SlipwayError):
        return "the Dockerfile cannot be read"
    args = {**plan.build_args, **dict(plan.build.build_args)}
    pulled = keys.pulled_images(dockerfile, text, args)
    if pulled.unkeyed:
        return pulled.unkeyed
    context = digest_context(Path(plan.context), path, leave_out=LEAVE_OUT)
    if isinstance(context, NoContextDigest):
        return f"the context cannot be keyed ({context.reason})"
    named: dict[str, str] = {}
    images = list(pulled.images)
    for name, where in plan.build.build_contexts:
        if where.startswith("docker-image://"):
            images.append(where.removeprefix("docker-image://"))
            named[name] = where
            continue
        found = digest_context(Path(where), None)
        if isinstance(found, NoContextDigest):
            return f"the build context {name} cannot be keyed ({found.reason})"
        named[name] = found.sha256
    engine = run.engine.result() if run.engine is not None else EngineFacts()
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="slipway-resolve") as pool:
        digests = dict(
            zip(images, pool.map(lambda i: _resolve(run, i, engine), images), strict=True)
        )
    unresolved = [image for image, digest in digests.items() if not digest]
    if unresolved:
        return f"{unresolved[0]} could not be resolved to a digest"
    options = plan.build
    builder = [
        options.driver,
        options.buildkit_image,
        options.endpoint,
        *options.driver_opts,
        options.buildkitd_flags,
        options.buildkitd_config_inline,
        options.buildkitd_config,
    ]
    key = keys.build_key(
        plan,
        dockerfile_text=text,
        context_digest=context.sha256,
        named_contexts=named,
        resolved=digests,
        builder=builder,
    )
    return f"sha256:{key}"


def _resolve(run: Run, reference: str, engine: EngineFacts) -> str:
    """The digest ``reference`` names now ("" when no registry answers): a pinned digest as
    it is, Docker Hub through the engine's mirrors first, as the builder pulls."""
    name, tag, digest = split_reference(reference)
    if digest:
        return digest if is_digest(digest) else ""
    try:
        image = parse_image_name(name)
    except ValueError:
        return ""
    for _, registry in pull_sources(run, image, engine, budget=RESOLVE_BUDGET):
        try:
            found = registry.head_digest(image.repository, tag or "latest")
        except (RegistryError, OSError):
            continue
        if found is not None:
            return found
    return ""


def reuse(run: Run, state: State) -> None:
    """The index an identical build was pushed as, from the registry: no builder, no build."""
    record = state.restored.record
    assert record is not None, "reuse needs the record of an identical build"
    image = run.plan.images[0]
    index = client(run, image).get_manifest(image.repository, record.digest)
    state.digest = index.digest
    state.build_metadata = dict(record.metadata)
    read_index(run, index, state)
    for each in run.plan.images:
        run.workflow.info(REUSED.format(image=each, digest=record.digest, key=record.key[:16]))
