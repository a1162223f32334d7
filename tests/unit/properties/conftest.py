"""A workspace for the property tests (the files the validation pass reads), made once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipway.core.context import check_payload, read_context
from slipway.core.plan import make_plan
from slipway.errors import InputError
from slipway.inputs import Inputs, read_inputs
from slipway.runner.validation import check_files
from tests.support.input_table import prepare_workspace

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The input table's workspace, the working directory while the module's tests run."""
    folder = tmp_path_factory.mktemp("workspace")
    prepare_workspace(folder)
    (folder / ".trivyignore").write_text("CVE-2099-0001\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


def base_env(workspace: Path) -> dict[str, str]:
    """What every generated run has: an image, a push of main, the workspace."""
    return {
        "INPUT_IMAGES": "127.0.0.1:5000/acme/app",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_WORKSPACE": str(workspace),
        "NPM_TOKEN": "x",
    }


def validate(env: Mapping[str, str], payload: Mapping[str, object] | None = None) -> Inputs:
    """The whole validation pass, as a run makes it before anything starts: the inputs, the
    context, the plan (tags, labels, templates), the files the inputs name."""
    inputs = read_inputs(env)
    plan = make_plan(inputs, read_context(env, payload or {}), env=env, now=NOW)
    assert plan.images == inputs.images
    check_files(inputs)
    return inputs


def refused_by(env: Mapping[str, str], payload: Mapping[str, object] | None = None) -> str:
    """The input (or variable) an `InputError` of the validation pass names; "" when the run
    validates. Anything else raised fails the test."""
    try:
        if payload is not None:
            check_payload(payload)
        validate(env, payload)
    except InputError as error:
        return error.name if error.message else "(an error that says nothing)"
    return ""
