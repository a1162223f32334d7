"""Builder setup: the buildx builder a run uses, QEMU when a platform needs it (effects).

The decisions are :mod:`slipway.buildx.builders`'; this module asks buildx and the engine, creates
the builder a run needs (named after its configuration and kept: :class:`Builders`) and
registers QEMU handlers only when the builder lacks a requested platform.

Two jobs on one engine (a machine with several runners, act's matrix jobs) may create the
builder of one configuration at the same moment. Its creation is held under a lock on the
engine itself, a stopped container named ``slipway-lock-<builder>`` that only one job can
create: the second job waits, then finds the first one's builder up and takes it. A lock
left by a job that was killed is taken over after `LOCK_STALE` seconds.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from slipway.buildx.builders import (
    DEFAULT_BUILDKIT_IMAGE,
    BuilderChoice,
    BuilderFacts,
    BuilderSpec,
    EngineFacts,
    builder_name,
    choose_builder,
    create_argv,
    parse_engine_info,
    parse_inspect,
    plan_setup,
    qemu_argv,
    qemu_not_registered,
    remove_argv,
)
from slipway.buildx.buildkitd import ConfigWishes, buildkitd_config
from slipway.errors import BuildError, InputError
from slipway.inputs.build import BuildOptions
from slipway.oci.platforms import Platform
from slipway.runner import cancel
from slipway.tools.alongside import Alongside
from slipway.tools.run import Runner

BINFMT_IMAGE = "tonistiigi/binfmt:qemu-v8.1.5"
QEMU_HINT = (
    "Register QEMU on the runner first (e.g. docker/setup-qemu-action), or build each "
    "platform on a native runner with push-by-digest and merge-digests."
)
FOREIGN_BUILDER_HINT = (
    "A container action does not see the runner user's buildx builders (setup-buildx-action "
    "keeps them in that user's home): leave `builder` empty and Slipway creates one, or use "
    "`driver: remote` with the `endpoint` of a BuildKit daemon."
)


def engine_info(runner: Runner) -> Alongside[EngineFacts]:
    """``docker info``, asked on a thread: its answer is read when it is needed."""
    return Alongside(
        runner,
        lambda r: parse_engine_info(
            r.run(["docker", "info", "--format", "{{json .}}"], timeout=60).stdout
        ),
    )


def inspect(runner: Runner, builder: str) -> tuple[str, str, tuple[Platform, ...]]:
    """(name, driver, platforms) of ``builder`` ("" = the selected one), bootstrapping it."""
    argv = [
        "docker",
        "buildx",
        "inspect",
        "--bootstrap",
        *(["--builder", builder] if builder else []),
    ]
    inspected = runner.run(argv, timeout=300)
    if inspected.returncode != 0:
        detail = inspected.stderr.strip()[-300:]
        if builder:
            raise InputError(
                "builder",
                f"buildx has no usable builder {builder!r}: {detail}",
                FOREIGN_BUILDER_HINT,
            )
        raise BuildError(f"docker buildx inspect failed: {detail}")
    return parse_inspect(inspected.stdout)


def addresses(hosts: Sequence[str]) -> dict[str, str]:
    """``host:port`` -> ``address:port`` for names that resolve here (the action's container).

    A ``services:`` registry's alias resolves only on the job's network; the builder, on the
    host's network, reaches it by the address. Names that do not resolve are left out.
    """
    found: dict[str, str] = {}
    for host in hosts:
        name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
        try:
            ipaddress.ip_address(name.strip("[]"))
            continue  # already an address
        except ValueError:
            pass
        address = _resolve(name)
        if address is None or ipaddress.ip_address(address).is_loopback:
            continue  # no such name here; or the host's network has its own loopback
        found[host] = f"{address}:{port}" if port else address
    return found


@functools.cache
def _resolve(name: str) -> str | None:
    """``name``'s first address here, or None: asked once per process, since a name that
    does not resolve can cost the resolver's whole timeout (5 s per try, twice by default)."""
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError:
        return None
    return str(infos[0][4][0])


RACE_DELAYS = (1.0, 2.0, 4.0)  # waits for a builder another job is creating at the same moment
LOCK_PREFIX = "slipway-lock-"
LOCK_LABEL = "org.slipway.lock=builder"
LOCK_WAIT = 300.0  # seconds a job waits for another job's builder creation
LOCK_STALE = 600.0  # a lock this old was left by a job that was killed
LOCK_POLL = 1.0
_RACE = ("already in use", "Conflict", "existing instance")


def _raced(output: str) -> bool:
    """True when buildx failed because the builder was being created by someone else."""
    return any(mark in output for mark in _RACE)


class Builders:
    """The builders one run created. A docker-container builder is kept when the run ends
    (`slipway.buildx.builders`): named after its configuration, a later run on the same engine finds
    it with its build cache. A builder whose creation failed half-way is removed, and so is
    the definition of a `remote` one (`close`)."""

    def __init__(
        self,
        runner: Runner,
        work: Path,
        sleep: Callable[[float], None] = cancel.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self._work = work
        self._sleep = sleep
        self._clock = clock
        self._created: dict[str, str] = {}  # name -> driver

    @contextmanager
    def _engine_lock(self, name: str, image: str) -> Iterator[None]:
        """Hold ``slipway-lock-<name>`` on the engine while the builder is made. Without an
        image to make the lock from (none can be pulled), go on without it: buildx says why."""
        lock = LOCK_PREFIX + name
        create = ["docker", "container", "create", "--name", lock, "--label", LOCK_LABEL, image]
        deadline = self._clock() + LOCK_WAIT
        held = False
        while True:
            result = self._runner.run(create, timeout=600, quiet=True)
            if result.returncode == 0:
                held = True
                break
            if not _raced(result.stderr + result.stdout) or self._clock() >= deadline:
                break
            if self._lock_age(lock) > LOCK_STALE:
                self._runner.run(["docker", "rm", "-f", lock], timeout=60, quiet=True)
                continue
            self._sleep(LOCK_POLL)
        try:
            yield
        finally:
            if held:
                self._runner.run(["docker", "rm", "-f", lock], timeout=60, quiet=True)

    def _lock_age(self, lock: str) -> float:
        """Seconds since ``lock`` was made (0 when it cannot be told)."""
        argv = ["docker", "container", "inspect", "--format", "{{.Created}}", lock]
        result = self._runner.run(argv, timeout=60, quiet=True)
        try:
            created = datetime.fromisoformat(result.stdout.strip()[:19]).replace(tzinfo=UTC)
        except ValueError:
            return 0.0
        return (datetime.now(UTC) - created).total_seconds()

    def create(self, driver: str, options: BuildOptions, config: str = "") -> str:
        """Create (and bootstrap) a builder, with ``config`` as its buildkitd.toml and the
        `buildkit-image`, `driver-opts` and `buildkitd-flags` inputs (docker-container), or the
        `endpoint` (remote); its name. An existing builder of the same configuration (its
        container on the engine) is taken as it is."""
        container = driver == "docker-container"
        spec = BuilderSpec(
            "",
            driver,
            image=options.buildkit_image,
            endpoint="" if container else options.endpoint,
            driver_opts=options.driver_opts if container else (),
            buildkitd_flags=options.buildkitd_flags if container else "",
        )
        name = builder_name(spec, config if container else "")
        config_file = ""
        if container and config:
            path = self._work / f"{name}.buildkitd.toml"
            path.write_text(config, encoding="utf-8")
            config_file = str(path)
        spec = replace(spec, name=name, config_file=config_file)
        if self._comes_up(name):  # kept by an earlier run on this machine
            self._created[name] = driver
            return name
        if container:
            with self._engine_lock(name, spec.image or DEFAULT_BUILDKIT_IMAGE):
                if not self._comes_up(name):  # made by another job while this one waited
                    self._make(spec)
        else:
            self._make(spec)
        self._created[name] = driver
        return name

    def _make(self, spec: BuilderSpec) -> None:
        """``docker buildx create`` (which takes an existing container of that name, up);
        a half-made builder is removed, and the error says what to check."""
        name, driver = spec.name, spec.driver
        result = self._runner.run(create_argv(spec), timeout=600)
        for delay in RACE_DELAYS:  # another job on this engine is creating it this moment
            if result.returncode == 0 or not _raced(result.stderr + result.stdout):
                break
            self._sleep(delay)
            if self._comes_up(name):
                result = replace(result, returncode=0)
                break
            result = self._runner.run(create_argv(spec), timeout=600)
        if result.returncode != 0:
            if not _raced(result.stderr + result.stdout):  # not someone else's builder:
                self._runner.run(remove_argv(name), timeout=120)  # a half-made one goes
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            hint = (
                "Check `buildkit-image`: the engine must have that image or be able to pull it."
                if driver == "docker-container"
                else "Check `endpoint`: a BuildKit daemon must listen there."
            )
            raise BuildError(f"could not create a {driver} builder: {last[0]}", hint)

    def _comes_up(self, name: str) -> bool:
        """True when buildx knows builder ``name`` (its record in the Docker config: a laptop,
        or the same machine) and it comes up; a record that does not come up is removed."""
        config = Path(self._runner.env.get("DOCKER_CONFIG") or Path.home() / ".docker")
        if not (config / "buildx" / "instances" / name).is_file():
            return False
        argv = ["docker", "buildx", "inspect", "--bootstrap", "--builder", name]
        if self._runner.run(argv, timeout=300).returncode == 0:
            return True
        self._runner.run(remove_argv(name), timeout=120)
        return False

    @property
    def containers(self) -> tuple[str, ...]:
        """The docker-container builders this run created (or found kept by an earlier run):
        they stay on the engine, with their build cache."""
        return tuple(n for n, driver in self._created.items() if driver == "docker-container")

    def close(self) -> None:
        """Forget the builders that hold nothing worth keeping: a `remote` builder is only a
        connection (its cache lives in the daemon), so its definition goes with the run."""
        for name, driver in self._created.items():
            if driver != "docker-container":
                self._runner.run(remove_argv(name), timeout=120)

    def made(self, name: str) -> bool:
        """True when ``name`` is a builder this run created (docker-container or remote)."""
        return bool(name) and name in self._created


def selects_default(env: Mapping[str, str]) -> bool:
    """True when buildx's selected builder is the engine's own (no ``docker buildx use`` in
    the Docker config, no BUILDX_BUILDER): always so in the action's container, whose home is
    new for every job."""
    if env.get("BUILDX_BUILDER"):
        return False
    config = Path(env.get("DOCKER_CONFIG") or Path(env.get("HOME") or "/root") / ".docker")
    try:
        current = json.loads((config / "buildx" / "current").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return not isinstance(current, dict) or current.get("Name") in (None, "", "default")


def choose(
    runner: Runner, options: BuildOptions, engine: EngineFacts, wishes: ConfigWishes
) -> BuilderChoice:
    """`slipway.buildx.builders.choose_builder` with what only this machine can tell: whether buildx
    selects the engine's builder, and whether an `insecure-registries` name resolves only
    here (a services: alias)."""
    return choose_builder(
        options.builder,
        options.driver,
        engine,
        selects_default=selects_default(runner.env),
        aliases=bool(addresses(wishes.insecure_registries)),
        configured=wishes.need_builder,
    )


def set_up(
    runner: Runner,
    builders: Builders,
    platforms: Sequence[Platform],
    options: BuildOptions,
    wishes: ConfigWishes,
    *,
    engine: EngineFacts,
) -> str:
    """The builder to build with ("" = buildx's selected one), set up for ``platforms``:
    the ``builder``/``driver``/``endpoint``/``buildkit-image`` inputs in ``options``, and
    ``wishes`` for the buildkitd.toml of a builder it creates."""
    aliases = addresses(wishes.insecure_registries)
    choice = choose(runner, options, engine, wishes)
    if choice.kind == "named":
        name = options.builder
        facts = BuilderFacts(*inspect(runner, name), engine)
    elif choice.kind == "create":
        if choice.why:
            runner.workflow.info(f"{choice.why}: building with a docker-container builder")
        config = buildkitd_config(engine, addresses=aliases, wishes=wishes)
        name = builders.create(choice.driver, options, config)
        facts = BuilderFacts(*inspect(runner, name), engine)
    else:
        name = ""
        facts = BuilderFacts(*inspect(runner, ""), engine)
        if plan_setup(
            platforms, facts, aliases=bool(aliases), configured=wishes.need_builder
        ).create_builder:  # the environment selects an engine builder that cannot do the run
            runner.workflow.info("the selected builder cannot do the run: creating one")
            config = buildkitd_config(engine, addresses=aliases, wishes=wishes)
            name = builders.create("docker-container", options, config)
            facts = BuilderFacts(*inspect(runner, name), engine)
    setup = plan_setup(platforms, facts)
    if setup.qemu:
        binfmt = options.binfmt_image or BINFMT_IMAGE
        result = runner.run(qemu_argv(setup.qemu, binfmt), timeout=300)
        missing = qemu_not_registered(result.stdout, setup.qemu)
        if result.returncode != 0 or missing:
            detail = result.stderr.strip()[-300:]
            raise BuildError(
                f"could not register QEMU for {', '.join(missing or setup.qemu)}"
                + (f": {detail}" if detail else ""),
                QEMU_HINT,
            )
    elif platforms:
        runner.workflow.info(f"builder ready for {', '.join(map(str, platforms))}")
    return name
