"""``python -m slipway metadata``: tags, labels and version as outputs; nothing built."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from slipway.context import load_event, read_context
from slipway.inputs import read_inputs
from slipway.plan import make_plan
from slipway.workflow import Workflow


def run_metadata(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Compute and write the metadata outputs only."""
    inputs = read_inputs(env)
    context = read_context(env, load_event(env.get("GITHUB_EVENT_PATH", "")))
    plan = make_plan(inputs, context, env=env, now=now)
    workflow.set_output("version", plan.version)
    workflow.set_output("tags", "\n".join(plan.refs))
    workflow.set_output("tag-names", "\n".join(plan.tags))
    workflow.set_output("labels", "\n".join(f"{k}={v}" for k, v in plan.labels.items()))
    workflow.set_output("json", json.dumps({"tags": list(plan.refs), "labels": dict(plan.labels)}))
