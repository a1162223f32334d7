"""Host paths in inputs, seen from the action's container (pure).

GitHub's runner translates an environment value that *is* a host path under one of the six
mounts (``TranslateToContainerPath``), but not a path inside a longer input such as
``cache-to: type=local,dest=${{ runner.temp }}/cache``: that reaches the container as the
runner's host path, where nothing is mounted. This maps such paths, wherever they stand in
the path-valued inputs, onto the mount that holds them, and refuses an absolute path that lies
on no mount: a cache written there is lost with the container, a file read there is not the
user's.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace

from slipway.buildx import attributes as buildx_csv
from slipway.errors import InputError
from slipway.inputs import Inputs

NO_MOUNT_HINT = (
    "Use a path under the workspace (${{ github.workspace }}) or runner temp "
    "(${{ runner.temp }}): those are the folders the action's container shares with the job."
)


@dataclass(frozen=True)
class Mount:
    """A bind mount of the container: host ``source`` at container ``destination``."""

    source: str
    destination: str


def container_path(path: str, mounts: Sequence[Mount]) -> str | None:
    """``path`` inside the container: a host path under a mount's source moves to its
    destination, a path already under a destination stays; None when it lies on no mount."""
    clean = posixpath.normpath(path)
    for mount in sorted(mounts, key=lambda m: len(m.source), reverse=True):
        if clean == mount.source or clean.startswith(mount.source.rstrip("/") + "/"):
            return mount.destination + clean[len(mount.source.rstrip("/")) :]
    for mount in mounts:
        if clean == mount.destination or clean.startswith(mount.destination.rstrip("/") + "/"):
            return clean
    return None


def host_path(path: str, mounts: Sequence[Mount]) -> str:
    """``path`` (inside the container) as the runner sees it: under a mount's destination it
    moves to its source; elsewhere (no container, or no mount holds it) it stays as is."""
    clean = posixpath.normpath(path)
    for mount in sorted(mounts, key=lambda m: len(m.destination), reverse=True):
        root = mount.destination.rstrip("/")
        if clean == mount.destination or clean.startswith(root + "/"):
            return mount.source.rstrip("/") + clean[len(root) :]
    return path


class _Mapper:
    def __init__(self, mounts: Sequence[Mount]) -> None:
        self.mounts = mounts

    def path(self, name: str, value: str, what: str) -> str:
        if not posixpath.isabs(value):
            return value  # relative to the workspace, the container's working directory
        mapped = container_path(value, self.mounts)
        if mapped is None:
            raise InputError(
                name, f"{what} {value!r} lies on no mount of the action's container", NO_MOUNT_HINT
            )
        return mapped

    def cache(self, name: str, entry: str) -> str:
        if "=" not in entry:
            return entry  # a bare registry reference
        pairs = buildx_csv.attributes(entry)
        if dict(pairs).get("type") != "local":
            return entry
        key = "dest" if name == "cache-to" else "src"
        changed = [
            (k, self.path(name, v, f"the local cache's {k}") if k == key else v) for k, v in pairs
        ]
        return buildx_csv.render(changed)

    def context(self, value: str) -> str:
        if value.startswith("oci-layout://"):  # oci-layout://PATH[:TAG][@DIGEST]
            rest, at, digest = value.removeprefix("oci-layout://").partition("@")
            folder, slash, last = rest.rpartition("/")
            name, colon, tag = last.partition(":")  # a tag follows the path's last part
            mapped = self.path("build-contexts", f"{folder}{slash}{name}", "the OCI layout")
            return f"oci-layout://{mapped}{colon}{tag}{at}{digest}"
        if "://" in value or value.startswith("git@"):
            return value
        return self.path("build-contexts", value, "the build context")

    def ssh(self, entry: str) -> str:
        ident, eq, paths = entry.partition("=")
        if not eq:
            return entry
        mapped = [self.path("ssh", p, "the SSH agent socket or key") for p in paths.split(",")]
        return f"{ident}={','.join(mapped)}"


def localize(inputs: Inputs, mounts: Sequence[Mount]) -> Inputs:
    """``inputs`` with every host path moved onto its mount (no mounts: not in a container)."""
    if not mounts:
        return inputs
    m = _Mapper(mounts)
    build = inputs.build
    build = replace(
        build,
        cache_to=tuple(m.cache("cache-to", e) for e in build.cache_to),
        cache_from=tuple(m.cache("cache-from", e) for e in build.cache_from),
        secret_files=tuple(
            (i, m.path("secret-files", p, f"the file of secret {i!r}"))
            for i, p in build.secret_files
        ),
        build_contexts=tuple((n, m.context(v)) for n, v in build.build_contexts),
        ssh=tuple(m.ssh(e) for e in build.ssh),
    )
    return replace(
        inputs,
        context=m.path("context", inputs.context, "the build context"),
        file=m.path("file", inputs.file, "the Dockerfile") if inputs.file else "",
        build=build,
    )


def has_absolute_paths(inputs: Inputs) -> bool:
    """True when any path-valued input may hold a host path (worth asking for the mounts)."""
    build = inputs.build
    candidates = [
        inputs.context,
        inputs.file,
        *build.cache_to,
        *build.cache_from,
        *(p for _, p in build.secret_files),
        *(v for _, v in build.build_contexts),
        *build.ssh,
    ]
    return any("/" in c and ("=/" in c or c.startswith("/") or "://" in c) for c in candidates)
