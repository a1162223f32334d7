"""The policy and size inputs -> a frozen `PolicyInputs`; each problem names the input.

``policy``: one ``RULE=SEVERITY`` / ``RULE=off`` per line (rule ID or slug), or ``none``.
``trusted-registries``: registries (or registry/namespace prefixes) base images may come
from. ``allowed-ports``: ports (and ``8000-8100`` ranges) EXPOSE may declare.
``size-baseline``: the tag (or full reference) to compare sizes with.
``max-size`` / ``max-size-increase``: ``500MB``, ``1.2GiB``; the increase also as ``10%``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from slipway.core.numbers import NumberError, is_int, parse_decimal
from slipway.core.severity import POLICY, Severity
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, did_you_mean
from slipway.policy.catalog import RULES, find_rule
from slipway.policy.model import OFF, PolicyConfig, RuleSeverity
from slipway.size.limits import SizeLimits, parse_size

POLICY_HINT = "One rule per line, e.g.\n  policy: |\n    SW016=off\n    SW001=CRITICAL"
PORTS_HINT = "Ports or ranges, e.g. `allowed-ports: 8080, 8443, 9000-9100`."
SIZE_HINT = "A size such as `500MB` or `1.2GiB`{extra}."


@dataclass(frozen=True)
class PolicyInputs:
    """The Dockerfile policy and the image size checks, as asked for."""

    policy: PolicyConfig = field(default_factory=PolicyConfig)
    size_baseline: str = ""
    limits: SizeLimits = field(default_factory=SizeLimits)


def _policy(reader: InputReader) -> tuple[dict[str, RuleSeverity], bool]:
    overrides: dict[str, RuleSeverity] = {}
    entries = reader.items("policy")
    if [e.lower() for e in entries] == ["none"]:
        return overrides, False
    for entry in entries:
        name, sep, value = entry.partition("=")
        rule = find_rule(name.strip())
        if rule is None:
            choices = [r.id for r in RULES] + [r.slug for r in RULES]
            raise InputError(
                "policy", f"unknown rule {name.strip()!r}", did_you_mean(name, choices)
            )
        level = value.strip().upper() if sep else "ON"
        if level in ("OFF", "FALSE"):
            overrides[rule.id] = OFF
        elif level in ("ON", "TRUE"):
            overrides[rule.id] = rule.severity if rule.severity != OFF else Severity.LOW
        elif level in POLICY:
            overrides[rule.id] = Severity(level)
        else:
            allowed = (*(s.value for s in POLICY), "off", "on")
            raise InputError(
                "policy",
                f"{value.strip()!r} is not a severity for {rule.id}",
                did_you_mean(level, allowed),
            )
    return overrides, True


def _ports(reader: InputReader) -> frozenset[int] | None:
    items = reader.items("allowed-ports")
    if not items:
        return None
    ports: set[int] = set()
    for item in items:
        low, _, high = item.split("/", maxsplit=1)[0].partition("-")
        valid = is_int(low, low=1, high=65535) and (not high or is_int(high, low=1, high=65535))
        start, end = (int(low), int(high or low)) if valid else (0, 0)
        if not (0 < start <= end < 65536):  # no silent cut: the whole range or an error
            raise InputError("allowed-ports", f"{item!r} is not a port or range", PORTS_HINT)
        ports.update(range(start, end + 1))
    return frozenset(ports)


def _size(
    reader: InputReader, name: str, *, percent: bool = False
) -> tuple[int | None, float | None]:
    raw = reader.text(name)
    if not raw:
        return None, None
    if percent and raw.endswith("%"):
        try:  # ASCII digits only: nan%, inf% and 1e9% would turn the gate off
            value = parse_decimal(raw[:-1].strip())
        except NumberError:
            value = -1.0
        if not math.isfinite(value) or value < 0:
            raise InputError(name, f"{raw!r} is not a percentage", "e.g. `10%`.")
        return None, value
    try:
        return parse_size(raw), None
    except ValueError:
        extra = " or a percentage such as `10%`" if percent else ""
        raise InputError(name, f"{raw!r} is not a size", SIZE_HINT.format(extra=extra)) from None


_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._/-]+)?/?$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _registry_prefix(entry: str) -> str:
    """A registry, or a registry and repository prefix (``ghcr.io/acme``)."""
    if not _PREFIX.match(entry.lower()):
        raise InputError(
            "trusted-registries",
            f"{entry[:60]!r} is not a registry or repository prefix",
            "e.g. `trusted-registries: ghcr.io/acme, docker.io/library`.",
        )
    return entry.rstrip("/")


def _tag(reader: InputReader, name: str) -> str:
    raw = reader.text(name)
    if raw and not _TAG.match(raw):
        raise InputError(name, f"{raw[:60]!r} is not a tag", "e.g. `size-baseline: main`.")
    return raw


def read_policy_inputs(reader: InputReader) -> PolicyInputs:
    """Read ``policy``, ``trusted-registries``, ``allowed-ports`` and the size inputs."""
    overrides, enabled = _policy(reader)
    trusted = tuple(_registry_prefix(r) for r in reader.items("trusted-registries"))
    max_size, _ = _size(reader, "max-size")
    increase, percent = _size(reader, "max-size-increase", percent=True)
    return PolicyInputs(
        policy=PolicyConfig(overrides, trusted, _ports(reader), enabled),
        size_baseline=_tag(reader, "size-baseline"),
        limits=SizeLimits(max_size, increase, percent),
    )
