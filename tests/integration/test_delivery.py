"""Each delivery (annotations, comment, check run, SARIF) fails alone: with `pr-comment:
always`, a comment GitHub refuses still leaves the check run and the SARIF upload done, and
the run fails afterwards saying why."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from slipway.core.context import read_context
from slipway.core.plan import make_plan
from slipway.inputs import access_for, read_inputs
from slipway.report.fit import Block
from slipway.runner.workflow import Workflow
from slipway.stages import Run
from slipway.stages.report import deliver
from slipway.tools.builder import Builders
from slipway.tools.run import Runner
from tests.support.payloads import load_event, runner_env
from tests.support.pytest_github import GitHubStandIn

TOKEN = "ghs_delivery_write_01"
SARIF = {
    "version": "2.1.0",
    "runs": [{"tool": {"driver": {"name": "Trivy", "rules": []}}, "results": []}],
}


def test_a_refused_comment_with_always_still_delivers_the_check_run_and_sarif(
    github: GitHubStandIn, tmp_path: Path
) -> None:
    github.add_token(TOKEN, "write")
    github.seed_repo("Codertocat", "Hello-World", pulls=[{"number": 2}])
    payload = load_event("pull_request", "opened")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    env = {
        **runner_env("pull_request", payload, event, github.url),
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_IMAGES": "127.0.0.1:5000/acme/app",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_PR-COMMENT": "always",
        "INPUT_CHECK-RUN": "true",
        "INPUT_UPLOAD-SARIF": "true",
    }
    sarif = tmp_path / "reports" / "slipway-scan.sarif"
    sarif.parent.mkdir()
    sarif.write_text(json.dumps(SARIF))
    inputs = read_inputs(env)
    context = read_context(env, payload)
    plan = make_plan(inputs, context, env=env, now=datetime(2026, 12, 1, tzinfo=UTC))
    github.inject("POST", r"/issues/2/comments$", 422, times=100)  # GitHub refuses the comment
    runner = Runner(Workflow({}, io.StringIO()), {**env, "SLIPWAY_STATE_DIR": str(tmp_path)})
    run = Run(
        runner,
        access_for(inputs),
        plan,
        context,
        tmp_path,
        datetime(2026, 12, 1, tzinfo=UTC),
        Builders(runner, tmp_path),
        None,
    )
    report = [Block("report", ("## Slipway: passed",), required=True)]
    delivered = deliver(run, report=report, marks=[], failed=False, sarif=sarif)
    assert delivered.error is not None  # `always`: the run fails with it, at the end
    assert "422" in str(delivered.error)
    assert len(github.check_runs) == 1  # the other deliveries happened regardless
    assert len(github.sarifs) == 1
    assert github.take_violations() == []
