"""The run's one ``trivy config``: run by the lint, its findings the policy's or the scan's
(`slipway.core.plan.ConfigFindings`), never both, never twice."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from slipway.core.plan import ConfigFindings
from slipway.dockerfile import Dockerfile, for_target, parse_dockerfile
from slipway.errors import ScanError
from slipway.policy.model import PolicyConfig
from slipway.runner.workflow import Workflow
from slipway.stages.policy import TOOL_SKIPPED, lint_dockerfile
from slipway.tools.run import Result, Runner
from tests.unit.policy.examples import CONFIG, DATA, EXAMPLES

PORTS = EXAMPLES / "ports" / "Dockerfile"  # DS-0004 at line 4, DS-0010 at line 6
HADOLINT_EMPTY = "[]"


class Linters(Runner):
    """Answers ``trivy config`` with the captured report of the ports example (or fails) and
    hadolint with nothing; records every command."""

    def __init__(self, *, trivy_fails: bool = False) -> None:
        super().__init__(Workflow({}, io.StringIO()), {})
        self.trivy_fails = trivy_fails
        self.commands: list[list[str]] = []

    def which(self, program: str) -> str:
        return f"/usr/bin/{program}"

    def run(self, argv: Sequence[str], **_kwargs: Any) -> Result:
        self.commands.append(list(argv))
        if argv[:2] == ["hadolint", "--version"]:
            return Result(tuple(argv), 0, "Haskell Dockerfile Linter 2.15.1", "")
        if argv[0] == "hadolint":
            return Result(tuple(argv), 0, HADOLINT_EMPTY, "")
        if self.trivy_fails:
            return Result(tuple(argv), 2, "", "FATAL config scan error")
        output = Path(argv[list(argv).index("--output") + 1])
        output.write_text((DATA / "ports.trivy.json").read_text())
        return Result(tuple(argv), 0, "", "")

    def programs(self) -> list[str]:
        return [" ".join(argv[:2]) for argv in self.commands]


def ports() -> Dockerfile:
    return parse_dockerfile(PORTS.read_text(), "Dockerfile")


def lint(
    runner: Runner, tmp_path: Path, findings: ConfigFindings, config: PolicyConfig = CONFIG
) -> Any:
    return lint_dockerfile(runner, ports(), PORTS, tmp_path, config, findings=findings)


def test_policy_mode_maps_the_findings_onto_rules_and_reports_no_misconfiguration(
    tmp_path: Path,
) -> None:
    runner = Linters()
    check = lint(runner, tmp_path, ConfigFindings.POLICY)
    assert runner.programs().count("trivy config") == 1
    assert "hadolint --format" in runner.programs()
    assert check.warnings == ()
    assert check.misconfigurations == ()
    mapped = {(f.id, f.line, f.tool_id) for f in check.result.findings if f.source == "trivy"}
    assert mapped == {("SW009", 6, "DS-0010")}  # SW008 at line 4: Slipway's own check saw it first
    assert ("SW008", 4) in {(f.id, f.line) for f in check.result.findings}


def test_scan_mode_reports_trivys_own_findings_and_nothing_to_the_policy(tmp_path: Path) -> None:
    runner = Linters()
    check = lint(runner, tmp_path, ConfigFindings.SCAN, PolicyConfig(enabled=False))
    assert runner.programs() == ["trivy config"]  # no hadolint: the policy is off
    assert [(m.id, m.severity, m.start_line, m.file) for m in check.misconfigurations] == [
        ("DS-0004", "MEDIUM", 4, "Dockerfile"),
        ("DS-0010", "CRITICAL", 6, "Dockerfile"),
    ]
    assert check.result.findings == ()


def test_none_runs_nothing(tmp_path: Path) -> None:
    runner = Linters()
    check = lint(runner, tmp_path, ConfigFindings.NONE, PolicyConfig(enabled=False))
    assert runner.commands == []
    assert (check.misconfigurations, check.result.findings) == ((), ())


def test_a_failing_trivy_config_is_a_warning_for_the_policy_and_an_error_for_the_scan(
    tmp_path: Path,
) -> None:
    check = lint(Linters(trivy_fails=True), tmp_path, ConfigFindings.POLICY)
    assert check.warnings[0].startswith(
        TOOL_SKIPPED.split("{error}")[0].format(tool="trivy config")
    )
    assert all(f.source != "trivy" for f in check.result.findings)
    with pytest.raises(ScanError, match="trivy config exited with 2"):
        lint(Linters(trivy_fails=True), tmp_path, ConfigFindings.SCAN, PolicyConfig(enabled=False))


def test_findings_past_the_built_target_are_left_out(tmp_path: Path) -> None:
    lines = PORTS.read_text().splitlines()
    lines[1] += " AS app"  # the stage --target names ends at line 5
    lines[5:5] = []
    lines.insert(5, "FROM app AS later")  # line 6: not built, whatever Trivy says of it
    text = "\n".join(lines) + "\n"
    dockerfile = for_target(parse_dockerfile(text, "Dockerfile"), "app")
    check = lint_dockerfile(
        Linters(),
        dockerfile,
        PORTS,
        tmp_path,
        PolicyConfig(enabled=False),
        findings=ConfigFindings.SCAN,
    )
    assert [m.id for m in check.misconfigurations] == ["DS-0004"]  # DS-0010 at line 6 is out
