"""Start the action image exactly as GitHub's runner starts a container action.

The spec is actions/runner (read at 258d6c8, 2026-08-17), not act:

* ``Handlers/ContainerActionHandler.cs``: the environment is the step's (inputs as
  ``INPUT_<NAME>`` with hyphens kept, the ``GITHUB_*`` and ``RUNNER_*`` context variables, the
  ``ACTIONS_*`` runtime endpoints and tokens), ``HOME`` is ``<temp>/_github_home``; six mounts:
  the docker socket, runner temp, that home, ``_github_workflow`` (the event file),
  ``_runner_file_commands`` (GITHUB_OUTPUT and friends) and the workspace; the working
  directory is ``/github/workspace``; the job's network when the job has one.
* ``Container/ContainerInfo.cs``: every variable's value goes through
  ``TranslateToContainerPath``: a value that *equals* a mounted host path, or starts with one
  plus ``/``, becomes the container path; nothing else is translated (a path inside a longer
  value, ``RUNNER_WORKSPACE`` (the workspace's parent) and the tool cache stay host paths).
  The last mapping added is tried first.
* ``Container/DockerCommandManager.cs`` (``DockerRun``): ``docker run --name … --label …
  --workdir /github/workspace --rm -e NAME …`` (values come from the client's environment,
  never argv), ``-e GITHUB_ACTIONS=true``, ``-e CI=true`` unless set, ``--network`` when the
  job has one, ``-v host:container`` per mount, the image, then the arguments.
* ``ContainerOperationProvider.cs``: a job with ``services:`` gets a network
  ``github_network_<guid>`` (labelled), each service a container on it with
  ``--network-alias <name>`` and its ``ports`` published; a job without services runs
  container actions on the default bridge.

Paths stand in for a hosted runner's: ``<root>/work/<repo>/<repo>`` is the workspace,
``<root>/work/_temp`` runner temp; both belong to the runner user (uid 1001). A new
:class:`Job` empties ``_github_home`` as the runner does. Test traffic stays on this machine:
loopback and the containers and networks these helpers create (all removed by
:meth:`Job.close`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.actionrun import parse_outputs
from tests.support.devenv import ROOT
from tests.support.payloads import runner_env

RUNNER_UID = 1001  # the runner user on GitHub's hosted images
RUNNER_GID = 1001
INSTANCE_LABEL = "slipway-test-runner"  # DockerInstanceLabel: a hash per runner, a label here
SOCKET = "/var/run/docker.sock"
JOB_TOKEN = "ghs_launcherJobToken0000000000000000000"  # what ${{ github.token }} becomes


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
class Engine:
    """A Docker engine: its socket on the host (mounted as /var/run/docker.sock)."""

    name: str  # "hosted" (classic image store) or "containerd"
    socket: str

    @property
    def env(self) -> dict[str, str]:
        """The environment for a docker client talking to this engine."""
        return {**os.environ, "DOCKER_HOST": f"unix://{self.socket}"}

    def docker(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        """Run ``docker ARGS`` against this engine; its stdout."""
        done = subprocess.run(
            ["docker", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout


@dataclass(frozen=True)
class Service:
    """A ``services:`` entry: its alias, image, published ports and environment."""

    alias: str
    image: str
    ports: tuple[str, ...] = ()  # docker -p values, e.g. "127.0.0.1::5000"
    env: Mapping[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = ()  # docker -v values, as services.<id>.volumes


@dataclass(frozen=True)
class StepResult:
    """A finished container step: exit code, log, outputs and summary as the runner reads them."""

    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str
    argv: tuple[str, ...]  # the docker run command line (values of -e are not in it)


class Machine:
    """A runner machine's folders (``/home/runner`` stands at ``root``)."""

    def __init__(self, root: Path, repository: str = "Codertocat/Hello-World") -> None:
        self.root = root
        self.repository = repository
        name = repository.split("/")[1]
        self.work = root / "work"
        self.workspace = self.work / name / name
        self.temp = self.work / "_temp"
        self.tool_cache = root / "hostedtoolcache"
        for path in (self.workspace, self.temp, self.tool_cache):
            path.mkdir(parents=True, exist_ok=True)
        for path in (root, *root.rglob("*")):
            os.lchown(path, RUNNER_UID, RUNNER_GID)

    def git_status(self) -> str:
        """``git status --porcelain --ignored`` of the workspace: empty when the run left
        nothing in the checkout (not even ignored files)."""
        done = subprocess.run(
            # --no-optional-locks: a status must not rewrite .git/index (as root, here)
            ["git", "--no-optional-locks", "-c", "safe.directory=*", "status", "--porcelain",
             "--ignored"],
            cwd=self.workspace, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    def give_to_runner(self, path: Path) -> None:
        """Make ``path`` (and what is under it) the runner user's, as a checkout would be."""
        for entry in (path, *path.rglob("*")):
            os.lchown(entry, RUNNER_UID, RUNNER_GID)

    def check_out(self, source: Path) -> None:
        """The workspace as actions/checkout leaves it: ``source``'s files, one commit, the
        repository's remote, all the runner user's."""
        shutil.copytree(source, self.workspace, dirs_exist_ok=True)
        git = [
            "git",
            "-c",
            "safe.directory=*",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
        ]
        for args in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            ["commit", "-q", "-m", "the example"],
            ["remote", "add", "origin", f"https://github.com/{self.repository}"],
        ):
            subprocess.run([*git, *args], cwd=self.workspace, check=True, capture_output=True)
        self.give_to_runner(self.root)


class Job:
    """One job on a :class:`Machine`: a fresh home, and a network when it has services."""

    def __init__(self, machine: Machine, engine: Engine, services: Sequence[Service] = ()) -> None:
        self.machine = machine
        self.engine = engine
        self.id = uuid.uuid4().hex
        self.home = machine.temp / "_github_home"
        self.workflow_dir = machine.temp / "_github_workflow"
        self.file_commands = machine.temp / "_runner_file_commands"
        shutil.rmtree(self.home, ignore_errors=True)  # a new job's home is empty
        for path in (self.home, self.workflow_dir, self.file_commands):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, RUNNER_UID, RUNNER_GID)
        self.network = ""
        self.services: dict[str, str] = {}  # alias -> container name
        if services:
            self.network = f"github_network_{self.id}"
            engine.docker("network", "create", "--label", INSTANCE_LABEL, self.network)
            for service in services:
                self._start_service(service)

    def _start_service(self, service: Service) -> None:
        name = f"{service.alias}_{re.sub(r'[^A-Za-z0-9]', '', service.image)[:40]}_{uuid.uuid4().hex[:6]}"
        argv = ["create", "--name", name, "--label", INSTANCE_LABEL, "--network", self.network]
        argv += ["--network-alias", service.alias]
        for port in service.ports:
            argv += ["-p", port]
        for key, value in service.env.items():
            argv += ["-e", f"{key}={value}"]
        for volume in service.volumes:
            argv += ["-v", volume]
        self.engine.docker(*argv, "-e", "GITHUB_ACTIONS=true", "-e", "CI=true", service.image)
        self.engine.docker("start", name)
        self.services[service.alias] = name

    def published(self, alias: str, port: int) -> str:
        """``127.0.0.1:PORT`` where the host reaches a service's published ``port``."""
        out = self.engine.docker("port", self.services[alias], f"{port}/tcp").strip()
        host_port = out.splitlines()[0].rsplit(":", 1)[1]
        return f"127.0.0.1:{host_port}"

    def close(self) -> None:
        """Remove the services and the network (what the runner does at the job's end)."""
        for name in self.services.values():
            self.engine.docker("rm", "--force", "--volumes", name, check=False)
        if self.network:
            self.engine.docker("network", "rm", self.network, check=False)

    # --- one container step ------------------------------------------------------------------
    def mappings(self) -> list[tuple[str, str]]:
        """(host, container) pairs in the order TranslateToContainerPath tries them."""
        added = [
            (str(self.machine.temp), "/github/runner_temp"),
            (str(self.home), "/github/home"),
            (str(self.workflow_dir), "/github/workflow"),
            (str(self.file_commands), "/github/file_commands"),
            (str(self.machine.workspace), "/github/workspace"),
        ]
        return list(reversed(added))  # AddPathTranslateMapping inserts at the front

    def translate(self, value: str) -> str:
        """ContainerInfo.TranslateToContainerPath: whole values only."""
        for host, container in self.mappings():
            if value == host:
                return container
            if value.startswith(host + "/"):
                return container + value[len(host) :]
        return value

    def step_env(
        self,
        event: str,
        payload: dict[str, Any],
        inputs: Mapping[str, str],
        *,
        api_url: str,
        extra_env: Mapping[str, str],
    ) -> dict[str, str]:
        """The step's environment with host paths, before translation."""
        event_path = self.workflow_dir / "event.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        files = {}
        for variable, stem in (
            ("GITHUB_OUTPUT", "set_output"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
            ("GITHUB_ENV", "set_env"),
            ("GITHUB_PATH", "add_path"),
            ("GITHUB_STATE", "save_state"),
        ):
            path = self.file_commands / f"{stem}_{uuid.uuid4()}"
            path.touch()
            os.chown(path, RUNNER_UID, RUNNER_GID)
            files[variable] = str(path)
        env = runner_env(event, payload, event_path, api_url, self.machine.repository)
        env.pop("CI")  # DockerRun adds CI=true itself
        env.pop("GITHUB_ACTIONS")  # and GITHUB_ACTIONS=true
        env.update(files)
        env.update(
            {
                "GITHUB_WORKSPACE": str(self.machine.workspace),
                "RUNNER_TEMP": str(self.machine.temp),
                "RUNNER_TOOL_CACHE": str(self.machine.tool_cache),
                "RUNNER_WORKSPACE": str(self.machine.workspace.parent),
                "RUNNER_NAME": "GitHub Actions 1000000001",
                "RUNNER_ENVIRONMENT": "github-hosted",
                "HOME": str(self.home),
            }
        )
        for name, value in {**input_defaults(), **inputs}.items():
            env[f"INPUT_{name.replace(' ', '_').upper()}"] = value
        env.update(extra_env)
        return env

    def run_step(
        self,
        image: str,
        inputs: Mapping[str, str],
        *,
        event: str = "push",
        payload: dict[str, Any],
        api_url: str = "http://api.github.invalid",
        extra_env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        timeout: float = 1200,
    ) -> StepResult:
        """``docker run`` the action image as DockerRun does; read back what the step wrote."""
        env = self.step_env(event, payload, inputs, api_url=api_url, extra_env=extra_env or {})
        translated = {key: self.translate(value) for key, value in env.items()}
        display = f"{re.sub(r'[^A-Za-z0-9]', '', image)[:40]}_{uuid.uuid4().hex[:6]}"
        argv = ["docker", "run", "--name", display, "--label", INSTANCE_LABEL]
        argv += ["--workdir", "/github/workspace", "--rm"]
        for key in translated:
            argv += ["-e", key]
        argv += ["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]
        if self.network:
            argv += ["--network", self.network]
        for host, container in (
            (self.engine.socket, SOCKET),
            (str(self.machine.temp), "/github/runner_temp"),
            (str(self.home), "/github/home"),
            (str(self.workflow_dir), "/github/workflow"),
            (str(self.file_commands), "/github/file_commands"),
            (str(self.machine.workspace), "/github/workspace"),
        ):
            argv += ["-v", f"{host}:{container}"]
        argv += [image, *args]
        client_env = {
            "PATH": os.environ["PATH"],
            "DOCKER_HOST": f"unix://{self.engine.socket}",
            **translated,
        }
        done = subprocess.run(
            argv,
            env=client_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        return StepResult(
            done.returncode,
            done.stdout + done.stderr,
            parse_outputs(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")),
            Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
            tuple(argv),
        )


@contextmanager
def job(machine: Machine, engine: Engine, services: Sequence[Service] = ()) -> Iterator[Job]:
    """A :class:`Job` whose services and network are removed at the end, pass or fail."""
    current = Job(machine, engine, services)
    try:
        yield current
    finally:
        current.close()


def foreign_owned(root: Path, uid: int = RUNNER_UID) -> list[Path]:
    """Entries under ``root`` that the runner user does not own (a later step could not delete them)."""
    return [p for p in (root, *root.rglob("*")) if p.lstat().st_uid != uid]


def leftovers(engine: Engine) -> list[str]:
    """Containers, networks and volumes labelled by these helpers, and buildx builders' containers."""
    found = engine.docker(
        "ps", "--all", "--filter", f"label={INSTANCE_LABEL}", "--format", "container {{.Names}}"
    ).splitlines()
    found += engine.docker(
        "network", "ls", "--filter", f"label={INSTANCE_LABEL}", "--format", "network {{.Name}}"
    ).splitlines()
    found += [
        f"builder container {name}"
        for name in engine.docker("ps", "--all", "--format", "{{.Names}}").splitlines()
        if name.startswith("buildx_buildkit_")
    ]
    found += [
        f"volume {name}"
        for name in engine.docker("volume", "ls", "--format", "{{.Name}}").splitlines()
        if name.startswith("buildx_buildkit_")
    ]
    return found
