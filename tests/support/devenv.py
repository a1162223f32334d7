"""The settings scripts/dev-env wrote (.cache/dev-env.sh), for integration and e2e tests."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DevEnv:
    """Where the local registries, the test DB and the caches are."""

    registry: str
    registry_backend: str  # the registry itself, behind regfront on `registry`
    auth_registry: str
    auth_user: str
    auth_password: str
    test_ca: str
    trivy_db: str
    cache: str
    cs_docker_host: str = ""  # the containerd-store engine (unix://...), "" when there is none
    old_docker_host: str = ""  # Docker 26.1.5, API 1.45, no registry mirror ("" when none)
    buildkit_image: str = ""  # BuildKit for docker-container builders (the `buildkit-image` input)
    buildkit_bin: str = ""  # the folder with buildkitd and buildctl (for a `remote` builder)


def load_devenv() -> DevEnv:
    """Read .cache/dev-env.sh; a clear failure when scripts/dev-env has not run."""
    cache = Path(os.environ.get("SLIPWAY_CACHE", ROOT / ".cache"))
    path = cache / "dev-env.sh"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run scripts/dev-env first (scripts/test does)")
    values = dict(re.findall(r"^export (\w+)=(.*)$", path.read_text(), flags=re.MULTILINE))
    return DevEnv(
        registry=values["SLIPWAY_REGISTRY"],
        registry_backend=values["SLIPWAY_REGISTRY_BACKEND"],
        auth_registry=values["SLIPWAY_AUTH_REGISTRY"],
        auth_user=values["SLIPWAY_AUTH_USER"],
        auth_password=values["SLIPWAY_AUTH_PASSWORD"],
        test_ca=values["SLIPWAY_TEST_CA"],
        trivy_db=values["SLIPWAY_TRIVY_DB"],
        cache=values["SLIPWAY_CACHE"],
        cs_docker_host=values.get("SLIPWAY_CS_DOCKER_HOST", ""),
        old_docker_host=values.get("SLIPWAY_OLD_DOCKER_HOST", ""),
        buildkit_image=values.get("SLIPWAY_BUILDKIT_IMAGE", ""),
        buildkit_bin=values.get("SLIPWAY_BUILDKIT_BIN", ""),
    )
