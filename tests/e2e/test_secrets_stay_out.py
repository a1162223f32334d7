"""Planted secrets, found nowhere they must not be: a build secret (`secrets:`) and a
secret-looking build arg (credentials inside printed command lines: test_redact_log).

The whole run on real parts (engine, buildx, registry with htpasswd, Trivy); afterwards the
log, the outputs, the job summary, the reports and SARIF, and (for the build secret) the
image's config and history are searched for each planted value. ``::add-mask::`` lines are
the one place a value may appear: that is how GitHub learns what to hide.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv, load_devenv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event

pytestmark = pytest.mark.e2e

DOCKERFILE = """\
FROM python:3.11-slim-bookworm
ARG NPM_TOKEN
RUN --mount=type=secret,id=api_key test -s /run/secrets/api_key && echo used > /used
RUN ["sh", "-c", "test -n \\"$NPM_TOKEN\\" && echo {nonce} > /nonce"]
USER 10001
HEALTHCHECK CMD ["true"]
"""


def unmasked(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))


def test_planted_secrets_are_found_nowhere(tmp_path: Path) -> None:
    devenv: DevEnv = load_devenv()
    build_secret = "bs-" + uuid.uuid4().hex
    build_arg = "npm_" + uuid.uuid4().hex[:36].ljust(36, "x")  # shaped like an npm token
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE.format(nonce=tmp_path.name))
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    repository = unique_repository("slipway-test/secrets")
    given = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(context),
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "FAIL-ON": "none",
        "SCANNERS": "vuln",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "SECRETS": f"api_key={build_secret}",
        "BUILD-ARGS": f"NPM_TOKEN={build_arg}",
    }
    run = run_action(
        tmp_path, "push", load_event("push", index=4), given,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )  # fmt: skip
    assert run.returncode == 0, run.log
    assert "build-arg NPM_TOKEN looks like a secret" in run.log
    shown = [
        unmasked(run.log),
        run.summary,
        json.dumps(run.outputs),
        Path(run.outputs["report-file"]).read_text(),
        Path(run.outputs["sarif-file"]).read_text(),
    ]
    for value in (build_secret, build_arg):
        for where in shown:
            assert value not in where
    # The build secret is in no layer's history or config (a build arg would be: BuildKit
    # records it, which is why the warning says to use secrets: instead).
    registry = RegistryView(devenv.registry)
    manifest = json.loads(run.outputs["platform-digests"])["linux/amd64"]
    config = json.dumps(registry.config(repository, manifest))
    assert build_secret not in config
    assert "/run/secrets/api_key" in config  # the RUN that read it is there, its value is not
