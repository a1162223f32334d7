"""The build stage: a builder that can do what the plan asks, then one buildx build that either
pushes by digest itself (a builder this run made) or writes the run's OCI layout, from which
(with ``push``) every blob, manifest and index is pushed by digest.

Nothing is tagged here: tags are moved by `slipway.stages.tag` once the gate passed. With
`attestation-storage: referrers`, BuildKit's attestations leave the index before it is pushed
and follow as referrers of each platform's manifest (`slipway.oci.attestations`; a split
build's merge does the same): the index published, scanned, gated, tagged and output is the
one without them.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from slipway.buildx.builders import EngineFacts
from slipway.buildx.buildkitd import ConfigWishes
from slipway.errors import RegistryError
from slipway.inputs.build_syntax import buildkitd_config_text
from slipway.oci.attestations import TITLE, Detached, artifacts, detach, read_statements
from slipway.oci.manifest import Manifest, platform_manifests
from slipway.oci.refs import DOCKER_HUB, registry_of
from slipway.report.summary import BuildStats
from slipway.runner import paths
from slipway.runner.validation import read_text
from slipway.stages.registries import client
from slipway.tools import builder, buildx, oci_layout
from slipway.tools.oci_layout import Descriptor, Layout
from slipway.tools.registry import push_artifact

if TYPE_CHECKING:
    from slipway.stages import Run, State


def build(run: Run, state: State) -> None:
    """Build every platform; the state gets the digests, and the layout the build is in (None
    when the builder pushed it by digest itself). Nothing is tagged either way."""
    plan = run.plan
    layout = Layout(paths.layout_dir(run.runner.env))
    engine = run.engine.result() if run.engine is not None else EngineFacts()
    name = builder.set_up(
        run.runner, run.builders, plan.platforms, plan.build, wishes(run), engine=engine
    )
    started = time.monotonic()
    # A builder of its own (not the engine's) pushes by digest as it builds: no copy into
    # the layout and out again. Should its push fail, the layout route (Slipway's push,
    # with its retries) takes over, from the build cache.
    pushes = state.builder_pushes and run.builders.made(name)  # as the step list was planned
    built = _pushed_by_builder(run, name) if pushes else None
    fell_back = built is None and pushes
    if built is None:
        built = buildx.build(
            run.runner, plan, run.work, layout.root, builder=name, service_env=run.cache_env
        )
    state.build_stats = BuildStats(time.monotonic() - started, built.steps, built.cached)
    state.build_metadata = built.metadata
    if built.pushed:
        _read_pushed(run, built, state)
        state.built = True
        return
    top = buildx.built_top(layout, built)
    state.digest = top.digest
    state.layout = layout
    _read_layout(run, layout, top, state)
    if fell_back:  # the step list has no push: the builder was to push
        push(run, state)


def pushes_by_digest(run: Run) -> bool:
    """True when a builder Slipway creates may push the run's images itself: with `push`, and
    no image on an `insecure-registries` name (a services: alias, which the builder on the
    host network reaches only through a pull mirror). The engine's own builder and a
    `builder` of the user's (whose driver may not push by digest) never do, nor a run that
    stores the attestations as referrers: the builder would push them inside the index."""
    insecure = set(run.access.insecure_registries)
    return (
        run.plan.push
        and not attestations_as_referrers(run)
        and not any(image.registry in insecure for image in run.plan.images)
    )


def push(run: Run, state: State) -> None:
    """Push the layout's blobs, manifests and index by digest to every image; no tags. With
    `attestation-storage: referrers` the index pushed is the one without BuildKit's
    attestations, which follow as referrers of each platform's manifest: the state's index
    and digest are then that index's, for every step after."""
    layout, index = state.layout, state.index
    assert layout is not None, "push needs the build's OCI layout"
    assert index is not None
    published, attached = detach(index) if attestations_as_referrers(run) else (index, ())
    if attached:
        layout.write(published.body)
    top = Descriptor(published.media_type, published.digest, len(published.body))
    _push(run, layout, top)
    image = str(run.plan.images[0])
    state.detached = read_statements(attached, layout.read, layout.read, image)
    store_attestations(run, state.detached)
    state.index, state.digest = published, published.digest
    state.built = True
    # Keep the export store from growing without bound: blobs unused for a week go.
    layout.prune(top, older_than=oci_layout.LAYOUT_KEEP_SECONDS, now=run.now.timestamp())


def _pushed_by_builder(run: Run, name: str) -> buildx.BuildResult | None:
    """The build, pushed by digest by builder ``name``; None when only its push failed."""
    try:
        built = buildx.build(
            run.runner,
            run.plan,
            run.work,
            None,
            builder=name,
            service_env=run.cache_env,
            export="push",
        )
    except buildx.PushFailed as error:
        run.workflow.warning(
            f"the builder could not push the image ({error.message.splitlines()[-1][:200]}); "
            "pushing it from the OCI layout instead"
        )
        return None
    for image in run.plan.images:
        run.workflow.info(f"pushed {image.with_digest(built.digest)} (by the builder)")
    return replace(built, pushed=True)


def _read_pushed(run: Run, built: buildx.BuildResult, state: State) -> None:
    image = run.plan.images[0]
    state.digest = built.digest
    read_index(run, client(run, image).get_manifest(image.repository, built.digest), state)


def _read_layout(run: Run, layout: Layout, top: Descriptor, state: State) -> None:
    read_index(run, Manifest(top.digest, top.media_type, layout.read(top.digest)), state)


def read_index(run: Run, index: Manifest, state: State) -> None:
    """The build's index (or one manifest) and its platforms' digests into the state."""
    state.index = index
    if state.index.is_index:
        found = platform_manifests(state.index.json())
        state.platform_digests = {m.platform: m.digest for m in found}
    else:
        platforms = run.plan.platforms
        state.platform_digests = {str(platforms[0]) if platforms else "default": state.digest}


def _push(run: Run, layout: Layout, top: Descriptor) -> None:
    """Push blobs, then manifests, then the index, by digest, to every image; no tags."""
    uploads = layout.uploads(top)
    for image in run.plan.images:
        registry = client(run, image)
        sent = 0
        for upload in uploads:
            digest = upload.descriptor.digest
            if upload.is_manifest:
                manifest = Manifest(digest, upload.descriptor.media_type, layout.read(digest))
                registry.put_manifest(image.repository, digest, manifest)
            elif registry.push_blob(image.repository, digest, layout.path(digest)):
                sent += 1
        run.workflow.info(
            f"pushed {image.with_digest(uploads[-1].descriptor.digest)} ({sent} new blobs)"
        )


def wishes(run: Run) -> ConfigWishes:
    """The buildkitd.toml the run asks for: `insecure-registries`, the user's
    `buildkitd-config(-inline)`, `registry-ca` for every registry the run names (its images,
    its logins, the Dockerfile's FROM images)."""
    options, access = run.plan.build, run.access
    text = options.buildkitd_config_inline or (
        read_text("buildkitd-config", options.buildkitd_config) if options.buildkitd_config else ""
    )
    user = buildkitd_config_text("buildkitd-config", text) if text else {}
    hosts = [image.registry for image in run.plan.images]
    hosts += [credential.registry for credential in access.credentials]
    if run.dockerfile is not None:
        hosts += [registry_of(stage.base) for stage in run.dockerfile.stages]
    return ConfigWishes(
        access.insecure_registries,
        user,
        access.trust.ca if access.trust else "",
        tuple(dict.fromkeys(h for h in hosts if h != DOCKER_HUB)),
    )


REFUSED_HINT = (
    "Use `attestation-storage: index` (BuildKit's attestations inside the index) for a "
    "registry that takes no OCI 1.1 artifacts with a `subject`."
)


def attestations_as_referrers(run: Run) -> bool:
    """True when the run stores BuildKit's attestations as referrers."""
    return run.plan.build.attestation_storage == "referrers"


def store_attestations(run: Run, detached: tuple[Detached, ...]) -> None:
    """`attestation-storage: referrers`: push every statement BuildKit attached (moved out of
    the index by `detach`) to every image, as a referrer of its platform's manifest, before
    any step after the push, so before any tag moves. A registry that refuses them fails the
    push: the user asked for the provenance to be published with the image."""
    pieces = artifacts(detached)
    for image in run.plan.images if pieces else ():
        registry = client(run, image)
        for piece, payload in pieces:
            title = piece.annotations[TITLE]
            try:
                how = push_artifact(registry, image.repository, piece, payload, run.work)
            except RegistryError as error:
                raise RegistryError(
                    f"could not store {title} as a referrer of {image}@{piece.subject}: "
                    f"{error.message}",
                    REFUSED_HINT,
                    status=error.status,
                ) from None
            run.workflow.info(
                f"stored {title} as a referrer of {image}@{piece.subject}: {piece.digest} "
                f"(listed by the {how})"
            )
