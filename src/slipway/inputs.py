"""Action inputs: ``INPUT_*`` environment variables -> a validated, frozen `Inputs`.

GitHub passes input ``foo-bar`` as ``INPUT_FOO-BAR`` (upper-cased, hyphens kept).
Every problem is an `InputError` naming the input and the fix, raised before any
build starts.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from slipway.errors import InputError
from slipway.platforms import Platform, parse_platform
from slipway.refs import ImageName, parse_image_name

SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")

KNOWN_INPUTS = (
    "images", "context", "file", "platforms", "push", "registry", "username", "password",
    "scan", "severity", "fail-on", "trivy-db-repository", "trivy-cache-dir", "github-token",
)  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    """Everything the action was asked to do, validated."""

    images: tuple[ImageName, ...]
    context: str
    file: str
    platforms: tuple[Platform, ...]
    push: bool
    registry: str
    username: str
    password: str
    scan: bool
    severity: tuple[str, ...]
    fail_on: str
    trivy_db_repository: tuple[str, ...]
    trivy_cache_dir: str
    github_token: str


def input_env_name(name: str) -> str:
    """The environment variable GitHub sets for input ``name``."""
    return "INPUT_" + name.replace(" ", "_").upper()


def split_list(value: str, *, ignore_comma: bool = False) -> list[str]:
    """Split a list input on newlines (and commas, CSV-quoted), trimming blanks.

    Same rule as docker/metadata-action's ``getInputList``.
    """
    items: list[str] = []
    for line in value.splitlines():
        if ignore_comma:
            items.append(line)
            continue
        items.extend(next(csv.reader([line], skipinitialspace=True), []))
    return [item.strip() for item in items if item.strip()]


class InputReader:
    """Typed access to the raw input mapping, with errors that name the input."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str, default: str = "") -> str:
        """The trimmed string value, or ``default`` when unset or empty."""
        return self._env.get(input_env_name(name), "").strip() or default

    def boolean(self, name: str, default: bool) -> bool:
        """A YAML 1.2 core-schema boolean, as actions/toolkit's getBooleanInput."""
        raw = self.text(name)
        if not raw:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise InputError(
            name, f"{raw!r} is not a boolean", f"Use `{name}: true` or `{name}: false`."
        )

    def items(self, name: str, default: str = "") -> list[str]:
        """A list input (newline or comma separated)."""
        return split_list(self.text(name, default))

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        """One value out of ``allowed`` (case-insensitive), with a did-you-mean."""
        raw = self.text(name, default)
        for option in allowed:
            if raw.lower() == option.lower():
                return option
        raise InputError(
            name, f"{raw!r} is not one of {', '.join(allowed)}", _did_you_mean(raw, allowed)
        )


def _did_you_mean(raw: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(raw, list(allowed), n=1)
    return f"Did you mean {close[0]!r}?" if close else f"Allowed: {', '.join(allowed)}."


def _severities(reader: InputReader, name: str, default: str) -> tuple[str, ...]:
    values = [value.upper() for value in reader.items(name, default)]
    for value in values:
        if value not in SEVERITIES:
            raise InputError(name, f"unknown severity {value!r}", _did_you_mean(value, SEVERITIES))
    return tuple(sorted(set(values), key=SEVERITIES.index))


def _platforms(reader: InputReader) -> tuple[Platform, ...]:
    platforms: list[Platform] = []
    for raw in reader.items("platforms"):
        try:
            platform = parse_platform(raw)
        except ValueError as error:
            raise InputError(
                "platforms", str(error), "Example: `platforms: linux/amd64,linux/arm64`."
            ) from None
        if platform not in platforms:
            platforms.append(platform)
    return tuple(platforms)


def _images(reader: InputReader) -> tuple[ImageName, ...]:
    raw = reader.items("images")
    if not raw:
        raise InputError(
            "images",
            "no image name given",
            "Name the image(s) to build, one per line, e.g.\n  images: ghcr.io/${{ github.repository }}",
        )
    images: list[ImageName] = []
    for item in raw:
        name = item.removeprefix("name=") if re.match(r"^name=", item) else item
        try:
            images.append(parse_image_name(name))
        except ValueError as error:
            raise InputError(
                "images", str(error), "Use `registry/namespace/name`, lower case, no tag."
            ) from None
    return tuple(images)


def read_inputs(env: Mapping[str, str]) -> Inputs:
    """Read and validate every input; the first problem raises `InputError`."""
    reader = InputReader(env)
    fail_on = reader.text("fail-on", "CRITICAL").upper()
    if fail_on != "NONE" and fail_on not in SEVERITIES:
        raise InputError(
            "fail-on",
            f"{fail_on!r} is not a severity",
            "Use one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL, or none.",
        )
    inputs = Inputs(
        images=_images(reader),
        context=reader.text("context", "."),
        file=reader.text("file"),
        platforms=_platforms(reader),
        push=reader.boolean("push", default=False),
        registry=reader.text("registry"),
        username=reader.text("username"),
        password=reader.text("password"),
        scan=reader.boolean("scan", default=True),
        severity=_severities(reader, "severity", "HIGH,CRITICAL"),
        fail_on="none" if fail_on == "NONE" else fail_on,
        trivy_db_repository=tuple(reader.items("trivy-db-repository")),
        trivy_cache_dir=reader.text("trivy-cache-dir"),
        github_token=reader.text("github-token"),
    )
    _check_credentials(inputs)
    return inputs


def _check_credentials(inputs: Inputs) -> None:
    if bool(inputs.username) != bool(inputs.password):
        missing = "password" if inputs.username else "username"
        raise InputError(
            missing,
            f"'username' and 'password' go together; {missing} is empty",
            "Set both, or neither.",
        )
    if not inputs.push or inputs.username:
        return
    remote = sorted({image.registry for image in inputs.images if not image.is_loopback})
    if remote:
        raise InputError(
            "password",
            f"push to {', '.join(remote)} needs credentials",
            "Log in with, for example:\n"
            "  registry: ghcr.io\n  username: ${{ github.actor }}\n  password: ${{ secrets.GITHUB_TOKEN }}",
        )
