"""Builder decisions: which builder a run needs, and the buildkitd.toml of one Slipway creates."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from slipway.buildx.builders import (
    BuilderFacts,
    BuilderSpec,
    EngineFacts,
    Setup,
    builder_name,
    choose_builder,
    create_argv,
    parse_engine_info,
    parse_inspect,
    plan_setup,
    qemu_argv,
    qemu_not_registered,
)
from slipway.buildx.buildkitd import ConfigWishes, buildkitd_config
from slipway.errors import BuildError
from slipway.oci.platforms import Platform, parse_platform

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

# Parts of `docker info --format '{{json .}}'` of the two engines scripts/dev-env starts
# (Docker 28.5.2): the hosted runner's classic overlay2 store, and the containerd store.
CLASSIC_INFO = {
    "Driver": "overlay2",
    "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
    "RegistryConfig": {
        "IndexConfigs": {
            "docker.io": {
                "Mirrors": ["http://127.0.0.1:5000/"],
                "Name": "docker.io",
                "Official": True,
                "Secure": True,
            },
        },
        "InsecureRegistryCIDRs": ["::1/128", "127.0.0.0/8"],
        "Mirrors": ["http://127.0.0.1:5000/"],
    },
}
CONTAINERD_INFO = {
    **CLASSIC_INFO,
    "Driver": "overlayfs",
    "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]],
}


def platforms(*names: str) -> tuple[Platform, ...]:
    return tuple(parse_platform(n) for n in names)


def test_parse_inspect() -> None:
    name, driver, found = parse_inspect(INSPECT)
    assert (name, driver) == ("default", "docker")
    assert found == platforms(
        "linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/386"
    )


def test_parse_engine_info() -> None:
    classic = parse_engine_info(json.dumps(CLASSIC_INFO))
    assert classic == EngineFacts(
        containerd_store=False,
        mirrors=("http://127.0.0.1:5000/",),
        insecure_cidrs=("::1/128", "127.0.0.0/8"),
    )
    assert parse_engine_info(json.dumps(CONTAINERD_INFO)).containerd_store
    insecure = {"RegistryConfig": {"IndexConfigs": {"reg.local:5000": {"Secure": False}}}}
    assert parse_engine_info(json.dumps(insecure)).insecure_registries == ("reg.local:5000",)
    assert parse_engine_info("not json") == EngineFacts()


CLASSIC = EngineFacts(containerd_store=False)
CONTAINERD = EngineFacts(containerd_store=True)


@pytest.mark.parametrize(
    ("requested", "builder_platforms", "driver", "engine", "expected"),
    [
        (
            ("linux/amd64", "linux/arm64"),
            ("linux/amd64", "linux/arm64"),
            "docker",
            CONTAINERD,
            Setup(),
        ),
        (("linux/amd64/v2",), ("linux/amd64",), "docker", CONTAINERD, Setup()),
        (
            ("linux/amd64", "linux/arm64"),
            ("linux/amd64",),
            "docker",
            CONTAINERD,
            Setup(qemu=("aarch64",)),
        ),
        (
            ("linux/arm/v7", "linux/arm/v6", "linux/s390x"),
            ("linux/amd64",),
            "docker",
            CONTAINERD,
            Setup(qemu=("arm", "s390x")),
        ),
        # The classic store's docker driver cannot export the OCI layout: for several
        # platforms, for one, and with `platforms` unset.
        (
            ("linux/amd64", "linux/arm64"),
            ("linux/amd64", "linux/arm64"),
            "docker",
            CLASSIC,
            Setup(create_builder=True),
        ),
        (("linux/amd64",), ("linux/amd64",), "docker", CLASSIC, Setup(create_builder=True)),
        ((), ("linux/amd64",), "docker", CLASSIC, Setup(create_builder=True)),
        # A docker-container builder (Slipway's or the user's) can, whatever the engine.
        (("linux/amd64",), ("linux/amd64",), "docker-container", CLASSIC, Setup()),
        (
            ("linux/amd64", "linux/arm64"),
            ("linux/amd64",),
            "remote",
            CLASSIC,
            Setup(qemu=("aarch64",)),
        ),
    ],
)
def test_plan_setup(
    requested: tuple[str, ...],
    builder_platforms: tuple[str, ...],
    driver: str,
    engine: EngineFacts,
    expected: Setup,
) -> None:
    facts = BuilderFacts("default", driver, platforms(*builder_platforms), engine)
    assert plan_setup(platforms(*requested), facts) == expected


@pytest.mark.parametrize(
    ("driver", "engine", "expected"),
    [
        ("docker", CONTAINERD, True),  # the engine cannot resolve a services: alias
        ("docker", CLASSIC, True),
        ("docker-container", CONTAINERD, False),  # Slipway's own builder already maps it
    ],
)
def test_a_registry_only_the_job_network_knows_needs_an_own_builder(
    driver: str, engine: EngineFacts, expected: bool
) -> None:
    facts = BuilderFacts("b", driver, platforms("linux/amd64"), engine)
    assert plan_setup(platforms("linux/amd64"), facts, aliases=True).create_builder is expected


def test_platform_qemu_cannot_provide_is_an_error() -> None:
    facts = BuilderFacts("default", "docker", platforms("linux/amd64"), CONTAINERD)
    with pytest.raises(BuildError, match="no way to build linux/386"):
        plan_setup(platforms("linux/386"), facts)


def test_buildkitd_config_inherits_the_engines_mirrors() -> None:
    config = tomllib.loads(buildkitd_config(parse_engine_info(json.dumps(CLASSIC_INFO))))
    assert config == {
        "registry": {
            "docker.io": {"mirrors": ["127.0.0.1:5000"]},
            "127.0.0.1:5000": {"http": True, "insecure": True},
        }
    }


def test_buildkitd_config_https_mirror_stays_tls() -> None:
    engine = EngineFacts(mirrors=("https://mirror.gcr.io/",), insecure_cidrs=("127.0.0.0/8",))
    assert tomllib.loads(buildkitd_config(engine)) == {
        "registry": {"docker.io": {"mirrors": ["mirror.gcr.io"]}}
    }


def test_buildkitd_config_reaches_a_service_alias_by_its_address() -> None:
    config = tomllib.loads(
        buildkitd_config(EngineFacts(), ["registry:5000"], {"registry:5000": "10.214.3.2:5000"})
    )
    assert config == {
        "registry": {
            "registry:5000": {"http": True, "insecure": True, "mirrors": ["10.214.3.2:5000"]},
            "10.214.3.2:5000": {"http": True, "insecure": True},
        }
    }


@pytest.mark.parametrize(
    ("mirror", "plain"),
    [
        ("https://127.0.0.1:5000/", True),
        ("https://[::1]:5000/", True),
        ("https://reg:5000/", False),
    ],
)
def test_an_https_mirror_on_loopback_is_insecure_as_the_engine_treats_it(
    mirror: str, plain: bool
) -> None:
    engine = EngineFacts(mirrors=(mirror,), insecure_cidrs=("::1/128", "127.0.0.0/8"))
    hosts = tomllib.loads(buildkitd_config(engine))["registry"]
    mirror_host: dict[str, object] = next((v for k, v in hosts.items() if k != "docker.io"), {})
    assert ("http" in mirror_host) is plain


def test_buildkitd_config_is_empty_for_a_plain_engine() -> None:
    assert buildkitd_config(EngineFacts()) == ""


def test_the_users_buildkitd_config_is_kept_and_slipways_registry_settings_merged_in() -> None:
    user = tomllib.loads(
        "[worker.oci]\nmax-parallelism = 4\n"
        '[registry."docker.io"]\nmirrors = ["mirror.example.com"]\n'
        '[registry."ghcr.io"]\nca = ["/certs/theirs.pem"]\n'
    )
    wishes = ConfigWishes(("registry:5000",), user, "/w/registry-ca.pem", ("ghcr.io", "reg.corp"))
    engine = EngineFacts(mirrors=("http://127.0.0.1:5000/",))
    config = tomllib.loads(buildkitd_config(engine, wishes=wishes))
    assert config == {
        "worker": {"oci": {"max-parallelism": 4}},
        "registry": {
            "docker.io": {"mirrors": ["mirror.example.com"]},  # theirs win
            "ghcr.io": {"ca": ["/certs/theirs.pem", "/w/registry-ca.pem"]},  # both CAs
            "127.0.0.1:5000": {"http": True, "insecure": True},
            "registry:5000": {"http": True, "insecure": True},
            "reg.corp": {"ca": ["/w/registry-ca.pem"]},
        },
    }
    assert user["registry"]["ghcr.io"]["ca"] == ["/certs/theirs.pem"]  # the input is not changed


def test_a_config_without_registries_needs_no_registry_table() -> None:
    wishes = ConfigWishes(user={"debug": True})
    assert tomllib.loads(buildkitd_config(EngineFacts(), wishes=wishes)) == {"debug": True}


@pytest.mark.parametrize(
    ("wishes", "created"),
    [
        (ConfigWishes(), False),
        (ConfigWishes(("registry:5000",)), False),  # plain HTTP: the engine's own setting
        (ConfigWishes(user={"debug": True}), True),
        (ConfigWishes(ca_file="/w/ca.pem", ca_hosts=("reg.corp",)), True),
    ],
)
def test_a_buildkitd_config_of_the_run_needs_a_builder_slipway_creates(
    wishes: ConfigWishes, created: bool
) -> None:
    facts = BuilderFacts("default", "docker", platforms("linux/amd64"), CONTAINERD)
    setup = plan_setup(platforms("linux/amd64"), facts, configured=wishes.need_builder)
    assert setup.create_builder is created


def test_create_argv() -> None:
    spec = BuilderSpec("slipway-1", image="reg/buildkit:1", config_file="/w/b.toml")
    assert create_argv(spec) == [
        "docker",
        "buildx",
        "create",
        "--name",
        "slipway-1",
        "--driver",
        "docker-container",
        "--driver-opt",
        "network=host",
        "--driver-opt",
        "image=reg/buildkit:1",
        "--buildkitd-config",
        "/w/b.toml",
        "--bootstrap",
    ]
    remote = create_argv(BuilderSpec("slipway-2", "remote", endpoint="tcp://buildkitd:1234"))
    assert remote[-3:] == ["remote", "--bootstrap", "tcp://buildkitd:1234"]
    assert "--driver-opt" not in remote


def test_qemu_argv() -> None:
    assert qemu_argv(["aarch64", "arm"], "binfmt:1")[-3:] == [
        "binfmt:1",
        "--install",
        "aarch64,arm",
    ]


def test_the_users_driver_opts_and_buildkitd_flags_come_after_slipways() -> None:
    spec = BuilderSpec(
        "slipway-x",
        image="mirror/buildkit:v0.25.2",
        config_file="/w/x.toml",
        driver_opts=("memory=4g", "network=bridge"),
        buildkitd_flags="--debug",
    )
    argv = create_argv(spec)
    opts = [argv[i + 1] for i, a in enumerate(argv) if a == "--driver-opt"]
    assert opts == ["network=host", "image=mirror/buildkit:v0.25.2", "memory=4g", "network=bridge"]
    assert argv[argv.index("--buildkitd-flags") + 1] == "--debug"
    remote = create_argv(BuilderSpec("r", "remote", endpoint="tcp://bk:1234"))
    assert "--driver-opt" not in remote
    assert remote[-1] == "tcp://bk:1234"


def test_buildx_selects_the_engines_builder_unless_told_otherwise(tmp_path: Path) -> None:
    from slipway.tools.builder import selects_default

    config = tmp_path / "docker"
    assert selects_default({"DOCKER_CONFIG": str(config)})  # a new home: nothing selected
    (config / "buildx").mkdir(parents=True)
    current = config / "buildx" / "current"
    current.write_text('{"Key":"unix:///var/run/docker.sock","Name":"mine","Global":false}')
    assert not selects_default({"DOCKER_CONFIG": str(config)})  # `docker buildx use mine`
    current.write_text('{"Key":"unix:///var/run/docker.sock","Name":"default","Global":false}')
    assert selects_default({"DOCKER_CONFIG": str(config)})
    assert not selects_default({"DOCKER_CONFIG": str(config), "BUILDX_BUILDER": "mine"})


CLASSIC_ENGINE = parse_engine_info(json.dumps(CLASSIC_INFO))
CONTAINERD_ENGINE = parse_engine_info(json.dumps(CONTAINERD_INFO))


@pytest.mark.parametrize(
    ("builder", "driver", "engine", "flags", "expected"),
    [
        ("mine", "docker", CLASSIC_ENGINE, {}, ("named", "")),
        ("", "docker-container", CONTAINERD_ENGINE, {}, ("create", "docker-container")),
        ("", "remote", CLASSIC_ENGINE, {}, ("create", "remote")),
        ("", "docker", CONTAINERD_ENGINE, {}, ("selected", "")),
        ("", "docker", CLASSIC_ENGINE, {}, ("create", "docker-container")),
        ("", "docker", CONTAINERD_ENGINE, {"aliases": True}, ("create", "docker-container")),
        ("", "docker", CONTAINERD_ENGINE, {"configured": True}, ("create", "docker-container")),
        ("", "docker", CLASSIC_ENGINE, {"selects_default": False}, ("selected", "")),
    ],
)
def test_choose_builder(
    builder: str,
    driver: str,
    engine: EngineFacts,
    flags: dict[str, bool],
    expected: tuple[str, str],
) -> None:
    options = {"selects_default": True, "aliases": False, "configured": False, **flags}
    choice = choose_builder(builder, driver, engine, **options)
    assert (choice.kind, choice.driver) == expected
    assert bool(choice.why) == (choice.kind == "create" and driver == "docker")


def test_a_builder_is_named_after_its_configuration() -> None:
    spec = BuilderSpec("", "docker-container", image="127.0.0.1:5000/buildkit:v0.25.2")
    name = builder_name(spec, "[registry]\n")
    assert name == builder_name(spec, "[registry]\n")  # the next run finds it
    assert name.startswith("slipway-")
    assert len(name) == len("slipway-") + 12
    others = {
        builder_name(spec, ""),
        builder_name(BuilderSpec("", "docker-container"), "[registry]\n"),
        builder_name(BuilderSpec("", "docker-container", driver_opts=("memory=1g",)), ""),
        builder_name(BuilderSpec("", "docker-container", buildkitd_flags="--debug"), ""),
        builder_name(BuilderSpec("", "remote", endpoint="tcp://10.0.0.1:1234"), ""),
    }
    assert name not in others
    assert len(others) == 5


def test_qemu_not_registered_reads_the_binfmt_images_report() -> None:
    # tonistiigi/binfmt exits 0 when a registration failed: its JSON status tells
    report = '{\n  "supported": ["linux/amd64", "linux/386"],\n  "emulators": ["qemu-arm"]\n}\n'
    assert qemu_not_registered(report, ["aarch64", "arm"]) == ["aarch64"]
    ok = '{"supported": ["linux/amd64", "linux/arm64"], "emulators": ["qemu-aarch64"]}'
    assert qemu_not_registered(ok, ["aarch64"]) == []
    assert qemu_not_registered("", ["aarch64"]) == []  # no report: the exit code decides
    assert qemu_not_registered("installed\n", ["aarch64"]) == []
    assert qemu_not_registered('{"emulators": null}', ["aarch64"]) == []
