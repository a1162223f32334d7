"""Builder setup: QEMU and a multi-platform builder only when the requested platforms need them.

What docker/setup-qemu-action and setup-buildx-action do, decided from facts instead
of done every time: the platforms the selected builder already supports (``docker
buildx inspect``) and whether the engine stores images with containerd (without it,
the default ``docker`` driver cannot build several platforms into one image).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from slipway.alongside import Alongside
from slipway.errors import BuildError
from slipway.plan import Plan
from slipway.platforms import QEMU_NAMES, Platform, parse_platform
from slipway.tools.run import Runner

BUILDER_NAME = "slipway-multiplatform"
DRIVER_STATUS = "{{json .DriverStatus}}"
BINFMT_IMAGE = "tonistiigi/binfmt:qemu-v8.1.5"
NO_MULTIPLATFORM = (
    "the Docker engine has no containerd image store, so its default builder cannot build "
    "{count} platforms into one image; Slipway uses a docker-container builder ({name})"
)


@dataclass(frozen=True)
class BuilderFacts:
    """What ``docker buildx inspect`` and ``docker info`` say."""

    name: str
    driver: str
    platforms: tuple[Platform, ...]
    containerd_store: bool


@dataclass(frozen=True)
class Setup:
    """What must be done before building: QEMU handlers and/or a builder to create."""

    qemu: tuple[str, ...] = ()  # QEMU handler names to install (aarch64, arm, ...)
    create_builder: bool = False

    @property
    def needed(self) -> bool:
        """True when anything has to be done."""
        return bool(self.qemu) or self.create_builder


def parse_inspect(text: str) -> tuple[str, str, tuple[Platform, ...]]:
    """(name, driver, platforms) from ``docker buildx inspect`` output."""
    name = re.search(r"^Name:\s*(\S+)", text, flags=re.MULTILINE)
    driver = re.search(r"^Driver:\s*(\S+)", text, flags=re.MULTILINE)
    platforms: list[Platform] = []
    for line in re.findall(r"^Platforms:\s*(.*)$", text, flags=re.MULTILINE):
        for item in line.split(","):
            try:
                platforms.append(parse_platform(item.strip().rstrip("*")))
            except ValueError:
                continue  # a platform Slipway does not know cannot be requested either
    return (name.group(1) if name else "", driver.group(1) if driver else "", tuple(platforms))


def supports(platforms: Sequence[Platform], wanted: Platform) -> bool:
    """True when the builder lists ``wanted`` (a variant-less entry covers amd64 variants)."""
    return any(p == wanted or (p.os, p.arch, "") == (wanted.os, wanted.arch, "") for p in platforms)


def plan_setup(requested: Sequence[Platform], facts: BuilderFacts) -> Setup:
    """Decide QEMU and builder setup (pure)."""
    missing = [p for p in requested if not supports(facts.platforms, p)]
    qemu = tuple(dict.fromkeys(QEMU_NAMES[p.arch] for p in missing if p.arch in QEMU_NAMES))
    unsupported = [p for p in missing if p.arch not in QEMU_NAMES]
    if unsupported:
        raise BuildError(f"no way to build {', '.join(map(str, unsupported))} on this runner")
    multi = len(requested) > 1 and facts.driver == "docker" and not facts.containerd_store
    return Setup(qemu=qemu, create_builder=multi)


def read_facts(runner: Runner, builder: str, *, platforms: int = 2) -> BuilderFacts:
    """Ask buildx and, for several ``platforms``, the engine (at the same time)."""
    info = (
        Alongside(
            runner, lambda r: r.run(["docker", "info", "--format", DRIVER_STATUS], timeout=60)
        )
        if platforms > 1
        else None
    )
    argv = [
        "docker",
        "buildx",
        "inspect",
        "--bootstrap",
        *(["--builder", builder] if builder else []),
    ]
    inspected = runner.run(argv, timeout=300)
    if inspected.returncode != 0:
        raise BuildError(f"docker buildx inspect failed: {inspected.stderr.strip()[-300:]}")
    name, driver, supported = parse_inspect(inspected.stdout)
    status = info.result().stdout if info is not None else ""
    return BuilderFacts(name, driver, supported, "io.containerd.snapshotter" in status)


def qemu_argv(handlers: Sequence[str], image: str = BINFMT_IMAGE) -> list[str]:
    """Register QEMU handlers the way setup-qemu-action does (a privileged helper container)."""
    return ["docker", "run", "--rm", "--privileged", image, "--install", ",".join(handlers)]


def create_builder_argv(
    name: str = BUILDER_NAME, driver: str = "docker-container", endpoint: str = ""
) -> list[str]:
    """A builder with ``driver`` (docker-container: several platforms in one image;
    remote: an existing BuildKit daemon at ``endpoint``)."""
    argv = ["docker", "buildx", "create", "--name", name, "--driver", driver, "--bootstrap"]
    return [*argv, endpoint] if endpoint else argv


def driver_builder_name(driver: str) -> str:
    """The builder Slipway creates (and reuses) for ``driver``."""
    return BUILDER_NAME if driver == "docker-container" else f"slipway-{driver}"


def set_up(runner: Runner, plan: Plan) -> Plan:
    """QEMU and a multi-platform builder, only when the requested platforms need them;
    returns ``plan`` with the builder to use."""
    if plan.build.driver != "docker" and not plan.build.builder:
        plan = replace(plan, build=replace(plan.build, builder=ensure_builder(runner, plan)))
    if not plan.platforms:
        return plan
    facts = read_facts(runner, plan.build.builder, platforms=len(plan.platforms))
    setup = plan_setup(plan.platforms, facts)
    if not setup.needed:
        runner.workflow.info(
            f"builder ready for {', '.join(map(str, plan.platforms))}: nothing to set up"
        )
        return plan
    if setup.qemu:
        result = runner.run(qemu_argv(setup.qemu), timeout=300)
        if result.returncode != 0:
            raise BuildError(f"could not register QEMU for {', '.join(setup.qemu)}", QEMU_HINT)
    if not setup.create_builder:
        return plan
    runner.workflow.notice(NO_MULTIPLATFORM.format(count=len(plan.platforms), name=BUILDER_NAME))
    multi = replace(plan, build=replace(plan.build, driver="docker-container", builder=""))
    return replace(plan, build=replace(plan.build, builder=ensure_builder(runner, multi)))


def ensure_builder(runner: Runner, plan: Plan) -> str:
    """The builder for ``plan.build.driver``: reused when it exists, else created."""
    name = driver_builder_name(plan.build.driver)
    if runner.run(["docker", "buildx", "inspect", name], timeout=60).returncode == 0:
        return name
    argv = create_builder_argv(name, plan.build.driver, plan.build.endpoint)
    if runner.run(argv, timeout=600).returncode != 0:
        raise BuildError(f"could not create a {plan.build.driver} builder", QEMU_HINT)
    return name


QEMU_HINT = (
    "Register QEMU on the runner first (e.g. docker/setup-qemu-action), or build each "
    "platform on a native runner with push-by-digest and merge-digests."
)
