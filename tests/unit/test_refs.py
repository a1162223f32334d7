"""Image names, references and registry hosts (slipway.oci.refs), as distribution's grammar reads
them, without the exponential backtracking of its domain expression (issue 23: a 34-character
name with a colon hung the step; every 2 more characters multiplied the time by 4)."""

from __future__ import annotations

import pytest

from slipway.oci.refs import (
    ImageName,
    check_reference,
    check_registry,
    parse_image_name,
    split_reference,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ghcr.io/acme/app", ImageName("ghcr.io", "acme/app")),
        ("127.0.0.1:5000/acme/app", ImageName("127.0.0.1:5000", "acme/app")),
        ("[::1]:5000/a", ImageName("[::1]:5000", "a")),
        ("localhost/x", ImageName("localhost", "x")),
        ("alpine", ImageName("docker.io", "library/alpine")),
        (
            "my-registry.example.com:443/a/b__c-d.e",
            ImageName("my-registry.example.com:443", "a/b__c-d.e"),
        ),
    ],
)
def test_names(value: str, expected: ImageName) -> None:
    assert parse_image_name(value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("https://ghcr.io/acme/app", "has a scheme"),
        ("gh cr.io/acme/app", "is not a registry host"),
        ("ghcr.io:0/acme/app", "a port from 1 to 65535"),
        ("ghcr.io:65536/acme/app", "a port from 1 to 65535"),
        ("ghcr.io:\u0665/acme/app", "a port from 1 to 65535"),
        ("ghcr..io/acme/app", "is not a registry host"),
        ("ghcr.io./acme/app", "is not a registry host"),
        ("a" * 300, "longer than 255"),
        ("ghcr.io/Acme/app", "must be lower-case"),
    ],
)
def test_refused_names(value: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_image_name(value)


@pytest.mark.parametrize("length", [34, 40, 60, 250])
def test_a_long_domain_that_fails_late_is_refused_at_once(length: int) -> None:
    # the shape that backtracked: many one-letter labels, then what no label may hold
    with pytest.raises(ValueError):
        parse_image_name("a" * length + ":/x")
    with pytest.raises(ValueError):
        check_registry("a." * (length // 2) + "!")


@pytest.mark.parametrize(
    "value", ["ghcr.io", "registry:5000", "[fe80::1]:443", "10.0.0.1", "xn--bcher-kva.example"]
)
def test_registries(value: str) -> None:
    assert check_registry(value) == value


@pytest.mark.parametrize(
    "value",
    ["http://registry:5000", "registry:", "registry:99999", "reg istry", "-reg", "[::1", ""],
)
def test_refused_registries(value: str) -> None:
    with pytest.raises(ValueError):
        check_registry(value)


def test_references() -> None:
    digest = "sha256:" + "a" * 64
    assert check_reference(f"ghcr.io/a/b:v1@{digest}") == f"ghcr.io/a/b:v1@{digest}"
    for bad in ("ghcr.io/a/b:v\u00e9", "ghcr.io/a/b@sha256:abc", "a" * 600, "ghcr.io/a/b:"):
        with pytest.raises(ValueError):
            check_reference(bad)


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("python", ("python", "", "")),
        ("python:3.11-slim", ("python", "3.11-slim", "")),
        ("127.0.0.1:5000/acme/app:main", ("127.0.0.1:5000/acme/app", "main", "")),
        ("127.0.0.1:5000/acme/app", ("127.0.0.1:5000/acme/app", "", "")),
        (f"ghcr.io/o/a:v1@sha256:{'e' * 64}", ("ghcr.io/o/a", "v1", f"sha256:{'e' * 64}")),
    ],
)
def test_a_reference_splits_into_name_tag_and_digest(
    value: str, parts: tuple[str, str, str]
) -> None:
    assert split_reference(value) == parts
