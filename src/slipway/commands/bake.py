"""Several images in one step (issue 28): the targets of a Bake definition, each through the
single-image pipeline, and the tags moved only when every target passed.

``docker buildx bake --print`` resolves the definition (files, targets, ``--set``); each
target becomes the inputs of one image's run (`slipway.buildx.bake.target_inputs`), and every
target's inputs and files are checked before the first build. Then, target by target, the
usual run (build, push by digest, scan, gate, attach, sign, report) with its tag step held
back (`Plan.hold_tags`). Only when every target passed are every target's tags moved, in one
shielded pass that puts back what it wrote if a write fails (`stages.tag.apply_tag_sets`).
A target whose build fails stops the run: later targets are not built, nothing is tagged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from slipway.buildx import bake
from slipway.buildx.bake import BakeTarget
from slipway.commands import run as pipeline
from slipway.errors import GateFailed, InputError, RegistryError, SlipwayError
from slipway.inputs import image_names
from slipway.inputs.declared import check_declared
from slipway.inputs.reader import input_env_name, split_list
from slipway.inputs.spec import SPECS
from slipway.oci.refs import ImageName
from slipway.report.bake_section import BakeRow, bake_summary, target_heading
from slipway.runner import validation
from slipway.runner.workflow import Workflow
from slipway.stages.registries import client
from slipway.stages.tag import TagRepository, TagSet, apply_tag_sets
from slipway.tools.run import Runner, child_environment

SINGLE_ONLY = ("context",)  # declared relations cover the rest (slipway.inputs.spec.bake)
NO_IMAGE = (
    "Give the target the repositories it publishes to in the bake file "
    '(`tags = ["ghcr.io/acme/api"]`), or `images` for the one target without `tags`.'
)


def wanted(env: Mapping[str, str]) -> bool:
    """Whether this step builds a Bake definition."""
    return bool(env.get(input_env_name(bake.FILES), "").strip())


def step_inputs(env: Mapping[str, str]) -> dict[str, str]:
    """The step's inputs by name (the ones given)."""
    return {name: env[input_env_name(name)] for name in SPECS if input_env_name(name) in env}


def images_of(
    targets: Sequence[BakeTarget], fallback: tuple[ImageName, ...]
) -> list[tuple[ImageName, ...]]:
    """Each target's repositories: its bake ``tags``, else (one target at most) `images`."""
    untagged = [t.name for t in targets if not t.images]
    if len(untagged) > 1 and fallback:
        raise InputError(
            "images",
            f"targets {untagged[0]!r} and {untagged[1]!r} have no `tags` "
            "in the bake file, and would both publish to `images`",
            NO_IMAGE,
        )
    found = [t.images or fallback for t in targets]
    for target, images in zip(targets, found, strict=True):
        if not images:
            raise InputError(bake.FILES, f"target {target.name!r} names no image", NO_IMAGE)
        for other, theirs in zip(targets, found, strict=True):
            if other is not target and set(images) & set(theirs):
                raise InputError(
                    "images",
                    f"targets {target.name!r} and {other.name!r} would "
                    "publish to the same repository",
                    NO_IMAGE,
                )
    return found


def read_definition(env: Mapping[str, str], workflow: Workflow) -> tuple[BakeTarget, ...]:
    """The definition as buildx resolves it (nothing is built)."""
    check_declared(env)  # every value and combination first, as a single build's run does
    for name in SINGLE_ONLY:
        if env.get(input_env_name(name), "").strip():
            raise InputError(
                name,
                "belongs to one build; with bake-files each target's comes "
                "from the bake definition",
                "Set `context` in the bake file's target.",
            )
    step = step_inputs(env)
    files = split_list(step.get(bake.FILES, ""))
    allowed = validation.folders(env.get("GITHUB_WORKSPACE", ""), env.get("RUNNER_TEMP", ""))
    for name in files:
        found = validation.inside(bake.FILES, name, allowed)
        if validation.what_is(found) != "file":
            raise InputError(
                bake.FILES, f"{name[:80]!r} is not a file there", validation.RELATIVE_HINT
            )
    targets = split_list(step.get(bake.TARGETS, ""))
    sets = [s.strip() for s in step.get(bake.SET, "").splitlines() if s.strip()]
    runner = Runner(workflow, child_environment(env))
    result = runner.run(bake.print_argv(files, targets, sets))
    if result.returncode != 0:
        raise InputError(
            bake.FILES,
            "buildx could not read the bake definition: "
            + (result.stderr.strip().splitlines() or ["(no message)"])[-1][:300],
            bake.HINT,
        )
    return bake.parse_definition(result.stdout)


def target_envs(env: Mapping[str, str], targets: Sequence[BakeTarget]) -> list[dict[str, str]]:
    """Each target's environment: the step's, with the target's inputs in place of its own."""
    step = step_inputs(env)
    images = images_of(targets, image_names(step.get("images", "")))
    rest = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    return [
        {**rest, **{input_env_name(k): v for k, v in bake.target_inputs(t, step, found).items()}}
        for t, found in zip(targets, images, strict=True)
    ]


def checked(
    env: Mapping[str, str], workflow: Workflow
) -> tuple[tuple[BakeTarget, ...], list[dict[str, str]]]:
    """The definition's targets and each one's environment, every input of every target
    checked: every refusal before the first build."""
    targets = read_definition(env, workflow)
    envs = target_envs(env, targets)
    for target_env in envs:
        pipeline.checked_inputs(target_env)
    return targets, envs


def run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Build, push, scan and gate every target; tag all of them or none."""
    targets, envs = checked(env, workflow)
    with tempfile.TemporaryDirectory(prefix="slipway-bake-") as tmp:
        done: list[pipeline.ImageRun] = []
        for number, (target, target_env) in enumerate(zip(targets, envs, strict=True)):
            workflow.info(f"bake target {target.name} ({number + 1} of {len(targets)})")
            workflow.append_summary(target_heading(target.name))
            work = Path(tmp) / str(number)
            work.mkdir()
            done.append(pipeline.run_image(target_env, workflow, now, work, hold_tags=True))
        tagged, tag_error = _tag_all(done)
    rows = [
        BakeRow(
            t.name,
            tuple(map(str, d.run.plan.images)),
            d.state.digest,
            not d.state.failures,
            d.state.failures,
        )
        for t, d in zip(targets, done, strict=True)
    ]
    workflow.append_summary(bake_summary(rows, tagged, tag_error.message if tag_error else ""))
    _outputs(workflow, rows, done, tagged)
    _finish(rows, done, tag_error)


def _tag_all(done: Sequence[pipeline.ImageRun]) -> tuple[list[str], RegistryError | None]:
    """Every target's tags, all or none, when every target passed and pushed."""
    if any(d.state.failures for d in done) or not all(d.run.plan.push for d in done):
        return [], None
    sets = [
        TagSet(
            [TagRepository(i, client(d.run, i)) for i in d.run.plan.images],
            d.run.plan.tags,
            d.state.index,
        )
        for d in done
        if d.state.index is not None
    ]
    try:
        apply_tag_sets(sets)
    except RegistryError as error:
        return [], error
    refs = [ref for d in done for ref in d.run.plan.refs]
    for d in done:
        d.state.tagged.extend(d.run.plan.refs)
    return refs, None


def _outputs(
    workflow: Workflow,
    rows: Sequence[BakeRow],
    done: Sequence[pipeline.ImageRun],
    tagged: Sequence[str],
) -> None:
    """`bake-result`, and the single-image outputs that must cover every target (written
    after the targets' own, so these are the step's)."""
    results = [
        (row.name, row.images, row.digest, row.passed, d.state.tagged)
        for row, d in zip(rows, done, strict=True)
    ]
    workflow.set_output("bake-result", bake.result_json(results))
    scanned = any(d.state.scans for d in done)
    failed = any(not row.passed for row in rows)
    workflow.set_output("scan-result", "failed" if failed else ("passed" if scanned else "skipped"))
    for name, empty in (
        ("digest", ""),
        ("imageid", ""),
        ("platform-digests", "{}"),
        ("metadata", "{}"),
    ):
        workflow.set_output(name, empty)  # one digest cannot name several images
    workflow.set_output("tags", "\n".join(ref for d in done for ref in d.run.plan.refs))
    workflow.set_output("signed", "true" if all(d.state.signed for d in done) else "false")
    commands = [c for d in done for entry in d.state.signed for c in entry.commands]
    workflow.set_output("verify-commands", "\n".join(commands))


def _finish(
    rows: Sequence[BakeRow], done: Sequence[pipeline.ImageRun], tag_error: SlipwayError | None
) -> None:
    """The exit status: a tag error, then the gate (naming the targets), then a comment error."""
    if tag_error is not None:
        raise tag_error
    failed = [row for row in rows if not row.passed]
    if failed:
        raise GateFailed(
            "; ".join(f"bake target {row.name!r}: " + "; ".join(row.failures) for row in failed),
            "No tag was created or moved for any target. Fix the findings or raise `fail-on`.",
        )
    for d in done:
        if d.state.comment_error is not None:
            raise d.state.comment_error


def dry_run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Each target's plan (nothing is built)."""
    targets = read_definition(env, workflow)
    for target, target_env in zip(targets, target_envs(env, targets), strict=True):
        workflow.info(f"bake target {target.name}:")
        pipeline.dry_run(target_env, workflow, now)
