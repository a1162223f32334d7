"""A policy finding's identity: its rule and what it is about, never its line."""

from __future__ import annotations

from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.dockerfile import parse_dockerfile
from slipway.policy.evaluate import check_dockerfile, check_image, evaluate
from slipway.policy.identity import fingerprint, identity, instruction_text
from slipway.policy.layer_secrets import check_scan_secrets
from slipway.policy.model import Finding, PolicyConfig, PolicyResult, Source, ToolFinding
from slipway.scan.findings import PlatformScan, Secret

CONFIG = PolicyConfig(allowed_ports=frozenset({8080}))
DOCKERFILE = """\
FROM python:3.12-slim
RUN apt-get update && apt-get install -y gcc
EXPOSE 22
USER 1000
"""
TOKEN = "ghp_" + "a" * 36


def ids(text: str, *tools: ToolFinding) -> dict[str, tuple[str, int]]:
    """Each finding's rule -> (identity, line), from Slipway's own checks and ``tools``."""
    result = check_dockerfile(parse_dockerfile(text), list(tools), CONFIG)
    return {f.id: (f.identity, f.line) for f in result.findings}


def test_a_finding_keeps_its_identity_when_lines_move_above_it() -> None:
    before = ids(DOCKERFILE)
    moved = ids(DOCKERFILE.replace("\n", "\n\n# a comment\nLABEL a=b\n", 1))
    assert set(before) == {"SW008", "SW010"}
    for rule, (identity_before, line) in before.items():
        assert moved[rule][0] == identity_before
        assert moved[rule][1] == line + 3  # the line moved, the identity did not


def test_whitespace_and_continuation_lines_do_not_matter() -> None:
    wrapped = DOCKERFILE.replace(
        "RUN apt-get update && apt-get install -y gcc",
        "RUN apt-get update \\\n    &&   apt-get install -y gcc",
    )
    assert ids(wrapped)["SW010"][0] == ids(DOCKERFILE)["SW010"][0]


def test_an_edit_of_the_instruction_itself_makes_it_another_finding() -> None:
    edited = DOCKERFILE.replace("install -y gcc", "install -y gcc make")
    assert ids(edited)["SW010"][0] != ids(DOCKERFILE)["SW010"][0]
    assert ids(edited)["SW008"][0] == ids(DOCKERFILE)["SW008"][0]


def test_the_same_instruction_under_two_rules_is_two_findings() -> None:
    found = ids("FROM python:3.12\nEXPOSE 22\nRUN apt-get install -y gcc\n")
    assert found["SW008"][0] != found["SW010"][0]


def test_root_is_one_property_of_the_image_whichever_line_says_it() -> None:
    no_user = "FROM python:3.12-slim\nRUN true\n"
    bumped = "FROM python:3.13-slim\nRUN true\n"
    user_root = "FROM python:3.12-slim\nUSER root\n"
    said = [
        ids(no_user, ToolFinding(Source.TRIVY, "DS-0002", 0, "no USER"))["SW001"],
        ids(bumped, ToolFinding(Source.TRIVY, "DS-0002", 0, "no USER"))["SW001"],
        ids(user_root, ToolFinding(Source.HADOLINT, "DL3002", 2, "last USER is root"))["SW001"],
    ]
    assert [line for _, line in said] == [1, 1, 2]  # the final FROM, then the USER line
    assert len({found for found, _ in said}) == 1
    image = parse_dockerfile(no_user)
    from_config = check_image(image, {"linux/amd64": {"config": {}}}, CONFIG, PolicyResult(()))
    assert [f.identity for f in from_config.findings] == [said[0][0]]


def test_a_base_image_rule_is_about_its_from_line() -> None:
    trusted = PolicyConfig(trusted_registries=("ghcr.io",))
    first = check_dockerfile(parse_dockerfile("FROM python:3.12\n"), [], trusted).findings
    other = check_dockerfile(parse_dockerfile("FROM node:22\n"), [], trusted).findings
    assert [f.id for f in first] == [f.id for f in other] == ["SW002"]
    assert first[0].identity != other[0].identity


def test_an_image_config_finding_is_its_platform_and_property() -> None:
    dockerfile = parse_dockerfile("FROM base\nUSER 1000\n")
    config: dict[str, Any] = {"config": {"User": "1000", "ExposedPorts": {"22/tcp": {}}}}
    result = check_image(
        dockerfile, {"linux/amd64": config, "linux/arm64": config}, CONFIG, PolicyResult(())
    )
    moved = check_image(
        parse_dockerfile("# moved\n\nFROM base\nUSER 1000\n"),
        {"linux/amd64": config},
        CONFIG,
        PolicyResult(()),
    )
    amd, arm = result.findings
    assert (amd.id, amd.platform, arm.platform) == ("SW008", "linux/amd64", "linux/arm64")
    assert amd.identity != arm.identity
    assert moved.findings[0].line != amd.line
    assert moved.findings[0].identity == amd.identity


def test_a_layer_secret_is_its_kind_and_file_not_its_line() -> None:
    dockerfile = parse_dockerfile("FROM base\nCOPY . /app\nRUN true\n")

    def found(line: int, path: str = "/app/.env") -> str:
        secret = Secret("aws-access-key-id", "AWS", Severity.CRITICAL, "AWS key", path, 1, "", line)
        (finding,) = check_scan_secrets(
            [PlatformScan("linux/amd64", "r", (), (secret,))], dockerfile, CONFIG
        ).findings
        return finding.identity

    assert found(2) == found(3)
    assert found(2) != found(2, "/app/other.env")


def test_the_identity_is_a_digest_never_the_instructions_text() -> None:
    text = f"FROM python:3.12\nRUN curl -H 'Authorization: token {TOKEN}' https://x\n"
    (finding,) = [
        f for f in check_dockerfile(parse_dockerfile(text), [], CONFIG).findings if f.id == "SW007"
    ]
    assert len(finding.identity) == 32
    assert int(finding.identity, 16) >= 0
    assert TOKEN not in finding.identity
    instruction = parse_dockerfile(text).at_line(2)
    assert instruction is not None
    assert finding.identity == fingerprint("SW007", instruction_text(instruction))


def test_the_identity_does_not_make_findings_unequal() -> None:
    (found,) = evaluate(
        parse_dockerfile("FROM base\nEXPOSE 22\n"),
        [ToolFinding(Source.SLIPWAY, "SW008", 2, "22")],
        CONFIG,
    ).findings
    plain = Finding(
        "SW008", found.title, found.severity, found.file, 2, found.fix, "slipway", None, "22"
    )
    assert found.identity
    assert not plain.identity
    assert found == plain


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ({"line": 3}, False),
        ({"detail": "23"}, False),
        ({"platform": "linux/arm64"}, False),
        ({"title": "another title", "severity": Severity.LOW}, True),
    ],
)
def test_a_finding_made_without_an_identity_falls_back_to_its_place(
    other: dict[str, Any], same: bool
) -> None:
    base: dict[str, Any] = {
        "id": "SW008",
        "title": "Port",
        "severity": Severity.MEDIUM,
        "file": "Dockerfile",
        "line": 2,
        "fix": "x",
        "source": "slipway",
        "platform": None,
        "detail": "22",
    }
    assert (identity(Finding(**base)) == identity(Finding(**{**base, **other}))) is same
    given = Finding(**{**base, "identity": "f" * 32})
    assert identity(given) == "f" * 32
