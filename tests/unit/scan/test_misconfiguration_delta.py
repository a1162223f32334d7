"""The Dockerfile's trivy config misconfigurations (`policy: none`) against the baseline's:
their identity, the difference, and what the scan report attached to the image carries of
them (older reports stay readable: their misconfigurations are unknown)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.dockerfile import parse_dockerfile
from slipway.policy.identity import (
    fingerprint,
    identify_misconfigurations,
    instruction_text,
    misconfiguration_identity,
)
from slipway.scan.baseline import misconfigurations_from_report, scans_from_report
from slipway.scan.combined import merged_report
from slipway.scan.delta import Baseline, MisconfigurationDelta, diff, diff_misconfigurations
from slipway.scan.findings import Misconfiguration, PlatformScan, Vulnerability

AMD = "linux/amd64"
REF = "ghcr.io/o/app:main"
VULN = Vulnerability("CVE-1", "openssl", "1.0", "1.1", Severity.HIGH, "t", "u", "debian")
SCANS = (PlatformScan(AMD, "r@a", (VULN,)),)
DOCKERFILE = """\
FROM python:3.12-slim
RUN apt-get update && \\
    apt-get install -y   gcc
EXPOSE 22
"""


def m(
    check: str,
    key: str = "",
    severity: Severity = Severity.HIGH,
    *,
    line: int | None = 2,
) -> Misconfiguration:
    return Misconfiguration(
        check,
        severity,
        f"title {check}",
        "message",
        "https://avd",
        "Dockerfile",
        line,
        line,
        identity=key,
    )


KEPT = m("DS-0029", "kept")
GONE = m("DS-0002", "gone", Severity.MEDIUM)
ADDED = m("DS-0004", "added", Severity.CRITICAL)


def identified(text: str, *found: Misconfiguration) -> list[str]:
    return [x.identity for x in identify_misconfigurations(found, parse_dockerfile(text))]


def test_the_identity_is_the_check_and_the_instruction_not_the_line() -> None:
    before = identified(DOCKERFILE, m("DS-0029", line=2), m("DS-0004", line=4))
    moved = DOCKERFILE.replace("\n", "\n# a comment\nLABEL a=b\n", 1)
    after = identified(moved, m("DS-0029", line=4), m("DS-0004", line=6))
    assert before == after
    # a line inside a continued instruction names the same instruction
    assert identified(DOCKERFILE, m("DS-0029", line=3)) == before[:1]
    instruction = parse_dockerfile(DOCKERFILE).at_line(2)
    assert instruction is not None
    assert before[0] == fingerprint("DS-0029", instruction_text(instruction))


def test_whitespace_is_normalised_and_an_edit_of_the_instruction_is_new() -> None:
    [before] = identified(DOCKERFILE, m("DS-0029", line=2))
    spaced = DOCKERFILE.replace("install -y   gcc", "install   -y gcc")
    assert identified(spaced, m("DS-0029", line=2)) == [before]
    edited = DOCKERFILE.replace("gcc", "gcc make")
    assert identified(edited, m("DS-0029", line=2)) != [before]
    assert identified(DOCKERFILE, m("DS-0002", line=2)) != [before]  # another check


@pytest.mark.parametrize("line", [None, 0, 99], ids=["no line", "line 0", "past the end"])
def test_without_an_instruction_the_identity_is_the_check_alone(line: int | None) -> None:
    assert identified(DOCKERFILE, m("DS-0026", line=line)) == [fingerprint("DS-0026", "")]
    assert identified("FROM a\nUSER 1\n", m("DS-0026", line=line)) == [fingerprint("DS-0026", "")]


def test_the_identity_keeps_no_instruction_text() -> None:
    [found] = identify_misconfigurations([m("DS-0029")], parse_dockerfile(DOCKERFILE))
    assert "apt-get" not in found.identity
    assert len(found.identity) == 32
    assert found == m("DS-0029")  # derived: not compared


def test_a_misconfiguration_without_an_identity_falls_back_to_its_line() -> None:
    plain = m("DS-0029")
    assert misconfiguration_identity(plain) != misconfiguration_identity(m("DS-0029", line=3))
    assert misconfiguration_identity(KEPT) == "kept"


def baseline(
    found: tuple[Misconfiguration, ...] | None, source: str = "attached report"
) -> Baseline:
    return Baseline(REF, "sha256:base", SCANS, source=source, misconfigurations=found)


def names(found: tuple[Misconfiguration, ...]) -> list[str]:
    return [x.identity for x in found]


def test_known_misconfigurations_split_into_new_fixed_and_unchanged() -> None:
    moved = m("DS-0029", "kept", line=9)
    found = diff_misconfigurations([ADDED, moved], baseline((KEPT, GONE)))
    assert (names(found.new), names(found.fixed), names(found.unchanged)) == (
        ["added"],
        ["gone"],
        ["kept"],
    )
    assert found.known
    assert found.unchanged[0].start_line == 9  # as found now


@pytest.mark.parametrize(
    "base",
    [
        baseline(None),  # a report written before reports carried them
        baseline(None, source="scanned"),  # scanned now: a scan sees no Dockerfile
        Baseline(REF, missing="the base branch has no image yet"),
    ],
    ids=["old report", "scanned now", "no baseline"],
)
def test_unknown_baseline_misconfigurations_make_every_one_new(base: Baseline) -> None:
    found = diff_misconfigurations([ADDED, KEPT], base)
    assert found == MisconfigurationDelta(new=(ADDED, KEPT), known=False)
    delta = diff(SCANS, base).with_misconfigurations([ADDED, KEPT])
    assert delta.is_new(AMD, KEPT)
    assert delta.is_new(AMD, ADDED)
    assert not delta.compared(KEPT)
    assert delta.baseline.misconfigurations_unknown_why


def test_each_identity_counts_once() -> None:
    twice = [ADDED, m("DS-0004", "added", Severity.CRITICAL, line=7)]
    assert names(diff_misconfigurations(twice, baseline(())).new) == ["added"]
    delta = diff(SCANS, baseline((GONE, GONE))).with_misconfigurations(twice)
    assert delta.misconfigurations_added() == {Severity.CRITICAL: 1}
    assert delta.misconfigurations_fixed() == {Severity.MEDIUM: 1}


def test_the_delta_says_which_misconfiguration_is_new() -> None:
    delta = diff(SCANS, baseline((KEPT, GONE)))
    assert delta.misconfigurations is None  # not compared until asked
    assert delta.is_new(AMD, KEPT)
    compared = delta.with_misconfigurations([KEPT, ADDED])
    assert compared.compared(KEPT)
    assert not compared.is_new(AMD, KEPT)
    assert not compared.is_new("linux/arm64", KEPT)  # the Dockerfile's: every platform's
    assert compared.is_new(AMD, ADDED)
    assert compared.platforms == delta.platforms
    assert compared.added() == delta.added()  # the scan's counts are its own
    assert compared.policy_added() == delta.policy_added()


def report(found: list[Misconfiguration], *, config_checked: bool = True) -> dict[str, Any]:
    """A scan report as attached to an image, through JSON (what the registry serves)."""
    made = merged_report(
        SCANS,
        found,
        [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM],
        "2026-01-01T00:00:00Z",
        config_checked=config_checked,
    )
    read: dict[str, Any] = json.loads(json.dumps(made))
    return read


def test_the_attached_report_carries_the_misconfigurations_back() -> None:
    no_line = m("DS-0026", "whole file", line=None)
    document = report([ADDED, no_line])
    found = misconfigurations_from_report(document)
    assert found == (ADDED, no_line)
    assert names(found or ()) == ["added", "whole file"]
    assert [(x.start_line, x.end_line) for x in found or ()] == [(2, 2), (None, None)]
    assert scans_from_report(document) == scans_from_report(report([], config_checked=False))


def test_the_report_holds_the_digest_never_the_instruction() -> None:
    [found] = identify_misconfigurations([m("DS-0029")], parse_dockerfile(DOCKERFILE))
    record = report([found])["misconfigurations"][0]
    assert record["identity"] == found.identity
    assert "apt-get" not in json.dumps(record)


def test_empty_is_known_and_an_old_or_policy_report_is_unknown() -> None:
    assert misconfigurations_from_report(report([])) == ()
    assert misconfigurations_from_report(report([], config_checked=False)) is None
    old = {k: v for k, v in report([ADDED]).items() if k != "config_checked"}
    assert misconfigurations_from_report(old) is None  # written before reports carried them


@pytest.mark.parametrize("entry", ["not a list", {"id": "DS-0002"}, None])
def test_a_misconfigurations_entry_that_is_not_a_list_is_unknown(entry: object) -> None:
    assert misconfigurations_from_report({**report([]), "misconfigurations": entry}) is None


@pytest.mark.parametrize("flag", ["true", 1, None])
def test_only_a_true_config_checked_makes_them_known(flag: object) -> None:
    assert misconfigurations_from_report({**report([ADDED]), "config_checked": flag}) is None


def test_records_that_are_not_misconfigurations_are_left_out() -> None:
    good = vars(ADDED) | {"severity": "CRITICAL"}
    document = {
        **report([]),
        "misconfigurations": [
            good,
            "text",
            {**good, "identity": ""},  # could match nothing (an old report's record)
            {**good, "identity": 7},
            {**good, "identity": "other", "start_line": "3", "severity": "BAD"},
        ],
    }
    found = misconfigurations_from_report(document)
    assert found is not None
    assert names(found) == ["added", "other"]
    assert (found[1].start_line, found[1].severity) == (None, Severity.UNKNOWN)
