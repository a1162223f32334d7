"""One run: the stages in the order that never tags what fails the gate.

read inputs + context -> plan -> logins -> (preflight) -> build + push by digest, or
merge a split build's parts -> scan every platform -> policy and size -> SARIF -> gate
-> tag (only when it passes) -> summary, outputs, comment, check run -> exit status.
Each stage is in `slipway.stages`; this module only orders them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from slipway import gha_cache, mounts, plan_view
from slipway.alongside import Alongside
from slipway.context import Context, load_event, read_context
from slipway.errors import GateFailed, RegistryError, SlipwayError
from slipway.gate import gate_failures
from slipway.github.client import Retrier
from slipway.github.facts import facts_for_metadata
from slipway.inputs import Inputs, read_inputs
from slipway.mounts import Mount
from slipway.plan import Plan, make_plan
from slipway.stages import Run, State, policy, registries, report, scan, tag
from slipway.stages.attach import attach
from slipway.stages.build import build
from slipway.stages.files import check_files
from slipway.stages.merge import merge
from slipway.tools import buildx, docker, trust
from slipway.tools.builder import Builders
from slipway.tools.oci_layout import Layout
from slipway.tools.run import Runner, child_environment
from slipway.workflow import Workflow

BUILD_ARG_WARNING = (
    "build-arg {name} looks like a secret: build args stay in the image's layer history and "
    "provenance. Pass it with `secrets: {name}=...` and read it in a "
    "`RUN --mount=type=secret,id={name}` instead."
)


def run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Run the whole pipeline from the action's environment."""
    inputs, context, plan, github, own_mounts = _prepare(env, workflow, now)
    check_files(inputs, plan)
    # Read once: the policy, the scan's and the size table's lines all come from this model.
    dockerfile = (
        None
        if inputs.push_by_digest
        else policy.read_dockerfile(
            Path(plan.dockerfile), target=plan.build.target, display_path=plan.dockerfile
        )
    )
    with tempfile.TemporaryDirectory(prefix="slipway-") as tmp:
        work = Path(tmp)
        if inputs.registry_ca:
            inputs = replace(
                inputs, trust=trust.write_trust(trust.load_ca(inputs.registry_ca), work)
            )
        inputs = registries.buy_ecr_logins(inputs, env, workflow)
        config = docker.private_docker_config(env, work / "docker-config")
        registries.login(inputs, config)
        # Programs get what they need and no secret (build secrets go to buildx alone, by name).
        child_env = child_environment(env, (*inputs.secrets, inputs.github_token))
        if inputs.trust:  # Trivy (Go) reads its roots from there: the public ones and the CA
            child_env["SSL_CERT_FILE"] = inputs.trust.bundle
        runner = Runner(workflow, {**child_env, "DOCKER_CONFIG": str(config)})
        builders = Builders(runner, work)
        try:
            stages = Run(
                runner, inputs, plan, context, work, now, builders, dockerfile,
                cache_env=_cache_service_env(env, plan, workflow), github=github,
                mounts=own_mounts,
            )  # fmt: skip
            report.clear_reports(stages)
            _execute(stages, State())
        finally:
            builders.close()


def dry_run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Print the plan (slipway.plan_view); build, push and scan nothing."""
    inputs, _, plan, _, _ = _prepare(env, workflow, now)
    check_files(inputs, plan)
    argv = buildx.build_argv(plan, plan_view.METADATA_FILE, plan_view.LAYOUT_DIR)
    for line in plan_view.plan_lines(plan, argv):
        workflow.info(line)


def _prepare(
    env: Mapping[str, str], workflow: Workflow, now: datetime
) -> tuple[Inputs, Context, Plan, Retrier, tuple[Mount, ...]]:
    """Inputs (host paths moved onto our mounts, secrets masked), context and the plan."""
    inputs = read_inputs(env)
    own_mounts = docker.own_mounts(env)  # () outside a container
    if mounts.has_absolute_paths(inputs):  # host paths in inputs, seen from our container
        inputs = mounts.localize(inputs, own_mounts)
    for secret in inputs.secrets:
        workflow.mask(secret)
    for name in inputs.secret_build_args:
        workflow.warning(BUILD_ARG_WARNING.format(name=name))
    context = read_context(env, load_event(env.get("GITHUB_EVENT_PATH", "")))
    github = Retrier()  # one retry budget for every GitHub API call of the run
    facts = facts_for_metadata(context, inputs.metadata, inputs.github_token, github)
    plan = make_plan(
        inputs,
        context,
        env=env,
        now=now,
        repo=facts.repo,
        released_tags=facts.released_tags,
        commit_date=facts.commit_date,
    )
    for warning in (*facts.warnings, *plan.metadata.warnings):
        workflow.warning(warning)
    return inputs, context, plan, github, own_mounts


def _cache_service_env(env: Mapping[str, str], plan: Plan, workflow: Workflow) -> dict[str, str]:
    """type=gha: the runner's cache service, for buildx alone (slipway.gha_cache)."""
    entries = (*plan.build.cache_from, *plan.build.cache_to)
    if not any(gha_cache.is_gha(e) for e in entries):
        return {}
    found = gha_cache.service_env(env, plan.build.gha_token)
    if found.get(gha_cache.TOKEN):
        workflow.mask(found[gha_cache.TOKEN])
    return found


def _execute(run: Run, state: State) -> None:
    inputs, plan, workflow = run.inputs, run.plan, run.workflow
    dockerfile = run.dockerfile
    # The Dockerfile checks need only the Dockerfile: they run while the build does.
    lint = None
    if dockerfile is not None:
        lint = Alongside(
            run.runner,
            lambda quiet: policy.lint(quiet, inputs, plan, dockerfile, run.work),
        )
    if plan.push:
        with workflow.group("Preflight"):
            registries.preflight(run)
    layout: Layout | None = None
    if inputs.merge_digests:
        with workflow.group("Merge"):
            merge(run, state)
    else:
        layout = build(run, state)
    if inputs.push_by_digest or lint is None:  # one part of a split build: the merge job
        report.report(run, state, (), by_digest_only=True)  # scans and tags
        return
    # The size analysis streams the pushed layers from the registry: while Trivy scans.
    digest = state.digest
    sizing = (
        Alongside(run.runner, lambda _: policy.measure_size(run, digest, dockerfile))
        if plan.push
        else None
    )
    if plan.push and inputs.tag_on_gate_failure:  # opt-in: publish, then scan
        tag.tag(run, state)
    if plan.scan.enabled:
        with workflow.group("Scan"):
            scan.scan(run, state)
    with workflow.group("Dockerfile policy and image size"):
        size = sizing.result() if sizing is not None else None
        state.checks = policy.image_checks(run, state, layout, lint.result(), size)
    sarif = report.write_sarif(run, state)
    failures = gate_failures(plan.scan, state.scans) + state.checks.failures
    published = plan.push and (not failures or inputs.tag_on_gate_failure)
    if published and inputs.report.attach:  # before the tags: a tag shows its evidence at once
        with workflow.group("Attach the evidence"):
            attach(run, state)
    tag_error: SlipwayError | None = None
    if plan.push and not failures and not inputs.tag_on_gate_failure:
        try:
            tag.tag(run, state)
        except RegistryError as error:
            tag_error = error
    report.report(run, state, failures, sarif=sarif)
    _finish(state, failures, tag_error)


def _finish(state: State, failures: tuple[str, ...], tag_error: SlipwayError | None) -> None:
    """The exit status: a tag error, then the gate, then a refused `always` comment."""
    if tag_error is not None:
        raise tag_error
    if failures:
        raise GateFailed(
            "; ".join(failures), "No tag was created or moved. Fix the findings or raise `fail-on`."
        )
    if state.comment_error is not None:  # pr-comment: always
        raise state.comment_error
