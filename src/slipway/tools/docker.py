"""The run's private Docker client configuration (DOCKER_CONFIG): credentials, shared builders.

Credentials are written straight into ``config.json`` as ``docker login`` would store them
without a credential helper, never through the daemon: the daemon runs on the host's network,
where a ``services:`` registry's alias does not resolve (the registry client checks them first,
from the action's own network).
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path

from slipway.inputs import Credential
from slipway.runner.mounts import Mount
from slipway.tools.registry_http import DOCKER_HUB_NAMES

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
# The key docker login uses for Docker Hub in config.json.
DOCKER_HUB_KEY = "https://index.docker.io/v1/"


def auth_entries(credentials: Iterable[Credential]) -> dict[str, dict[str, str]]:
    """``auths`` of config.json: registry -> {"auth": base64(user:password)} (pure)."""
    entries: dict[str, dict[str, str]] = {}
    for credential in credentials:
        key = DOCKER_HUB_KEY if credential.registry in DOCKER_HUB_NAMES else credential.registry
        token = base64.b64encode(f"{credential.username}:{credential.password}".encode()).decode()
        entries[key] = {"auth": token}
    return entries


def write_credentials(config_dir: Path, credentials: Iterable[Credential]) -> None:
    """Store the logins in ``config_dir/config.json``, readable by us only."""
    path = config_dir / "config.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"auths": auth_entries(credentials)}, handle)


def private_docker_config(env: Mapping[str, str], path: Path) -> Path:
    """A DOCKER_CONFIG of our own for the credentials (removed with the run's temp dir).

    It shares the user's buildx builders and docker contexts (links, not copies), so a
    builder named in `builder` is still found.
    """
    path.mkdir(mode=0o700)
    user = Path(env.get("DOCKER_CONFIG") or Path(env.get("HOME") or "/root") / ".docker")
    for shared in ("buildx", "contexts"):
        (user / shared).mkdir(parents=True, exist_ok=True)
        (path / shared).symlink_to(user / shared, target_is_directory=True)
    return path


def own_mounts(env: Mapping[str, str]) -> tuple[Mount, ...]:
    """The bind mounts of the container this process runs in, from the engine ("docker
    inspect" of our own hostname, which Docker sets to the container's ID); () outside one."""
    if env.get("GITHUB_ACTIONS") != "true" or not Path("/.dockerenv").exists():
        return ()
    import docker  # noqa: PLC0415 (149 ms: only a containerised run with host paths pays it)

    try:
        client = docker.DockerClient(base_url=env.get("DOCKER_HOST") or DEFAULT_SOCKET, timeout=10)
        attrs = client.api.inspect_container(socket.gethostname())
    except (docker.errors.DockerException, OSError):
        return ()
    return tuple(
        Mount(str(m["Source"]), str(m["Destination"]))
        for m in attrs.get("Mounts") or []
        if m.get("Type") == "bind"
    )
