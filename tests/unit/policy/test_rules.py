"""Slipway's own checks, the tool mapping, the policy selection and the gate rule."""

from __future__ import annotations

import pytest

from slipway.core.severity import NO_GATE, FailOn, Severity, fails_gate
from slipway.dockerfile import parse_dockerfile
from slipway.policy.evaluate import check_dockerfile, evaluate
from slipway.policy.model import OFF, PolicyConfig, ToolFinding
from slipway.policy.own_rules import (
    expand_ports,
    installed_build_tools,
    is_trusted,
    normalize_image,
)
from slipway.policy.secrets import is_key_file, token_kind

FAKE_GITHUB = "ghp_" + "A1b2" * 9


@pytest.mark.parametrize(
    ("text", "command", "kind"),
    [
        (f"TOKEN={FAKE_GITHUB}", False, "GitHub token"),
        ("AKIAABCDEFGHIJKLMNOP", False, "AWS access key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", False, "private key"),
        ('curl -H "Authorization: Bearer abcdefgh1234" x', True, "Authorization header"),
        ('curl -H "Authorization: Bearer $TOKEN" x', True, ""),
        ("git clone https://bot:s3cret@example.com/r.git", True, "password in URL"),
        ("git clone https://${USER}:${PASS}@example.com/r.git", True, ""),
        ("docker login --password hunter22 r", True, "--password argument"),
        ("docker login --password-stdin r", True, ""),
        ("API_TOKEN=abcdef123 ./deploy", True, "credential variable"),
        ("API_TOKEN=$(cat /run/secrets/t) ./deploy", True, ""),
        ("pip install requests", True, ""),
    ],
)
def test_token_kinds(text: str, command: bool, kind: str) -> None:
    assert token_kind(text, command=command) == kind


@pytest.mark.parametrize(
    ("source", "secret"),
    [
        ("id_rsa", True),
        ("keys/id_ed25519", True),
        ("id_rsa.pub", False),
        ("server.pem", True),
        (".env", True),
        (".env.production", True),
        (".env.example", False),
        ("home/.aws/credentials", True),
        (".ssh/", True),
        ("src/", False),
        ("requirements.txt", False),
    ],
)
def test_key_files(source: str, secret: bool) -> None:
    assert is_key_file(source) is secret


@pytest.mark.parametrize(
    ("word", "ports"),
    [
        ("8080", [8080]),
        ("8080/tcp", [8080]),
        ("53/udp", [53]),
        ("9000-9002", [9000, 9001, 9002]),
        ("$PORT", []),
        ("${PORT}/tcp", []),
    ],
)
def test_expand_ports(word: str, ports: list[int]) -> None:
    assert expand_ports(word) == ports


@pytest.mark.parametrize(
    ("base", "trusted", "ok"),
    [
        ("python:3.11", ("docker.io",), True),
        ("python:3.11", ("docker.io/library",), True),
        ("acme/app:1", ("docker.io/library",), False),
        ("ghcr.io/acme/base:1", ("ghcr.io/acme",), True),
        ("ghcr.io/acmeevil/base:1", ("ghcr.io/acme",), False),
        ("127.0.0.1:5000/x:1", ("ghcr.io",), False),
    ],
)
def test_trusted_registries(base: str, trusted: tuple[str, ...], ok: bool) -> None:
    assert is_trusted(base, trusted) is ok


def test_normalize_image() -> None:
    assert normalize_image("python") == "docker.io/library/python"
    assert normalize_image("localhost/x") == "localhost/x"


@pytest.mark.parametrize(
    ("run", "tools"),
    [
        ("RUN apt-get update && apt-get install -y gcc libc6-dev", ["gcc", "libc6-dev"]),
        ("RUN apk add --no-cache build-base", ["build-base"]),
        ("RUN dnf -y install make && dnf clean all", ["make"]),
        ("RUN echo gcc", []),
        ("RUN apt-get install -y curl", []),
    ],
)
def test_build_tools_installed(run: str, tools: list[str]) -> None:
    instruction = parse_dockerfile(f"FROM x\n{run}\n").instructions[1]
    assert installed_build_tools(instruction) == tools


def test_build_tools_in_a_build_stage_are_fine() -> None:
    text = "FROM a:1 AS build\nRUN apt-get install -y gcc\nFROM a:1\nCOPY --from=build /x /x\n"
    result = check_dockerfile(parse_dockerfile(text), [], PolicyConfig())
    assert [f.id for f in result.findings] == []
    text = "FROM a:1 AS build\nRUN apt-get install -y gcc\nFROM build\nRUN true\n"
    result = check_dockerfile(parse_dockerfile(text), [], PolicyConfig())
    assert [(f.id, f.line) for f in result.findings] == [("SW010", 2)]


def test_add_with_checksum_and_insecure_run() -> None:
    text = (
        "FROM a:1\nADD --checksum=sha256:00 https://x/y.tgz /y\nADD https://x/z /z\n"
        "RUN --security=insecure mount -t tmpfs x /mnt\n"
    )
    result = check_dockerfile(parse_dockerfile(text), [], PolicyConfig())
    assert [(f.id, f.line) for f in result.findings] == [("SW015", 3), ("SW009", 4)]


def test_digest_pin_rule_is_off_unless_selected() -> None:
    dockerfile = parse_dockerfile("FROM python:3.11 AS a\nFROM a\nFROM scratch\n")
    assert check_dockerfile(dockerfile, [], PolicyConfig()).findings == ()
    chosen = check_dockerfile(dockerfile, [], PolicyConfig(overrides={"SW004": Severity.LOW}))
    assert [(f.id, f.line, f.severity) for f in chosen.findings] == [("SW004", 1, "LOW")]


def test_policy_changes_severity_and_turns_rules_off() -> None:
    dockerfile = parse_dockerfile("FROM python:latest\nRUN sudo x\n")
    found = [
        ToolFinding("trivy", "DS-0001", 1, "latest"),
        ToolFinding("hadolint", "DL3004", 2, "sudo"),
        ToolFinding("trivy", "DS-0010", 2, "sudo"),
        ToolFinding("hadolint", "DL3059", 2, "style: not part of the policy"),
    ]
    chosen = PolicyConfig(overrides={"SW003": Severity.CRITICAL, "SW009": OFF})
    result = evaluate(dockerfile, found, chosen)
    assert [(f.id, f.severity, f.tool_id) for f in result.findings] == [
        ("SW003", "CRITICAL", "DS-0001")
    ]
    assert evaluate(dockerfile, found, PolicyConfig(enabled=False)).findings == ()
    both = evaluate(dockerfile, found, PolicyConfig())
    assert [(f.id, f.line, f.source) for f in both.findings] == [
        ("SW003", 1, "trivy"),
        ("SW009", 2, "hadolint"),
    ]


def test_tool_ids_suppress_too_and_port_22_can_be_allowed() -> None:
    dockerfile = parse_dockerfile("FROM a:1\n# slipway:ignore=DS-0004 bastion\nEXPOSE 22\n")
    found = [ToolFinding("trivy", "DS-0004", 3, "port 22")]
    result = evaluate(dockerfile, found, PolicyConfig())
    assert [s.reason for s in result.suppressed] == ["bastion"]
    plain = parse_dockerfile("FROM a:1\nEXPOSE 22\n")
    allowed = evaluate(plain, found, PolicyConfig(allowed_ports=frozenset({22})))
    assert allowed.findings == ()


def test_root_without_a_line_points_at_the_final_from() -> None:
    dockerfile = parse_dockerfile("FROM a:1 AS b\nRUN x\nFROM a:1\nCOPY --from=b /x /x\n")
    result = evaluate(dockerfile, [ToolFinding("trivy", "DS-0002", 0, "no USER")], PolicyConfig())
    assert [(f.id, f.line) for f in result.findings] == [("SW001", 3)]


def test_blocking_uses_fail_on() -> None:
    dockerfile = parse_dockerfile("FROM python:latest\n")
    result = evaluate(dockerfile, [ToolFinding("trivy", "DS-0001", 1, "x")], PolicyConfig())
    assert result.blocking(Severity.CRITICAL) == ()
    assert [f.id for f in result.blocking(Severity.MEDIUM)] == ["SW003"]


@pytest.mark.parametrize(
    ("severity", "fail_on", "fails"),
    [
        ("CRITICAL", "CRITICAL", True),
        ("HIGH", "CRITICAL", False),
        ("HIGH", "MEDIUM", True),
        ("LOW", "UNKNOWN", True),
        ("INFO", "UNKNOWN", False),
        ("CRITICAL", "none", False),
    ],
)
def test_fails_gate(severity: str, fail_on: str, fails: bool) -> None:
    threshold: FailOn = NO_GATE if fail_on == NO_GATE else Severity(fail_on)
    assert fails_gate(Severity(severity), threshold) is fails


def test_every_refused_port_of_a_line_is_named() -> None:
    dockerfile = parse_dockerfile("FROM a:1\nEXPOSE 22 8080 9000-9001/tcp 70000\n")
    result = check_dockerfile(dockerfile, [], PolicyConfig(allowed_ports=frozenset({8080})))
    assert [(f.id, f.line, f.detail) for f in result.findings] == [
        ("SW008", 2, "22, 9000, 9001, 70000")
    ]
