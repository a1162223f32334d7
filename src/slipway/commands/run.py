"""One run: prepare, decide the steps (`slipway.core.steps`), carry them out, exit status.

read inputs + context -> plan -> logins -> what the cache service has -> the step list ->
each step's stage (`slipway.stages`) in order -> the exit status (a tag error, then the gate,
then a refused `always` comment). This module only prepares and loops; the order is decided
in `slipway.core.steps`, the work is done in the stages.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from slipway.buildx import gha_cache
from slipway.cache.config import ServiceConfig, service_config
from slipway.commands.metadata import context_and_facts
from slipway.core import plan_view
from slipway.core.context import Context
from slipway.core.plan import Plan, make_plan, with_cache_scopes
from slipway.core.signing import TOKEN_VARIABLES, Signing
from slipway.core.steps import Facts, Planned, Step, When, plan_steps
from slipway.dockerfile import Dockerfile
from slipway.errors import GateFailed
from slipway.github.client import Retrier
from slipway.inputs import Inputs, read_inputs
from slipway.runner import mounts, validation
from slipway.runner.mounts import Mount
from slipway.runner.workflow import Workflow
from slipway.stages import Run, State, cache, policy, registries, report, reuse, scan, size, tag
from slipway.stages.advice import advise
from slipway.stages.attach import attach
from slipway.stages.baseline import baseline
from slipway.stages.build import build, push, pushes_by_digest, wishes
from slipway.stages.gate import gate
from slipway.stages.merge import merge
from slipway.stages.sign import sign
from slipway.tools import builder, buildx, docker
from slipway.tools.builder import Builders
from slipway.tools.registry import RegistryClients
from slipway.tools.run import Runner, child_environment


@dataclass(frozen=True)
class ImageRun:
    """One image's finished run: what it was (``run``) and what its steps found (``state``)."""

    run: Run
    state: State


def run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Run the whole pipeline from the action's environment."""
    with tempfile.TemporaryDirectory(prefix="slipway-") as tmp:
        done = run_image(env, workflow, now, Path(tmp))
        finish(done.state)


def run_image(
    env: Mapping[str, str],
    workflow: Workflow,
    now: datetime,
    work: Path,
    *,
    hold_tags: bool = False,
) -> ImageRun:
    """One image's pipeline in ``work`` (its logins and files live there, so its registry
    clients work as long as it does); ``hold_tags``: one bake target, whose tags are moved
    by `slipway.commands.bake` once every target passed. Exits through `finish`, not here."""
    inputs, context, plan, github, own_mounts, parsed = _prepare(env, workflow, now)
    if hold_tags:
        plan = replace(plan, hold_tags=True)
    # Read once: the policy, the scan's and the size table's lines all come from this model
    # (none for one part of a split build, a merge, or a remote context).
    dockerfile = None if inputs.push_by_digest else parsed
    access = registries.access(inputs, env, workflow, work)
    config = docker.private_docker_config(env, work / "docker-config")
    clients = RegistryClients()  # the run's one client per registry, the login's too
    registries.login(access, config, clients)
    # Programs get what they need and no secret (build secrets go to buildx alone, by name).
    child_env = child_environment(env, (*inputs.secrets, inputs.github_token))
    if access.trust:  # Trivy (Go) reads its roots from there: the public ones and the CA
        child_env["SSL_CERT_FILE"] = access.trust.bundle
    runner = Runner(workflow, {**child_env, "DOCKER_CONFIG": str(config)})
    stages = Run(
        runner,
        access,
        plan,
        context,
        work,
        now,
        Builders(runner, work),
        dockerfile,
        github=github,
        mounts=own_mounts,
        engine=builder.engine_info(runner),
        registry_clients=clients,
        id_token_env=_id_token_env(env, plan),
    )
    state = State(cache_service=cache.open_service(stages, env))
    try:
        stages, facts = _decide(stages, state, env)
        steps = plan_steps(stages.plan, facts)
        workflow.debug("steps: " + ", ".join(map(str, steps)))
        report.clear_reports(stages)
        _execute(stages, state, steps)
    finally:
        if state.cache_service is not None:
            state.cache_service.close()
        stages.builders.close()
        _keep_builders(stages, env)
    return ImageRun(stages, state)


def _id_token_env(env: Mapping[str, str], plan: Plan) -> dict[str, str]:
    """What keyless signing asks GitHub's token service with (no program gets it)."""
    if plan.sign.how is not Signing.KEYLESS:
        return {}
    return {name: env[name] for name in TOKEN_VARIABLES if env.get(name)}


KEPT = (
    "kept the builder {name} for the next run on this machine, with its build cache (remove "
    "it with: docker rm -f buildx_buildkit_{name}0 && docker volume rm "
    "buildx_buildkit_{name}0_state)"
)


def _keep_builders(run: Run, env: Mapping[str, str]) -> None:
    """Builders are never removed: a GitHub-hosted machine is thrown away with the job (so
    nothing is said); elsewhere the next run finds them (so say how to remove them)."""
    if env.get("RUNNER_ENVIRONMENT") == "github-hosted":
        return
    for name in run.builders.containers:
        run.workflow.info(KEPT.format(name=name))


def _decide(run: Run, state: State, env: Mapping[str, str]) -> tuple[Run, Facts]:
    """What must be known before the step list: the builder (from the engine's answer), the
    default build cache it can take, and what the cache service kept (an identical build)."""
    choice = None
    if run.engine is not None and not run.plan.merge_digests:
        choice = builder.choose(run.runner, run.plan.build, run.engine.result(), wishes(run))
    service = state.cache_service
    if service is not None and choice is not None and choice.kind != "named":
        # A builder Slipway creates, or the engine's with the containerd store: both export.
        run = replace(run, plan=_default_cache(run.plan, service.config))
    run = replace(run, cache_env=_cache_service_env(env, run.plan, run.workflow))
    state.builder_pushes = pushes_by_digest(run) and choice is not None and choice.kind == "create"
    # Build records are kept in the cache service, or (a laptop) in the state folder; a job
    # without the service has no record to find: its runner temp is new.
    records = service is not None or env.get("GITHUB_ACTIONS") != "true"
    cache.restore(run, state, (lambda: reuse.compute_key(run)) if records else (lambda: ""))
    reused = state.restored.record is not None
    if not reused and run.plan.scan.enabled:  # a build makes new images: scans need the DB
        cache.start_unpacking_db(run, state)
    saves = run.plan.cache and (service is not None or bool(state.restored.build_key))
    return run, Facts(
        reused=reused,
        builder_pushes=state.builder_pushes,
        save=saves,
        dockerfile=run.dockerfile is not None,
    )


def _default_cache(plan: Plan, config: ServiceConfig) -> Plan:
    """The plan with the default ``type=gha`` build cache when it names none."""
    options = plan.build
    cache_from, cache_to = gha_cache.default_entries(
        options.cache_from, options.cache_to, can_read=config.can_read, can_write=config.can_write
    )
    build = replace(options, cache_from=cache_from, cache_to=cache_to)
    return replace(plan, build=with_cache_scopes(build, plan))


def dry_run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Print the plan (slipway.core.plan_view); build, push and scan nothing."""
    _, _, plan, _, _, _ = _prepare(env, workflow, now)
    config = service_config(env)[0] if plan.cache else None
    if config is not None and not plan.build.builder:  # as a run would, with its own builder
        plan = _default_cache(plan, config)
    argv = buildx.build_argv(plan, plan_view.METADATA_FILE, plan_view.LAYOUT_DIR)
    for line in plan_view.plan_lines(plan, argv):
        workflow.info(line)


def _prepare(
    env: Mapping[str, str], workflow: Workflow, now: datetime
) -> tuple[Inputs, Context, Plan, Retrier, tuple[Mount, ...], Dockerfile | None]:
    """Inputs (host paths moved onto our mounts, every file they name checked, the Dockerfile
    parsed, secrets masked), context and the plan: every check that needs no engine, no
    registry and no API comes before anything that does."""
    inputs, own_mounts, dockerfile = checked_inputs(env)
    for secret in inputs.secrets:
        workflow.mask(secret)
    for warning in inputs.warnings:  # secret-looking build args (and provenance lowered)
        workflow.warning(warning)
    github = Retrier()  # one retry budget for every GitHub API call of the run
    context, facts = context_and_facts(env, inputs.metadata, github)
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
    if plan.sign.not_signed:
        workflow.notice(plan.sign.not_signed)
    return inputs, context, plan, github, own_mounts, dockerfile


def checked_inputs(env: Mapping[str, str]) -> tuple[Inputs, tuple[Mount, ...], Dockerfile | None]:
    """The inputs read and checked, host paths moved onto our mounts, every file they name
    checked and the Dockerfile parsed: nothing started, no API asked."""
    inputs = read_inputs(env)
    own_mounts = docker.own_mounts(env)  # () outside a container
    if mounts.has_absolute_paths(inputs):  # host paths in inputs, seen from our container
        inputs = mounts.localize(inputs, own_mounts)
    return inputs, own_mounts, validation.check_files(inputs)


def _cache_service_env(env: Mapping[str, str], plan: Plan, workflow: Workflow) -> dict[str, str]:
    """type=gha: the runner's cache service, for buildx alone (slipway.buildx.gha_cache)."""
    entries = (*plan.build.cache_from, *plan.build.cache_to)
    if not any(gha_cache.is_gha(e) for e in entries):
        return {}
    found = gha_cache.service_env(env, plan.build.gha_token)
    if found.get(gha_cache.TOKEN):
        workflow.mask(found[gha_cache.TOKEN])
    return found


def _execute(run: Run, state: State, steps: Sequence[Planned]) -> None:
    """Carry out ``steps`` in order; a step that runs only when the gate passed is skipped
    when it failed."""
    try:
        for planned in steps:
            if planned.when is When.PASSED and state.failures:
                continue
            title = TITLES.get(planned.step)
            if title:
                with run.workflow.group(title):
                    STAGES[planned.step](run, state)
            else:
                STAGES[planned.step](run, state)
    finally:
        state.settle()


STAGES: Mapping[Step, Callable[[Run, State], None]] = {  # each step's stage
    Step.LINT: policy.start_lint,
    Step.PREFLIGHT: registries.preflight,
    Step.BUILD: build,
    Step.REUSE: reuse.reuse,
    Step.MERGE: merge,
    Step.PUSH: push,
    Step.SIZE: size.start,
    Step.SCAN: scan.scan,
    Step.BASELINE: baseline,
    Step.ADVICE: advise,
    Step.POLICY: policy.check,
    Step.GATE: gate,
    Step.ATTACH: attach,
    Step.SIGN: sign,
    Step.TAG: tag.tag,
    Step.REPORT: report.step,
    Step.SAVE: cache.save,
}
TITLES = {  # the log group each step's output goes in (the terminal shows these as stages)
    Step.PREFLIGHT: "Preflight",
    Step.BUILD: "Build",
    Step.MERGE: "Merge",
    Step.PUSH: "Push by digest",
    Step.SCAN: "Scan",
    Step.BASELINE: "Compare with the baseline",
    Step.ADVICE: "Base-image advice",
    Step.POLICY: "Dockerfile policy and image size",
    Step.REUSE: "Reuse an identical build",
    Step.ATTACH: "Attach the evidence",
    Step.SIGN: "Sign",
    Step.SAVE: "Save for the next job",
}


def finish(state: State) -> None:
    """The exit status: a tag error, then the gate, then a refused `always` comment."""
    if state.tag_error is not None:
        raise state.tag_error
    if state.failures:
        raise GateFailed(
            "; ".join(state.failures),
            "No tag was created or moved. Fix the findings or raise `fail-on`.",
        )
    if state.comment_error is not None:  # pr-comment: always
        raise state.comment_error
