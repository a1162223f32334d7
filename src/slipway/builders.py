"""Which buildx builder a run needs, and how Slipway configures one it creates (pure).

Slipway always exports the build to an OCI layout and pushes it itself (by digest, tags only
after the gate). buildx's default ``docker`` driver can do that only on an engine with the
containerd image store; on the classic store (GitHub's hosted runners, Docker 28 without
daemon.json) it refuses ``--output type=oci``, attestations and cache export, for one platform
as for several. There Slipway creates a ``docker-container`` builder, as setup-buildx-action
does by default, and removes it when the run ends.

A builder Slipway creates pulls the way the engine does: it runs on the host's network (so a
mirror or registry on the host's loopback answers), inherits the engine's registry mirrors and
plain-HTTP registries (``docker info``), and reaches ``insecure-registries`` given by name, such
as a ``services:`` registry known only to the job network's DNS, through the address that name
has in the action's container.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from slipway.errors import BuildError
from slipway.platforms import QEMU_NAMES, Platform, parse_platform
from slipway.refs import DOCKER_HUB


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


def _host(url_or_host: str) -> str:
    """``host[:port]`` of a mirror URL or a bare registry name."""
    if "://" in url_or_host:
        parts = urlsplit(url_or_host)
        return parts.netloc
    return url_or_host.rstrip("/")


def _in_cidrs(host: str, cidrs: Sequence[str]) -> bool:
    """True when ``host`` (``name[:port]``, ``[v6]:port`` or a bare v6 address) is in ``cidrs``."""
    if host.startswith("["):
        name = host[1 : host.index("]")]
    elif host.count(":") == 1:
        name = host.split(":", maxsplit=1)[0]
    else:
        name = host
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return name == "localhost"
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


@dataclass(frozen=True)
class ConfigWishes:
    """What the run asks of the buildkitd.toml of a builder Slipway creates, beyond the
    engine's own registry settings."""

    insecure_registries: tuple[str, ...] = ()  # plain HTTP (`insecure-registries`)
    user: Mapping[str, Any] = field(default_factory=dict)  # `buildkitd-config(-inline)`
    ca_file: str = ""  # `registry-ca`, trusted for every registry in ca_hosts
    ca_hosts: tuple[str, ...] = ()

    @property
    def need_builder(self) -> bool:
        """True when only a builder Slipway creates can do what is asked (the engine's own
        builder reads no buildkitd.toml)."""
        return bool(self.user) or bool(self.ca_file)


def _registry_sections(
    engine: EngineFacts, wishes: ConfigWishes, addresses: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}

    def section(host: str) -> dict[str, Any]:
        return sections.setdefault(host, {})

    mirror_hosts = [_host(m) for m in engine.mirrors]
    if mirror_hosts:
        section(DOCKER_HUB)["mirrors"] = mirror_hosts
    for url, host in zip(engine.mirrors, mirror_hosts, strict=True):
        if url.startswith("http://") or _in_cidrs(host, engine.insecure_cidrs):
            section(host).update(http=True, insecure=True)
    for host in engine.insecure_registries:
        section(host).update(http=True, insecure=True)
    for host in wishes.insecure_registries:
        section(host).update(http=True, insecure=True)
        address = addresses.get(host)
        if address and address != host:
            section(host)["mirrors"] = [address]
            section(address).update(http=True, insecure=True)
    if wishes.ca_file:
        for host in wishes.ca_hosts:
            section(host)["ca"] = [wishes.ca_file]
    return sections


def buildkitd_config(
    engine: EngineFacts,
    insecure_registries: Sequence[str] = (),
    addresses: Mapping[str, str] | None = None,
    wishes: ConfigWishes | None = None,
) -> str:
    """``buildkitd.toml`` for a builder Slipway creates ("" when there is nothing to say).

    * the engine's docker.io mirrors, plain HTTP where the mirror URL says ``http://`` or the
      engine treats the host as insecure;
    * ``insecure_registries`` (``host[:port]``): plain HTTP, and when ``addresses`` knows the
      address a name has in the action's container (a ``services:`` alias, which the
      builder on the host network cannot resolve), that address as the name's mirror;
    * `registry-ca` for each registry the run names;
    * merged into the user's own config: their values win, a ``ca`` list gets both.
    """
    wishes = wishes or ConfigWishes()
    if insecure_registries:
        wishes = replace(wishes, insecure_registries=tuple(insecure_registries))
    config = copy.deepcopy(dict(wishes.user))
    registries = config.setdefault("registry", {})
    for host, values in _registry_sections(engine, wishes, addresses or {}).items():
        theirs = registries.setdefault(host, {})
        for key, value in values.items():
            if key == "ca":
                theirs["ca"] = [*theirs.get("ca", []), *value]
            else:
                theirs.setdefault(key, value)
    if not registries:
        del config["registry"]
    return tomli_w.dumps(config) if config else ""


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
