"""The build stage: a builder that can do what the plan asks, one buildx build into the
run's OCI layout, then (with ``push``) every blob, manifest and index pushed by digest.

Nothing is tagged here: tags are moved by `slipway.stages.tag` once the gate passed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from slipway import paths
from slipway.builders import ConfigWishes
from slipway.inputs.build_checks import buildkitd_config_text
from slipway.oci import Manifest, platform_manifests
from slipway.refs import DOCKER_HUB, registry_of
from slipway.report.summary import BuildStats
from slipway.stages.files import read_text
from slipway.stages.registries import client
from slipway.tools import builder, buildx, oci_layout
from slipway.tools.oci_layout import Descriptor, Layout

if TYPE_CHECKING:
    from slipway.stages import Run, State


def build(run: Run, state: State) -> Layout:
    """Build every platform; the state gets the digests. Returns the layout it is in."""
    plan, workflow = run.plan, run.workflow
    layout = Layout(paths.layout_dir(run.runner.env))
    with workflow.group("Build"):
        name = builder.set_up(run.runner, run.builders, plan.platforms, plan.build, wishes(run))
        started = time.monotonic()
        built = buildx.build(
            run.runner, plan, run.work, layout.root, builder=name, service_env=run.cache_env
        )
        state.build_stats = BuildStats(time.monotonic() - started, built.steps, built.cached)
    top = buildx.built_top(layout, built)
    state.digest = top.digest
    state.build_metadata = built.metadata
    _read_layout(run, layout, top, state)
    if plan.push:
        with workflow.group("Push by digest"):
            _push(run, layout, top)
    # Keep the export store from growing without bound: blobs unused for a week go.
    layout.prune(top, older_than=oci_layout.LAYOUT_KEEP_SECONDS, now=run.now.timestamp())
    return layout


def _read_layout(run: Run, layout: Layout, top: Descriptor, state: State) -> None:
    state.index = Manifest(top.digest, top.media_type, layout.read(top.digest))
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
        registry = client(run.inputs, image)
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
    options, inputs = run.plan.build, run.inputs
    text = options.buildkitd_config_inline or (
        read_text("buildkitd-config", options.buildkitd_config) if options.buildkitd_config else ""
    )
    user = buildkitd_config_text("buildkitd-config", text) if text else {}
    hosts = [image.registry for image in run.plan.images]
    hosts += [credential.registry for credential in inputs.credentials]
    if run.dockerfile is not None:
        hosts += [registry_of(stage.base) for stage in run.dockerfile.stages]
    return ConfigWishes(
        inputs.insecure_registries,
        user,
        inputs.trust.ca if inputs.trust else "",
        tuple(dict.fromkeys(h for h in hosts if h != DOCKER_HUB)),
    )
