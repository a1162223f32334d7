"""The reusable workflow (.github/workflows/build.yml) offers the action's whole interface:
every input as an input or a secret, passed to the jobs that read it, every output; the file
is what scripts/reusable-workflow writes, and the README's section says the same."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from slipway.inputs.spec import SPECS, Kind, Section
from tests.support.reusable_workflow import (
    ALIKE_IN_BUILD_JOBS,
    BUILD,
    JOBS,
    MERGE,
    NOT_OFFERED,
    OWN_INPUTS,
    SECRET_ONLY,
    WORKFLOW_SETS,
    Action,
    dual_inputs,
    passes,
    read_action,
    render,
    with_names,
    workflow_secrets,
)

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_PATH = ROOT / ".github" / "workflows" / "build.yml"
# Inputs of the workflow alone: the platform -> runner matrix.
WORKFLOW_ONLY = {"runners", "runner"}


@functools.cache
def action() -> Action:
    return read_action((ROOT / "action.yml").read_text(encoding="utf-8"))


@functools.cache
def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW_PATH.read_text(encoding="utf-8"))
    return data


@functools.cache
def call() -> dict[str, Any]:
    on: dict[str, Any] = workflow()[True]  # YAML 1.1 reads the key `on` as True
    return dict(on["workflow_call"])


def step_with(job: str) -> dict[str, str]:
    for step in workflow()["jobs"][job]["steps"]:
        if str(step.get("uses", "")).startswith("slipway/slipway@"):
            return {name: str(value) for name, value in step["with"].items()}
    raise AssertionError(f"no Slipway step in job {job}")


def test_the_workflow_is_what_the_script_writes() -> None:
    text = WORKFLOW_PATH.read_text(encoding="utf-8")
    assert render(text, action()) == text, "run scripts/reusable-workflow"


def test_a_missing_input_or_output_is_noticed() -> None:
    text = WORKFLOW_PATH.read_text(encoding="utf-8")
    full = action()
    for missing in ("scanners", "registry-ca", "password", "build-args"):
        fewer = Action({k: v for k, v in full.inputs.items() if k != missing}, full.outputs)
        assert render(text, fewer) != text, missing
    fewer = Action(full.inputs, {k: v for k, v in full.outputs.items() if k != "sarif-file"})
    assert render(text, fewer) != text
    with pytest.raises(ValueError, match="generated: secrets"):
        render(text.replace("# <<< generated: secrets", "#"), full)


def test_every_input_of_the_action_is_an_input_or_a_secret_of_the_workflow() -> None:
    inputs, secrets = set(call()["inputs"]), set(call()["secrets"])
    fed_by_secrets = set(workflow_secrets(action()).values())
    for name in action().inputs:
        if name in WORKFLOW_SETS or name in NOT_OFFERED:
            assert name not in inputs | secrets, name
        else:
            assert name in inputs or name in fed_by_secrets, f"{name} is not offered"
    assert inputs - set(action().inputs) == WORKFLOW_ONLY


def test_each_input_reaches_every_job_that_reads_it() -> None:
    for job in JOBS:
        passed = set(with_names(workflow(), job))
        wanted = {name for name in action().inputs if passes(job, name)}
        assert passed == wanted, job
    # Build jobs: all but the merge's own; the merge job: none of the build's settings.
    assert set(action().inputs) - set(step_with(BUILD)) == {"merge-digests", *NOT_OFFERED}
    merge = set(step_with(MERGE))
    assert {"push-by-digest", "platforms", "build-args", "cache-to", "driver"}.isdisjoint(merge)
    reads = {n for n in action().inputs if SPECS[n].section is not Section.BUILD} - set(NOT_OFFERED)
    assert reads <= merge  # registry, scan, policy, size and report inputs
    assert {"context", "file", "target", "cache", "merge-digests"} <= merge


def test_each_workflow_input_and_secret_is_used() -> None:
    values = yaml.safe_dump(workflow()["jobs"], width=1000)  # `platforms` feeds the matrix
    for name in set(call()["inputs"]) - WORKFLOW_ONLY:
        assert f"inputs.{name} " in values, name
    for name in call()["secrets"]:
        assert f"secrets.{name} " in values, name


def test_inputs_that_can_hold_a_secret_have_a_secret() -> None:
    # The declaration says which inputs can hold a secret (what the redaction tests plant).
    can_hold = {n for n in action().inputs if SPECS[n].sensitive} - set(NOT_OFFERED)
    assert set(workflow_secrets(action()).values()) == can_hold
    assert set(SECRET_ONLY) <= can_hold
    inputs = call()["inputs"]
    for name in SECRET_ONLY:
        assert name not in inputs, f"{name} is a secret: a `with:` value would show it"
    for name in dual_inputs(action()):  # a credential may sit inside an entry
        assert name in inputs, name
        assert name in call()["secrets"], name
    secret_kinds = {n for n in action().inputs if SPECS[n].kind in (Kind.SECRET, Kind.TOKEN)}
    assert secret_kinds - {"username"} <= set(SECRET_ONLY)


def test_a_secret_reaches_the_action_only_through_with() -> None:
    """Secrets go to the Slipway steps' `with:` (masked inputs), never into a run: script's
    environment or a job output."""
    for name, job in workflow()["jobs"].items():
        assert "secrets." not in yaml.safe_dump(job.get("outputs", {})), name
        for step in job.get("steps", []):
            if "run" in step:
                assert "secrets." not in yaml.safe_dump(step.get("env", {})), (name, step)


def test_defaults_are_the_actions() -> None:
    for name, spec in call()["inputs"].items():
        if name in WORKFLOW_ONLY:
            continue
        theirs = action().inputs[name]
        if name in OWN_INPUTS:
            assert spec["default"] == OWN_INPUTS[name][0], name
        elif theirs.get("required"):
            assert spec["required"] is True, name
            assert "default" not in spec, name
        elif SPECS[name].kind is Kind.BOOLEAN:
            assert spec["type"] == "boolean", name
            assert spec["default"] is (theirs["default"] == "true"), name
        else:
            assert spec["type"] == "string", name
            assert spec["default"] == str(theirs["default"]), name


def test_every_output_of_the_action_is_an_output_of_the_workflow() -> None:
    outputs = call()["outputs"]
    assert list(outputs) == list(action().outputs)
    merge, build = (workflow()["jobs"][job]["outputs"] for job in (MERGE, BUILD))
    assert set(outputs) >= ALIKE_IN_BUILD_JOBS
    assert set(build) == ALIKE_IN_BUILD_JOBS
    for name, spec in outputs.items():
        assert f"jobs.merge.outputs.{name} " in spec["value"], name
        assert merge[name] == f"${{{{ steps.slipway.outputs.{name} }}}}"
        if name in ALIKE_IN_BUILD_JOBS:  # with push false, a build job's
            assert f"jobs.build.outputs.{name} " in spec["value"], name
            assert build[name] == f"${{{{ steps.part.outputs.{name} }}}}"
        else:  # one platform's: nothing with push false
            assert "jobs.build" not in spec["value"], name
            assert "Empty with push false" in spec["description"], name


def readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Reusable workflow\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_names_every_difference_from_the_action() -> None:
    section = readme_section()
    named = set(re.findall(r"`([a-z][a-z0-9-]*)`", section))
    differences = {
        *WORKFLOW_ONLY,
        *WORKFLOW_SETS,
        *NOT_OFFERED,
        *OWN_INPUTS,
        *SECRET_ONLY,
        *workflow_secrets(action()),
        *dual_inputs(action()),
        *ALIKE_IN_BUILD_JOBS,  # the outputs given with push false
    }
    assert differences - named == set(), "say how the workflow takes these"
    assert "every input of the action" in section
    assert "every output of the action" in section
