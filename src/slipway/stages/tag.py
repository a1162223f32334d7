"""Apply every tag of every image to the scanned index, all or (as far as registries allow) none.

Tags are applied only after the gate passed. Before the first tag is written, every
repository must serve the index by digest and every tag's current target is recorded;
if a tag write then fails, the tags already written are put back where they were
(a moved tag to its old index; a new tag deleted where the registry allows it), and
the error says exactly what could not be undone. A cancelled job's signal is seen between
writes and puts back what was written the same way (`slipway.runner.cancel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slipway.errors import Cancelled, RegistryError
from slipway.oci.manifest import Manifest
from slipway.oci.refs import ImageName
from slipway.runner import cancel
from slipway.stages.registries import client
from slipway.tools.registry import RegistryClient

if TYPE_CHECKING:
    from slipway.stages import Run, State

TAG_FAILED = "tagging stopped at {ref}: {reason}"
UNDO_INCOMPLETE = "could not undo: {refs} (the registry refused to delete or restore them)"


@dataclass(frozen=True)
class TagRepository:
    """One repository to tag, with its client."""

    image: ImageName
    client: RegistryClient


@dataclass(frozen=True)
class TagSet:
    """Tags that name one index in some repositories (one image; one bake target)."""

    repositories: Sequence[TagRepository]
    tags: Sequence[str]
    index: Manifest


def apply_tags(targets: Sequence[TagRepository], tags: Sequence[str], index: Manifest) -> list[str]:
    """Point each ``image:tag`` at ``index``; returns the refs written, in order."""
    return apply_tag_sets([TagSet(targets, tags, index)])


def apply_tag_sets(sets: Sequence[TagSet]) -> list[str]:
    """Apply every set's tags, all or none: a failed write puts back what every set wrote
    (a bake run's second image failing puts the first's tags back). Returns the refs written."""
    previous: dict[str, Manifest | None] = {}
    for group in sets:  # verify everything before the first write
        for target in group.repositories:
            target.client.get_manifest(target.image.repository, group.index.digest)
            for tag in group.tags:
                previous[target.image.with_tag(tag)] = target.client.find_manifest(
                    target.image.repository, tag
                )
    written: list[tuple[TagRepository, str]] = []
    # A cancelled job's signal does not cut a write short: it is seen between writes (and in
    # a write's retry waits, when nothing was written), and what was written is put back.
    with cancel.shielded():
        for group in sets:
            for target in group.repositories:
                for tag in group.tags:
                    ref = target.image.with_tag(tag)
                    old = previous[ref]
                    if old is not None and old.digest == group.index.digest:
                        continue  # already there (a re-run)
                    try:
                        cancel.check()
                        target.client.put_manifest(target.image.repository, tag, group.index)
                    except RegistryError as error:
                        raise _rolled_back(error, ref, written, previous) from None
                    except Cancelled as cancelled:
                        raise _cancelled(cancelled, written, previous) from None
                    written.append((target, tag))
    return [target.image.with_tag(tag) for target, tag in written]


def _cancelled(
    cancelled: Cancelled,
    written: list[tuple[TagRepository, str]],
    previous: dict[str, Manifest | None],
) -> Cancelled:
    undone = _undo(written, previous)
    detail = f"tagging stopped; {undone}" if undone else "tagging stopped before any tag moved"
    return Cancelled(cancelled.signal_name, detail)


def _undo(written: list[tuple[TagRepository, str]], previous: dict[str, Manifest | None]) -> str:
    """Put back what was written; what a message says of it ("" when nothing was written)."""
    stuck = _put_back(written, previous)
    if stuck:
        return UNDO_INCOMPLETE.format(refs=", ".join(stuck))
    return f"the {len(written)} tag(s) already written were put back" if written else ""


def _put_back(
    written: list[tuple[TagRepository, str]], previous: dict[str, Manifest | None]
) -> list[str]:
    """Put each written tag back where it was (a new one deleted); the refs that could not be."""
    stuck: list[str] = []
    with cancel.ignored():
        for target, tag in reversed(written):
            old = previous[target.image.with_tag(tag)]
            try:
                if old is not None:
                    target.client.put_manifest(target.image.repository, tag, old)
                elif not target.client.delete_tag(target.image.repository, tag):
                    stuck.append(target.image.with_tag(tag))
            except RegistryError:
                stuck.append(target.image.with_tag(tag))
    return stuck


def _rolled_back(
    error: RegistryError,
    ref: str,
    written: list[tuple[TagRepository, str]],
    previous: dict[str, Manifest | None],
) -> RegistryError:
    undone = _undo(written, previous)
    message = TAG_FAILED.format(ref=ref, reason=error.message)
    if undone:
        message += f"; {undone}"
    return RegistryError(
        message, error.hint or "Re-run the job: tagging is idempotent.", status=error.status
    )


def tag(run: Run, state: State) -> None:
    """Step TAG. Publish-then-scan (`tag-on-gate-failure`): a tag error fails at once;
    otherwise it is said after the report, which shows what was found."""
    if run.plan.tag_on_gate_failure:
        move_tags(run, state)
        return
    try:
        move_tags(run, state)
    except RegistryError as error:
        state.tag_error = error


def move_tags(run: Run, state: State) -> None:
    """Point every tag of every image at the scanned index."""
    assert state.index is not None
    repositories = [TagRepository(image, client(run, image)) for image in run.plan.images]
    apply_tags(repositories, run.plan.tags, state.index)
    state.tagged.extend(run.plan.refs)
