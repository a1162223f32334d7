"""The reporting inputs -> a frozen `ReportOptions`; each problem is an `InputError` naming the input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from slipway.errors import InputError
from slipway.inputs.reader import InputReader, did_you_mean, workspace_path

ATTACH_KINDS = ("scan-report", "sbom")  # slipway.oci.referrers
DEFAULT_COMMENT_FILE = ""  # comment.json in the run's reports folder (slipway.runner.paths)
PR_NUMBER_HINT = "Give the number alone, e.g. `pr-number: ${{ github.event.pull_request.number }}`."
COMMENT_FILE_HINT = (
    "Name a .json file; the Markdown body is written next to it with the .md suffix, "
    "e.g. `comment-file: slipway-report/comment.json`."
)


class CommentMode(StrEnum):
    """When to post the sticky pull-request comment (input ``pr-comment``)."""

    AUTO = "auto"  # on pull-request events; failures to comment are warnings
    ALWAYS = "always"  # the same, but a failure to comment fails the run
    NEVER = "never"
    ON_FAILURE = "on-failure"  # create only when the run failed; an existing one is updated


@dataclass(frozen=True)
class ReportOptions:
    """How the run reports back beyond the job summary."""

    pr_comment: CommentMode = CommentMode.AUTO
    pr_number: int | None = None  # overrides the event's pull request (any event)
    comment_history: bool = False  # keep one line per earlier run in the sticky comment
    check_run: bool = False  # a check run carrying every annotation (needs checks: write)
    upload_sarif: bool = False  # code scanning upload (needs security-events: write)
    comment_file: str = DEFAULT_COMMENT_FILE  # the body for a workflow_run poster; "": default
    attach: tuple[str, ...] = ATTACH_KINDS  # evidence pushed as referrers of the image


def _pr_number(reader: InputReader) -> int | None:
    raw = reader.text("pr-number")
    if not raw:
        return None  # `${{ github.event.pull_request.number }}` is empty outside PR events
    if not re.fullmatch(r"[0-9]{1,10}", raw) or int(raw) <= 0:
        raise InputError("pr-number", f"{raw!r} is not a pull request number", PR_NUMBER_HINT)
    return int(raw)


def _comment_file(reader: InputReader) -> str:
    raw = workspace_path(reader, "comment-file")
    if not raw:
        return raw
    if not raw.endswith(".json") or raw == ".json" or "\0" in raw or raw.endswith("/.json"):
        raise InputError("comment-file", f"{raw!r} is not a .json file name", COMMENT_FILE_HINT)
    return raw


def read_report_options(reader: InputReader) -> ReportOptions:
    """Read ``pr-comment``, ``pr-number``, ``comment-history``, ``check-run``,
    ``upload-sarif`` and ``comment-file``."""
    mode = reader.choice("pr-comment", tuple(m.value for m in CommentMode))
    return ReportOptions(
        pr_comment=CommentMode(mode),
        pr_number=_pr_number(reader),
        comment_history=reader.boolean("comment-history"),
        check_run=reader.boolean("check-run"),
        upload_sarif=reader.boolean("upload-sarif"),
        comment_file=_comment_file(reader),
        attach=_attach(reader),
    )


def _attach(reader: InputReader) -> tuple[str, ...]:
    raw = reader.text("attach")
    if raw.lower() in ("none", "false"):
        return ()
    if not raw:
        return ATTACH_KINDS
    found = tuple(dict.fromkeys(reader.items("attach")))
    for kind in found:
        if kind not in ATTACH_KINDS:
            raise InputError(
                "attach",
                f"{kind[:40]!r} is not evidence Slipway attaches",
                f"Use scan-report, sbom (comma separated), or none. {did_you_mean(kind, ATTACH_KINDS)}",
            )
    return found
