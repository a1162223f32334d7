"""``python -m slipway metadata``: tags, labels and annotations as outputs; nothing built.

The contract: from exactly the environment the action reads (``INPUT_*``,
``GITHUB_*``, the event payload, ``DOCKER_METADATA_*``, ``SOURCE_DATE_EPOCH``) it
computes metadata-action's outputs (``version``, ``tags``, ``tag-names``, ``labels``,
``annotations``, ``json``) and writes them as step outputs and, unless
``DOCKER_METADATA_SET_OUTPUT_ENV`` is false, as ``DOCKER_METADATA_OUTPUT_*``
variables. Bad input raises `InputError` (exit code 2, one clear message).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from slipway.core.context import Context, load_event, read_context
from slipway.github.client import Retrier
from slipway.github.facts import RepositoryFacts, facts_for_metadata
from slipway.meta.config import MetadataConfig, read_metadata_config
from slipway.meta.engine import Metadata, compute_metadata
from slipway.runner.workflow import Workflow
from slipway.stages.report import write_outputs


def context_and_facts(
    env: Mapping[str, str], config: MetadataConfig, retrier: Retrier | None = None
) -> tuple[Context, RepositoryFacts]:
    """The front half of metadata, for both commands: the GitHub context, and what the API
    says about the repository when the tags need it (one retry budget: ``retrier``)."""
    context = read_context(env, load_event(env.get("GITHUB_EVENT_PATH", "")))
    return context, facts_for_metadata(context, config, config.github_token, retrier)


def resolve_metadata(
    env: Mapping[str, str], now: datetime
) -> tuple[MetadataConfig, Context, Metadata, tuple[str, ...]]:
    """Read config and context, query GitHub, compute; return them and the API warnings."""
    config = read_metadata_config(env)
    context, facts = context_and_facts(env, config)
    metadata = compute_metadata(
        config,
        context,
        env=env,
        now=now,
        repo=facts.repo,
        released_tags=facts.released_tags,
        commit_date=facts.commit_date,
    )
    return config, context, metadata, facts.warnings


def run_metadata(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Compute and write the metadata outputs only."""
    config, _, metadata, api_warnings = resolve_metadata(env, now)
    for warning in (*api_warnings, *metadata.warnings):
        workflow.warning(warning)
    with workflow.group("Docker metadata"):
        workflow.info(f"version: {metadata.version}")
        for tag in metadata.tags:
            workflow.info(f"tag: {tag}")
    write_outputs(workflow, config, metadata)
