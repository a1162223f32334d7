"""Host paths in inputs, moved onto the action container's mounts (what the runner does not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slipway.errors import InputError
from slipway.inputs import Inputs, read_inputs
from slipway.runner.mounts import Mount, container_path, has_absolute_paths, host_path, localize
from slipway.runner.paths import reports_dir

# The runner's six mounts for a job of Codertocat/Hello-World on a hosted runner.
MOUNTS = (
    Mount("/var/run/docker.sock", "/var/run/docker.sock"),
    Mount("/home/runner/work/_temp", "/github/runner_temp"),
    Mount("/home/runner/work/_temp/_github_home", "/github/home"),
    Mount("/home/runner/work/_temp/_github_workflow", "/github/workflow"),
    Mount("/home/runner/work/_temp/_runner_file_commands", "/github/file_commands"),
    Mount("/home/runner/work/Hello-World/Hello-World", "/github/workspace"),
)
TEMP = "/home/runner/work/_temp"
WORKSPACE = "/home/runner/work/Hello-World/Hello-World"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"{TEMP}/cache", "/github/runner_temp/cache"),
        (TEMP, "/github/runner_temp"),
        (f"{TEMP}/_github_home/x", "/github/home/x"),  # the longest source wins
        (f"{WORKSPACE}/ctx/../Dockerfile", "/github/workspace/Dockerfile"),
        ("/github/runner_temp/cache", "/github/runner_temp/cache"),  # already inside
        ("/home/runner/work/_tempest", None),  # a prefix, not a parent
        ("/tmp/cache", None),
        ("/home/runner/.docker/config.json", None),
    ],
)
def test_container_path(path: str, expected: str | None) -> None:
    assert container_path(path, MOUNTS) == expected


def read(**inputs: str) -> Inputs:
    env = {"INPUT_IMAGES": "127.0.0.1:5000/a"}
    env.update({f"INPUT_{k.replace('_', '-').upper()}": v for k, v in inputs.items()})
    return read_inputs(env)


def test_every_path_input_is_moved() -> None:
    inputs = read(
        cache_to=f"type=local,dest={TEMP}/cache,mode=max",
        cache_from=f"SRC={TEMP}/cache,Type=local\ntype=registry,ref=r/c",
        secret_files=f"npm={TEMP}/npmrc",
        build_contexts=(
            f"base={WORKSPACE}/base\nimg=docker-image://alpine:3\nl=oci-layout://{TEMP}/l:v1\n"
            f"d=oci-layout://{TEMP}/d@sha256:{'a' * 64}"
        ),
        ssh=f"default\nkey={TEMP}/id_ed25519",
        context=f"{WORKSPACE}/app",
        file=f"{WORKSPACE}/app/Dockerfile",
    )
    assert has_absolute_paths(inputs)
    moved = localize(inputs, MOUNTS)
    assert moved.build.cache_to == ("type=local,dest=/github/runner_temp/cache,mode=max",)
    assert moved.build.cache_from == (
        "src=/github/runner_temp/cache,type=local",
        "type=registry,ref=r/c",
    )
    assert moved.build.secret_files == (("npm", "/github/runner_temp/npmrc"),)
    assert dict(moved.build.build_contexts) == {
        "base": "/github/workspace/base",
        "img": "docker-image://alpine:3",
        "l": "oci-layout:///github/runner_temp/l:v1",
        "d": f"oci-layout:///github/runner_temp/d@sha256:{'a' * 64}",
    }
    assert moved.build.ssh == ("default", "key=/github/runner_temp/id_ed25519")
    assert (moved.context, moved.file) == (
        "/github/workspace/app",
        "/github/workspace/app/Dockerfile",
    )


def test_relative_paths_stay_relative_to_the_workspace() -> None:
    inputs = read(cache_to="type=local,dest=.cache/build", context="app")
    assert not has_absolute_paths(inputs)
    assert localize(inputs, MOUNTS) == inputs


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ({"cache_to": "type=local,dest=/tmp/cache"}, "cache-to"),
        ({"cache_from": "type=local,src=/home/runner/.cache/buildx"}, "cache-from"),
        ({"secret_files": "npm=/home/runner/.npmrc"}, "secret-files"),
        ({"build_contexts": "base=/opt/base"}, "build-contexts"),
        ({"ssh": "key=/home/runner/.ssh/id_rsa"}, "ssh"),
    ],
)
def test_a_path_on_no_mount_is_refused(given: dict[str, str], name: str) -> None:
    with pytest.raises(InputError, match="lies on no mount") as caught:
        localize(read(**given), MOUNTS)
    assert caught.value.name == name
    assert "runner.temp" in caught.value.hint


def test_outside_a_container_nothing_moves() -> None:
    inputs = read(cache_to="type=local,dest=/tmp/cache")
    assert localize(inputs, ()) == inputs


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/github/runner_temp/slipway/reports/__run/slipway-scan.sarif",
            f"{TEMP}/slipway/reports/__run/slipway-scan.sarif",
        ),
        ("/github/home/x", f"{TEMP}/_github_home/x"),
        ("/github/workspace/out/sbom.json", f"{WORKSPACE}/out/sbom.json"),
        ("/github/runner_temp", TEMP),
        ("/github/runner_tempfoo/x", "/github/runner_tempfoo/x"),  # not under the mount
        ("/tmp/elsewhere.json", "/tmp/elsewhere.json"),  # no mount: as is
    ],
)
def test_outputs_name_the_runners_path(path: str, expected: str) -> None:
    assert host_path(path, MOUNTS) == expected
    assert host_path(path, ()) == path  # outside a container nothing moves


def test_reports_are_outside_the_checkout_one_folder_per_step() -> None:
    actions = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": "/github/runner_temp"}
    assert reports_dir({**actions, "GITHUB_ACTION": "slipway"}) == Path(
        "/github/runner_temp/slipway/reports/slipway"
    )
    assert reports_dir({**actions, "GITHUB_ACTION": "__acme_slipway_2"}).name == "__acme_slipway_2"
    assert reports_dir({**actions, "GITHUB_ACTION": "../x y"}).name == "_x_y"
    assert reports_dir({"HOME": "/home/me"}) == Path("/home/me/.cache/slipway/reports/local")
