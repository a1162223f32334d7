"""Work run alongside a stage: its log is held back and printed, whole, when collected."""

from __future__ import annotations

import io
import threading

import pytest

from slipway.errors import SlipwayError
from slipway.runner.workflow import Workflow
from slipway.tools.alongside import Alongside
from slipway.tools.run import Runner


def test_log_waits_for_the_result_and_never_interleaves() -> None:
    stream = io.StringIO()
    workflow = Workflow({}, stream)
    started = threading.Event()
    release = threading.Event()

    def work(runner: Runner) -> int:
        runner.workflow.info("lint: line one")
        started.set()
        release.wait(5)
        runner.workflow.warning("lint: a finding")
        return 42

    job = Alongside(Runner(workflow, {"PATH": ""}), work)
    started.wait(5)
    workflow.info("build: step")  # the stage's own log, meanwhile
    release.set()
    assert "lint" not in stream.getvalue()
    assert job.result() == 42
    text = stream.getvalue()
    assert text.index("build: step") < text.index("lint: line one") < text.index("lint: a finding")
    assert "::warning::lint: a finding" in text


def test_error_is_raised_where_collected_with_its_log() -> None:
    stream = io.StringIO()
    workflow = Workflow({}, stream)

    def work(runner: Runner) -> None:
        runner.workflow.info("tried")
        raise SlipwayError("the Dockerfile cannot be read")

    job = Alongside(Runner(workflow, {}), work)
    with pytest.raises(SlipwayError, match="cannot be read"):
        job.result()
    assert "tried" in stream.getvalue()


def test_runner_keeps_the_environment() -> None:
    workflow = Workflow({}, io.StringIO())
    job = Alongside(Runner(workflow, {"DOCKER_CONFIG": "/x"}), lambda r: r.env["DOCKER_CONFIG"])
    assert job.result() == "/x"
