"""The command lines Slipway prints (``$ docker buildx build ...``) show no credential."""

from __future__ import annotations

import io

import pytest

from slipway.runner.workflow import Workflow
from slipway.tools.run import Runner

pytestmark = pytest.mark.integration


def test_the_printed_command_line_shows_no_credential() -> None:
    log = io.StringIO()
    runner = Runner(Workflow({}, log), {"PATH": "/usr/bin:/bin"})
    runner.run(["true", "--cache-to=type=s3,secret_access_key=TopSecret1,bucket=b"], timeout=10)
    assert "TopSecret1" not in log.getvalue()
    assert "secret_access_key=***" in log.getvalue()
