"""Annotations: ordering, GitHub's caps, and hostile text that must stay data."""

from __future__ import annotations

import io

import pytest

from slipway.core.severity import NO_GATE, FailOn, Level, Severity, level
from slipway.github.reports import batches, check_annotation
from slipway.report.annotations import (
    MAX_MESSAGE,
    Annotation,
    Budget,
    emit,
    order,
    select,
)
from slipway.runner.workflow import Workflow

HOSTILE = [
    "x%0A::error::pwned",
    "<img src=x onerror=alert(1)>",
    "@everyone",
    "](javascript:alert(1))",
    "line1\r\n::error::pwned\nline3",
    "a" * 100_000,
]


def _many(shown: Level, count: int, rank: int = 2) -> list[Annotation]:
    return [Annotation(shown, f"m{n}", key=f"{shown}{n:03d}", rank=rank) for n in range(count)]


def test_order_is_level_then_severity_then_fixable_first() -> None:
    items = [
        Annotation(Level.WARNING, "w", rank=4),
        Annotation(Level.ERROR, "high unfixable", rank=3),
        Annotation(Level.ERROR, "critical unfixable", rank=4),
        Annotation(Level.ERROR, "critical fixable", rank=4, fixable=True),
        Annotation(Level.NOTICE, "n", rank=4),
    ]
    assert [a.message for a in order(items)] == [
        "critical fixable",
        "critical unfixable",
        "high unfixable",
        "w",
        "n",
    ]


def test_10_errors_10_warnings_and_one_line_for_the_rest() -> None:
    items = _many(Level.WARNING, 30) + _many(Level.ERROR, 30)
    selection = select(items)
    assert [a.level for a in selection.shown] == [Level.ERROR] * 10 + [Level.WARNING] * 10
    assert selection.hidden == 40
    log = io.StringIO()
    assert emit(Workflow({}, log), selection, where="the job summary") == 21
    lines = log.getvalue().splitlines()
    assert len(lines) == 21
    assert lines[-1].startswith("::notice::40 more finding(s)")
    assert "the job summary" in lines[-1]


def test_the_job_cap_keeps_a_slot_for_the_more_line() -> None:
    selection = select(_many(Level.ERROR, 10) + _many(Level.WARNING, 10), Budget(job=15))
    assert len(selection.shown) == 14
    assert selection.hidden == 6


def test_nothing_hidden_means_no_more_line() -> None:
    log = io.StringIO()
    assert emit(Workflow({}, log), select(_many(Level.ERROR, 3))) == 3
    assert "more finding" not in log.getvalue()


def test_notice_slots_are_shared_with_the_more_line() -> None:
    selection = select(_many(Level.NOTICE, 12))
    assert len(selection.shown) == 9
    assert selection.hidden == 3


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_stays_inside_one_command(hostile: str) -> None:
    item = Annotation(
        Level.ERROR,
        f"openssl {hostile} (CRITICAL, fixed in 3.0.13) — introduced here",
        title=f"CVE-2024-0001 {hostile}",
        file=f"Dockerfile,{hostile[:20]}",
        line=7,
        end_line=7,
    )
    log = io.StringIO()
    emit(Workflow({}, log), select([item]))
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::error title=CVE-2024-0001 ")
    assert ",line=7,endLine=7::openssl " in lines[0]
    assert "\r" not in log.getvalue()
    head = lines[0].split("::openssl", 1)[0]
    assert head.count("::") == 1  # property values cannot end the command
    assert len(lines[0]) < MAX_MESSAGE * 3 + 1000  # 100 KB texts are clipped


def test_properties_skip_missing_position() -> None:
    assert Annotation(Level.NOTICE, "m").properties() == {}
    assert Annotation(Level.NOTICE, "m", file="Dockerfile", line=0).properties() == {
        "file": "Dockerfile"
    }
    props = Annotation(Level.NOTICE, "m", file="D", line=5, end_line=3).properties()
    assert props == {"file": "D", "line": 5}


def test_check_run_annotations_need_a_path_and_clip_texts() -> None:
    assert check_annotation(Annotation(Level.ERROR, "no file")) is None
    found = check_annotation(
        Annotation(Level.ERROR, "a" * 100_000, title="t" * 1000, file="Dockerfile", line=3)
    )
    assert found is not None
    assert (found["start_line"], found["end_line"], found["annotation_level"]) == (3, 3, "failure")
    assert len(found["message"]) == MAX_MESSAGE
    assert len(found["title"]) == 200


def test_batches_of_50() -> None:
    items = [{"n": n} for n in range(120)]
    assert [len(b) for b in batches(items)] == [50, 50, 20]
    assert batches([]) == [[]]


@pytest.mark.parametrize(
    ("severity", "fail_on", "expected"),
    [
        (Severity.CRITICAL, Severity.CRITICAL, Level.ERROR),
        (Severity.HIGH, Severity.CRITICAL, Level.WARNING),
        (Severity.HIGH, Severity.HIGH, Level.ERROR),
        (Severity.CRITICAL, NO_GATE, Level.WARNING),
        (Severity.read("bogus"), Severity.LOW, Level.WARNING),  # UNKNOWN, below LOW
        (Severity.INFO, Severity.LOW, Level.NOTICE),  # advice
    ],
)
def test_the_level_follows_the_gate(severity: Severity, fail_on: FailOn, expected: Level) -> None:
    assert level(severity, fail_on) is expected
