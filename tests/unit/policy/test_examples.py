"""Each example Dockerfile, with the real tools' captured reports: every finding at its line."""

from __future__ import annotations

from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.dockerfile import parse_dockerfile
from slipway.policy.evaluate import (
    check_dockerfile,
    check_image,
    combine_results,
    drop_root_set_by_base,
    from_trivy,
)
from slipway.policy.layer_secrets import check_scan_secrets
from slipway.policy.model import PolicyConfig, ToolFinding
from slipway.scan.findings import PlatformScan, Secret
from slipway.stages.policy import DockerfileLint, check_images
from slipway.tools.hadolint import parse_lint
from slipway.tools.trivy import parse_misconfigurations
from tests.unit.policy.examples import CONFIG, DATA, EXAMPLES, expected, pairs, suppressed_pairs

CASES = sorted(expected().items())


def trivy_found(report: str) -> list[ToolFinding]:
    """A captured ``trivy config`` report, as the policy reads it."""
    return from_trivy(parse_misconfigurations((DATA / report).read_text(), "Dockerfile"))


@pytest.mark.parametrize(("name", "want"), CASES, ids=[name for name, _ in CASES])
def test_example_dockerfile_findings(name: str, want: dict[str, Any]) -> None:
    dockerfile = parse_dockerfile((EXAMPLES / name / "Dockerfile").read_text(), "Dockerfile")
    found = [
        *trivy_found(f"{name}.trivy.json"),
        *parse_lint((DATA / f"{name}.hadolint.json").read_text()),
    ]
    result = check_dockerfile(dockerfile, found, CONFIG)
    assert sorted(pairs(result), key=lambda p: (p[1], p[0])) == sorted(
        want["dockerfile"], key=lambda p: (p[1], p[0])
    )
    if name != "suppressed":
        assert suppressed_pairs(result) == []


ROOT_CONFIG: dict[str, Any] = {"config": {"User": ""}}
NONROOT_CONFIG: dict[str, Any] = {"config": {"User": "10001:10001"}}


def test_root_example_is_caught_on_the_image_config_at_the_final_from() -> None:
    dockerfile = parse_dockerfile((EXAMPLES / "root" / "Dockerfile").read_text(), "Dockerfile")
    plain = check_dockerfile(dockerfile, [], CONFIG)
    image = check_image(dockerfile, {"linux/amd64": ROOT_CONFIG}, CONFIG, plain)
    assert [(f.id, f.line, f.source, f.platform) for f in image.findings] == [
        ("SW001", 6, "image-config", "linux/amd64")
    ]


def test_image_config_finding_already_in_the_dockerfile_is_not_repeated() -> None:
    dockerfile = parse_dockerfile((EXAMPLES / "rootlast" / "Dockerfile").read_text(), "Dockerfile")
    found = trivy_found("rootlast.trivy.json")
    plain = check_dockerfile(dockerfile, found, CONFIG)
    image = check_image(dockerfile, {"linux/amd64": ROOT_CONFIG}, CONFIG, plain)
    assert image.findings == ()
    assert pairs(combine_results(plain, image)) == [["SW001", 5]]


def test_suppressed_example_keeps_reasons() -> None:
    dockerfile = parse_dockerfile((EXAMPLES / "suppressed" / "Dockerfile").read_text())
    found = [
        *trivy_found("suppressed.trivy.json"),
        *parse_lint((DATA / "suppressed.hadolint.json").read_text()),
    ]
    result = check_dockerfile(dockerfile, found, CONFIG)
    reasons = {s.finding.id: s.reason for s in result.suppressed}
    assert reasons["SW001"] == "binds raw sockets"
    assert reasons["SW016"] == "a batch job: nothing to probe"
    image = check_image(dockerfile, {"linux/amd64": ROOT_CONFIG}, CONFIG, result)
    assert image.findings == ()


def test_exposed_port_from_the_base_image_config() -> None:
    dockerfile = parse_dockerfile("FROM python:3.11-slim\nUSER 1\n")
    config: dict[str, Any] = {"config": {"User": "1", "ExposedPorts": {"5432/tcp": {}}}}
    image = check_image(
        dockerfile, {"linux/arm64": config}, CONFIG, check_dockerfile(dockerfile, [], CONFIG)
    )
    assert [(f.id, f.line, f.detail, f.platform) for f in image.findings] == [
        ("SW008", 1, "5432", "linux/arm64")
    ]
    assert check_image(dockerfile, {"linux/arm64": NONROOT_CONFIG}, CONFIG, image).findings == ()


def secret_scan(platform: str, line: int | None) -> PlatformScan:
    found = Secret(
        "aws-access-key-id",
        "AWS",
        Severity.CRITICAL,
        "AWS Access Key ID",
        "/app/settings.ini",
        3,
        "sha256:e11a",
        dockerfile_line=line,
    )
    return PlatformScan(platform, "r@sha256:1", (), (found,))


def test_layer_secrets_point_at_the_copy_that_added_them() -> None:
    dockerfile = parse_dockerfile((EXAMPLES / "layersecret" / "Dockerfile").read_text())
    scans = [secret_scan("linux/arm64", 3), secret_scan("linux/amd64", 3)]
    result = check_scan_secrets(scans, dockerfile, CONFIG)
    assert pairs(result) == expected()["layersecret"]["layers"]  # once, not once per platform
    finding = result.findings[0]
    assert finding.detail == "AWS Access Key ID in /app/settings.ini"
    assert finding.platform == "linux/amd64"
    assert finding.tool_id == "trivy-secret:aws-access-key-id"
    off = PolicyConfig(overrides={"SW017": "off"})
    assert check_scan_secrets(scans, dockerfile, off).findings == ()


def test_layer_secret_from_an_unknown_layer_is_file_level() -> None:
    dockerfile = parse_dockerfile("FROM a:1\nRUN true\n")
    result = check_scan_secrets([secret_scan("linux/arm64", None)], dockerfile, CONFIG)
    assert pairs(result) == [["SW017", 0]]


def test_layer_secrets_reach_the_policy_result_with_the_image_checks() -> None:
    dockerfile = parse_dockerfile((EXAMPLES / "layersecret" / "Dockerfile").read_text())
    check = DockerfileLint(dockerfile, check_dockerfile(dockerfile, [], CONFIG))
    configs = {"linux/amd64": NONROOT_CONFIG}
    result = check_images(check, configs, CONFIG, [secret_scan("linux/amd64", 3)])
    assert ["SW017", 3] in pairs(result)
    assert result.blocking(Severity.HIGH)  # CRITICAL by default: it fails the gate


def test_a_user_set_by_the_base_image_clears_the_no_user_finding() -> None:
    dockerfile = parse_dockerfile("FROM ghcr.io/acme/nonroot-base:1\nCOPY app /app\n")
    found = [ToolFinding("trivy", "DS-0002", 0, "Specify at least 1 USER command")]
    plain = check_dockerfile(dockerfile, found, PolicyConfig())
    assert pairs(plain) == [["SW001", 1]]
    nonroot = {"linux/amd64": NONROOT_CONFIG, "linux/arm64": NONROOT_CONFIG}
    assert drop_root_set_by_base(plain, dockerfile, nonroot).findings == ()
    mixed = {"linux/amd64": NONROOT_CONFIG, "linux/arm64": ROOT_CONFIG}
    assert pairs(drop_root_set_by_base(plain, dockerfile, mixed)) == [["SW001", 1]]
    explicit = parse_dockerfile("FROM ghcr.io/acme/nonroot-base:1\nUSER root\n")
    found = [ToolFinding("trivy", "DS-0002", 2, "Last USER should not be root")]
    plain = check_dockerfile(explicit, found, PolicyConfig())
    assert pairs(drop_root_set_by_base(plain, explicit, nonroot)) == [["SW001", 2]]
