"""The policy/size inputs (valid and invalid kept apart) and the two linters' adapters."""

from __future__ import annotations

import pytest

from slipway.core.severity import Severity
from slipway.errors import InputError, ScanError, ToolError
from slipway.inputs.policy import PolicyInputs, read_policy_inputs
from slipway.inputs.reader import InputReader
from slipway.policy.evaluate import from_trivy
from slipway.policy.model import OFF, PolicyConfig
from slipway.size.limits import SizeLimits
from slipway.tools.hadolint import lint_argv, parse_lint, parse_version
from slipway.tools.trivy import config_argv, parse_misconfigurations
from tests.unit.policy.examples import DATA


def read(**inputs: str) -> PolicyInputs:
    env = {"INPUT_" + name.upper().replace("_", "-"): value for name, value in inputs.items()}
    return read_policy_inputs(InputReader(env))


VALID = [
    ({}, PolicyInputs()),
    (
        {"policy": "SW016=off\nroot-user=critical\nSW004"},
        PolicyInputs(
            PolicyConfig(
                overrides={"SW016": OFF, "SW001": Severity.CRITICAL, "SW004": Severity.LOW}
            )
        ),
    ),
    ({"policy": "none"}, PolicyInputs(PolicyConfig(enabled=False))),
    (
        {
            "trusted_registries": "ghcr.io/acme/, docker.io/library",
            "allowed_ports": "8080,9000-9001",
        },
        PolicyInputs(
            PolicyConfig(
                trusted_registries=("ghcr.io/acme", "docker.io/library"),
                allowed_ports=frozenset({8080, 9000, 9001}),
            )
        ),
    ),
    (
        {"size_baseline": "main", "max_size": "1.5GiB", "max_size_increase": "10%"},
        PolicyInputs(size_baseline="main", limits=SizeLimits(int(1.5 * 2**30), None, 10.0)),
    ),
    ({"max_size_increase": "20 MB"}, PolicyInputs(limits=SizeLimits(None, 20_000_000, None))),
]


@pytest.mark.parametrize(("inputs", "want"), VALID)
def test_valid_inputs(inputs: dict[str, str], want: PolicyInputs) -> None:
    assert read(**inputs) == want


INVALID = [
    ({"policy": "SW999=HIGH"}, "policy", "unknown rule 'SW999'"),
    ({"policy": "SW001=urgent"}, "policy", "not a severity for SW001"),
    ({"allowed_ports": "http"}, "allowed-ports", "not a port or range"),
    ({"allowed_ports": "70000"}, "allowed-ports", "not a port or range"),
    ({"max_size": "big"}, "max-size", "not a size"),
    ({"max_size": "10%"}, "max-size", "not a size"),
    ({"max_size_increase": "x%"}, "max-size-increase", "not a percentage"),
]


@pytest.mark.parametrize(("inputs", "name", "message"), INVALID)
def test_invalid_inputs(inputs: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as raised:
        read(**inputs)
    assert raised.value.name == name


def test_unknown_rule_hint_names_the_closest() -> None:
    with pytest.raises(InputError, match="unknown rule 'root-usr'") as raised:
        read(policy="root-usr=HIGH")
    assert raised.value.hint == "Did you mean 'root-user'?"


def test_an_unknown_severity_hint_names_the_closest() -> None:
    with pytest.raises(InputError, match="'critikal' is not a severity for SW001") as raised:
        read(policy="SW001=critikal")
    assert raised.value.hint == "Did you mean 'CRITICAL'?"


def test_trivy_config_argv_names_the_file_pattern() -> None:
    argv = config_argv("ctx/Dockerfile.prod", "/tmp/r.json")
    assert argv[:2] == ["trivy", "config"]
    assert "--skip-check-update" in argv
    assert argv[argv.index("--file-patterns") + 1] == r"dockerfile:^Dockerfile\.prod$"
    assert argv[-1] == "ctx/Dockerfile.prod"


def test_trivy_config_report_parsing() -> None:
    found = from_trivy(parse_misconfigurations((DATA / "ports.trivy.json").read_text(), "Df"))
    assert [(f.source, f.check_id, f.line, f.file) for f in found] == [
        ("trivy", "DS-0004", 4, "Df"),
        ("trivy", "DS-0010", 6, "Df"),
    ]
    with pytest.raises(ScanError, match="unreadable"):
        parse_misconfigurations("{", "Df")


def test_hadolint_argv_version_and_parsing() -> None:
    assert lint_argv("Dockerfile") == [
        "hadolint",
        "--format",
        "json",
        "--no-fail",
        "--no-color",
        "Dockerfile",
    ]
    assert parse_version("Haskell Dockerfile Linter 2.15.1") == (2, 15)
    assert parse_version("nonsense") == (0, 0)
    found = parse_lint((DATA / "caches.hadolint.json").read_text())
    assert ("DL3042", 7) in [(f.check_id, f.line) for f in found]
    assert parse_lint("") == []
    with pytest.raises(ToolError, match="unreadable"):
        parse_lint("[")
