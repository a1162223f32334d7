"""The action image started as GitHub's runner starts it (tests.support.launcher), on the
hosted runner's kind of engine (classic image store) and on a containerd-store engine.

What a hosted job looks like from inside the container: the workspace at /github/workspace
owned by the runner user, runner temp and a fresh home as mounts, the job's network with a
``services:`` registry reached by its alias, and nothing of the runner user's home (no
docker login, no buildx builder of an earlier step). Every job is a new machine: what
crosses jobs is the registry only (a job's ``services:`` registry does not outlive it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.act import action_image
from tests.support.builders import oci_builder
from tests.support.devenv import ROOT, load_devenv
from tests.support.images import scratch_context, small_app
from tests.support.launcher import (
    RUNNER_UID,
    Engine,
    Job,
    Machine,
    Service,
    StepResult,
    builders_named,
    foreign_owned,
    job,
)
from tests.support.payloads import load_event
from tests.support.services import registry_image

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

SERVICE = "registry:5000"  # how the job's steps name the services: registry
DB_REPOSITORY = "slipway-test/trivy-db"


def engines() -> list[Engine]:
    """The hosted runner's kind of engine, and the containerd-store one when dev-env has it."""
    found = [Engine("hosted", "/var/run/docker.sock")]
    cs = load_devenv().cs_docker_host
    if cs:
        found.append(Engine("containerd", cs.removeprefix("unix://")))
    return found


@pytest.fixture(scope="module", params=engines(), ids=lambda e: e.name)
def engine(request: pytest.FixtureRequest) -> Engine:
    value: Engine = request.param
    return value


@pytest.fixture(scope="module")
def image() -> str:
    return action_image()


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    """A hosted runner machine whose workspace is a checkout (the runner's) of a small app:
    these tests are about how a job runs, and a cold job of examples/hello moves its 50 MB
    base several times."""
    with Machine(tmp_path / "runner") as machine:
        machine.check_out(small_app(tmp_path / "app"))
        yield machine


def registry_service(engine: Engine) -> Service:
    return Service("registry", registry_image(engine), ports=("127.0.0.1::5000",))


@contextmanager
def registry_job(machine: Machine, engine: Engine) -> Iterator[Job]:
    """A job with a services: registry that already holds the Trivy DB (pushed from the host)."""
    with job(machine, engine, [registry_service(engine)]) as current:
        host = current.published("registry", 5000)
        pushed = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.support.trivydb",
                "push",
                "--registry",
                host,
                "--repository",
                DB_REPOSITORY,
                "--tag",
                "2",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert pushed.returncode == 0, pushed.stderr
        yield current


@pytest.fixture
def services_job(machine: Machine, engine: Engine) -> Iterator[Job]:
    """The test's one job, with a services: registry holding the Trivy DB."""
    with registry_job(machine, engine) as current:
        yield current


def common_inputs(**more: str) -> dict[str, str]:
    return {
        "insecure-registries": SERVICE,
        "trivy-db-repository": f"{SERVICE}/{DB_REPOSITORY}:2",
        "buildkit-image": load_devenv().buildkit_image,
        "pr-comment": "never",
        "check-run": "false",
        "fail-on": "none",  # the test DB plants CRITICALs in the base image: the gate is tested elsewhere
        # The API stand-in is not on the job's network: without a token nothing asks it, and
        # the run does not spend the client's retries on a refused connection.
        "github-token": "",
        **more,
    }


def push_payload() -> dict[str, Any]:
    return load_event("push", index=4)  # a branch push (master) of Codertocat/Hello-World


def run(current: Job, image: str, inputs: dict[str, str]) -> StepResult:
    # The API stand-in is not on the job's network: the refused connection answers at once.
    return current.run_step(image, inputs, payload=push_payload(), api_url="http://127.0.0.1:9")


def manifest(host: str, repository: str, reference: str) -> dict[str, Any]:
    response = requests.get(
        f"http://{host}/v2/{repository}/manifests/{reference}",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"
        },
        timeout=30,
    )
    assert response.status_code == 200, (reference, response.text)
    data: dict[str, Any] = response.json()
    return data


def test_one_platform_push_to_a_services_registry_by_alias(
    services_job: Job, machine: Machine, engine: Engine, image: str
) -> None:
    result = run(
        services_job,
        image,
        common_inputs(images=f"{SERVICE}/acme/hello", platforms="linux/amd64", push="true"),
    )
    assert result.returncode == 0, result.log
    # no credentials were needed: the registry takes anonymous pushes, and the preflight asked it
    assert "needs credentials" not in result.log
    host = services_job.published("registry", 5000)
    tagged = manifest(host, "acme/hello", "master")
    digest = result.outputs["digest"]
    assert digest.startswith("sha256:")
    assert tagged == manifest(host, "acme/hello", digest)
    assert result.outputs["scan-result"] == "passed"
    # what the run left in the workspace and in runner temp is the runner user's
    assert foreign_owned(machine.workspace) == []
    assert foreign_owned(machine.temp / "slipway") == []
    # the reports are on the runner, where the job's next steps look, and not in the checkout
    for output in ("report-file", "sarif-file"):
        path = Path(result.outputs[output])
        assert path.is_relative_to(machine.temp), (output, path)
        assert path.is_file(), (output, path)
    assert machine.git_status() == ""
    # a builder made for the run (the classic store needs one; on either engine, reaching the
    # service by its alias does), left for the machine: a hosted runner's VM is thrown away
    # after the job (the launcher removes it then), so no time goes into removing it (#22)
    assert "building with a docker-container builder" in result.log
    assert "docker buildx rm" not in result.log
    made = builders_named(result.log)
    assert made, result.log
    assert made <= engine.builder_parts()


def test_a_base_image_from_the_services_registry(
    services_job: Job, machine: Machine, image: str
) -> None:
    """``FROM registry:5000/...``: the builder reaches the service by its alias too."""
    host = services_job.published("registry", 5000)
    base = scratch_context(machine.root.parent / "base", ("linux/amd64",))
    pushed = subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--builder",
            oci_builder(),
            "--platform",
            "linux/amd64",
            "--provenance=false",
            "--output",
            f"type=image,name={host}/acme/base:1,push=true",
            str(base),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert pushed.returncode == 0, pushed.stderr
    (machine.workspace / "Dockerfile").write_text(
        f"FROM {SERVICE}/acme/base:1\nCOPY src /src\nUSER 10001\n", encoding="utf-8"
    )
    machine.give_to_runner(machine.workspace)
    result = run(
        services_job,
        image,
        common_inputs(images=f"{SERVICE}/acme/derived", platforms="linux/amd64", push="true"),
    )
    assert result.returncode == 0, result.log
    assert "building with a docker-container builder" in result.log
    layers = manifest(
        host, "acme/derived", json.loads(result.outputs["platform-digests"])["linux/amd64"]
    )
    assert len(layers["layers"]) == 2  # the base's file, then src


def test_a_second_job_is_a_new_machine(machine: Machine, engine: Engine, image: str) -> None:
    """A re-run on a hosted runner: a new VM with new services. Nothing of the first job is
    there: no home, no runner temp (so no Slipway state: the DB is fetched again and no scan
    result is reused), no builder."""
    inputs = common_inputs(images=f"{SERVICE}/acme/again", platforms="linux/amd64", push="true")
    with registry_job(machine, engine) as first:
        result = run(first, image, inputs)
        assert result.returncode == 0, result.log
        assert any((machine.temp / "slipway").iterdir())  # Slipway's state, for this job
        (first.home / "left-by-job-1").touch()
        made = builders_named(result.log)
    assert list(machine.temp.iterdir()) == []
    with registry_job(machine, engine) as second:  # its own services: registry, a new one
        assert list(second.home.iterdir()) == []
        assert sorted(p.name for p in machine.temp.iterdir()) == [
            "_github_home",
            "_github_workflow",
            "_runner_file_commands",
        ]
        assert made & engine.builder_parts() == set()
        again = run(second, image, inputs)
        assert again.returncode == 0, again.log
        assert "--download-db-only" in again.log
        assert "scan result reused" not in again.log
        host = second.published("registry", 5000)
        second_digest = again.outputs["digest"]
        assert manifest(host, "acme/again", "master") == manifest(host, "acme/again", second_digest)


def test_split_build_parts_by_digest_then_one_index(
    machine: Machine, engine: Engine, image: str
) -> None:
    """As a matrix does it: each part a job of its own, then a merge job, each a new machine;
    only the registry carries the parts to the merge. The registry is this machine's (on
    loopback: the steps run on the host's network)."""
    devenv = load_devenv()
    repository = f"acme/split-{uuid.uuid4().hex[:8]}"
    target = f"{devenv.registry}/{repository}"
    inputs = {
        **common_inputs(images=target, push="true"),
        "insecure-registries": "",
        "trivy-db-repository": devenv.trivy_db,
    }
    digests = []
    for platform in ("linux/amd64", "linux/arm64"):
        with job(machine, engine, host_network=True) as part_job:
            part = run(part_job, image, {**inputs, "platforms": platform, "push-by-digest": "true"})
        assert part.returncode == 0, part.log
        digests.append(part.outputs["digest"])
    host = devenv.registry
    with pytest.raises(AssertionError):
        manifest(host, repository, "master")  # the parts are untagged
    with job(machine, engine, host_network=True) as merge_job:
        merged = run(merge_job, image, {**inputs, "merge-digests": "\n".join(digests)})
    assert merged.returncode == 0, merged.log
    index = manifest(host, repository, "master")
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in index["manifests"]
        if m["platform"]["architecture"] != "unknown"
    )
    assert platforms == ["linux/amd64", "linux/arm64"]
    assert json.loads(merged.outputs["platform-digests"]).keys() == {"linux/amd64", "linux/arm64"}


def test_a_local_cache_under_runner_temp_is_on_the_host_for_the_jobs_next_steps(
    machine: Machine, engine: Engine, image: str
) -> None:
    cache = machine.temp / "buildcache"  # as `${{ runner.temp }}/buildcache` reaches the step
    with job(machine, engine) as current:  # no services: the default bridge network
        result = run(
            current,
            image,
            common_inputs(
                images="127.0.0.1:5000/acme/cached",  # platforms unset: the builder's own
                scan="false",
                **{"insecure-registries": ""},  # no services: here, so no registry:5000
                **{"cache-to": f"type=local,dest={cache},mode=max"},
            ),
        )
        assert result.returncode == 0, result.log
        assert (cache / "index.json").is_file()
        assert foreign_owned(cache) == []
    assert foreign_owned(machine.workspace) == []
    assert not cache.exists()  # runner temp is emptied at the job's end: it crosses no job


def test_a_services_registry_with_credentials_by_alias(
    machine: Machine, engine: Engine, image: str, tmp_path: Path
) -> None:
    """Credentials for a registry only the job's network resolves: checked by the registry API
    from the action's container and stored without the daemon (which could not resolve it)."""
    htpasswd = tmp_path / "auth" / "htpasswd"
    htpasswd.parent.mkdir()
    made = subprocess.run(
        ["htpasswd", "-Bbn", "ci", "s3rvice-pass"], capture_output=True, text=True, check=True
    )
    htpasswd.write_text(made.stdout)
    service = Service(
        "registry",
        registry_image(engine),
        ports=("127.0.0.1::5000",),
        env={"REGISTRY_AUTH_HTPASSWD_REALM": "ci", "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd"},
        volumes=(f"{htpasswd.parent}:/auth:ro",),
    )
    with job(machine, engine, [service]) as current:
        base = common_inputs(images=f"{SERVICE}/acme/private", platforms="linux/amd64", push="true")
        base.update(scan="false")
        anonymous = run(current, image, base)
        assert anonymous.returncode == 4, anonymous.log
        assert f"push to {SERVICE}/acme/private needs credentials" in anonymous.log
        assert "buildx build" not in anonymous.log
        logged_in = run(current, image, {**base, "username": "ci", "password": "s3rvice-pass"})
        assert logged_in.returncode == 0, logged_in.log
        assert "s3rvice-pass" not in logged_in.log.replace("::add-mask::s3rvice-pass", "")
        host = current.published("registry", 5000)
        tagged = requests.get(
            f"http://{host}/v2/acme/private/manifests/master",
            auth=("ci", "s3rvice-pass"),
            headers={"Accept": "application/vnd.oci.image.index.v1+json"},
            timeout=30,
        )
        assert tagged.status_code == 200


def test_a_cache_path_on_no_mount_is_refused_before_the_build(
    machine: Machine, engine: Engine, image: str
) -> None:
    with job(machine, engine) as current:
        result = run(
            current,
            image,
            common_inputs(
                images="127.0.0.1:5000/acme/lost",
                **{"insecure-registries": ""},  # no services: here, so no registry:5000
                **{"cache-to": "type=local,dest=/tmp/buildcache"},
            ),
        )
    assert result.returncode == 2, result.log
    assert "input 'cache-to'" in result.log
    assert "lies on no mount" in result.log
    assert "buildx build" not in result.log


def test_the_workspace_owner_is_the_runner(machine: Machine) -> None:
    assert machine.workspace.stat().st_uid == RUNNER_UID


ANNOTATION = re.compile(r"^::(error|warning|notice) ([^:]*)::", re.MULTILINE)


def annotation_files(log: str) -> list[str]:
    """The ``file`` property of every annotation command in a step's log (unescaped)."""
    found = []
    for match in ANNOTATION.finditer(log):
        for prop in match.group(2).split(","):
            key, _, value = prop.partition("=")
            if key == "file":
                for escaped, plain in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n")):
                    value = value.replace(escaped, plain)
                found.append(value.replace("%25", "%"))
    return found


def test_annotations_land_on_the_repositorys_file_as_the_runner_maps_them(
    services_job: Job, machine: Machine, image: str
) -> None:
    """A monorepo's app in a folder: every annotation's file, once the runner has mapped it
    (container path back to the host's, then relative to the workspace), is that folder's
    Dockerfile in the repository."""
    app = machine.workspace / "services" / "hello"
    app.mkdir(parents=True)
    for name in ("Dockerfile", "root", "src"):
        (machine.workspace / name).rename(app / name)
    machine.give_to_runner(machine.workspace)
    result = run(
        services_job,
        image,
        common_inputs(
            images=f"{SERVICE}/acme/monorepo", platforms="linux/amd64", context="services/hello"
        ),
    )
    assert result.returncode == 0, result.log
    files = annotation_files(result.log)
    assert files, result.log  # the planted CRITICALs and the Dockerfile checks are annotated
    shown = {services_job.annotation_file(file) for file in files}
    assert shown == {"services/hello/Dockerfile"}, files
    assert (machine.workspace / "services" / "hello" / "Dockerfile").is_file()
