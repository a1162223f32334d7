"""What one step of the action does: a Bake definition's targets (`slipway.commands.bake`,
with `bake-files`), else one image (`slipway.commands.run`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from slipway.commands import bake
from slipway.commands import run as pipeline
from slipway.runner import paths
from slipway.runner.workflow import Workflow


def run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """The whole pipeline, for every image the step builds, with the state folder to itself
    (`slipway.runner.paths.held`)."""
    with paths.held(env, lambda message: _checked_then_waiting(env, workflow, message)):
        (bake.run if bake.wanted(env) else pipeline.run)(env, workflow, now)


def _checked_then_waiting(env: Mapping[str, str], workflow: Workflow, message: str) -> None:
    """Another run has the state folder: the inputs are checked before this one waits for
    it, so a refusal comes at once (the run checks them again once it has the folder)."""
    if bake.wanted(env):
        bake.checked(env, workflow)
    else:
        pipeline.checked_inputs(env)
    workflow.info(message)


def dry_run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """The plan, for every image the step builds; nothing is built."""
    (bake.dry_run if bake.wanted(env) else pipeline.dry_run)(env, workflow, now)
