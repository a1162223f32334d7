"""The merge stage of a split build: one index from the parts' digests, in every image
repository (the parts were pushed by digest by their own jobs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slipway.errors import InputError
from slipway.oci.attestations import detach, read_statements
from slipway.oci.index import MergeError, merge_index
from slipway.oci.manifest import platform_manifests
from slipway.stages.build import attestations_as_referrers, store_attestations
from slipway.stages.registries import client

if TYPE_CHECKING:
    from slipway.stages import Run, State


def merge(run: Run, state: State) -> None:
    """Create the index from ``merge-digests``; the state gets its digest and platforms."""
    plan = run.plan
    first = plan.images[0]
    sources = [client(run, first).get_manifest(first.repository, d) for d in plan.merge_digests]
    index_annotations = dict(
        entry.removeprefix("index:").split("=", 1)
        for entry in plan.annotations
        if entry.startswith("index:")
    )
    try:
        state.index = merge_index(sources, index_annotations)
    except MergeError as error:
        raise InputError("merge-digests", str(error)) from None
    if attestations_as_referrers(run):  # the parts' attestations, moved out of the index
        state.index, attached = detach(state.index)
        registry = client(run, first)
        state.detached = read_statements(
            attached,
            lambda digest: registry.get_manifest(first.repository, digest).body,
            lambda digest: registry.get_blob(first.repository, digest),
            str(first),
        )
        store_attestations(run, state.detached)
    state.digest = state.index.digest
    state.platform_digests = {m.platform: m.digest for m in platform_manifests(state.index.json())}
    for image in plan.images:
        client(run, image).put_manifest(image.repository, state.digest, state.index)
        run.workflow.info(
            f"merged {image.with_digest(state.digest)} ({', '.join(state.platform_digests)})"
        )
