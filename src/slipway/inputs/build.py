"""Build inputs, named as docker/build-push-action names them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slipway import buildx_csv, gha_cache
from slipway.errors import InputError
from slipway.inputs import build_checks as checks
from slipway.inputs.reader import InputReader, argv_word

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
    driver_opts: tuple[str, ...] = ()  # --driver-opt for a builder Slipway creates
    buildkitd_flags: str = ""  # --buildkitd-flags for a builder Slipway creates
    binfmt_image: str = ""  # the image that registers QEMU (setup-qemu-action's `image`)
    buildkitd_config: str = ""  # a buildkitd.toml file for a builder Slipway creates
    buildkitd_config_inline: str = ""  # the same as text
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
    secrets = reader.pairs("secrets") + checks.secret_envs(reader)
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


def read_build_options(reader: InputReader) -> BuildOptions:
    """Read and check the build inputs."""
    driver = reader.choice("driver", DRIVERS)
    endpoint = reader.word("endpoint")
    if driver == "remote" and not endpoint:
        raise InputError(
            "endpoint", "driver 'remote' needs an endpoint", "e.g. `endpoint: tcp://buildkitd:1234`"
        )
    config_file, config_inline = checks.buildkitd_config(reader, driver)
    provenance = checks.attestation(reader, "provenance", "Use true, false, mode=min or mode=max.")
    cache_from, token_from = _without_gha_token(_cache_entries(reader, "cache-from"))
    cache_to, token_to = _without_gha_token(_cache_entries(reader, "cache-to"))
    return BuildOptions(
        target=reader.word("target"),
        build_args=reader.pairs("build-args"),
        build_contexts=reader.pairs("build-contexts"),
        secrets=_secrets(reader),
        secret_files=reader.pairs("secret-files"),
        ssh=checks.ssh(reader),
        no_cache=reader.boolean("no-cache"),
        pull=reader.boolean("pull"),
        cache_from=cache_from,
        cache_to=cache_to,
        provenance=provenance,
        sbom=checks.attestation(reader, "sbom", "Use true, false or generator=IMAGE."),
        shm_size=checks.shm_size(reader),
        ulimit=checks.ulimits(reader),
        add_hosts=checks.add_hosts(reader),
        allow=tuple(checks.choices(reader, "allow", checks.ENTITLEMENTS)),
        network=reader.choice("network", checks.NETWORKS) if reader.text("network") else "",
        no_cache_filters=tuple(
            argv_word("no-cache-filters", s) for s in reader.items("no-cache-filters")
        ),
        cgroup_parent=reader.word("cgroup-parent"),
        attests=checks.attests(reader),
        builder=reader.word("builder"),
        load=reader.boolean("load"),
        outputs=_outputs(reader),
        driver=driver,
        endpoint=endpoint,
        buildkit_image=checks.image_reference(reader, "buildkit-image"),
        driver_opts=checks.driver_opts(reader),
        buildkitd_flags=checks.buildkitd_flags(reader),
        binfmt_image=checks.image_reference(reader, "binfmt-image"),
        buildkitd_config=config_file,
        buildkitd_config_inline=config_inline,
        gha_token=token_to or token_from,
    )
