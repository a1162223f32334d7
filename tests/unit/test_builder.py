"""Builder setup decisions: QEMU and a multi-platform builder only when needed."""

from __future__ import annotations

import pytest

from slipway.errors import BuildError
from slipway.platforms import Platform, parse_platform
from slipway.tools.builder import BuilderFacts, Setup, parse_inspect, plan_setup, qemu_argv

INSPECT = """Name:          default
Driver:        docker
Last Activity: 2026-11-23 20:37:37 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.13.2
Platforms:        linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/arm64, linux/386*
"""


def platforms(*names: str) -> tuple[Platform, ...]:
    return tuple(parse_platform(n) for n in names)


def test_parse_inspect() -> None:
    name, driver, found = parse_inspect(INSPECT)
    assert (name, driver) == ("default", "docker")
    assert found == platforms(
        "linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/386"
    )


@pytest.mark.parametrize(
    ("requested", "builder_platforms", "containerd", "expected"),
    [
        (("linux/amd64", "linux/arm64"), ("linux/amd64", "linux/arm64"), True, Setup()),
        (("linux/amd64/v2",), ("linux/amd64",), True, Setup()),
        (("linux/amd64", "linux/arm64"), ("linux/amd64",), True, Setup(qemu=("aarch64",))),
        (
            ("linux/arm/v7", "linux/arm/v6", "linux/s390x"),
            ("linux/amd64",),
            True,
            Setup(qemu=("arm", "s390x")),
        ),
        (
            ("linux/amd64", "linux/arm64"),
            ("linux/amd64", "linux/arm64"),
            False,
            Setup(create_builder=True),
        ),
        (("linux/amd64",), ("linux/amd64",), False, Setup()),
    ],
)
def test_plan_setup(
    requested: tuple[str, ...],
    builder_platforms: tuple[str, ...],
    containerd: bool,
    expected: Setup,
) -> None:
    facts = BuilderFacts("default", "docker", platforms(*builder_platforms), containerd)
    assert plan_setup(platforms(*requested), facts) == expected


def test_platform_qemu_cannot_provide_is_an_error() -> None:
    facts = BuilderFacts("default", "docker", platforms("linux/amd64"), True)
    with pytest.raises(BuildError, match="no way to build linux/386"):
        plan_setup(platforms("linux/386"), facts)


def test_qemu_argv() -> None:
    assert qemu_argv(["aarch64", "arm"])[-2:] == ["--install", "aarch64,arm"]


def test_builder_for_a_driver() -> None:
    from slipway.tools.builder import create_builder_argv, driver_builder_name

    assert driver_builder_name("docker-container") == "slipway-multiplatform"
    assert create_builder_argv("slipway-remote", "remote", "tcp://buildkitd:1234")[-3:] == [
        "remote",
        "--bootstrap",
        "tcp://buildkitd:1234",
    ]
