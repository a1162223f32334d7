"""Slipway's own Dockerfile checks: only what Trivy and hadolint do not cover.

Each check returns `ToolFinding`s with ``source="slipway"`` and our rule ID, so they
flow through the same mapping, policy and suppression as the tools' findings.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from slipway.core.numbers import is_int
from slipway.dockerfile import Dockerfile, Instruction, Stage
from slipway.policy import catalog
from slipway.policy.model import PolicyConfig, Source, ToolFinding
from slipway.policy.secrets import is_key_file, token_kind

BUILD_TOOLS = frozenset(
    {
        "gcc",
        "g++",
        "clang",
        "make",
        "cmake",
        "build-essential",
        "build-base",
        "musl-dev",
        "libc6-dev",
        "libc-dev",
        "golang",
        "golang-go",
        "go",
        "rustc",
        "cargo",
        "python3-dev",
        "python-dev",
        "autoconf",
        "automake",
        "libtool",
        "gcc-c++",
        "ninja-build",
    }
)
_INSTALL = re.compile(
    r"\b(?:apt-get|apt|aptitude)\s+(?:[-\w=]+\s+)*install\b|\bapk\s+(?:[-\w=]+\s+)*add\b"
    r"|\b(?:yum|dnf|microdnf)\s+(?:[-\w=]+\s+)*install\b|\bzypper\s+(?:[-\w=]+\s+)*(?:in|install)\b"
)
_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")


def _hit(rule: catalog.Rule, dockerfile: Dockerfile, line: int, detail: str) -> ToolFinding:
    return ToolFinding(Source.SLIPWAY, rule.id, line, detail, dockerfile.path)


def normalize_image(base: str) -> str:
    """``python:3`` -> ``docker.io/library/python:3`` (Docker's reference rules)."""
    first, _, rest = base.partition("/")
    if not rest:
        return f"docker.io/library/{base}"
    if "." in first or ":" in first or first == "localhost":
        return base
    return f"docker.io/{base}"


def is_trusted(base: str, trusted: tuple[str, ...]) -> bool:
    """True when ``base`` starts with one of ``trusted`` (a registry, or registry/namespace)."""
    name = normalize_image(base).split("@")[0]
    for prefix in trusted:
        wanted = normalize_image(prefix) if "/" in prefix else prefix
        wanted = wanted.removesuffix(":latest").rstrip("/")
        if name == wanted or name.startswith((wanted + "/", wanted + ":")):
            return True
    return False


def check_bases(dockerfile: Dockerfile, config: PolicyConfig) -> Iterator[ToolFinding]:
    """SW002 (registry not trusted) and SW004 (no digest) on every external base image."""
    for stage in dockerfile.stages:
        if _is_internal(dockerfile, stage):
            continue
        if config.trusted_registries and not is_trusted(stage.base, config.trusted_registries):
            yield _hit(catalog.UNTRUSTED_BASE, dockerfile, stage.line, stage.base)
        if "@sha256:" not in stage.base:
            yield _hit(catalog.NO_DIGEST, dockerfile, stage.line, stage.base)


def _is_internal(dockerfile: Dockerfile, stage: Stage) -> bool:
    earlier = dockerfile.stages[: stage.index]
    named = any(s.name and s.name.lower() == stage.base.lower() for s in earlier)
    return named or stage.base.lower() == "scratch" or "$" in stage.base or not stage.base


def check_secrets(dockerfile: Dockerfile) -> Iterator[ToolFinding]:
    """SW005 credential values in ARG/ENV, SW006 key files copied, SW007 tokens in RUN."""
    for instruction in dockerfile.instructions:
        if instruction.keyword in ("ARG", "ENV"):
            kind = token_kind(instruction.args)
            if kind:
                yield _hit(catalog.SECRET_ARG_ENV, dockerfile, instruction.line, kind)
        elif instruction.keyword in ("COPY", "ADD"):
            sources = _words(instruction.body)[:-1]
            if any(is_key_file(source) for source in sources):
                yield _hit(catalog.SECRET_FILE, dockerfile, instruction.line, "key file")
        elif instruction.keyword == "RUN":
            kind = token_kind(instruction.body, command=True)
            if kind:
                yield _hit(catalog.TOKEN_IN_RUN, dockerfile, instruction.line, kind)


def _words(text: str) -> list[str]:
    if text.startswith("["):
        return re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def check_ports(dockerfile: Dockerfile, config: PolicyConfig) -> Iterator[ToolFinding]:
    """SW008: EXPOSEd ports of the final image that ``allowed-ports`` does not list."""
    indexes = {s.index for s in dockerfile.final_stages()}
    for instruction in dockerfile.instructions:
        if instruction.keyword != "EXPOSE" or instruction.stage not in indexes:
            continue
        refused = [
            port
            for word in instruction.body.split()
            for port in expand_ports(word)
            if not 0 < port < 65536
            or (config.allowed_ports is not None and port not in config.allowed_ports)
        ]
        if refused:  # one finding per line, naming every refused port
            detail = ", ".join(str(port) for port in refused[:10])
            yield _hit(catalog.PORT, dockerfile, instruction.line, detail)


def expand_ports(word: str) -> list[int]:
    """``8080/tcp`` -> [8080], ``8000-8002`` -> [8000, 8001, 8002]; variables -> []."""
    spec = word.split("/", maxsplit=1)[0]
    low, _, high = spec.partition("-")
    if not is_int(low) or (high and not is_int(high)):  # ASCII digits: "²" is no port
        return []
    start, end = int(low), int(high or low)
    return list(range(start, min(end, start + 1024) + 1))


def check_instructions(dockerfile: Dockerfile) -> Iterator[ToolFinding]:
    """SW009 ``RUN --security=insecure``, SW015 ``ADD`` of a URL without ``--checksum``."""
    for instruction in dockerfile.instructions:
        if instruction.keyword == "RUN" and instruction.flag("security") == "insecure":
            yield _hit(catalog.PRIVILEGED, dockerfile, instruction.line, "--security=insecure")
        if instruction.keyword == "ADD" and instruction.flag("checksum") is None:
            sources = _words(instruction.body)[:-1]
            if any(re.match(r"^(?:https?|git|ssh)://|^git@", s) for s in sources):
                yield _hit(catalog.ADD_URL, dockerfile, instruction.line, "remote URL")


def installed_build_tools(instruction: Instruction) -> list[str]:
    """Build tools a RUN installs with a package manager."""
    found: list[str] = []
    for command in _SEPARATORS.split(instruction.body):
        match = _INSTALL.search(command)
        if not match:
            continue
        for word in command[match.end() :].split():
            name = re.split(r"[=<>]", word)[0]
            if name in BUILD_TOOLS and name not in found:
                found.append(name)
    return found


def check_build_tools(dockerfile: Dockerfile) -> Iterator[ToolFinding]:
    """SW010: compilers or build tools installed in the stages that make the final image."""
    indexes = {s.index for s in dockerfile.final_stages()}
    for instruction in dockerfile.instructions:
        if instruction.keyword == "RUN" and instruction.stage in indexes:
            tools = installed_build_tools(instruction)
            if tools:
                yield _hit(catalog.BUILD_TOOLS, dockerfile, instruction.line, ", ".join(tools))


def own_checks(dockerfile: Dockerfile, config: PolicyConfig) -> list[ToolFinding]:
    """Every Slipway check on ``dockerfile``."""
    return [
        *check_bases(dockerfile, config),
        *check_secrets(dockerfile),
        *check_ports(dockerfile, config),
        *check_instructions(dockerfile),
        *check_build_tools(dockerfile),
    ]
