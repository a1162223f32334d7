"""The action image through the launcher, as a hosted job, on the oldest engine API in the
test world: Debian trixie's Docker 26.1.5 (API 1.45; hosted ubuntu-24.04 has docker-ce 28.0.4,
API 1.48, so what works here works there), classic image store like a hosted runner's, and no
registry mirror at all (scripts/dev-env's ``setup_old_engine``: an empty daemon.json).

Every image of the job is named by its registry's own name, ``127.0.0.1:5000/...`` (the job
on the host's network, the launcher's concession to stand-ins on loopback): the app's base
(``FROM 127.0.0.1:5000/...``), the BuildKit image, the pushed image and the Trivy DB. The
builder Slipway creates on that engine therefore gets no registry mirror and no
buildkitd.toml: it pulls the base from the registry itself, as a builder on a runner whose
engine has no mirror pulls from Docker Hub or ghcr.io by name.

The BuildKit image is given as ``buildkit-image: 127.0.0.1:5000/moby/buildkit:buildx-stable-1``
(the registry's copy by its own name, what the README recommends against Docker Hub's rate
limits) rather than loaded into the engine under buildx's default name beforehand: a hosted
job is a new VM whose engine has no BuildKit image, and on GitHub buildx pulls the default
from Docker Hub, which cannot be reached here. So the engine's pull of the BuildKit image by
a registry's own name is exercised too; the default name itself is exercised on the mirrored
engines (tests/e2e/test_qemu_from_nothing.py and the dev-env's mirror copy).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.act import action_image
from tests.support.builders import oci_builder
from tests.support.devenv import load_devenv
from tests.support.images import SMALL_APP_DOCKERFILE, small_app
from tests.support.launcher import (
    Engine,
    Machine,
    StepResult,
    builders_named,
    foreign_owned,
    job,
)
from tests.support.payloads import load_event

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

PLATFORMS = "linux/amd64,linux/arm64"  # no RUN in the app: no QEMU needed for arm64


@pytest.fixture(scope="module")
def engine() -> Engine:
    host = load_devenv().old_docker_host
    assert host, "scripts/dev-env started no old engine (SLIPWAY_OLD_DOCKER_HOST is empty)"
    return Engine("old", host.removeprefix("unix://"))


@pytest.fixture(scope="module")
def image() -> str:
    return action_image()


def registry() -> str:
    return load_devenv().registry


def manifest(repository: str, reference: str) -> dict[str, Any]:
    response = requests.get(
        f"http://{registry()}/v2/{repository}/manifests/{reference}",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"
        },
        timeout=30,
    )
    assert response.status_code == 200, (reference, response.text)
    data: dict[str, Any] = response.json()
    return data


def push_base(engine: Engine, tmp_path: Path, repository: str) -> str:
    """A two-platform base (small_app's Debian root, FROM scratch) pushed to the local
    registry by this process's test builder on ``engine`` (the classic store's own builder
    cannot push two platforms)."""
    base = tmp_path / "base"
    small_app(base)  # only its root/ is kept: the base is the Debian root alone
    (base / "Dockerfile").write_text("FROM scratch\nCOPY root/ /\n", encoding="utf-8")
    name = f"{registry()}/{repository}:1"
    pushed = subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--builder",
            oci_builder(f"unix://{engine.socket}"),
            "--platform",
            PLATFORMS,
            "--provenance=false",
            "--output",
            f"type=image,name={name},push=true",
            str(base),
        ],
        env=engine.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert pushed.returncode == 0, pushed.stderr
    return name


@pytest.fixture
def machine(engine: Engine, tmp_path: Path) -> Iterator[Machine]:
    """A hosted machine whose checkout is small_app built ``FROM`` a base in the local
    registry, named by the registry's own name."""
    base = push_base(engine, tmp_path, f"slipway-test/old-engine-base-{uuid.uuid4().hex[:8]}")
    app = small_app(tmp_path / "app")
    dockerfile = SMALL_APP_DOCKERFILE.replace("FROM scratch\n", f"FROM {base}\n", 1)
    dockerfile = dockerfile.replace("COPY root/ /\n", "", 1)
    assert f"FROM {base}\n" in dockerfile
    assert "COPY root/" not in dockerfile
    (app / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    shutil.rmtree(app / "root")
    with Machine(tmp_path / "runner") as current:
        current.check_out(app)
        yield current


def builder_config(engine: Engine, container: str) -> str:
    """The builder container's /etc/buildkit/buildkitd.toml ("" when there is none)."""
    done = subprocess.run(
        ["docker", "cp", f"{container}:/etc/buildkit/buildkitd.toml", "-"],
        env=engine.env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        assert b"Could not find the file" in done.stderr or b"No such" in done.stderr, done.stderr
        return ""
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        member = archive.extractfile("buildkitd.toml")
        assert member is not None
        return member.read().decode()


def test_the_engine_is_older_than_any_hosted_runners_and_has_no_mirror(engine: Engine) -> None:
    info = json.loads(engine.docker("info", "--format", "{{json .}}"))
    assert info["ServerVersion"].startswith("26.1.5"), info["ServerVersion"]
    assert engine.docker("version", "--format", "{{.Server.APIVersion}}").strip() == "1.45"
    assert info["RegistryConfig"]["Mirrors"] in (None, [])
    # the classic store, as on a hosted runner: no containerd snapshotter
    assert info["Driver"] == "overlay2"
    assert "io.containerd.snapshotter" not in json.dumps(info.get("DriverStatus"))


def run(
    machine: Machine, engine: Engine, image: str, inputs: dict[str, str]
) -> tuple[StepResult, dict[str, str]]:
    """One hosted job, one step; with the buildkitd.toml of each builder the step named, read
    while the job ran (a new VM's builder: the job removes it at its end)."""
    # No services: the job on the host's network, where 127.0.0.1:5000 is the local registry.
    with job(machine, engine, host_network=True) as current:
        result = current.run_step(
            image, inputs, payload=load_event("push", index=4), api_url="http://127.0.0.1:9"
        )
        there = engine.builder_parts()
        configs = {
            part: builder_config(engine, part)
            for part in sorted(builders_named(result.log))
            if not part.endswith("_state") and part in there
        }
    return result, configs


def test_a_two_platform_push_with_no_registry_mirror(
    machine: Machine, engine: Engine, image: str
) -> None:
    devenv = load_devenv()
    repository = f"acme/old-engine-{uuid.uuid4().hex[:8]}"
    result, configs = run(
        machine,
        engine,
        image,
        {
            "images": f"{devenv.registry}/{repository}",
            "platforms": PLATFORMS,
            "push": "true",
            "buildkit-image": f"{devenv.registry}/moby/buildkit:buildx-stable-1",
            "trivy-db-repository": devenv.trivy_db,
            "pr-comment": "never",
            "check-run": "false",
            "fail-on": "none",  # the test DB plants CRITICALs in the base's openssl
            "github-token": "",
        },
    )
    assert result.returncode == 0, result.log
    # the classic store: a docker-container builder of Slipway's own, with nothing to
    # configure (no mirror, no plain-HTTP registry but loopback): no buildkitd.toml at all
    assert "building with a docker-container builder" in result.log
    creates = [line for line in result.log.splitlines() if "buildx create" in line]
    assert creates, result.log
    assert all("--buildkitd-config" not in line for line in creates), creates
    assert all(f"image={devenv.registry}/moby/buildkit:buildx-stable-1" in c for c in creates)
    assert configs, "the builder's container was not found while the job ran"
    assert all("mirrors" not in text for text in configs.values()), configs
    # built, pushed by digest, scanned and tagged
    digest = result.outputs["digest"]
    assert digest.startswith("sha256:")
    index = manifest(repository, "master")
    assert index == manifest(repository, digest)
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in index["manifests"]
        if m.get("platform", {}).get("os") != "unknown"
    )
    assert platforms == ["linux/amd64", "linux/arm64"]
    assert result.outputs["scan-result"] == "passed"
    assert foreign_owned(machine.workspace) == []
    assert machine.git_status() == ""
