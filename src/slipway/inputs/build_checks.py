"""The value syntaxes of buildx's options, checked as buildx reads them (pure): attestations,
sizes, ulimits, hosts, entitlements, SSH, image references, secrets from the environment.
Each refusal is an `InputError` naming the input."""

from __future__ import annotations

import re
import shlex
import tomllib

from slipway import buildx_csv
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, did_you_mean
from slipway.refs import check_reference

_MODES = {"provenance": ("min", "max")}
_SHM = re.compile(r"^[0-9]+(\.[0-9]+)?\s*[bkmg]?b?$", re.IGNORECASE)
_ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
            "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")  # fmt: skip
_LIMIT = re.compile(r"^-?[0-9]+$")


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
    except buildx_csv.CsvError:
        raise InputError(name, f"{raw[:60]!r} is not understood", hint) from None
    mode = buildx_csv.value_of(pairs, "mode")
    if mode is not None and mode not in _MODES.get(name, ()):
        raise InputError(name, f"mode={mode[:20]!r} is not understood", hint)
    return raw


def shm_size(reader: InputReader) -> str:
    raw = reader.text("shm-size")
    if raw and not _SHM.match(raw):
        raise InputError("shm-size", f"{raw[:40]!r} is not a size", "e.g. `shm-size: 2g`.")
    return raw


def ulimits(reader: InputReader) -> tuple[str, ...]:
    """``name=soft[:hard]``, as Docker's ulimit option reads them."""
    found = tuple(reader.items("ulimit", ignore_comma=True))
    for entry in found:
        name, _, limits = entry.partition("=")
        soft, _, hard = limits.partition(":")
        if name not in _ULIMITS or not _LIMIT.match(soft) or (hard and not _LIMIT.match(hard)):
            raise InputError(
                "ulimit",
                f"{entry[:40]!r} is not name=soft[:hard]",
                "e.g. `ulimit: nofile=1024:1024`.",
            )
    return found


ENTITLEMENTS = ("network.host", "security.insecure")
NETWORKS = ("default", "none", "host")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?[:=][0-9A-Fa-f.:]+$")


def secret_envs(reader: InputReader) -> tuple[tuple[str, str], ...]:
    """``secret-envs: id=ENV``: the secret's value is that variable of the step's
    environment (``env:``); it is then a secret like the others (masked, by env to buildx)."""
    found = []
    for secret_id, variable in reader.pairs("secret-envs"):
        value = reader.environment.get(variable.strip())
        if value is None:
            raise InputError(
                "secret-envs",
                f"{variable.strip()[:40]!r} is not in the step's environment",
                f"Add it to the step: `env: {{{variable.strip()[:40]}: ${{{{ secrets.X }}}}}}`.",
            )
        found.append((secret_id, value))
    return tuple(found)


def add_hosts(reader: InputReader) -> tuple[str, ...]:
    found = tuple(reader.items("add-hosts"))
    for entry in found:
        if not _HOST.match(entry):
            raise InputError(
                "add-hosts", f"{entry[:60]!r} is not host:ip", "e.g. `add-hosts: db:10.0.0.5`."
            )
    return found


def choices(reader: InputReader, name: str, allowed: tuple[str, ...]) -> list[str]:
    found = reader.items(name)
    for entry in found:
        if entry not in allowed:
            raise InputError(
                name,
                f"{entry[:40]!r} is not one of {', '.join(allowed)}",
                did_you_mean(entry, allowed),
            )
    return found


def attests(reader: InputReader) -> tuple[str, ...]:
    """``attests``: ``type=provenance|sbom,...`` per line, read as buildx reads it."""
    found = tuple(reader.items("attests", ignore_comma=True))
    for entry in found:
        try:
            kind = buildx_csv.value_of(buildx_csv.attributes(entry), "type")
        except buildx_csv.CsvError as error:
            raise InputError("attests", f"{entry[:60]!r}: {error}") from None
        if kind not in ("provenance", "sbom"):
            raise InputError(
                "attests",
                f"{entry[:60]!r} needs type=provenance or type=sbom",
                "e.g. `attests: type=sbom`.",
            )
    return found


_SSH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*(=[^,]+(,[^,]+)*)?$")


def ssh(reader: InputReader) -> tuple[str, ...]:
    """``default`` or ``ID[=PATH[,PATH]]``, as ``docker buildx build --ssh`` reads them."""
    found = tuple(reader.items("ssh", ignore_comma=True))
    for entry in found:
        if not _SSH.match(entry):
            raise InputError(
                "ssh", f"{entry[:40]!r} is not default or ID[=PATH]", "e.g. `ssh: default`."
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
        except buildx_csv.CsvError as error:
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
    except tomllib.TOMLDecodeError as error:
        raise InputError(name, f"is not valid TOML: {error}", BUILDKITD_CONFIG_EXAMPLE) from None
    registries = config.get("registry", {})
    if not isinstance(registries, dict) or not all(
        isinstance(v, dict) for v in registries.values()
    ):
        raise InputError(
            name, "`registry` must hold one table per registry host", BUILDKITD_CONFIG_EXAMPLE
        )
    return config


def buildkitd_config(reader: InputReader, driver: str) -> tuple[str, str]:
    """(``buildkitd-config``, ``buildkitd-config-inline``): a file's path, or TOML text
    (checked here; the file is checked with the other files, before the build)."""
    path, inline = reader.text("buildkitd-config"), reader.raw("buildkitd-config-inline")
    if (path or inline.strip()) and (driver == "remote" or reader.word("builder")):
        raise InputError(
            "buildkitd-config" if path else "buildkitd-config-inline",
            "configures only a builder Slipway creates, not `builder` or `driver: remote`",
            "Configure that BuildKit daemon where it runs, or leave `builder`/`driver` empty.",
        )
    if path and inline.strip():
        raise InputError(
            "buildkitd-config-inline",
            "is given together with buildkitd-config",
            "Keep one: the file (`buildkitd-config`) or the text (`buildkitd-config-inline`).",
        )
    if inline.strip():
        buildkitd_config_text("buildkitd-config-inline", inline)
    return path, inline if inline.strip() else ""
