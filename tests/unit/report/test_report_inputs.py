"""The reporting inputs: valid values, then invalid ones naming the input."""

from __future__ import annotations

import pytest

from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.inputs.report import CommentMode, ReportOptions, read_report_options


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ReportOptions()),
        ({"INPUT_PR-COMMENT": "On-Failure"}, ReportOptions(pr_comment=CommentMode.ON_FAILURE)),
        ({"INPUT_PR-NUMBER": " 42 "}, ReportOptions(pr_number=42)),
        ({"INPUT_PR-NUMBER": ""}, ReportOptions()),
        (
            {
                "INPUT_COMMENT-HISTORY": "true",
                "INPUT_CHECK-RUN": "true",
                "INPUT_UPLOAD-SARIF": "true",
            },
            ReportOptions(comment_history=True, check_run=True, upload_sarif=True),
        ),
        ({"INPUT_COMMENT-FILE": "out/c.json"}, ReportOptions(comment_file="out/c.json")),
    ],
)
def test_valid(env: dict[str, str], expected: ReportOptions) -> None:
    assert read_report_options(InputReader(env)) == expected


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"INPUT_PR-COMMENT": "sometimes"}, "pr-comment"),
        ({"INPUT_PR-NUMBER": "#12"}, "pr-number"),
        ({"INPUT_PR-NUMBER": "0"}, "pr-number"),
        ({"INPUT_PR-NUMBER": "12; rm -rf /"}, "pr-number"),
        ({"INPUT_COMMENT-HISTORY": "yes"}, "comment-history"),
        ({"INPUT_CHECK-RUN": "1"}, "check-run"),
        ({"INPUT_UPLOAD-SARIF": "on"}, "upload-sarif"),
        ({"INPUT_COMMENT-FILE": "comment.md"}, "comment-file"),
        ({"INPUT_COMMENT-FILE": "dir/.json"}, "comment-file"),
    ],
)
def test_invalid(env: dict[str, str], name: str) -> None:
    with pytest.raises(InputError, match=f"input '{name}'"):
        read_report_options(InputReader(env))
