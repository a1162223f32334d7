"""Build inputs, named as docker/build-push-action names them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slipway.buildx import gha_cache
from slipway.inputs import build_syntax as checks
from slipway.inputs import build_values as values
from slipway.inputs.cache_entries import cache_entries, outputs
from slipway.inputs.reader import InputReader, argv_word
from slipway.inputs.secrets import check_ids, provenance_for, secret_envs
from slipway.oci.attestations import STORAGES
from slipway.oci.refs import ImageName

DRIVERS = ("docker", "docker-container", "remote")


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
    attestation_storage: str = "index"  # or "referrers" (slipway.oci.attestations)
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
    # environment only (slipway.buildx.gha_cache).
    gha_token: str = field(default="", repr=False)
    warnings: tuple[str, ...] = ()  # to print before the run (secret-looking build args)


def _without_gha_token(entries: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """``entries`` with a gha ``token=`` taken out of each, and the (last) token found."""
    split = [gha_cache.split_token(entry) for entry in entries]
    tokens = [token for _, token in split if token]
    return tuple(entry for entry, _ in split), tokens[-1] if tokens else ""


def _cache_entries(reader: InputReader, name: str, images: Sequence[ImageName]) -> tuple[str, ...]:
    entries = cache_entries(name, reader.items(name, ignore_comma=True), images)
    gha_cache.check_service(name, entries, reader.environment)
    return entries


def _secrets(reader: InputReader) -> tuple[tuple[str, str], ...]:
    """``secrets`` and ``secret-envs`` (id, value) pairs; every id once, ``secret-files`` too."""
    from_envs = reader.pairs("secret-envs")
    check_ids(
        (
            ("secrets", reader.pairs("secrets")),
            ("secret-envs", from_envs),
            ("secret-files", reader.pairs("secret-files")),
        )
    )
    return reader.pairs("secrets") + secret_envs(from_envs, reader.environment)


def _run_steps(reader: InputReader) -> dict[str, Any]:
    """What ``RUN`` steps get: limits, hosts, entitlements, network, cgroup."""
    return {
        "shm_size": values.shm_size(reader),
        "ulimit": values.ulimits(reader),
        "add_hosts": values.add_hosts(reader),
        "allow": tuple(values.choices(reader, "allow", values.ENTITLEMENTS)),
        "network": reader.choice("network", values.NETWORKS) if reader.text("network") else "",
        "cgroup_parent": reader.word("cgroup-parent"),
    }


def _builder(reader: InputReader) -> dict[str, Any]:
    """The builder to use, or how to create one."""
    config_file, config_inline = checks.buildkitd_config(reader)
    return {
        "builder": reader.word("builder"),
        "driver": reader.choice("driver", DRIVERS),
        "endpoint": reader.word("endpoint"),
        "buildkit_image": checks.image_reference(reader, "buildkit-image"),
        "driver_opts": checks.driver_opts(reader),
        "buildkitd_flags": checks.buildkitd_flags(reader),
        "binfmt_image": checks.image_reference(reader, "binfmt-image"),
        "buildkitd_config": config_file,
        "buildkitd_config_inline": config_inline,
    }


def read_build_options(reader: InputReader, images: Sequence[ImageName] = ()) -> BuildOptions:
    """Read and check the build inputs (``images``: the repositories the run publishes)."""
    cache_from, token_from = _without_gha_token(_cache_entries(reader, "cache-from", images))
    cache_to, token_to = _without_gha_token(_cache_entries(reader, "cache-to", images))
    build_args, attests = reader.pairs("build-args"), checks.attests(reader)
    provenance, warnings = provenance_for(
        build_args,
        checks.attestation(reader, "provenance", "Use true, false, mode=min or mode=max."),
        attests,
    )
    return BuildOptions(
        target=values.target(reader),
        build_args=build_args,
        build_contexts=values.build_contexts(reader),
        secrets=_secrets(reader),
        secret_files=reader.pairs("secret-files"),
        ssh=values.ssh(reader),
        no_cache=reader.boolean("no-cache"),
        pull=reader.boolean("pull"),
        cache_from=cache_from,
        cache_to=cache_to,
        provenance=provenance,
        sbom=checks.attestation(reader, "sbom", "Use true, false or generator=IMAGE."),
        attestation_storage=reader.choice("attestation-storage", STORAGES),
        no_cache_filters=tuple(
            argv_word("no-cache-filters", s) for s in reader.items("no-cache-filters")
        ),
        attests=attests,
        load=reader.boolean("load"),
        outputs=outputs(reader.items("outputs", ignore_comma=True)),
        gha_token=token_to or token_from,
        warnings=warnings,
        **_run_steps(reader),
        **_builder(reader),
    )
