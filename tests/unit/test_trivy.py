"""Trivy adapter: argv from options, and Trivy's own golden reports parsed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from slipway.errors import ScanError
from slipway.tools.trivy import ImageRequest, image_argv, parse_image_report

REPORTS = Path(__file__).parents[1] / "data" / "trivy-reports"


def golden(name: str) -> str:
    return (REPORTS / f"{name}.json.golden").read_text()


@pytest.mark.parametrize(
    "name", ["debian-buster", "alpine-310", "centos-7", "pip", "npm", "ubuntu-1804"]
)
def test_counts_match_the_report(name: str) -> None:
    text = golden(name)
    expected = sum(len(r.get("Vulnerabilities") or []) for r in json.loads(text)["Results"])
    found = parse_image_report(text)[0]
    assert len(found) == expected
    assert all(v.id and v.package and v.severity for v in found)


def test_fields_of_one_finding() -> None:
    found = parse_image_report(golden("debian-buster"))[0]
    bash = next(v for v in found if v.id == "CVE-2019-18276")
    assert (bash.package, bash.installed, bash.severity) == ("bash", "5.0-4", "LOW")
    assert not bash.fixable
    assert bash.url == "https://avd.aquasec.com/nvd/cve-2019-18276"
    assert Counter(v.severity for v in found)


def test_no_vulnerabilities_and_no_results() -> None:
    assert parse_image_report('{"SchemaVersion": 2}')[0] == []
    assert parse_image_report('{"Results": [{"Target": "x", "Vulnerabilities": null}]}')[0] == []


def test_unreadable_report() -> None:
    with pytest.raises(ScanError, match="unreadable"):
        parse_image_report("{not json")


def test_image_argv() -> None:
    argv = image_argv(
        ImageRequest(
            "127.0.0.1:5000/app@sha256:" + "a" * 64,
            "/tmp/r.json",
            severities=["HIGH", "CRITICAL"],
            db_repositories=["127.0.0.1:5000/db:2", "ghcr.io/aquasecurity/trivy-db:2"],
            cache_dir="/c",
            insecure=True,
        )
    )
    assert argv[:2] == ["trivy", "image"]
    assert argv[argv.index("--severity") + 1] == "HIGH,CRITICAL"
    assert (
        argv[argv.index("--db-repository") + 1]
        == "127.0.0.1:5000/db:2,ghcr.io/aquasecurity/trivy-db:2"
    )
    assert "--insecure" in argv
    assert argv[-1].endswith("a" * 64)
