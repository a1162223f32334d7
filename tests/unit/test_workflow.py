"""Workflow commands and GITHUB_* files, escaped as actions/toolkit does."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from slipway.runner.workflow import (
    Workflow,
    escape_data,
    escape_property,
    format_command,
    format_output,
)


@pytest.mark.parametrize(
    ("value", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("file:1,2", "file:1,2", "file%3A1%2C2"),
        ("x%0A::error::pwned", "x%250A::error::pwned", "x%250A%3A%3Aerror%3A%3Apwned"),
    ],
)
def test_escaping(value: str, data: str, prop: str) -> None:
    assert escape_data(value) == data
    assert escape_property(value) == prop


def test_command_with_properties() -> None:
    line = format_command(
        "error", "bad\nthing", {"file": "Dockerfile", "line": 3, "title": "a,b:c"}
    )
    assert line == "::error file=Dockerfile,line=3,title=a%2Cb%3Ac::bad%0Athing"


def test_output_uses_random_delimiter(tmp_path: Path) -> None:
    out = tmp_path / "out"
    Workflow({"GITHUB_OUTPUT": str(out)}).set_output("tags", "a\nb")
    text = out.read_text()
    match = re.fullmatch(r"tags<<(ghadelimiter_[0-9a-f-]{36})\na\nb\n\1\n", text)
    assert match, text


def test_output_refuses_value_containing_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        format_output("x", "evil ghadelimiter_1", "ghadelimiter_1")


def test_info_wraps_untrusted_text_in_stop_commands() -> None:
    stream = io.StringIO()
    Workflow({}, stream).info("::error::pwned")
    lines = stream.getvalue().splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) == 32
    assert lines == [f"::stop-commands::{token}", "::error::pwned", f"::{token}::"]


def test_mask_each_line() -> None:
    stream = io.StringIO()
    Workflow({}, stream).mask("s3cret\nline2")
    assert stream.getvalue() == "::add-mask::s3cret\n::add-mask::line2\n"


def test_summary_appends_to_file(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    workflow = Workflow({"GITHUB_STEP_SUMMARY": str(summary)})
    workflow.append_summary("# one")
    workflow.append_summary("two\n")
    assert summary.read_text() == "# one\ntwo\n"


def test_the_summary_file_never_exceeds_the_limit_and_nothing_is_refused(tmp_path: Path) -> None:
    # GitHub drops a step summary file over 1 MiB altogether: what comes last is cut to fit
    # the room left (the report, then an error's long form), with a note, never refused
    summary = tmp_path / "s"
    workflow = Workflow({"GITHUB_STEP_SUMMARY": str(summary)})
    workflow.append_summary("## report\n" + "row\n" * (200 * 1024))
    assert workflow.summary_used() == summary.stat().st_size == len("## report\n") + 800 * 1024
    workflow.append_summary("## Slipway: Gate failed\n\n" + "reason\n" * (100 * 1024))
    assert summary.stat().st_size <= 1024 * 1024
    text = summary.read_text()
    assert text.startswith("## report\n")
    assert "## Slipway: Gate failed" in text
    assert text.endswith("see the report file and SARIF._\n")
    workflow.append_summary("one more")  # no room: nothing, and no error
    assert summary.stat().st_size <= 1024 * 1024


def test_hostile_message_stays_one_command() -> None:
    stream = io.StringIO()
    Workflow({}, stream).warning("pkg x\n::error::pwned")
    assert stream.getvalue() == "::warning::pkg x%0A::error::pwned\n"


def test_export_variable_uses_github_env(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    Workflow({"GITHUB_ENV": str(env_file)}).export_variable(
        "DOCKER_METADATA_OUTPUT_VERSION", "1.2.3"
    )
    assert re.fullmatch(
        r"DOCKER_METADATA_OUTPUT_VERSION<<(ghadelimiter_[0-9a-f-]{36})\n1\.2\.3\n\1\n",
        env_file.read_text(),
    )


def test_a_masked_value_is_in_no_line_output_or_summary(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary"
    log = io.StringIO()
    workflow = Workflow({"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}, log)
    workflow.mask("tok-123456")
    workflow.info("$ docker buildx build --build-arg A=tok-123456")
    workflow.verbatim("#5 RUN test -n tok-123456\n")
    alongside = workflow.buffered()
    alongside.info("tok-123456 from alongside")
    workflow.replay(alongside)
    workflow.set_output("metadata", '{"build-arg:A": "tok-123456"}')
    workflow.append_summary("| RUN tok-123456 |")
    text = log.getvalue()
    assert text.count("tok-123456") == 1  # the ::add-mask:: command alone
    assert "::add-mask::tok-123456" in text
    assert "tok-123456" not in out.read_text() + summary.read_text()
    assert "***" in out.read_text()
