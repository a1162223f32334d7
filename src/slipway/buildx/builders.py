"""Which buildx builder a run needs, and how Slipway configures one it creates (pure).

A builder Slipway creates pushes the build by digest itself; the engine's own builder (and a
`builder` of the user's) writes an OCI layout that Slipway pushes (tags only after the gate
either way). buildx's default ``docker`` driver can build what a run asks only on an engine
with the containerd image store; on the classic store (GitHub's hosted runners, Docker 28
without daemon.json) it refuses ``--output type=oci``, attestations and cache export, for one
platform as for several. There Slipway creates a ``docker-container`` builder, as
setup-buildx-action does by default.

A builder Slipway creates is named after its configuration (`builder_name`) and kept: on a
GitHub-hosted runner the machine is thrown away with the job, so removing it is wasted time; on
a self-hosted runner or a laptop the next run with the same configuration finds it, with its
build cache, instead of starting cold.

A builder Slipway creates runs on the host's network (so a mirror or registry on the host's
loopback answers) and pulls the way the engine does (its buildkitd.toml: `slipway.buildx.buildkitd`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slipway.errors import BuildError
from slipway.oci.platforms import QEMU_NAMES, Platform, parse_platform

DEFAULT_BUILDKIT_IMAGE = "moby/buildkit:buildx-stable-1"  # what buildx runs when told none


@dataclass(frozen=True)
class EngineFacts:
    """What ``docker info`` says that matters to a builder."""

    containerd_store: bool = False
    mirrors: tuple[str, ...] = ()  # docker.io mirrors, as URLs ("http://127.0.0.1:5000/")
    insecure_cidrs: tuple[str, ...] = ()  # registries by address that need no TLS
    insecure_registries: tuple[str, ...] = ()  # registries by name that need no TLS


@dataclass(frozen=True)
class BuilderFacts:
    """What ``docker buildx inspect`` says about the selected builder, and the engine's facts."""

    name: str
    driver: str
    platforms: tuple[Platform, ...]
    engine: EngineFacts = EngineFacts()


@dataclass(frozen=True)
class Setup:
    """What must be done before building: QEMU handlers and/or a builder to create."""

    qemu: tuple[str, ...] = ()  # QEMU handler names to install (aarch64, arm, ...)
    create_builder: bool = False


def parse_engine_info(text: str) -> EngineFacts:
    """Read ``docker info --format '{{json .}}'``; missing parts read as absent."""
    try:
        info: dict[str, Any] = json.loads(text or "{}")
    except ValueError:
        return EngineFacts()
    status = info.get("DriverStatus") or []
    containerd = any("io.containerd.snapshotter" in str(pair) for pair in status)
    registry = info.get("RegistryConfig") or {}
    mirrors = tuple(str(m) for m in registry.get("Mirrors") or ())
    cidrs = tuple(str(c) for c in registry.get("InsecureRegistryCIDRs") or ())
    insecure = tuple(
        sorted(
            str(name)
            for name, config in (registry.get("IndexConfigs") or {}).items()
            if isinstance(config, dict) and config.get("Secure") is False
        )
    )
    return EngineFacts(containerd, mirrors, cidrs, insecure)


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


def plan_setup(
    requested: Sequence[Platform],
    facts: BuilderFacts,
    *,
    aliases: bool = False,
    configured: bool = False,
) -> Setup:
    """Decide QEMU and builder setup.

    A docker-container builder is created whenever the selected builder is the docker driver
    of a classic-store engine, which cannot write the OCI layout every run exports, or when
    ``aliases``: a registry the build may pull from is known by a name only the action's
    container resolves (a ``services:`` alias), which the engine, on the host's network,
    cannot reach, or when ``configured``: the run asks for a buildkitd.toml the engine's own
    builder does not read (`buildkitd-config`, `registry-ca`).
    """
    missing = [p for p in requested if not supports(facts.platforms, p)]
    qemu = tuple(dict.fromkeys(QEMU_NAMES[p.arch] for p in missing if p.arch in QEMU_NAMES))
    unsupported = [p for p in missing if p.arch not in QEMU_NAMES]
    if unsupported:
        raise BuildError(f"no way to build {', '.join(map(str, unsupported))} on this runner")
    engine_builds = facts.driver == "docker"
    return Setup(
        qemu=qemu,
        create_builder=engine_builds
        and (not facts.engine.containerd_store or aliases or configured),
    )


@dataclass(frozen=True)
class BuilderSpec:
    """A builder to create: its name, driver and how it is configured."""

    name: str
    driver: str = "docker-container"
    image: str = ""  # the BuildKit image (docker-container); "" = buildx's default
    endpoint: str = ""  # remote driver: where the BuildKit daemon listens
    config_file: str = ""  # buildkitd.toml (docker-container)
    driver_opts: tuple[str, ...] = ()  # the user's `driver-opts` (docker-container)
    buildkitd_flags: str = ""  # the user's `buildkitd-flags` (docker-container)


def create_argv(spec: BuilderSpec) -> list[str]:
    """``docker buildx create`` for ``spec`` (bootstrapped, so a broken builder fails here)."""
    argv = ["docker", "buildx", "create", "--name", spec.name, "--driver", spec.driver]
    if spec.driver == "docker-container":
        argv += ["--driver-opt", "network=host"]
        if spec.image:
            argv += ["--driver-opt", f"image={spec.image}"]
        if spec.config_file:
            argv += ["--buildkitd-config", spec.config_file]
        for option in spec.driver_opts:  # the user's, after Slipway's: theirs win
            argv += ["--driver-opt", option]
        if spec.buildkitd_flags:
            argv += ["--buildkitd-flags", spec.buildkitd_flags]
    argv.append("--bootstrap")
    if spec.endpoint:
        argv.append(spec.endpoint)
    return argv


def remove_argv(name: str) -> list[str]:
    """``docker buildx rm``: the builder's container and its state volume go with it."""
    return ["docker", "buildx", "rm", "--force", name]


def qemu_argv(handlers: Sequence[str], image: str) -> list[str]:
    """Register QEMU handlers the way setup-qemu-action does (a privileged helper container)."""
    return ["docker", "run", "--rm", "--privileged", image, "--install", ",".join(handlers)]


def qemu_not_registered(stdout: str, handlers: Sequence[str]) -> list[str]:
    """The ``handlers`` the binfmt image's report leaves unregistered. tonistiigi/binfmt exits
    0 even when a registration failed, and then prints its status as JSON: ``emulators``, the
    registered handlers (``qemu-aarch64``). An image that prints no such report is taken at its
    exit code (nothing is missing)."""
    start, end = stdout.find("{"), stdout.rfind("}")
    try:
        report = json.loads(stdout[start : end + 1]) if 0 <= start < end else None
    except ValueError:
        report = None
    if not isinstance(report, dict) or not isinstance(report.get("emulators"), list):
        return []
    emulators = {str(name) for name in report["emulators"]}
    return [h for h in handlers if f"qemu-{h}" not in emulators]


BUILDER_PREFIX = "slipway-"  # names of the builders Slipway creates (and keeps)


def builder_name(spec: BuilderSpec, config: str) -> str:
    """``slipway-<12 hex>``: the same configuration (driver, image, buildkitd.toml, driver
    options and flags, endpoint) gives the same name, so a later run finds the builder."""
    material = "\0".join(
        [spec.driver, spec.image, spec.endpoint, config, *spec.driver_opts, spec.buildkitd_flags]
    )
    return BUILDER_PREFIX + hashlib.sha256(material.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class BuilderChoice:
    """Which builder a run builds with, decided before anything is built.

    ``selected``: buildx's selected builder (the engine's own, or one the environment selects),
    inspected when the build starts; ``named``: the user's `builder`; ``create``: one Slipway
    creates with ``driver`` (and pushes by digest with).
    """

    kind: Literal["selected", "named", "create"]
    driver: str = ""
    why: str = ""  # said in the log when Slipway creates a builder the user did not ask for


WHY_CLASSIC = (
    "the engine keeps images in its classic store, whose docker driver cannot export an OCI layout"
)
WHY_ALIASES = (
    "insecure-registries names a registry only this job's network resolves, which the engine "
    "cannot reach"
)
WHY_CONFIGURED = "buildkitd-config or registry-ca configures the builder"


def choose_builder(
    builder: str,
    driver: str,
    engine: EngineFacts,
    *,
    selects_default: bool,
    aliases: bool,
    configured: bool,
) -> BuilderChoice:
    """The builder for a run: the user's `builder`; else, with the default `driver: docker`
    and buildx selecting the engine's own builder, that one when the engine can do the run and a
    docker-container builder otherwise; else a builder of `driver`."""
    if builder:
        return BuilderChoice("named")
    if driver != "docker":
        return BuilderChoice("create", driver)
    if not selects_default:
        return BuilderChoice("selected")
    why = (
        WHY_CLASSIC
        if not engine.containerd_store
        else WHY_ALIASES
        if aliases
        else WHY_CONFIGURED
        if configured
        else ""
    )
    return BuilderChoice("create", "docker-container", why) if why else BuilderChoice("selected")
