"""Start the action image exactly as GitHub's runner starts a container action, each job on
a runner machine as GitHub gives it.

The spec is actions/runner (read at 258d6c8, 2026-08-17), not act. What a step gets (its
folders, environment and ``docker run`` command line) is tests/support/runner_step.py; the
``ACTIONS_*`` runtime variables tests/support/job_runtime.py; ``GITHUB_ACTION``
tests/support/step_ids.py; the engines and their builders tests/support/engines.py. This
module carries them out, and models jobs:

* **A hosted job is a new machine** (``Machine(root)``, the default): GitHub gives every job
  on a hosted runner a new VM. So a :class:`Job` starts with an empty runner temp (the whole
  ``_temp``, as ``TempDirectoryManager.InitializeTempDirectory`` empties it: the home, Slipway's
  state, any OCI layout or Trivy cache in it) and an empty tool cache, and at its end
  (:meth:`Job.close`) runner temp is emptied again (``CleanupTempDirectory``) and the buildx
  builders its steps created on the engine are removed, containers and ``_state`` volumes:
  what discarding the VM does. Only the registry (and whatever the test keeps on the host,
  such as the cache-service stand-in) carries anything from one job to the next.
* **A self-hosted runner** (``Machine(root, hosted=False)``) is the same machine job after
  job: runner temp is still emptied at each job's start and end, but the engine and the
  builders a job leaves stay for the next job; :meth:`Machine.discard` removes them.
* **Builders are the job's when its steps named them.** The engines are shared (by other
  tests and other engineers' runs), so the launcher removes a builder only when it did not
  exist when the job started *and* a step's log names it (``docker buildx create … --name
  NAME``, as Slipway prints every command, or a ``buildx_buildkit_…`` container name, as
  ``--bootstrap`` prints it). A builder nothing names is left, and tests/support/leftovers.py
  reports it after the suite. A hosted job whose steps used a builder that was there before
  it started (Slipway names its builders after their configuration, so a run outside the
  launcher can leave one of the same name) fails with :class:`NotANewMachineError`: a new
  VM would not have had it, and the test would pass on state GitHub never gives. Launcher
  jobs of different processes on one engine run one at a time (a file lock): Slipway's
  builders of one configuration share a name, and two sessions' jobs must not share one.
* Not modelled: images a job leaves in the engine's image store, and the build cache of the
  engine's own (``docker`` driver) builder: both are shared with concurrent tests and cannot
  be told apart. The workspace is left as the test made it (``Machine.check_out``): it stands
  for what each job's checkout step gives.
* ``ContainerOperationProvider.cs``: a job with ``services:`` gets a network
  ``github_network_<guid>`` (labelled), each service a container on it with
  ``--network-alias <name>`` and its ``ports`` published; a job without services runs
  container actions on the default bridge. ``host_network=True`` puts the steps on the
  host's network instead, a concession to stand-ins that listen on this machine's loopback
  only (on GitHub they are remote and the default bridge reaches them).

Paths stand in for a hosted runner's and belong to the runner user (uid 1001). Test traffic
stays on this machine: loopback and the containers and networks these helpers create (all
removed by :meth:`Job.close`). Typical use::

    with Machine(tmp_path / "runner") as machine:
        machine.check_out(ROOT / "examples" / "hello")
        runtime = Runtime.for_cache(cache)  # the stand-in is on loopback: host_network
        with job(machine, engine, runtime=runtime, host_network=True) as first:
            result = first.run_step(image, inputs, payload=payload)
        with job(machine, engine, runtime=runtime, host_network=True) as second:  # a new VM
            ...
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.support.act import ACTION_REF
from tests.support.actionrun import parse_outputs
from tests.support.engines import (
    BUILDER_PREFIX,
    ENGINE_JOBS,
    Engine,
    builders_named,
    job_builders,
    reused_builders,
)
from tests.support.job_runtime import Runtime
from tests.support.runner_step import (
    INSTANCE_LABEL,
    JOB_TOKEN,
    SOCKET,
    Layout,
    Step,
    display_name,
    docker_run_argv,
    file_command_paths,
    input_defaults,
    step_variables,
)
from tests.support.step_ids import StepIds

__all__ = [
    "INSTANCE_LABEL",
    "JOB_TOKEN",
    "RUNNER_GID",
    "RUNNER_UID",
    "SOCKET",
    "Engine",
    "Job",
    "Machine",
    "NotANewMachineError",
    "Runtime",
    "Service",
    "StepResult",
    "builders_named",
    "foreign_owned",
    "input_defaults",
    "job",
    "job_builders",
    "leftovers",
    "reused_builders",
]

RUNNER_UID = 1001  # the runner user on GitHub's hosted images
RUNNER_GID = 1001
NOT_A_NEW_MACHINE = (
    "job {id} ran on a hosted runner, a new machine, yet its steps used what was on the engine "
    "before it started: {parts}. A new VM has no builder: remove it (`docker buildx rm NAME`, or "
    "`docker rm -f -v` the container and `docker volume rm` its _state volume), or find what "
    "keeps it: Slipway run outside the launcher keeps its builders (tests/conftest.py removes "
    "them only when the session ends), and so may another test session"
)
ONE_JOB_AT_A_TIME = (
    "a runner runs one job at a time: close job {open} on this machine before starting another"
)
NO_HOST_NETWORK_WITH_SERVICES = (
    "a job with services: runs its steps on its own network; host_network is for jobs without"
)


class NotANewMachineError(AssertionError):
    """A hosted job used a builder that was on the engine before it started."""


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
    action: str = ""  # the step's GITHUB_ACTION


def _empty(folder: Path) -> None:
    """``IOUtil.DeleteDirectory(contentsOnly: true)``, then the folder is the runner's."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    os.lchown(folder, RUNNER_UID, RUNNER_GID)


class Machine:
    """A runner machine: its folders, and whether each job gets a new one (``hosted``)."""

    def __init__(
        self, root: Path, repository: str = "Codertocat/Hello-World", *, hosted: bool = True
    ) -> None:
        self.layout = Layout(root, repository)
        self.hosted = hosted
        self.current_job: Job | None = None  # the job running on it, if any
        self.kept: dict[Engine, set[str]] = {}  # builder parts self-hosted jobs left
        for path in (self.workspace, self.temp, self.tool_cache):
            path.mkdir(parents=True, exist_ok=True)
        for path in (root, *root.rglob("*")):
            os.lchown(path, RUNNER_UID, RUNNER_GID)

    @property
    def root(self) -> Path:
        """Where ``/home/runner`` stands."""
        return self.layout.root

    @property
    def repository(self) -> str:
        """The repository (owner/name) the machine's jobs check out."""
        return self.layout.repository

    @property
    def work(self) -> Path:
        """The runner's work folder."""
        return self.layout.work

    @property
    def workspace(self) -> Path:
        """``GITHUB_WORKSPACE``."""
        return self.layout.workspace

    @property
    def temp(self) -> Path:
        """``RUNNER_TEMP``: empty at each job's start and end."""
        return self.layout.temp

    @property
    def tool_cache(self) -> Path:
        """``RUNNER_TOOL_CACHE``."""
        return self.layout.tool_cache

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()

    def discard(self) -> None:
        """The machine goes: its open job closes, the builders its self-hosted jobs left are
        removed (its folders stay for the test to read; they are under the test's tmp)."""
        if self.current_job is not None:
            self.current_job.close()
        for engine, parts in self.kept.items():
            engine.remove_builder_parts(sorted(parts))
        self.kept.clear()

    def git_status(self) -> str:
        """``git status --porcelain --ignored`` of the workspace: empty when the run left
        nothing in the checkout (not even ignored files)."""
        done = subprocess.run(
            # --no-optional-locks: a status must not rewrite .git/index (as root, here)
            [
                "git",
                "--no-optional-locks",
                "-c",
                "safe.directory=*",
                "status",
                "--porcelain",
                "--ignored",
            ],
            cwd=self.workspace,
            capture_output=True,
            text=True,
            check=True,
        )
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

    def _start(self, current: Job) -> None:
        """A job begins: one at a time; runner temp emptied (a hosted job's tool cache too)."""
        if self.current_job is not None:
            raise RuntimeError(ONE_JOB_AT_A_TIME.format(open=self.current_job.id))
        self.current_job = current
        _empty(self.temp)
        if self.hosted:
            _empty(self.tool_cache)  # a new VM has the image's tool cache: empty here

    def _end(self, current: Job, builders: set[str]) -> None:
        """A job ends: its builders go with the VM (hosted) or stay on the engine; runner
        temp is emptied."""
        if self.hosted:
            current.engine.remove_builder_parts(sorted(builders))
        else:
            self.kept.setdefault(current.engine, set()).update(builders)
        _empty(self.temp)
        self.current_job = None


class Job:
    """One job on a :class:`Machine` (see the module): a fresh runner temp and home, the
    runtime variables of ``runtime``, a network when it has services."""

    def __init__(
        self,
        machine: Machine,
        engine: Engine,
        services: Sequence[Service] = (),
        *,
        runtime: Runtime | None = None,
        host_network: bool = False,
    ) -> None:
        if host_network and services:
            raise ValueError(NO_HOST_NETWORK_WITH_SERVICES)
        self.machine = machine
        self.engine = engine
        self.runtime = runtime or Runtime()
        self.id = uuid.uuid4().hex
        self.step_ids = StepIds()
        self.logs: list[str] = []  # every step's log, in order
        self.reused: set[str] = set()  # builder parts its steps used that it did not make
        self.closed = False
        self.network = "host" if host_network else ""
        self.services: dict[str, str] = {}  # alias -> container name
        ENGINE_JOBS.acquire(engine)
        try:
            self.builders_before = engine.builder_parts()
            machine._start(self)
        except BaseException:
            ENGINE_JOBS.release(engine)
            raise
        try:
            for path in (self.home, self.workflow_dir, self.file_commands):
                path.mkdir(parents=True, exist_ok=True)
                os.lchown(path, RUNNER_UID, RUNNER_GID)
            if services:
                self.network = f"github_network_{self.id}"
                engine.docker("network", "create", "--label", INSTANCE_LABEL, self.network)
                for service in services:
                    self._start_service(service)
        except BaseException:
            self.close()
            raise

    @property
    def home(self) -> Path:
        """The steps' ``HOME`` (``/github/home``): empty when the job starts."""
        return self.machine.layout.home

    @property
    def workflow_dir(self) -> Path:
        """Where the event file is (``/github/workflow``)."""
        return self.machine.layout.workflow_dir

    @property
    def file_commands(self) -> Path:
        """Where the steps' GITHUB_OUTPUT and friends are (``/github/file_commands``)."""
        return self.machine.layout.file_commands

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        if kind is None:
            self.check_new_machine()

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

    def builders(self) -> set[str]:
        """The builder containers and volumes this job's steps made that are still there."""
        return job_builders(self.builders_before, self.engine.builder_parts(), self.logs)

    def check_new_machine(self) -> None:
        """Raise NotANewMachineError when this hosted job's steps used a builder that was
        there before it (``job()`` and ``with Job(...)`` call it when the block succeeded)."""
        if self.machine.hosted and self.reused:
            raise NotANewMachineError(
                NOT_A_NEW_MACHINE.format(id=self.id, parts=sorted(self.reused))
            )

    def close(self) -> None:
        """The job's end: services and network removed; the builders its steps made removed
        (hosted) or left to the machine (self-hosted); runner temp emptied. Idempotent."""
        if self.closed:
            return
        self.closed = True
        builders: set[str] = set()
        try:
            for name in self.services.values():
                self.engine.docker("rm", "--force", "--volumes", name, check=False)
            if self.network.startswith("github_network_"):
                self.engine.docker("network", "rm", self.network, check=False)
            builders = self.builders()
            self.reused = reused_builders(self.builders_before, self.logs)
        finally:
            try:
                self.machine._end(self, builders)
            finally:
                ENGINE_JOBS.release(self.engine)

    # --- one container step ------------------------------------------------------------------
    def mappings(self) -> list[tuple[str, str]]:
        """(host, container) pairs in the order TranslateToContainerPath tries them."""
        return self.machine.layout.mappings()

    def translate(self, value: str) -> str:
        """ContainerInfo.TranslateToContainerPath: whole values only."""
        return self.machine.layout.translate(value)

    def annotation_file(self, file: str) -> str:
        """Where the runner shows an annotation whose ``file`` a step wrote (actions/runner
        ``ActionCommandManager.cs``, IssueCommandExtension): the container path translated
        back to the host's, then made relative to ``github.workspace`` when under it
        (``IOUtil.MakeRelative``), with ``/``; any other path stays as it is."""
        host = self.machine.layout.to_host(file)
        workspace = str(self.machine.workspace)
        if host.startswith(workspace + "/"):
            return host[len(workspace) + 1 :]
        return host

    def record_step(self, uses: str | None = None, step_id: str | None = None) -> str:
        """A step of the job the launcher does not run (actions/checkout, a ``run:`` script):
        its ``GITHUB_ACTION``, taken so the next steps get the names the runner gives them."""
        return self.step_ids.add(uses, step_id)

    def step_env(
        self,
        event: str,
        payload: dict[str, Any],
        inputs: Mapping[str, str],
        *,
        api_url: str,
        extra_env: Mapping[str, str],
        uses: str | None = ACTION_REF,
        step_id: str | None = None,
    ) -> dict[str, str]:
        """The next step's environment with host paths, before translation: its name taken
        (``GITHUB_ACTION``), the event file written, its file-command files made."""
        action = self.step_ids.add(uses, step_id)
        layout = self.machine.layout
        event_path = layout.workflow_dir / "event.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        files = file_command_paths(layout)
        for path in files.values():
            path.touch()
            os.chown(path, RUNNER_UID, RUNNER_GID)
        step = Step(action, uses, inputs, extra_env)
        return step_variables(
            layout,
            self.runtime,
            step,
            hosted=self.machine.hosted,
            event=event,
            payload=payload,
            event_path=event_path,
            files=files,
            api_url=api_url,
        )

    def run_step(
        self,
        image: str,
        inputs: Mapping[str, str],
        *,
        timeout: float = 1200,
        **step: Any,
    ) -> StepResult:
        """``docker run`` the action image as DockerRun does; read back what the step wrote.

        ``step`` is `start_step`'s: ``event``, ``payload``, ``api_url``, ``extra_env`` (the
        step's ``env:``), ``uses`` and ``step_id`` (how the workflow names the step, its
        ``GITHUB_ACTION``), ``entrypoint`` (the action's ``runs.entrypoint``), ``args``."""
        return self.start_step(image, inputs, **step).result(timeout)

    def start_step(
        self,
        image: str,
        inputs: Mapping[str, str],
        *,
        event: str = "push",
        payload: dict[str, Any],
        api_url: str = "http://api.github.invalid",
        extra_env: Mapping[str, str] | None = None,
        uses: str | None = ACTION_REF,
        step_id: str | None = None,
        entrypoint: str = "",
        args: Sequence[str] = (),
    ) -> RunningStep:
        """`run_step` started and not waited for: a step the test may cancel as the runner
        does (`RunningStep.cancel`)."""
        if self.closed:
            raise RuntimeError(f"job {self.id} has ended: start a new job for more steps")
        env = self.step_env(
            event,
            payload,
            inputs,
            api_url=api_url,
            extra_env=extra_env or {},
            uses=uses,
            step_id=step_id,
        )
        translated = {key: self.translate(value) for key, value in env.items()}
        argv = docker_run_argv(
            self.machine.layout,
            image,
            translated,
            name=display_name(image, uuid.uuid4().hex),
            socket=self.engine.socket,
            network=self.network,
            entrypoint=entrypoint,
            args=args,
        )
        client_env = {
            "PATH": os.environ["PATH"],
            "DOCKER_HOST": f"unix://{self.engine.socket}",
            **translated,
        }
        process = subprocess.Popen(
            argv,
            env=client_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        return RunningStep(process, env, tuple(argv), self.logs)


class RunningStep:
    """A container step's ``docker run`` client, running: its log as it comes."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        env: Mapping[str, str],
        argv: tuple[str, ...],
        logs: list[str],
    ) -> None:
        self.process, self.env, self.argv, self._logs = process, env, argv, logs
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        """The log so far."""
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, pattern: str, timeout: float = 600) -> str:
        """Wait until a line of the log matches ``pattern`` (a regex); that line."""
        found = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines:
                    if found.search(line):
                        return line
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"the step ended before {pattern!r}:\n{self.log}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.log}")
                self._changed.wait(min(left, 1.0))

    def cancel(self) -> None:
        """Cancel as the runner does (actions/runner ``ProcessInvoker.cs``): SIGINT to the
        docker client, SIGTERM 7.5 s later, SIGKILL 2.5 s after that, each only when the
        client still runs (``docker run`` forwards the first two to the container)."""
        for signum, grace in ((signal.SIGINT, 7.5), (signal.SIGTERM, 2.5)):
            self.process.send_signal(signum)
            try:
                self.process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue
        self.process.kill()

    def result(self, timeout: float = 1200) -> StepResult:
        """Wait for the step to end; what it wrote, as the runner reads it."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self._reader.join(timeout=30)
            if self.process.stdout is not None:
                self.process.stdout.close()
        log = self.log
        self._logs.append(log)
        return StepResult(
            self.process.returncode,
            log,
            parse_outputs(Path(self.env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")),
            Path(self.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
            self.argv,
            self.env["GITHUB_ACTION"],
        )


PULL_TRIES = 3  # ActionManager.PullActionContainerAsync


@dataclass(frozen=True)
class Pulled:
    """What "Set up job" did to get a ``docker://`` action's image: each try's exit code."""

    reference: str
    exit_codes: tuple[int, ...]
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_codes[-1:] == (0,)


def pull_action_image(
    engine: Engine, reference: str, *, backoff: float = 1.0, home: Path | None = None
) -> Pulled:
    """As the runner gets a ``docker://`` action's image during "Set up job"
    (actions/runner ``ActionManager.PullActionContainerAsync``): a plain ``docker pull``, up
    to 3 tries with a back-off between them (the runner draws 1-10 s; ``backoff`` here), as
    the runner user before any step ran, so with no ``docker login`` at all (an empty
    ``DOCKER_CONFIG``: anonymous). The runner fails the job on the last failed try."""
    config = home or Path(tempfile.mkdtemp(prefix="runner-docker-config-"))
    env = {
        "PATH": os.environ["PATH"],
        "DOCKER_HOST": f"unix://{engine.socket}",
        "DOCKER_CONFIG": str(config),
    }
    codes: list[int] = []
    output = ""
    for attempt in range(PULL_TRIES):
        done = subprocess.run(
            ["docker", "pull", reference],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        codes.append(done.returncode)
        output += done.stdout + done.stderr
        if done.returncode == 0:
            break
        if attempt + 1 < PULL_TRIES:
            time.sleep(backoff)
    return Pulled(reference, tuple(codes), output)


@contextmanager
def job(
    machine: Machine,
    engine: Engine,
    services: Sequence[Service] = (),
    *,
    runtime: Runtime | None = None,
    host_network: bool = False,
) -> Iterator[Job]:
    """A :class:`Job` that ends (services, network, builders, runner temp) pass or fail; on a
    hosted machine, a block that passed fails if its steps used a builder a new VM would not
    have had (:class:`NotANewMachineError`)."""
    current = Job(machine, engine, services, runtime=runtime, host_network=host_network)
    try:
        yield current
    finally:
        current.close()
    current.check_new_machine()


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
        if name.startswith(BUILDER_PREFIX)
    ]
    found += [
        f"volume {name}"
        for name in engine.docker("volume", "ls", "--format", "{{.Name}}").splitlines()
        if name.startswith(BUILDER_PREFIX)
    ]
    return found
