"""Secrets kept out of what is shown: build args in layer history, credentials in argv."""

from __future__ import annotations

import pytest

from slipway.core.redact import argv_for_log, looks_secret
from slipway.dockerfile.history import clean_created_by
from slipway.inputs import read_inputs

TOKEN = "ghp_" + "a1B2" * 9  # shaped like a GitHub token


@pytest.mark.parametrize(
    "created_by",
    [
        f"RUN |1 NPM_TOKEN={TOKEN} /bin/sh -c npm ci # buildkit",  # shell form
        f"RUN |1 NPM_TOKEN={TOKEN} npm ci",  # exec form: no shell to cut at
        f"RUN |2 A=1 NPM_TOKEN={TOKEN} /bin/bash -c npm ci",  # another SHELL
    ],
)
def test_build_arg_values_never_reach_the_layer_table(created_by: str) -> None:
    shown = clean_created_by(created_by)
    assert TOKEN not in shown
    assert shown.endswith("npm ci")


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("NPM_TOKEN", "x1", True),
        ("db_password", "x1", True),
        ("AWS_SECRET_ACCESS_KEY", "x1", True),
        ("API_KEY", "x1", True),
        ("VERSION", TOKEN, True),  # the value's shape gives it away
        ("VERSION", "AKIAIOSFODNN7EXAMPLE", True),
        ("VERSION", "1.2.3", False),
        ("NPM_TOKEN", "", False),  # nothing to hide
    ],
)
def test_secret_looking_build_args(name: str, value: str, secret: bool) -> None:
    assert looks_secret(name, value) is secret


def test_secret_looking_build_args_are_masked_and_named() -> None:
    inputs = read_inputs(
        {
            "INPUT_IMAGES": "127.0.0.1:5000/app",
            "INPUT_BUILD-ARGS": f"NPM_TOKEN={TOKEN}\nVERSION=1.2.3",
        }
    )
    assert TOKEN in inputs.secrets
    assert "1.2.3" not in inputs.secrets
    assert inputs.secret_build_args == ("NPM_TOKEN",)


@pytest.mark.parametrize(
    ("word", "shown"),
    [
        (
            "type=s3,region=eu,bucket=b,secret_access_key=SeCrEt,access_key_id=AKIA1",
            "type=s3,region=eu,bucket=b,secret_access_key=***,access_key_id=***",
        ),
        ("type=gha,token=abc,scope=x", "type=gha,token=***,scope=x"),
        (
            'type=azblob,account_url=https://a.blob,secret="p,q"',
            "type=azblob,account_url=https://a.blob,secret=***",
        ),
        ("ctx=https://user:ghp_x@github.com/o/r.git", "ctx=https://***@github.com/o/r.git"),
        ("type=registry,ref=r/cache:main", "type=registry,ref=r/cache:main"),
    ],
)
def test_credentials_in_a_command_line_are_hidden(word: str, shown: str) -> None:
    assert argv_for_log(["docker", "buildx", "build", "--cache-to", word]) == [
        "docker",
        "buildx",
        "build",
        "--cache-to",
        shown,
    ]


def test_secret_looking_build_args_are_hidden_in_the_printed_command_line() -> None:
    argv = [
        "docker",
        "buildx",
        "build",
        "--build-arg",
        f"NPM_TOKEN={TOKEN}",
        "--build-arg",
        "VERSION=1.2.3",
        "--build-arg",
        f"X={TOKEN}",
    ]
    shown = argv_for_log(argv)
    assert TOKEN not in " ".join(shown)
    assert "NPM_TOKEN=***" in shown
    assert "VERSION=1.2.3" in shown
    assert "X=***" in shown  # by the value's shape
