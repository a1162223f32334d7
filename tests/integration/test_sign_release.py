"""scripts/sign-image, which the release runs to sign the action image (issue 26): an image
pushed by HTTP (no engine) is signed keylessly against the Sigstore stand-in with the OIDC
stand-in's token, and the real cosign runs the commands the script printed."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from slipway.tools.registry import RegistryClient
from tests.integration.test_sign_image import (
    COSIGN,
    IDENTITY,
    cosign,
    github,  # noqa: F401 (a fixture)
    push_image,
    registry,  # noqa: F401 (a fixture)
    standin,  # noqa: F401 (a fixture)
)
from tests.support.devenv import ROOT
from tests.support.oidc_standin import OidcStandin
from tests.support.sigstore_standin import SigstoreStandin

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]


@pytest.mark.skipif(COSIGN is None, reason="cosign is installed by scripts/dev-env")
def test_the_release_script_signs_an_image_cosign_verifies(
    standin: SigstoreStandin,  # noqa: F811
    github: OidcStandin,  # noqa: F811
    registry: RegistryClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    image = push_image(registry, tmp_path)
    env = {
        "PATH": os.environ["PATH"],
        "IMAGE": image.ref,
        "SIGSTORE_CONFIG": json.dumps(standin.signing_config(tsa=False)),
        **github.env,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sign-image")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [command] = done.stdout.splitlines()
    argv = shlex.split(command.replace("trusted_root.json", str(standin.trusted_root_path)))
    assert f"--certificate-identity={IDENTITY}" in argv
    verified = cosign(tmp_path, *argv[1:])
    assert verified.returncode == 0, verified.stderr
