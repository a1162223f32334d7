"""The programs Slipway starts (docker and buildx, Trivy, hadolint) get no secret they do not need.

Each is wrapped by a script earlier on PATH that records the environment it was started
with, then runs the real program: the whole run happens for real, and every recorded
environment is searched for the registry password, the job token, the runner's tokens and
the build secret (which only ``docker buildx build`` may receive, under a name of its own).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import ROOT, load_devenv
from tests.support.images import scratch_context
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn

pytestmark = pytest.mark.e2e

WRAPPED = ("docker", "trivy", "hadolint")
WRAPPER = """#!/bin/sh
# Record this program's environment, then run the real one (the next on PATH).
env -0 > "$SLIPWAY_TEST_RECORD/{name}.$$.$(date +%s%N).env"
printf '%s\\0' "$@" > "$SLIPWAY_TEST_RECORD/{name}.$$.args"
PATH=$(printf '%s' "$PATH" | tr ':' '\\n' | grep -vx "$SLIPWAY_TEST_WRAPPERS" | paste -sd: -)
exec {name} "$@"
"""


def wrappers(directory: Path) -> Path:
    directory.mkdir()
    for name in WRAPPED:
        path = directory / name
        path.write_text(WRAPPER.format(name=name))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return directory


def test_no_secret_reaches_a_child_program(tmp_path: Path, github: GitHubStandIn) -> None:
    devenv = load_devenv()
    password, job_token, runtime_token, oidc_token = (
        devenv.auth_password,
        "ghs_jobTokenThatMustNotLeak0000000000",
        "runtime-token-that-must-not-leak",
        "oidc-request-token-that-must-not-leak",
    )
    build_secret = "build-secret-that-only-buildx-sees"
    record, bin_dir = tmp_path / "record", wrappers(tmp_path / "wrappers")
    record.mkdir()
    context = scratch_context(tmp_path / "ctx", ("linux/amd64",))  # secrets reach buildx anyway
    result = run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        {
            "IMAGES": f"{devenv.auth_registry}/{unique_repository()}",
            "CONTEXT": str(context),
            "PLATFORMS": "linux/amd64",
            "PUSH": "true",
            "USERNAME": devenv.auth_user,
            "PASSWORD": password,
            "GITHUB-TOKEN": job_token,
            "SECRETS": f"tok={build_secret}",
            "TRIVY-DB-REPOSITORY": devenv.trivy_db,
            "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
            "PR-COMMENT": "never",
            "CHECK-RUN": "false",
        },
        api_url=github.url,  # answers (the token is refused), so no retries are waited
        extra_env={
            "PATH": os.pathsep.join(
                (str(bin_dir), str(ROOT / ".venv" / "bin"), os.environ["PATH"])
            ),
            "SLIPWAY_TEST_RECORD": str(record),
            "SLIPWAY_TEST_WRAPPERS": str(bin_dir),
            "ACTIONS_RUNTIME_TOKEN": runtime_token,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": oidc_token,
            "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token",
        },
    )
    assert result.returncode == 0, result.log
    seen = {path.name.split(".")[0] for path in record.glob("*.env")}
    assert seen == set(WRAPPED), seen  # every kind of program ran, through its wrapper
    for path in record.glob("*.env"):
        environment = path.read_bytes().decode()
        for secret in (password, job_token, runtime_token, oidc_token):
            assert secret not in environment, (path.name, secret)
        assert "INPUT_" not in environment, path.name
        args = path.with_name(".".join(path.name.split(".")[:2]) + ".args").read_bytes()
        is_build = args.startswith(b"buildx\0build\0")
        assert (build_secret in environment) == is_build, path.name
