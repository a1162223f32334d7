"""The values buildx takes for the build and its ``RUN`` steps, checked as buildx and BuildKit
read them (pure): the target stage's name, named contexts, SSH, ``/dev/shm``, ulimits, hosts,
entitlements. Each refusal is an `InputError` naming the input.

Whether ``target`` is a stage of the Dockerfile, and whether a local context or SSH path is
there, is checked with the files (`slipway.runner.validation`), before anything runs.
"""

from __future__ import annotations

import ipaddress
import re

from slipway.core.numbers import NumberError, parse_decimal, parse_int
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, argv_word, did_you_mean
from slipway.oci.refs import check_reference

# BuildKit's validStageName (frontend/dockerfile/instructions/parse.go), names compared lower-case
STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]{0,127}", re.ASCII)
URL_CONTEXT = re.compile(r"(?:https?|git|ssh)://|git@", re.ASCII)
_SSH_ID = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,127}", re.ASCII)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", re.ASCII)
_SHM = re.compile(r"([0-9.]{1,30}) ?([bkmg]?)b?", re.ASCII | re.IGNORECASE)
_SHM_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}
MAX_SHM = 2**40  # 1 TiB: no runner has that much memory for /dev/shm
_ULIMITS = (
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
)
ENTITLEMENTS = ("network.host", "security.insecure")
NETWORKS = ("default", "none", "host")
CONTEXT_HINT = (
    "One `name=value` per line: a folder, `docker-image://alpine:3.20`, "
    "`oci-layout://./layout`, or a git/HTTPS URL, e.g. `build-contexts: alpine=docker-image://alpine:3.20`."
)


def is_remote(context: str) -> bool:
    """A git or HTTP context (``https://...#ref``, ``git@host:repo``): BuildKit fetches it."""
    return bool(URL_CONTEXT.match(context))


def target(reader: InputReader) -> str:
    """``target``: a stage name as BuildKit accepts one (whether it exists: with the files)."""
    raw = reader.text("target")
    if raw and not STAGE_NAME.fullmatch(raw.lower()):
        raise InputError(
            "target",
            f"{raw[:40]!r} is not a stage name (a letter, then letters, digits, '-', '_', '.')",
            "Name a stage of the Dockerfile: `FROM ... AS runtime` -> `target: runtime`.",
        )
    return raw


def _context_value(number: int, value: str) -> None:
    if not value.strip():
        raise InputError("build-contexts", f"line {number}: the value is empty", CONTEXT_HINT)
    argv_word("build-contexts", value)
    if value.startswith("docker-image://"):
        try:
            check_reference(value.removeprefix("docker-image://"))
        except ValueError as error:
            raise InputError("build-contexts", f"line {number}: {error}", CONTEXT_HINT) from None
    elif value.startswith("oci-layout://") and not value.removeprefix("oci-layout://").strip():
        raise InputError(
            "build-contexts", f"line {number}: oci-layout:// needs a path", CONTEXT_HINT
        )


def build_contexts(reader: InputReader) -> tuple[tuple[str, str], ...]:
    """``name=value``: the name a stage's or an image's (as ``FROM`` names it), the value a
    folder, ``docker-image://REF``, ``oci-layout://PATH`` or a URL."""
    found = reader.pairs("build-contexts")
    for number, (name, value) in enumerate(found, start=1):
        try:
            valid = bool(STAGE_NAME.fullmatch(name.lower())) or bool(check_reference(name))
        except ValueError:
            valid = False
        if not valid:
            message = f"line {number}: {name[:40]!r} is neither a stage name nor an image name"
            raise InputError("build-contexts", message, CONTEXT_HINT)
        _context_value(number, value)
    return found


def ssh(reader: InputReader) -> tuple[str, ...]:
    """``default`` or ``ID[=PATH[,PATH]]``, as ``docker buildx build --ssh`` reads them."""
    found = tuple(reader.items("ssh", ignore_comma=True))
    for entry in found:
        ident, eq, paths = entry.partition("=")
        parts = paths.split(",") if eq else []
        if not _SSH_ID.fullmatch(ident) or any(not p.strip() or p.startswith("-") for p in parts):
            raise InputError(
                "ssh", f"{entry[:40]!r} is not default or ID[=PATH[,PATH]]", "e.g. `ssh: default`."
            )
    return found


def shm_size(reader: InputReader) -> str:
    """``/dev/shm`` for ``RUN`` steps: from 1 byte to `MAX_SHM` (``2g``, ``512m``)."""
    raw = reader.text("shm-size")
    if not raw:
        return raw
    match = _SHM.fullmatch(raw)
    try:
        size = parse_decimal(match.group(1)) * _SHM_UNITS[match.group(2).lower()] if match else 0
    except NumberError:
        size = 0
    if not 1 <= size <= MAX_SHM:
        raise InputError(
            "shm-size", f"{raw[:40]!r} is not a size from 1b to 1024g", "e.g. `shm-size: 2g`."
        )
    return raw


def _limit(text: str) -> int:
    return parse_int(text, low=-1, high=2**63 - 1, signed=True)


def ulimits(reader: InputReader) -> tuple[str, ...]:
    """``name=soft[:hard]``, as Docker's ulimit option (go-units ``ParseUlimit``) reads them:
    a known name, 64-bit numbers (-1: unlimited), soft no more than hard."""
    found = tuple(reader.items("ulimit", ignore_comma=True))
    for entry in found:
        name, _, limits = entry.partition("=")
        soft, _, hard = limits.partition(":")
        try:
            low, high = _limit(soft), _limit(hard or soft)
        except NumberError:
            low, high = 0, -2
        if name not in _ULIMITS or low > high:
            raise InputError(
                "ulimit",
                f"{entry[:40]!r} is not name=soft[:hard] with soft <= hard",
                f"e.g. `ulimit: nofile=1024:2048`. {did_you_mean(name, _ULIMITS)}",
            )
    return found


def _address(text: str) -> bool:
    if text == "host-gateway":  # Docker's name for the host's address
        return True
    try:
        ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def add_hosts(reader: InputReader) -> tuple[str, ...]:
    """``host:ip`` or ``host=ip`` (an IPv4 or IPv6 address, or ``host-gateway``)."""
    found = tuple(reader.items("add-hosts"))
    for entry in found:
        cut = min((i for i in (entry.find(":"), entry.find("=")) if i >= 0), default=-1)
        host, address = (entry[:cut], entry[cut + 1 :]) if cut > 0 else (entry, "")
        if not _HOST.fullmatch(host) or not _address(address):
            raise InputError(
                "add-hosts", f"{entry[:60]!r} is not host:ip", "e.g. `add-hosts: db:10.0.0.5`."
            )
    return found


def choices(reader: InputReader, name: str, allowed: tuple[str, ...]) -> list[str]:
    """A list input whose items are each one of ``allowed``."""
    found = reader.items(name)
    for entry in found:
        if entry not in allowed:
            raise InputError(
                name,
                f"{entry[:40]!r} is not one of {', '.join(allowed)}",
                did_you_mean(entry, allowed),
            )
    return found
