"""Inputs: valid tables and invalid tables, kept apart."""

from __future__ import annotations

import pytest

from slipway.errors import InputError
from slipway.inputs import read_inputs, split_list
from slipway.oci.platforms import Platform
from slipway.oci.refs import ImageName

BASE = {"INPUT_IMAGES": "127.0.0.1:5000/app"}


def env(**inputs: str) -> dict[str, str]:
    """An environment with INPUT_* set the way GitHub sets them (hyphens kept)."""
    return {**BASE, **{f"INPUT_{k.replace('_', '-').upper()}": v for k, v in inputs.items()}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a,b", ["a", "b"]),
        ("a\nb\n\n  c  ", ["a", "b", "c"]),
        ('"x,y",z', ["x,y", "z"]),
        ("", []),
    ],
)
def test_split_list(value: str, expected: list[str]) -> None:
    assert split_list(value) == expected


VALID = [
    ({}, "platforms", ()),
    (
        {"platforms": "linux/amd64, linux/arm64"},
        "platforms",
        (Platform("linux", "amd64"), Platform("linux", "arm64")),
    ),
    (
        {"platforms": "linux/arm/v7\nlinux/arm64/v8"},
        "platforms",
        (Platform("linux", "arm", "v7"), Platform("linux", "arm64")),
    ),
    ({"platforms": "linux/arm"}, "platforms", (Platform("linux", "arm", "v7"),)),
    ({"platforms": "linux/amd64,linux/amd64"}, "platforms", (Platform("linux", "amd64"),)),
    ({"push": "TRUE"}, "push", True),
    ({"push": "false"}, "push", False),
    ({}, "push", False),
    ({}, "scan.enabled", True),
    ({}, "scan.severity", ("HIGH", "CRITICAL")),
    ({"severity": "critical,low"}, "scan.severity", ("LOW", "CRITICAL")),
    ({}, "scan.fail_on", "CRITICAL"),
    ({"fail-on": "None"}, "scan.fail_on", "none"),
    ({"fail-on": "high"}, "scan.fail_on", "HIGH"),
    (
        {"images": "ghcr.io/o/a\nname=docker.io/o/b"},
        "images",
        (ImageName("ghcr.io", "o/a"), ImageName("docker.io", "o/b")),
    ),
    ({"images": "alpine"}, "images", (ImageName("docker.io", "library/alpine"),)),
    # metadata-action lower-cases image names; disabled entries are not built.
    ({"images": "ghcr.io/Org/App"}, "images", (ImageName("ghcr.io", "org/app"),)),
    (
        {"images": "ghcr.io/o/a\nname=ghcr.io/o/b,enable=false"},
        "images",
        (ImageName("ghcr.io", "o/a"),),
    ),
    ({"context": "examples/hello"}, "context", "examples/hello"),
    ({}, "context", "."),
    ({"trivy-db-repository": "a:1\nb:2"}, "scan.db_repositories", ("a:1", "b:2")),
    ({"trivy-java-db-repository": "a:1\nb:1"}, "scan.java_db_repositories", ("a:1", "b:1")),
    (
        {},
        "scan.java_db_repositories",
        ("mirror.gcr.io/aquasec/trivy-java-db:1", "ghcr.io/aquasecurity/trivy-java-db:1"),
    ),
]


@pytest.mark.parametrize(("given", "field", "expected"), VALID)
def test_valid(given: dict[str, str], field: str, expected: object) -> None:
    value: object = read_inputs(env(**given))
    for name in field.split("."):
        value = getattr(value, name)
    assert value == expected


def test_push_to_loopback_needs_no_credentials() -> None:
    assert read_inputs(env(push="true")).push is True


INVALID = [
    ({"images": ""}, "images", "no image name given"),
    ({"images": "ghcr.io/org/app!"}, "images", "not a valid image name"),
    ({"images": "ghcr.io/org/app:v1"}, "images", "has a tag"),
    ({"images": "ghcr.io/org/app@sha256:" + "a" * 64}, "images", "has a digest"),
    ({"platforms": "linux/arm65"}, "platforms", "did you mean 'arm64'"),
    ({"platforms": "linx/amd64"}, "platforms", "did you mean 'linux'"),
    ({"platforms": "amd64"}, "platforms", "os/arch"),
    ({"platforms": "linux/arm/v9"}, "platforms", "unknown variant"),
    ({"push": "yes"}, "push", "not a boolean"),
    ({"severity": "HIGHEST"}, "severity", "unknown severity"),
    ({"fail-on": "bad"}, "fail-on", "is not one of UNKNOWN, LOW"),
    ({"insecure-registries": "http://registry:5000"}, "insecure-registries", "no scheme"),
    ({"insecure-registries": "registry:5000/path"}, "insecure-registries", "no scheme"),
    ({"insecure-registries": "registry:99999"}, "insecure-registries", r"host\[:port\]"),
    ({"username": "me"}, "username", "go together"),
    ({"password": "secret"}, "username", "go together"),
    ({"trivy-java-db-repository": "Aqua/Java-DB:1"}, "trivy-java-db-repository", "lower"),
]


@pytest.mark.parametrize(("given", "name", "message"), INVALID)
def test_invalid(given: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_inputs(env(**given))
    assert caught.value.name == name
    assert f"input '{name}'" in caught.value.message
