"""The value syntaxes of buildx's attestations and of the builder Slipway creates, checked as
buildx reads them (pure): provenance, SBOM and ``attests``, image references, driver options,
buildkitd flags and configuration. Each refusal is an `InputError` naming the input."""

from __future__ import annotations

import shlex
import tomllib

from slipway.buildx import attributes as buildx_csv
from slipway.core.lists import CsvError
from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.oci.refs import check_reference

_MODES = {"provenance": ("min", "max")}
ATTESTS_HINT = "Provenance takes mode=min or mode=max, e.g. `attests: type=provenance,mode=max`."


def attestation(reader: InputReader, name: str, hint: str) -> str:
    """``provenance``/``sbom`` as buildx reads them: a Go boolean, or attributes."""
    raw = reader.text(name)
    if not raw:
        return raw
    try:
        if "=" not in raw:
            buildx_csv.parse_bool(raw)
            return raw
        pairs = buildx_csv.attributes(raw)
    except CsvError:
        raise InputError(name, f"{raw[:60]!r} is not understood", hint) from None
    mode = buildx_csv.value_of(pairs, "mode")
    if mode is not None and mode not in _MODES.get(name, ()):
        raise InputError(name, f"mode={mode[:20]!r} is not understood", hint)
    return raw


def attests(reader: InputReader) -> tuple[str, ...]:
    """``attests``: ``type=provenance|sbom,...`` per line, read as buildx reads it (provenance's
    ``mode`` is ``min`` or ``max``)."""
    found = tuple(reader.items("attests", ignore_comma=True))
    for number, entry in enumerate(found, start=1):
        try:
            pairs = buildx_csv.attributes(entry)
        except CsvError as error:
            raise InputError("attests", f"entry {number}: {error}") from None
        kind, mode = buildx_csv.value_of(pairs, "type"), buildx_csv.value_of(pairs, "mode")
        if kind not in ("provenance", "sbom"):
            raise InputError(
                "attests",
                f"{entry[:60]!r} needs type=provenance or type=sbom",
                "e.g. `attests: type=sbom`.",
            )
        if mode is not None and (kind != "provenance" or mode not in _MODES["provenance"]):
            raise InputError(
                "attests", f"entry {number}: mode={mode[:20]!r} is not understood", ATTESTS_HINT
            )
    return found


def image_reference(reader: InputReader, name: str) -> str:
    raw = reader.text(name)
    if raw:
        try:
            check_reference(raw)
        except ValueError as error:
            raise InputError(name, str(error), "e.g. `moby/buildkit:v0.25.2`.") from None
    return raw


def driver_opts(reader: InputReader) -> tuple[str, ...]:
    """``driver-opts``: ``key=value`` per line, as setup-buildx-action passes them."""
    found = tuple(reader.items("driver-opts", ignore_comma=True))
    for entry in found:
        try:
            pairs = buildx_csv.attributes(entry)
        except CsvError as error:
            raise InputError("driver-opts", f"{entry[:60]!r}: {error}") from None
        if not all(
            key and "=" in field
            for (key, _), field in zip(pairs, buildx_csv.fields(entry), strict=True)
        ):
            raise InputError(
                "driver-opts", f"{entry[:60]!r} is not key=value", "e.g. `driver-opts: memory=4g`."
            )
    return found


def buildkitd_flags(reader: InputReader) -> str:
    """``buildkitd-flags``: buildkitd's own options, e.g. ``--debug``; each word an option
    or its value, quotes balanced."""
    raw = reader.text("buildkitd-flags")
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise InputError("buildkitd-flags", f"cannot be split into words: {error}") from None
    if words and not words[0].startswith("--"):
        raise InputError(
            "buildkitd-flags",
            f"{words[0][:40]!r} is not an option",
            "e.g. `buildkitd-flags: --debug`.",
        )
    return raw


BUILDKITD_CONFIG_EXAMPLE = """buildkitd-config-inline: |
  [worker.oci]
    max-parallelism = 4
  [registry."registry.example.com"]
    mirrors = ["mirror.example.com"]"""


def buildkitd_config_text(name: str, text: str) -> dict[str, object]:
    """``text`` read as buildkitd.toml: TOML, with ``registry`` a table of tables."""
    try:
        config = tomllib.loads(text)
    except (ValueError, RecursionError) as error:  # TOMLDecodeError; a 5,000-digit number; nesting
        why = (
            str(error)[:200]
            if isinstance(error, tomllib.TOMLDecodeError)
            else "a value is too large or nests too deeply"
        )
        raise InputError(name, f"is not valid TOML: {why}", BUILDKITD_CONFIG_EXAMPLE) from None
    registries = config.get("registry", {})
    if not isinstance(registries, dict) or not all(
        isinstance(v, dict) for v in registries.values()
    ):
        raise InputError(
            name, "`registry` must hold one table per registry host", BUILDKITD_CONFIG_EXAMPLE
        )
    return config


def buildkitd_config(reader: InputReader) -> tuple[str, str]:
    """(``buildkitd-config``, ``buildkitd-config-inline``): a file's path, or TOML text
    (checked here; the file is checked with the other files, before the build). That they go
    with a builder Slipway creates, and not together, is declared (slipway.inputs.spec)."""
    path, inline = reader.word("buildkitd-config"), reader.raw("buildkitd-config-inline")
    if inline.strip():
        buildkitd_config_text("buildkitd-config-inline", inline)
    return path, inline if inline.strip() else ""
