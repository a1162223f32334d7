"""Image names and references, following the distribution reference grammar
(distribution/reference's ``regexp.go``).

Every expression here is linear: the domain is split into its labels and port before
anything is matched (the grammar's one nested repetition, ``(label\\.?)+``, backtracks
exponentially on a long name that fails late, such as one with a ``:`` in it), and a value
longer than any reference can be is refused before matching.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from slipway.core.numbers import is_int

DOCKER_HUB = "docker.io"
MAX_NAME = 255  # distribution's NameTotalLengthMax: registry and path together
MAX_REFERENCE = MAX_NAME + 1 + 128 + 1 + 71  # name, :tag (128 at most), @sha256:<64 hex>
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", re.ASCII)
_LABEL = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", re.ASCII)
_IPV6 = re.compile(r"\[[0-9a-fA-F:]{2,39}\]", re.ASCII)
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}", re.ASCII)


@dataclass(frozen=True, order=True)
class ImageName:
    """A repository in a registry, without tag or digest (``ghcr.io/org/app``)."""

    registry: str
    repository: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def host(self) -> str:
        """The registry host without port."""
        if self.registry.startswith("["):
            return self.registry[1 : self.registry.index("]")]
        return self.registry.rsplit(":", 1)[0]

    @property
    def is_loopback(self) -> bool:
        """True for registries on this machine (plain HTTP is allowed there)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def with_tag(self, tag: str) -> str:
        """``registry/repo:tag``."""
        return f"{self}:{tag}"

    def with_digest(self, digest: str) -> str:
        """``registry/repo@sha256:...``."""
        return f"{self}@{digest}"


def registry_of(reference: str) -> str:
    """The registry part of an image or artifact reference (``host[:port]``), Docker Hub by default."""
    first, _, rest = reference.partition("/")
    if rest and (("." in first or ":" in first) or first == "localhost"):
        return first
    return DOCKER_HUB


def allows_plain_http(registry: str, insecure_registries: tuple[str, ...] = ()) -> bool:
    """True where Slipway may talk plain HTTP: a loopback registry, as Docker allows, or one
    listed in ``insecure-registries`` (a ``services:`` registry, reached by its alias)."""
    return registry in insecure_registries or ImageName(registry, "x").is_loopback


def check_registry(value: str) -> str:
    """``value`` when it is a registry ``host[:port]`` (a DNS name, an IP address or
    ``[IPv6]``; a port 1-65535), else ValueError saying why: no scheme, path, space or
    empty label."""
    if len(value) > MAX_NAME:
        raise ValueError(f"{value[:40]!r}... is longer than {MAX_NAME} characters")
    if "://" in value:
        raise ValueError(f"{value[:60]!r} has a scheme; give the host alone (ghcr.io)")
    host, port = value, ""
    if value.startswith("["):
        host, bracket, rest = value.partition("]")
        host += bracket
        if rest and not rest.startswith(":"):
            raise ValueError(f"{value[:60]!r} is not a registry host[:port]")
        port = rest[1:] if rest else ""
        valid_host = bool(_IPV6.fullmatch(host))
    else:
        host, colon, port = value.partition(":")
        valid_host = all(_LABEL.fullmatch(label) for label in host.split("."))
        if colon and not port:
            valid_host = False
    if not valid_host or (port and not is_int(port, low=1, high=65535)):
        raise ValueError(
            f"{value[:60]!r} is not a registry host[:port] (letters, digits, '-' and '.', "
            "a port from 1 to 65535)"
        )
    return value


def parse_image_name(value: str) -> ImageName:
    """Parse ``[registry/]path`` (no tag, no digest); Docker Hub names are normalised."""
    if len(value) > MAX_NAME:
        raise ValueError(f"{value[:40]!r}... is longer than {MAX_NAME} characters")
    if "://" in value:
        raise ValueError(f"{value[:60]!r} has a scheme; give registry/name (ghcr.io/acme/app)")
    if "@" in value:
        raise ValueError(f"{value!r} has a digest; give the name only")
    first, _, rest = value.partition("/")
    if rest and (("." in first or ":" in first) or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, value
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        raise ValueError(
            f"{value!r} has a tag; give the name only, tags come from the `tags` input"
        )
    check_registry(registry)
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    for component in path.split("/"):
        if not _COMPONENT.fullmatch(component):
            raise ValueError(
                f"{value!r} is not a valid image name: {component!r} must be lower-case letters, "
                "digits and single separators (. _ __ -)"
            )
    if len(str(ImageName(registry, path))) > 255:
        raise ValueError(f"{value!r} is longer than 255 characters")
    return ImageName(registry, path)


TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", re.ASCII)  # a tag (distribution grammar)
_TAG_PART = TAG


def split_reference(value: str) -> tuple[str, str, str]:
    """``name[:tag][@digest]`` as (name, tag, digest), "" for what is missing; nothing is
    checked (`check_reference` does)."""
    name, _, digest = value.partition("@")
    head, slash, last = name.rpartition("/")
    repository, _, tag = last.partition(":")
    return f"{head}{slash}{repository}", tag, digest


def check_reference(value: str) -> str:
    """``value`` when it is ``name[:tag][@digest]`` (a ValueError saying why, when not)."""
    if len(value) > MAX_REFERENCE:
        raise ValueError(f"{value[:40]!r}... is longer than any image reference")
    name, _, digest = value.partition("@")
    if digest and not is_digest(digest):
        raise ValueError(f"{value!r} has an invalid digest")
    head, _, last = name.rpartition("/")
    repository, colon, tag = last.partition(":")
    if colon and not _TAG_PART.fullmatch(tag):
        raise ValueError(f"{value!r} has an invalid tag {tag!r}")
    parse_image_name(f"{head}/{repository}" if head else repository)
    return value


def is_digest(value: str) -> bool:
    """True for a ``sha256:<64 hex>`` digest."""
    return bool(_DIGEST.fullmatch(value))
