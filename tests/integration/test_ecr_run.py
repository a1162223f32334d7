"""Amazon ECR logins in a whole run (``python -m slipway``) against moto's server and a local
GitHub OIDC token endpoint: the login is bought before anything is built, from the entry's
AWS key, the environment's keys or the role assumed with the OIDC token, and ECR's password
never reaches the log, the outputs or the summary.

No ECR registry answers here, so each run stops at the registry check that follows the
login (exit 4, "cannot reach registry"): everything up to it is the real path.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.actionrun import ActionRun, run_action
from tests.support.moto_server import moto_server
from tests.support.oidc_standin import TOKEN_PATH, OidcStandin
from tests.support.payloads import load_event

pytestmark = pytest.mark.integration
ACCOUNT = "123456789012"
HOST = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_server() as url:
        yield url


def ecr_password(moto: str) -> str:
    """What ECR's API answers any key here (moto's token is the same for every caller)."""
    client: Any = boto3.client(
        "ecr",
        region_name="eu-west-1",
        endpoint_url=moto,
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    token = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().partition(":")[2]


def run(tmp_path: Path, moto: str, inputs: dict[str, str], env: dict[str, str]) -> ActionRun:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n")
    given = {
        "IMAGES": f"{HOST}/team/app",
        "CONTEXT": str(context),
        "PUSH": "true",
        "REGISTRY-TIMEOUT": "1",
        **inputs,
    }
    return run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        given,
        extra_env={"AWS_ENDPOINT_URL": moto, **env},
    )


def assert_bought_then_stopped(result: ActionRun, moto: str) -> None:
    assert f"logged in to {HOST} with ECR's authorization token" in result.log, result.log
    assert result.returncode == 4, result.log
    assert f"cannot reach registry {HOST}" in result.log
    password = ecr_password(moto)
    assert f"::add-mask::{password}" in result.log  # the runner hides it from here on
    log = "\n".join(line for line in result.log.splitlines() if not line.startswith("::add-mask::"))
    for text in (log, result.summary, *result.outputs.values()):
        assert password not in text
        assert KEYS["AWS_SECRET_ACCESS_KEY"] not in text
    assert "Traceback" not in result.log


def test_the_environments_keys_buy_the_login_of_an_ecr_image(moto: str, tmp_path: Path) -> None:
    assert_bought_then_stopped(run(tmp_path, moto, {}, KEYS), moto)


def test_a_registry_auth_entry_may_be_an_aws_key_as_in_login_action(
    moto: str, tmp_path: Path
) -> None:
    entry = (
        f"- registry: {HOST}\n  username: {KEYS['AWS_ACCESS_KEY_ID']}\n"
        f"  password: {KEYS['AWS_SECRET_ACCESS_KEY']}"
    )
    assert_bought_then_stopped(run(tmp_path, moto, {"REGISTRY-AUTH": entry}, {}), moto)


def test_keyless_through_the_oidc_token_and_sts(moto: str, tmp_path: Path) -> None:
    with OidcStandin() as github:
        result = run(
            tmp_path,
            moto,
            {"AWS-ROLE-TO-ASSUME": f"arn:aws:iam::{ACCOUNT}:role/ci-push"},
            github.env,
        )
        assert [r.path.split("?")[0] for r in github.requests] == [TOKEN_PATH]  # asked once
    assert_bought_then_stopped(result, moto)
    assert github.request_token not in result.log


def test_without_credentials_or_role_the_error_says_what_to_add(moto: str, tmp_path: Path) -> None:
    result = run(tmp_path, moto, {}, {})
    assert result.returncode == 4, result.log
    assert f"no AWS credentials to log in to {HOST}" in result.log
    assert "aws-role-to-assume" in result.log
    assert "Traceback" not in result.log


def test_ecr_false_leaves_the_registry_alone(moto: str, tmp_path: Path) -> None:
    result = run(tmp_path, moto, {"ECR": "false"}, KEYS)
    assert "ECR's authorization token" not in result.log
    assert result.returncode == 4, result.log  # the registry check, without a login
