"""``docker login`` into a private DOCKER_CONFIG, the password on stdin."""

from __future__ import annotations

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
