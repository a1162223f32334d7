"""Build inputs, named as docker/build-push-action names them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slipway import buildx_csv, gha_cache
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, argv_word, did_you_mean
from slipway.refs import check_reference

DRIVERS = ("docker", "docker-container", "remote")
_CACHE_TYPES = ("registry", "gha", "local", "inline", "s3", "azblob")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class BuildOptions:
    """Everything passed on to ``docker buildx build`` besides tags, labels and platforms."""

    target: str = ""
    build_args: tuple[tuple[str, str], ...] = ()
    build_contexts: tuple[tuple[str, str], ...] = ()
    # (id, value): values reach buildx through its environment only, never argv or logs.
    secrets: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    secret_files: tuple[tuple[str, str], ...] = ()  # (id, path)
    ssh: tuple[str, ...] = ()
    no_cache: bool = False
    pull: bool = False
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    provenance: str = ""  # "" = automatic (mode=min for private repositories, max for public)
    sbom: str = ""
    shm_size: str = ""
    ulimit: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()  # host:ip, for RUN steps' /etc/hosts
    allow: tuple[str, ...] = ()  # network.host, security.insecure entitlements
    network: str = ""  # RUN steps' network: default, none, host
    no_cache_filters: tuple[str, ...] = ()  # stages built without the cache
    cgroup_parent: str = ""
    attests: tuple[str, ...] = ()  # --attest type=...
    builder: str = ""
    load: bool = False  # also load the result into the local image store, under its tags
    outputs: tuple[str, ...] = ()  # extra buildx outputs, besides Slipway's own OCI layout
    driver: str = "docker"
    endpoint: str = ""
    buildkit_image: str = ""  # the image of a docker-container builder Slipway creates
    # A token= given in a type=gha entry: taken out of the entry, it reaches buildx by its
    # environment only (slipway.gha_cache).
    gha_token: str = field(default="", repr=False)


def _without_gha_token(entries: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """``entries`` with a gha ``token=`` taken out of each, and the (last) token found."""
    split = [gha_cache.split_token(entry) for entry in entries]
    tokens = [token for _, token in split if token]
    return tuple(entry for entry, _ in split), tokens[-1] if tokens else ""


def _cache_entries(reader: InputReader, name: str) -> tuple[str, ...]:
    entries = tuple(reader.items(name, ignore_comma=True))
    for entry in entries:
        if "=" not in entry:  # a bare reference means type=registry,ref=...
            continue
        try:
            kind = dict(buildx_csv.attributes(entry)).get("type", "registry")
        except buildx_csv.CsvError as error:
            raise InputError(
                name,
                f"buildx cannot read {entry[:60]!r}: {error}",
                'Quote a value holding commas as a whole field: "dest=/a,b".',
            ) from None
        if kind not in _CACHE_TYPES:
            raise InputError(
                name, f"unknown cache type {kind!r}", f"Use one of {', '.join(_CACHE_TYPES)}."
            )
    gha_cache.check_service(name, entries, reader.environment)
    return entries


def _secrets(reader: InputReader) -> tuple[tuple[str, str], ...]:
    secrets = reader.pairs("secrets") + _secret_envs(reader)
    for secret_id, _ in (*secrets, *reader.pairs("secret-files")):
        if not _SECRET_ID.match(secret_id):
            raise InputError(
                "secrets", f"secret id {secret_id[:40]!r} has characters BuildKit does not accept"
            )
    return secrets


OUTPUT_HINT = "Write buildx's form, e.g. `outputs: type=local,dest=out`."


def _outputs(reader: InputReader) -> tuple[str, ...]:
    """``outputs``, read as buildx reads them; one that would push is refused (it would
    publish before the scan gate): ``type=registry``, or ``push=`` true in any spelling."""
    outputs = tuple(reader.items("outputs", ignore_comma=True))
    for output in outputs:
        try:
            pairs = buildx_csv.attributes(output)
            kind = (buildx_csv.value_of(pairs, "type") or "").lower()
            push = buildx_csv.parse_bool(buildx_csv.value_of(pairs, "push") or "false")
        except buildx_csv.CsvError as error:
            raise InputError("outputs", f"{output[:60]!r}: {error}", OUTPUT_HINT) from None
        if kind == "registry" or (push and kind in ("image", "oci", "docker")):
            raise InputError(
                "outputs",
                "an output that pushes would bypass the scan gate (tags before the scan)",
                "Use `push: true`: Slipway pushes by digest, scans, then tags.",
            )
    return outputs


_MODES = {"provenance": ("min", "max")}
_SHM = re.compile(r"^[0-9]+(\.[0-9]+)?\s*[bkmg]?b?$", re.IGNORECASE)
_ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
            "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")  # fmt: skip
_LIMIT = re.compile(r"^-?[0-9]+$")


def _attestation(reader: InputReader, name: str, hint: str) -> str:
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


def _shm_size(reader: InputReader) -> str:
    raw = reader.text("shm-size")
    if raw and not _SHM.match(raw):
        raise InputError("shm-size", f"{raw[:40]!r} is not a size", "e.g. `shm-size: 2g`.")
    return raw


def _ulimits(reader: InputReader) -> tuple[str, ...]:
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


def _secret_envs(reader: InputReader) -> tuple[tuple[str, str], ...]:
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


def _add_hosts(reader: InputReader) -> tuple[str, ...]:
    found = tuple(reader.items("add-hosts"))
    for entry in found:
        if not _HOST.match(entry):
            raise InputError(
                "add-hosts", f"{entry[:60]!r} is not host:ip", "e.g. `add-hosts: db:10.0.0.5`."
            )
    return found


def _choices(reader: InputReader, name: str, allowed: tuple[str, ...]) -> list[str]:
    found = reader.items(name)
    for entry in found:
        if entry not in allowed:
            raise InputError(
                name,
                f"{entry[:40]!r} is not one of {', '.join(allowed)}",
                did_you_mean(entry, allowed),
            )
    return found


def _attests(reader: InputReader) -> tuple[str, ...]:
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


def _ssh(reader: InputReader) -> tuple[str, ...]:
    """``default`` or ``ID[=PATH[,PATH]]``, as ``docker buildx build --ssh`` reads them."""
    found = tuple(reader.items("ssh", ignore_comma=True))
    for entry in found:
        if not _SSH.match(entry):
            raise InputError(
                "ssh", f"{entry[:40]!r} is not default or ID[=PATH]", "e.g. `ssh: default`."
            )
    return found


def _image_reference(reader: InputReader, name: str) -> str:
    raw = reader.text(name)
    if raw:
        try:
            check_reference(raw)
        except ValueError as error:
            raise InputError(name, str(error), "e.g. `moby/buildkit:v0.25.2`.") from None
    return raw


def read_build_options(reader: InputReader) -> BuildOptions:
    """Read and check the build inputs."""
    driver = reader.choice("driver", DRIVERS, "docker")
    endpoint = reader.word("endpoint")
    if driver == "remote" and not endpoint:
        raise InputError(
            "endpoint", "driver 'remote' needs an endpoint", "e.g. `endpoint: tcp://buildkitd:1234`"
        )
    provenance = _attestation(reader, "provenance", "Use true, false, mode=min or mode=max.")
    cache_from, token_from = _without_gha_token(_cache_entries(reader, "cache-from"))
    cache_to, token_to = _without_gha_token(_cache_entries(reader, "cache-to"))
    return BuildOptions(
        target=reader.word("target"),
        build_args=reader.pairs("build-args"),
        build_contexts=reader.pairs("build-contexts"),
        secrets=_secrets(reader),
        secret_files=reader.pairs("secret-files"),
        ssh=_ssh(reader),
        no_cache=reader.boolean("no-cache", default=False),
        pull=reader.boolean("pull", default=False),
        cache_from=cache_from,
        cache_to=cache_to,
        provenance=provenance,
        sbom=_attestation(reader, "sbom", "Use true, false or generator=IMAGE."),
        shm_size=_shm_size(reader),
        ulimit=_ulimits(reader),
        add_hosts=_add_hosts(reader),
        allow=tuple(_choices(reader, "allow", ENTITLEMENTS)),
        network=reader.choice("network", NETWORKS, "default") if reader.text("network") else "",
        no_cache_filters=tuple(
            argv_word("no-cache-filters", s) for s in reader.items("no-cache-filters")
        ),
        cgroup_parent=reader.word("cgroup-parent"),
        attests=_attests(reader),
        builder=reader.word("builder"),
        load=reader.boolean("load", default=False),
        outputs=_outputs(reader),
        driver=driver,
        endpoint=endpoint,
        buildkit_image=_image_reference(reader, "buildkit-image"),
        gha_token=token_to or token_from,
    )
