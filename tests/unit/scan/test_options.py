"""The scan inputs: a valid table and an invalid table, kept apart."""

from __future__ import annotations

from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.inputs.scan import read_scan_options
from slipway.scan.options import DEFAULT_DB_REPOSITORIES, ScanOptions


def read(**inputs: str) -> ScanOptions:
    env = {f"INPUT_{name.upper().replace('_', '-')}": value for name, value in inputs.items()}
    return read_scan_options(InputReader(env))


def test_defaults() -> None:
    options = read()
    assert options == ScanOptions()
    assert options.severity == ("HIGH", "CRITICAL")
    assert options.fail_on == "CRITICAL"
    assert options.db_repositories == DEFAULT_DB_REPOSITORIES
    assert options.scanners == ("vuln", "secret", "config")


VALID: list[tuple[dict[str, str], str, Any]] = [
    ({"severity": "critical,high"}, "severity", ("HIGH", "CRITICAL")),
    ({"fail-on": "none"}, "fail_on", "none"),
    ({"fail-on": "high"}, "fail_on", "HIGH"),
    ({"ignore-unfixed": "true"}, "ignore_unfixed", True),
    (
        {"trivyignores": ".trivyignore\nsec/.trivyignore.yaml"},
        "trivyignores",
        (".trivyignore", "sec/.trivyignore.yaml"),
    ),
    ({"vex": "a.openvex.json,b.cdx.json"}, "vex", ("a.openvex.json", "b.cdx.json")),
    ({"scanners": "vuln, misconfig"}, "scanners", ("vuln", "config")),
    ({"trivy-db-repository": "a:1\nb:2"}, "db_repositories", ("a:1", "b:2")),
    ({"trivy-cache-dir": "/c"}, "cache_dir", "/c"),
    ({"db-max-age": "2d"}, "db_max_age", 172800.0),
    ({"db-max-age": "36h"}, "db_max_age", 129600.0),
    ({"scan-timeout": "90"}, "timeout", 90.0),
    ({"scan-timeout": "15m"}, "timeout", 900.0),
    ({"scan": "false"}, "enabled", False),
    ({"sbom-file": "sbom.cdx.json"}, "sbom_file", "sbom.cdx.json"),
]


@pytest.mark.parametrize(("inputs", "attribute", "expected"), VALID)
def test_valid(inputs: dict[str, str], attribute: str, expected: Any) -> None:
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    assert getattr(read_scan_options(InputReader(env)), attribute) == expected


INVALID = [
    ({"severity": "HIGHEST"}, "input 'severity'.*unknown severity 'HIGHEST'"),
    ({"fail-on": "bad"}, "input 'fail-on'"),
    ({"scanners": "vuln,license"}, "input 'scanners'.*unknown scanner 'license'"),
    ({"db-max-age": "a week"}, "input 'db-max-age'.*not a duration"),
    ({"db-max-age": "0"}, "input 'db-max-age'"),
    ({"scan-timeout": "-5"}, "input 'scan-timeout'"),
    ({"ignore-unfixed": "yes"}, "input 'ignore-unfixed'.*not a boolean"),
]


@pytest.mark.parametrize(("inputs", "message"), INVALID)
def test_invalid(inputs: dict[str, str], message: str) -> None:
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    with pytest.raises(InputError, match=message):
        read_scan_options(InputReader(env))


@pytest.mark.parametrize(
    ("inputs", "hint"),
    [
        ({"severity": "HIHG"}, "Did you mean 'HIGH'?"),
        ({"fail-on": "bad"}, "Use one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL, or none."),
    ],
)
def test_the_hint_names_severities_as_written(inputs: dict[str, str], hint: str) -> None:
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    with pytest.raises(InputError) as raised:
        read_scan_options(InputReader(env))
    assert raised.value.hint == hint


def test_gate_and_scan_severities() -> None:
    options = ScanOptions(severity=(Severity.HIGH,), fail_on=Severity.CRITICAL)
    assert options.scan_severities == ("HIGH", "CRITICAL")
    reverse = ScanOptions(severity=(Severity.CRITICAL,), fail_on=Severity.HIGH)
    assert reverse.gate_severities == ("HIGH", "CRITICAL")
    assert ScanOptions(fail_on="none").gate_severities == ()
    assert ScanOptions(scanners=("vuln", "config")).image_scanners == ("vuln",)
