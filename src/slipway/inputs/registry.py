"""Registry credentials: ``registry`` + ``username`` + ``password``, and ``registry-auth``."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.refs import ImageName

REGISTRY_AUTH_EXAMPLE = """registry-auth: |
  - registry: ghcr.io
    username: ${{ github.actor }}
    password: ${{ secrets.GITHUB_TOKEN }}
  - registry: docker.io
    username: ${{ vars.DOCKERHUB_USER }}
    password: ${{ secrets.DOCKERHUB_TOKEN }}"""


@dataclass(frozen=True)
class Credential:
    """A login for one registry."""

    registry: str
    username: str
    password: str = ""

    def __repr__(self) -> str:  # never show a password, even in a debug trace
        return f"Credential(registry={self.registry!r}, username={self.username!r})"


def _registry_auth(reader: InputReader) -> list[Credential]:
    raw = reader.raw("registry-auth")
    if not raw.strip():
        return []
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise InputError("registry-auth", "is not valid YAML", REGISTRY_AUTH_EXAMPLE) from None
    if not isinstance(data, list):
        raise InputError(
            "registry-auth",
            "must be a YAML list of registry/username/password",
            REGISTRY_AUTH_EXAMPLE,
        )
    found = []
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not entry.get("username") or not entry.get("password"):
            raise InputError(
                "registry-auth",
                f"entry {number} needs username and password",
                REGISTRY_AUTH_EXAMPLE,
            )
        found.append(
            Credential(
                str(entry.get("registry") or "docker.io"),
                str(entry["username"]),
                str(entry["password"]),
            )
        )
    return found


def read_credentials(
    reader: InputReader, images: tuple[ImageName, ...], push: bool
) -> tuple[Credential, ...]:
    """Every login, checked against what the run will push."""
    username, password = reader.text("username"), reader.text("password")
    if bool(username) != bool(password):
        missing = "password" if username else "username"
        raise InputError(
            missing,
            f"'username' and 'password' go together; {missing} is empty",
            "Set both, or neither.",
        )
    credentials = _registry_auth(reader)
    if username:
        registry = reader.text("registry") or (images[0].registry if images else "docker.io")
        credentials.insert(0, Credential(registry, username, password))
    if push:
        covered = {c.registry for c in credentials}
        remote = sorted(
            {i.registry for i in images if not i.is_loopback and i.registry not in covered}
        )
        if remote:
            raise InputError(
                "password",
                f"push to {', '.join(remote)} needs credentials",
                "Log in with, for example:\n"
                "  registry: ghcr.io\n  username: ${{ github.actor }}\n  password: ${{ secrets.GITHUB_TOKEN }}\n"
                "or, for several registries:\n" + REGISTRY_AUTH_EXAMPLE,
            )
    return tuple(credentials)


def credential_for(credentials: tuple[Credential, ...], registry: str) -> Credential | None:
    """The login for ``registry`` (Docker Hub's aliases included), if any."""
    aliases = {"docker.io", "index.docker.io", "registry-1.docker.io"}
    for credential in credentials:
        if credential.registry == registry or (
            credential.registry in aliases and registry in aliases
        ):
            return credential
    return None
