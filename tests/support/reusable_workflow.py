"""The reusable workflow's interface, derived from the action's (pure).

Every input of action.yml is an input of `.github/workflows/build.yml` under the same name
and default, or a secret when it can hold one (the declaration's ``sensitive``), unless the
workflow sets it itself (the split build's ``push-by-digest`` / ``merge-digests``) or it
cannot work there (`NOT_OFFERED`). Every output of the action is an output of the workflow.
`render` writes the workflow's generated blocks (between ``# >>> generated: NAME`` and
``# <<< generated: NAME`` lines) from action.yml; ``scripts/reusable-workflow`` runs it and
tests/unit/test_reusable_workflow.py keeps the file equal to what it writes.

A caller's ``with:`` values cannot read ``secrets`` (the contexts GitHub allows in
``jobs.<job_id>.with`` are github, needs, strategy, matrix, inputs and vars: docs.github.com
"Contexts reference", context availability; actionlint refuses the rest), so an input that
may carry a credential needs a secret of the workflow to carry it: an input that is a
credential as a whole is only a secret (`SECRET_ONLY`); one where a credential can sit inside
an entry (a token in a Git URL, an S3 key in a cache entry) is both an input and a secret of
the same name, and the action gets the two joined (`dual_inputs`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from slipway.inputs.spec import SPECS, Kind, Section

BUILD, MERGE = "build", "merge"
JOBS = (BUILD, MERGE)
STEP_OUTPUTS = {BUILD: "steps.part.outputs", MERGE: "steps.slipway.outputs"}

# Inputs a credential is as a whole: secrets of the workflow only, under these names (the
# action's `secrets` would read as `secrets.secrets`, so its secret is `build-secrets`).
SECRET_ONLY: dict[str, str] = {
    "password": "password",
    "github-token": "github-token",
    "registry-auth": "registry-auth",
    "secrets": "build-secrets",
    "sign-key": "sign-key",
    "sign-key-password": "sign-key-password",
}

# Set by the workflow itself, so not inputs of it.
WORKFLOW_SETS: dict[str, str] = {
    "push-by-digest": "each build job pushes its platform as an untagged part (with `push`)",
    "merge-digests": "the merge job makes one index of the parts the build jobs pushed",
}

# Action inputs that cannot work in the reusable workflow, and why.
NOT_OFFERED: dict[str, str] = {
    "secret-envs": "it names variables of the step's environment, and the workflow's steps have "
    "none of the caller's: give the values as the `build-secrets` secret",
    **dict.fromkeys(
        ("bake-files", "bake-targets", "bake-set"),
        "the workflow builds one image split over a job per platform; for a bake "
        "definition's images use the action (one step, tagged all or none)",
    ),
}

# The workflow's own defaults (and words) where they differ from the action's.
OWN_INPUTS: dict[str, tuple[str | bool, str]] = {
    "platforms": (
        "linux/amd64,linux/arm64",
        "Target platforms, comma separated: one build job each (on its runner from `runners`).",
    ),
    "push": (
        True,
        (
            "Push the image (tags only after the scan gate); false builds and scans each "
            "platform and pushes nothing."
        ),
    ),
    "username": ("", "Registry user name (default the actor when the password secret is set)."),
}

# The build inputs a merge job reads too (the Dockerfile's checks, the cache service); the
# other build inputs only decide a build, and a merge job builds nothing.
MERGE_READS: frozenset[str] = frozenset({"context", "file", "target", "push", "cache"})

# What a job's step gets where it is not `${{ inputs.NAME }}`: (value, why).
JOB_VALUES: dict[tuple[str, str], tuple[str, str]] = {
    (BUILD, "platforms"): ("${{ matrix.platform }}", "this job's platform"),
    (BUILD, "push-by-digest"): (
        "${{ inputs.push }}",
        "a part for the merge job; without push, a whole run of this platform",
    ),
    (MERGE, "merge-digests"): ("${{ steps.parts.outputs.digests }}", "the build jobs' parts"),
}
for _job in JOBS:
    JOB_VALUES[_job, "username"] = (
        "${{ secrets.password && (inputs.username || github.actor) || '' }}",
        "the actor when only the password secret is given",
    )
    JOB_VALUES[_job, "github-token"] = (
        "${{ secrets.github-token || github.token }}",
        "the action's default when not given",
    )

# Outputs every build job computes alike: the metadata, and the gate's verdict (each job gates
# its own platform, and a failing one fails the run). With push false they come from a build
# job; the others would describe one platform's image, or files on that job's runner, so they
# come from the merge job alone (GitHub keeps one value per output of a matrix job).
ALIKE_IN_BUILD_JOBS: frozenset[str] = frozenset(
    {"version", "tag-names", "annotations", "json", "tags", "labels", "scan-result"}
)
MERGE_ONLY_NOTE = " Empty with push false."

START = "# >>> generated: {name}"
END = "# <<< generated: {name}"


@dataclass(frozen=True)
class Action:
    """What action.yml declares: inputs and outputs with their descriptions."""

    inputs: Mapping[str, Mapping[str, Any]]
    outputs: Mapping[str, Mapping[str, Any]]


def read_action(text: str) -> Action:
    """action.yml's text -> `Action`."""
    data = yaml.safe_load(text)
    return Action(inputs=data["inputs"], outputs=data["outputs"])


def dual_inputs(action: Action) -> list[str]:
    """Inputs that may hold a credential inside an entry: an input and a secret both."""
    return [
        name
        for name in action.inputs
        if SPECS[name].sensitive and name not in SECRET_ONLY and name not in NOT_OFFERED
    ]


def workflow_inputs(action: Action) -> list[str]:
    """The action inputs that are inputs of the workflow, in action.yml's order."""
    skip = SECRET_ONLY.keys() | WORKFLOW_SETS.keys() | NOT_OFFERED.keys()
    return [name for name in action.inputs if name not in skip]


def workflow_secrets(action: Action) -> dict[str, str]:
    """Secret name -> the action input it feeds."""
    found = {SECRET_ONLY[name]: name for name in action.inputs if name in SECRET_ONLY}
    found.update({name: name for name in dual_inputs(action)})
    return found


def passes(job: str, name: str) -> bool:
    """Whether ``job``'s Slipway step gets input ``name``. A build job gets every input (with
    push it reads the build's; without push it is a whole run of its platform); the merge job
    all but the build's own (`MERGE_READS`)."""
    if name in NOT_OFFERED:
        return False
    if name == "merge-digests":
        return job == MERGE
    if name in ("push-by-digest", "platforms"):  # a part of one platform; the merge has all
        return job == BUILD
    return job == BUILD or SPECS[name].section is not Section.BUILD or name in MERGE_READS


def step_value(job: str, name: str, action: Action) -> tuple[str, str]:
    """(the value ``job``'s step gives input ``name``, a comment on it or "")."""
    if (job, name) in JOB_VALUES:
        return JOB_VALUES[job, name]
    if name in SECRET_ONLY:
        return f"${{{{ secrets.{SECRET_ONLY[name]} }}}}", ""
    if name in dual_inputs(action):
        if SPECS[name].kind.single:
            return f"${{{{ secrets.{name} || inputs.{name} }}}}", "the secret when given"
        joined = f"|-\n  ${{{{ inputs.{name} }}}}\n  ${{{{ secrets.{name} }}}}"
        return joined, "the input's entries, then the secret's"
    return f"${{{{ inputs.{name} }}}}", ""


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when YAML reads it back unchanged, else quoted."""
    plain = (
        value
        and value == value.strip()
        and not re.search(r": | #|^[-?:,\[\]{}#&*!|>'\"%@`]", value)
        and yaml.safe_load(value) == value
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


def _credential(name: str) -> str:
    """How an input of `dual_inputs` holds a credential, in a description's words."""
    if SPECS[name].kind.single:
        return "A value that holds a credential"
    return "Entries that hold a credential"


def _description(spec: Mapping[str, Any]) -> str:
    return " ".join(str(spec.get("description", "")).split())


def render_inputs(action: Action) -> list[str]:
    """The workflow_call ``inputs:`` entries of the action's inputs."""
    lines: list[str] = []
    duals = dual_inputs(action)
    for name in workflow_inputs(action):
        spec = action.inputs[name]
        default: str | bool = str(spec.get("default", ""))
        text = _description(spec)
        if name in OWN_INPUTS:
            default, text = OWN_INPUTS[name]
        if name in duals:
            text += f" {_credential(name)}: the secret `{name}`."
        boolean = SPECS[name].kind is Kind.BOOLEAN
        lines += [f"{name}:", f"  description: {_scalar(text)}"]
        lines.append(f"  type: {'boolean' if boolean else 'string'}")
        if spec.get("required"):
            lines.append("  required: true")
        elif boolean:
            lines.append(f"  default: {str(default in (True, 'true')).lower()}")
        else:
            lines.append(f"  default: {_scalar(str(default))}")
    return lines


def render_secrets(action: Action) -> list[str]:
    """The workflow_call ``secrets:`` entries."""
    lines: list[str] = []
    for secret, name in workflow_secrets(action).items():
        text = _description(action.inputs[name])
        if secret != name:
            text = f"The action's `{name}`: {text}"
        if name in dual_inputs(action):
            text = f"{_credential(name)}, instead of the input `{name}`. {text}"
            if not SPECS[name].kind.single:
                text = text.replace("instead of", "after the entries of")
        lines += [f"{secret}:", f"  description: {_scalar(text)}", "  required: false"]
    return lines


def render_outputs(action: Action) -> list[str]:
    """The workflow_call ``outputs:``: the merge job's, or without push a build job's where
    every build job has the same (`ALIKE_IN_BUILD_JOBS`)."""
    lines: list[str] = []
    for name, spec in action.outputs.items():
        text = _description(spec)
        if name in ALIKE_IN_BUILD_JOBS:
            value = (
                f"${{{{ inputs.push && jobs.merge.outputs.{name} || "
                f"!inputs.push && jobs.build.outputs.{name} || '' }}}}"
            )
        else:
            value, text = f"${{{{ jobs.merge.outputs.{name} }}}}", text + MERGE_ONLY_NOTE
        lines += [f"{name}:", f"  description: {_scalar(text)}", f"  value: {value}"]
    return lines


def render_job_outputs(job: str, action: Action) -> list[str]:
    """A job's ``outputs:``: its Slipway step's that the workflow's outputs read."""
    return [
        f"{name}: ${{{{ {STEP_OUTPUTS[job]}.{name} }}}}"
        for name in action.outputs
        if job == MERGE or name in ALIKE_IN_BUILD_JOBS
    ]


def render_with(job: str, action: Action) -> list[str]:
    """The ``with:`` of ``job``'s Slipway step, in action.yml's order."""
    lines: list[str] = []
    for name in action.inputs:
        if not passes(job, name):
            continue
        value, why = step_value(job, name, action)
        first, *rest = value.split("\n")
        lines.append(f"{name}: {first}" + (f"  # {why}" if why else ""))
        lines += rest
    return lines


def blocks(action: Action) -> dict[str, list[str]]:
    """Every generated block of the workflow, by name."""
    return {
        "inputs": render_inputs(action),
        "secrets": render_secrets(action),
        "outputs": render_outputs(action),
        "build-outputs": render_job_outputs(BUILD, action),
        "build-with": render_with(BUILD, action),
        "merge-outputs": render_job_outputs(MERGE, action),
        "merge-with": render_with(MERGE, action),
    }


def _replace(text: str, name: str, body: list[str]) -> str:
    lines = text.split("\n")
    start = [i for i, line in enumerate(lines) if line.strip().startswith(START.format(name=name))]
    end = [i for i, line in enumerate(lines) if line.strip() == END.format(name=name)]
    if len(start) != 1 or len(end) != 1 or end[0] < start[0]:
        raise ValueError(
            f"the workflow needs one '{START.format(name=name)}' line and one "
            f"'{END.format(name=name)}' line after it, around the block it generates"
        )
    indent = lines[start[0]][: len(lines[start[0]]) - len(lines[start[0]].lstrip())]
    new = [lines[start[0]], *(f"{indent}{line}" if line else "" for line in body)]
    return "\n".join([*lines[: start[0]], *new, *lines[end[0] :]])


def render(workflow: str, action: Action) -> str:
    """The workflow's text with every generated block written from ``action``."""
    for name, body in blocks(action).items():
        workflow = _replace(workflow, name, body)
    return workflow


def with_names(workflow: Mapping[str, Any], job: str) -> Iterator[str]:
    """The inputs ``job``'s Slipway step passes, read from the parsed workflow."""
    for step in workflow["jobs"][job]["steps"]:
        if str(step.get("uses", "")).startswith("slipway/slipway@"):
            yield from step.get("with", {})
