"""``docker login`` into a private DOCKER_CONFIG, the password on stdin."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from slipway.errors import RegistryError
from slipway.tools.run import Runner


def login_argv(registry: str, username: str) -> list[str]:
    """The login command line; the password goes to stdin, never to argv."""
    return ["docker", "login", registry, "--username", username, "--password-stdin"]


def login(runner: Runner, registry: str, username: str, password: str) -> None:
    """Log in; the credentials land in the runner's DOCKER_CONFIG only."""
    result = runner.run(login_argv(registry, username), stdin=password, timeout=120)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise RegistryError(
            f"login to {registry} failed: {last[0]}", "Check `username` and `password`."
        )


def private_docker_config(env: Mapping[str, str], path: Path) -> Path:
    """A DOCKER_CONFIG of our own for the credentials (removed with the run's temp dir).

    It shares the user's buildx builders and docker contexts (links, not copies), so a
    builder made by setup-buildx-action, or by Slipway on an earlier run, is still found.
    """
    path.mkdir(mode=0o700)
    user = Path(env.get("DOCKER_CONFIG") or Path(env.get("HOME") or "/root") / ".docker")
    for shared in ("buildx", "contexts"):
        (user / shared).mkdir(parents=True, exist_ok=True)
        (path / shared).symlink_to(user / shared, target_is_directory=True)
    return path
