"""A secret planted in every input that can hold one (slipway.inputs.spec's ``sensitive``),
found nowhere after a whole run on real parts (engine, buildx, registry, Trivy): not in the
log, the outputs, the job summary, the reports, the SARIF, nor (for the build secret) in the
image's config and history. ``::add-mask::`` lines are the one place a value may appear: that
is how GitHub learns what to hide.

The dry run and the error paths, for every such input, are tests/unit/test_planted_secrets.py.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from slipway.inputs.spec import INPUTS
from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv, load_devenv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn

pytestmark = pytest.mark.e2e

DOCKERFILE = """\
FROM python:3.11-slim-bookworm
ARG NPM_TOKEN
RUN --mount=type=secret,id=api_key test -s /run/secrets/api_key && echo used > /used
RUN ["sh", "-c", "test -n \\"$NPM_TOKEN\\" && echo {nonce} > /nonce"]
USER 10001
HEALTHCHECK CMD ["true"]
"""
# What a whole run here cannot use: a remote context or named context needs the internet.
NO_FULL_RUN = {"context": "fetched from GitHub", "build-contexts": "fetched from GitHub"}


S3 = (
    "type=s3,region=us-east-1,bucket=b,endpoint_url=http://127.0.0.1:9,use_path_style=true,"
    "access_key_id=AKIAEXAMPLE,secret_access_key={secret}"
)  # nothing answers: BuildKit builds on


def planted(secret: str, devenv: DevEnv, build_secret: str) -> dict[str, str]:
    """Every input that can hold a secret, holding ``secret`` where its declaration says
    (``build_secret`` in ``secrets``: it must reach no layer either)."""
    found = {
        spec.name: spec.sensitive.replace("{secret}", secret)
        for spec in INPUTS
        if spec.sensitive and spec.name not in NO_FULL_RUN
    }
    found.update(
        {
            # a login the plain registry accepts (it asks for none) with the planted password
            "username": "slipway",
            "registry-auth": f'- registry: {devenv.registry}\n  username: u\n  password: "{secret}"',
            "build-args": f"NPM_TOKEN={secret}\nREPO_URL=https://ci:{secret}@pypi.example/simple",
            "secrets": f"api_key={build_secret}",
            "secret-envs": "npm=NPM_TOKEN",
            "cache-from": S3.format(secret=secret),
            "cache-to": S3.format(secret=secret),  # a failed export does not fail the build
        }
    )
    return found


def unmasked(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))


def test_every_input_that_can_hold_a_secret_is_covered() -> None:
    sensitive = {spec.name for spec in INPUTS if spec.sensitive}
    assert sensitive - set(NO_FULL_RUN) <= set(planted("x", load_devenv(), "y"))


def test_planted_secrets_are_found_nowhere(tmp_path: Path, github: GitHubStandIn) -> None:
    devenv: DevEnv = load_devenv()
    secret, build_secret = "pl4nt-" + uuid.uuid4().hex, "bs-" + uuid.uuid4().hex
    workspace = tmp_path / "workspace"
    context = workspace / "ctx"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(DOCKERFILE.format(nonce=tmp_path.name))
    repository = unique_repository("slipway-test/secrets")
    given = {
        **{name.upper(): value for name, value in planted(secret, devenv, build_secret).items()},
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(context),
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "FAIL-ON": "none",
        "SCANNERS": "vuln",
        "PROVENANCE": "mode=min",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "PR-COMMENT": "never",
        # the planted sign-key is read and masked; signing it would refuse it (not a key)
        "SIGN": "false",
    }
    run = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        given,
        api_url=github.url,  # answers (the planted token is refused), so no retries are waited
        extra_env={"GITHUB_WORKSPACE": str(workspace), "NPM_TOKEN": secret},
    )
    assert run.returncode == 0, run.log
    assert "build-arg NPM_TOKEN looks like a secret" in run.log
    shown = [
        unmasked(run.log),
        run.summary,
        json.dumps(run.outputs),
        Path(run.outputs["report-file"]).read_text(),
        Path(run.outputs["sarif-file"]).read_text(),
    ]
    for where in shown:
        assert secret not in where
        assert build_secret not in where
    # The build secret is in no layer's history or config (a build arg would be: BuildKit
    # records it, which is why the warning says to use secrets: instead).
    registry = RegistryView(devenv.registry)
    manifest = json.loads(run.outputs["platform-digests"])["linux/amd64"]
    config = json.dumps(registry.config(repository, manifest))
    assert build_secret not in config
    assert "/run/secrets/api_key" in config  # the RUN that read it is there, its value is not
