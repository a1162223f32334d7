"""The buildkitd.toml of a builder Slipway creates (pure).

A builder Slipway creates pulls the way the engine does: it inherits the engine's registry
mirrors and plain-HTTP registries (``docker info``), and reaches ``insecure-registries`` given
by name, such as a ``services:`` registry known only to the job network's DNS, through the
address that name has in the action's container. The user's `buildkitd-config(-inline)` is
merged in (their values win) and `registry-ca` is trusted for every registry the run names.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from slipway.buildx.builders import EngineFacts
from slipway.oci.refs import DOCKER_HUB


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
