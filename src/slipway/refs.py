"""Image names and references, following the distribution reference grammar."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_DOMAIN = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.?)+(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$"
)
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


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


def parse_image_name(value: str) -> ImageName:
    """Parse ``[registry/]path`` (no tag, no digest); Docker Hub names are normalised."""
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
    if not _DOMAIN.match(registry):
        raise ValueError(f"{registry!r} is not a valid registry host")
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    for component in path.split("/"):
        if not _COMPONENT.match(component):
            raise ValueError(
                f"{value!r} is not a valid image name: {component!r} must be lower-case letters, "
                "digits and single separators (. _ __ -)"
            )
    if len(str(ImageName(registry, path))) > 255:
        raise ValueError(f"{value!r} is longer than 255 characters")
    return ImageName(registry, path)


_TAG_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def check_reference(value: str) -> str:
    """``value`` when it is ``name[:tag][@digest]`` (a ValueError saying why, when not)."""
    name, _, digest = value.partition("@")
    if digest and not is_digest(digest):
        raise ValueError(f"{value!r} has an invalid digest")
    head, _, last = name.rpartition("/")
    repository, colon, tag = last.partition(":")
    if colon and not _TAG_PART.match(tag):
        raise ValueError(f"{value!r} has an invalid tag {tag!r}")
    parse_image_name(f"{head}/{repository}" if head else repository)
    return value


def is_digest(value: str) -> bool:
    """True for a ``sha256:<64 hex>`` digest."""
    return bool(_DIGEST.match(value))
