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
    """The whole pipeline, for every image the step builds, with the state folder to itself."""
    with paths.held(env, workflow.info):
        (bake.run if bake.wanted(env) else pipeline.run)(env, workflow, now)


def dry_run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """The plan, for every image the step builds; nothing is built."""
    (bake.dry_run if bake.wanted(env) else pipeline.dry_run)(env, workflow, now)
