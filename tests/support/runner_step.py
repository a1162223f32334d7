"""Pure: one container step as GitHub's runner lays it out, names it and starts it: the
runner's folders, the step's environment and its ``docker run`` command line.

The launcher (tests/support/launcher.py) carries these out; the spec is actions/runner (read
at 258d6c8, 2026-08-17):

* ``Handlers/ContainerActionHandler.cs``: the environment is built in layers, each later one
  winning: the step's ``env:`` (with the job's and the workflow's), the inputs as
  ``INPUT_<NAME>`` (``Handler.AddInputsToEnvironment``), ``HOME`` = ``<temp>/_github_home``,
  then the ``github`` and ``runner`` contexts' variables (``GitHubContext`` and
  ``RunnerContext.GetRuntimeEnvironmentVariables``: ``GITHUB_<KEY>`` for an allow-list of keys
  and ``RUNNER_<KEY>`` for every runner context key), then the ``ACTIONS_*`` runtime
  variables (tests/support/job_runtime.py). So a step's ``env:`` cannot change a
  ``GITHUB_*``, ``RUNNER_*``, ``HOME`` or ``ACTIONS_*`` value the runner sets.
* ``RUNNER_ENVIRONMENT`` is the runner context's ``environment``, which ``JobRunner.cs`` takes
  from the job message's ``system.runnerEnvironment`` variable: ``github-hosted`` or
  ``self-hosted``. A container action gets it like every ``RUNNER_*`` variable.
* ``GITHUB_ACTION``, ``GITHUB_ACTION_REPOSITORY`` and ``GITHUB_ACTION_REF`` are the step's
  own (tests/support/step_ids.py).
* Six mounts: the docker socket, runner temp, the home, ``_github_workflow`` (the event
  file), ``_runner_file_commands`` (GITHUB_OUTPUT and friends) and the workspace. Every
  variable's value goes through ``ContainerInfo.TranslateToContainerPath``: a value that
  *equals* a mounted host path, or starts with one plus ``/``, becomes the container path;
  nothing else is translated (``RUNNER_WORKSPACE``, the tool cache stay host paths). The last
  mapping added is tried first.
* ``Container/DockerCommandManager.cs`` (``DockerRun``): ``docker run --name … --label …
  --workdir /github/workspace --rm -e NAME …`` (values come from the client's environment,
  never argv), ``-e GITHUB_ACTIONS=true``, ``-e CI=true`` unless set, ``--entrypoint`` when
  the action's ``runs.entrypoint`` says, ``--network`` when the job has one, ``-v
  host:container`` per mount, the image, then the arguments.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.devenv import ROOT
from tests.support.job_runtime import Runtime
from tests.support.payloads import runner_env
from tests.support.step_ids import action_reference

SOCKET = "/var/run/docker.sock"
INSTANCE_LABEL = "slipway-test-runner"  # DockerInstanceLabel: a hash per runner, a label here
JOB_TOKEN = "ghs_launcherJobToken0000000000000000000"  # what ${{ github.token }} becomes
HOSTED_RUNNER_NAME = "GitHub Actions 1000000001"
SELF_HOSTED_RUNNER_NAME = "slipway-test-self-hosted"
FILE_COMMANDS = (
    ("GITHUB_OUTPUT", "set_output"),
    ("GITHUB_STEP_SUMMARY", "step_summary"),
    ("GITHUB_ENV", "set_env"),
    ("GITHUB_PATH", "add_path"),
    ("GITHUB_STATE", "save_state"),
)


def input_defaults(action_yml: Path = ROOT / "action.yml") -> dict[str, str]:
    """Every input's default, as the runner passes it when the step does not set the input
    (``${{ github.token }}`` evaluated to the job's token, other expressions left out)."""
    declared = yaml.safe_load(action_yml.read_text(encoding="utf-8"))["inputs"]
    defaults = {}
    for name, spec in declared.items():
        value = str((spec or {}).get("default", ""))
        if "${{" in value:
            if value.replace(" ", "") != "${{github.token}}":
                continue
            value = JOB_TOKEN
        defaults[name] = value
    return defaults


@dataclass(frozen=True)
class Layout:
    """A runner machine's folders (``/home/runner`` stands at ``root``), as a hosted runner
    has them: ``<root>/work/<repo>/<repo>`` the workspace, ``<root>/work/_temp`` runner temp
    (the job's home, event file and file commands in it), ``<root>/hostedtoolcache``."""

    root: Path
    repository: str = "Codertocat/Hello-World"

    @property
    def work(self) -> Path:
        """The runner's work folder."""
        return self.root / "work"

    @property
    def workspace(self) -> Path:
        """``GITHUB_WORKSPACE``: where the checkout is."""
        name = self.repository.split("/")[1]
        return self.work / name / name

    @property
    def temp(self) -> Path:
        """``RUNNER_TEMP``, emptied at the start and end of every job."""
        return self.work / "_temp"

    @property
    def tool_cache(self) -> Path:
        """``RUNNER_TOOL_CACHE``."""
        return self.root / "hostedtoolcache"

    @property
    def home(self) -> Path:
        """The container action's ``HOME`` (``/github/home``)."""
        return self.temp / "_github_home"

    @property
    def workflow_dir(self) -> Path:
        """Where the event file is (``/github/workflow``)."""
        return self.temp / "_github_workflow"

    @property
    def file_commands(self) -> Path:
        """Where GITHUB_OUTPUT and friends are (``/github/file_commands``)."""
        return self.temp / "_runner_file_commands"

    def mounts(self) -> list[tuple[str, str]]:
        """(host, container) of the five folder mounts, in the order the runner adds them."""
        return [
            (str(self.temp), "/github/runner_temp"),
            (str(self.home), "/github/home"),
            (str(self.workflow_dir), "/github/workflow"),
            (str(self.file_commands), "/github/file_commands"),
            (str(self.workspace), "/github/workspace"),
        ]

    def mappings(self) -> list[tuple[str, str]]:
        """(host, container) pairs in the order TranslateToContainerPath tries them."""
        return list(reversed(self.mounts()))  # AddPathTranslateMapping inserts at the front

    def translate(self, value: str) -> str:
        """ContainerInfo.TranslateToContainerPath: whole values only."""
        for host, container in self.mappings():
            if value == host:
                return container
            if value.startswith(host + "/"):
                return container + value[len(host) :]
        return value

    def to_host(self, value: str) -> str:
        """ContainerInfo.TranslateToHostPath: a container path back to the runner's."""
        for host, container in self.mappings():
            if value == container:
                return host
            if value.startswith(container + "/"):
                return host + value[len(container) :]
        return value


def file_command_paths(layout: Layout) -> dict[str, Path]:
    """A step's new file-command files (``<stem>_<guid>`` under ``_runner_file_commands``)."""
    return {
        variable: layout.file_commands / f"{stem}_{uuid.uuid4()}"
        for variable, stem in FILE_COMMANDS
    }


@dataclass(frozen=True)
class Step:
    """One step as the workflow names it and the runner fills it in."""

    action: str  # GITHUB_ACTION (step_ids.StepIds.add)
    uses: str | None  # what the step `uses:` (None: a `run:` script)
    inputs: Mapping[str, str]  # its `with:`
    env: Mapping[str, str]  # its `env:` (with the job's and the workflow's)


def step_variables(
    layout: Layout,
    runtime: Runtime,
    step: Step,
    *,
    hosted: bool,
    event: str,
    payload: dict[str, Any],
    event_path: Path,
    files: Mapping[str, Path],
    api_url: str,
) -> dict[str, str]:
    """The step's environment with host paths, before translation (see the module)."""
    env = dict(step.env)
    for name, value in {**input_defaults(), **step.inputs}.items():
        env[f"INPUT_{name.replace(' ', '_').upper()}"] = value
    env["HOME"] = str(layout.home)
    context = runner_env(event, payload, event_path, api_url, layout.repository)
    del context["CI"], context["GITHUB_ACTIONS"]  # DockerRun passes both itself
    env.update(context)
    env.update({variable: str(path) for variable, path in files.items()})
    reference = action_reference(step.uses)
    env.update(
        {
            "GITHUB_ACTION": step.action,
            "GITHUB_ACTION_REPOSITORY": reference.repository,
            "GITHUB_ACTION_REF": reference.ref,
            "GITHUB_WORKSPACE": str(layout.workspace),
            "RUNNER_TEMP": str(layout.temp),
            "RUNNER_TOOL_CACHE": str(layout.tool_cache),
            "RUNNER_WORKSPACE": str(layout.workspace.parent),
            "RUNNER_NAME": HOSTED_RUNNER_NAME if hosted else SELF_HOSTED_RUNNER_NAME,
            "RUNNER_ENVIRONMENT": "github-hosted" if hosted else "self-hosted",
        }
    )
    env.update(runtime.env())
    env.pop("GITHUB_ACTIONS", None)  # DockerRun's own -e GITHUB_ACTIONS=true is the one
    return env


def display_name(image: str, nonce: str) -> str:
    """``NameValidation.Sanitize(image)`` plus six hex digits: the step container's name."""
    return f"{re.sub(r'[^A-Za-z0-9]', '', image)[:40]}_{nonce[:6]}"


def docker_run_argv(
    layout: Layout,
    image: str,
    variables: Mapping[str, str],
    *,
    name: str,
    socket: str,
    network: str = "",
    entrypoint: str = "",
    args: Sequence[str] = (),
) -> list[str]:
    """``DockerRun``'s command line (the values of ``variables`` are not in it)."""
    argv = ["docker", "run", "--name", name, "--label", INSTANCE_LABEL]
    argv += ["--workdir", "/github/workspace", "--rm"]
    for key in variables:
        argv += ["-e", key]
    argv += ["-e", "GITHUB_ACTIONS=true"]
    if "CI" not in variables:
        argv += ["-e", "CI=true"]
    if entrypoint:
        argv += ["--entrypoint", entrypoint]
    if network:
        argv += ["--network", network]
    for host, container in [(socket, SOCKET), *layout.mounts()]:
        argv += ["-v", f"{host}:{container}"]
    return [*argv, image, *args]
