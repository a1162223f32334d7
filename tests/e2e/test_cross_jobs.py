"""What crosses jobs (issue 22): each job a new machine through the runner-faithful launcher,
with only the registry and the cache service v2 stand-in (Twirp + Azurite) carried over, and
Slipway given no cache input at all.

* a second job of the same commit reuses the build and the scan, and says so;
* a second commit analyses (and streams for the size table) only its new layers;
* a service that refuses writes, rate-limits or cannot be reached is a warning: the run goes
  on cold and passes;
* the runtime token appears in no log.

The stand-in and Azurite listen on loopback, so these jobs run their steps on the host's
network (on GitHub the service is remote and the default bridge reaches it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.act import action_image
from tests.support.actionrun import unique_repository
from tests.support.devenv import DevEnv
from tests.support.gha_cache import READ, Azurite, GhaCacheStandin, Scope, make_runtime_token
from tests.support.images import small_app
from tests.support.launcher import Engine, Job, Machine, Runtime, StepResult, job
from tests.support.payloads import load_event
from tests.support.regfront import RegFront

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

HOSTED = Engine("hosted", "/var/run/docker.sock")
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    with Azurite() as running:
        yield running


@pytest.fixture
def cache(azurite: Azurite) -> Iterator[GhaCacheStandin]:
    with GhaCacheStandin(azurite.account_url) as standin:
        yield standin
        standin.assert_no_violations()


def new_machine(tmp_path: Path, name: str) -> Machine:
    machine = Machine(tmp_path / name)
    machine.check_out(small_app(tmp_path / f"{name}-app"))
    return machine


def step(current: Job, image: str, devenv: DevEnv, **inputs: str) -> StepResult:
    """Slipway as a workflow would use it: no cache input of any kind."""
    return current.run_step(
        action_image(),
        {
            "images": image,
            "push": "true",
            "platforms": "linux/amd64",
            "trivy-db-repository": devenv.trivy_db,
            "check-run": "false",
            "pr-comment": "never",
            "fail-on": "none",  # the base image stand-in carries planted CRITICALs
            "buildkit-image": devenv.buildkit_image,
            "github-token": "",  # nothing answers API calls here: see test_runner_launch
            **inputs,
        },
        payload=load_event("push", index=4),
        api_url="http://127.0.0.1:9",
    )


def one_job(
    tmp_path: Path, name: str, runtime: Runtime, image: str, devenv: DevEnv, **inputs: str
) -> StepResult:
    """One job on a new machine, its machine thrown away at the end."""
    with (
        new_machine(tmp_path, name) as machine,
        job(machine, HOSTED, runtime=runtime, host_network=True) as current,
    ):
        return step(current, image, devenv, **inputs)


def shown(result: StepResult) -> str:
    """The log as GitHub shows it (the runner consumes ``::add-mask::`` lines)."""
    return "\n".join(x for x in result.log.splitlines() if not x.startswith("::add-mask::"))


def keys(cache: GhaCacheStandin, prefix: str) -> list[str]:
    return [e.key for e in cache.entries if e.finalized and e.key.startswith(prefix)]


def test_a_second_job_of_the_same_commit_reuses_the_build_and_the_scan(
    tmp_path: Path, cache: GhaCacheStandin, devenv: DevEnv
) -> None:
    image = f"{devenv.registry}/{unique_repository('slipway-test/crossing')}"
    runtime = Runtime.for_cache(cache)
    first = one_job(tmp_path, "a", runtime, image, devenv)
    assert first.returncode == 0, first.log
    assert "buildx build" in first.log
    # RUNNER_ENVIRONMENT=github-hosted: the VM goes with the job, so Slipway spends no time
    # removing its builder, and says nothing about keeping it.
    assert "buildx rm" not in first.log
    assert "kept the builder" not in first.log
    assert keys(cache, "slipway-build-"), first.log
    assert keys(cache, "slipway-trivy-db-"), cache.entries
    assert keys(cache, "slipway-state-"), cache.entries
    assert keys(cache, "index-"), "the default type=gha build cache was not written"
    entries = len(cache.entries)

    second = one_job(tmp_path, "b", runtime, image, devenv)
    assert second.returncode == 0, second.log
    digest = first.outputs["digest"]
    assert second.outputs["digest"] == digest, second.log
    assert f"reused {image}@{digest}" in second.log
    assert "buildx build" not in second.log  # no builder, no build
    assert "buildx create" not in second.log
    assert "scan result reused" in second.log
    assert "--download-db-only" not in second.log  # every scan reused: no DB needed
    assert "$ trivy config" not in second.log  # the Dockerfile checks' outputs were kept too
    assert "$ hadolint" not in second.log
    assert second.outputs["scan-result"] == "passed"
    registry, _, repository = image.partition("/")
    tagged = requests.head(
        f"http://{registry}/v2/{repository}/manifests/master",
        headers={"Accept": f"{INDEX}, {MANIFEST}"},
        timeout=30,
    )
    assert tagged.headers["Docker-Content-Digest"] == digest  # the reused index was tagged
    assert len(cache.entries) == entries  # nothing new to save: nothing saved
    for result in (first, second):
        assert cache.token not in shown(result)
        assert f"::add-mask::{cache.token}" in result.log


def blob_layers(registry: str, repository: str, digest: str) -> set[str]:
    """Every layer of every image manifest under ``digest``."""
    url = f"http://{registry}/v2/{repository}/manifests/{digest}"
    index = requests.get(url, headers={"Accept": f"{INDEX}, {MANIFEST}"}, timeout=30).json()
    layers: set[str] = set()
    for entry in index.get("manifests", [index]):
        if entry.get("annotations", {}).get("vnd.docker.reference.type"):
            continue  # an attestation manifest
        url = f"http://{registry}/v2/{repository}/manifests/{entry.get('digest', digest)}"
        manifest = requests.get(url, headers={"Accept": MANIFEST}, timeout=30).json()
        layers |= {layer["digest"] for layer in manifest.get("layers", [])}
    return layers


def test_a_second_commit_analyses_only_its_new_layers(
    tmp_path: Path, cache: GhaCacheStandin, devenv: DevEnv
) -> None:
    repository = unique_repository("slipway-test/commits")
    runtime = Runtime.for_cache(cache)
    with RegFront(devenv.registry_backend) as front:
        image = f"{front.address}/{repository}"
        first = one_job(tmp_path, "a", runtime, image, devenv)
        assert first.returncode == 0, first.log
        before = blob_layers(devenv.registry, repository, first.outputs["digest"])

        with new_machine(tmp_path, "b") as machine:
            app = machine.workspace / "src" / "hello" / "app.py"
            app.write_text(app.read_text() + "\n# the next commit\n")
            machine.give_to_runner(app)
            front.reset_stats()
            with job(machine, HOSTED, runtime=runtime, host_network=True) as current:
                second = step(current, image, devenv)
        assert second.returncode == 0, second.log
        reads = set(front.stats.blob_reads)
    after = blob_layers(devenv.registry, repository, second.outputs["digest"])
    new = after - before
    assert new, "the commit changed no layer"
    assert "buildx build" in second.log
    assert re.search(r"restored the scan state of an earlier run", second.log), second.log
    assert "scan result reused" not in second.log  # a new image: Trivy ran
    assert reads & new, "Trivy and the size table read the new layers"
    assert not reads & (after & before), f"unchanged layers read again: {reads & before}"


@pytest.mark.parametrize("trouble", ["read-only token", "rate limited", "unreachable"])
def test_service_trouble_is_a_warning_and_the_run_goes_on_cold(
    tmp_path: Path, azurite: Azurite, devenv: DevEnv, trouble: str
) -> None:
    read_only = (Scope("refs/pull/7/merge", READ),)
    token = make_runtime_token(read_only) if trouble == "read-only token" else make_runtime_token()
    with GhaCacheStandin(azurite.account_url, token=token) as standin:
        runtime = Runtime.for_cache(standin)
        if trouble == "rate limited":
            standin.fail_always("*", status=429, retry_after="1")
        if trouble == "unreachable":
            runtime = Runtime(token=token)  # what the runner gives, where nothing listens
        image = f"{devenv.registry}/{unique_repository('slipway-test/trouble')}"
        # Rate-limited, BuildKit's own client retries each call up to the entry's timeout (30 s
        # in Slipway's default): the build cache is taken out, Slipway's own calls are tested.
        own = {"cache-to": "type=inline"} if trouble == "rate limited" else {}
        result = one_job(tmp_path, "a", runtime, image, devenv, scan="false", **own)
        assert result.returncode == 0, result.log
        assert result.outputs["digest"].startswith("sha256:")
        assert standin.entries == []  # nothing saved
        log = shown(result)
        assert token not in log
        if trouble == "read-only token":
            assert "no writable cache scope" in log
            assert "::warning::GitHub's cache service" not in log  # a fork's PR: normal
            standin.assert_no_violations()
        else:
            assert "::warning::GitHub's cache service:" in log
            assert log.count("::warning::GitHub's cache service:") == 1  # said once


def test_a_self_hosted_runner_finds_the_builder_with_its_cache(
    tmp_path: Path, devenv: DevEnv
) -> None:
    """RUNNER_ENVIRONMENT=self-hosted: the machine outlives the job, and so does the builder
    Slipway made (named after its configuration); the next job builds warm with no cache
    service at all (`cache: false`)."""
    image = f"{devenv.registry}/{unique_repository('slipway-test/self-hosted')}"
    with Machine(tmp_path / "runner", hosted=False) as machine:
        machine.check_out(small_app(tmp_path / "app"))
        results = []
        for n in range(2):
            source = machine.workspace / "src" / "hello" / "app.py"
            source.write_text(source.read_text() + f"\n# commit {n}\n")  # a new commit each
            machine.give_to_runner(source)
            with job(machine, HOSTED, runtime=Runtime(), host_network=True) as current:
                results.append(step(current, image, devenv, scan="false", cache="false"))
    first, second = results
    for result in results:
        assert result.returncode == 0, result.log
        assert "kept the builder slipway-" in result.log  # and how to remove it
        assert "buildx rm" not in result.log
    kept = re.findall(r"kept the builder (slipway-[0-9a-f]{12})", first.log)
    assert kept
    assert kept == re.findall(r"kept the builder (slipway-[0-9a-f]{12})", second.log)
    assert "creating container buildx_buildkit_slipway-" not in second.log  # found, not made
    assert re.search(r"^#\d+ CACHED$", second.log, flags=re.MULTILINE), second.log
    assert "type=gha" not in second.log


def test_a_pull_request_reads_what_its_base_branch_kept(
    tmp_path: Path, cache: GhaCacheStandin, devenv: DevEnv
) -> None:
    """GitHub scopes entries by ref: a pull request's runtime token reads its own ref's entries,
    then its base branch's, and writes only its own. Slipway's scopes name no branch, so the
    pull request's first job starts from what main kept: the build cache and the Trivy DB."""
    image = f"{devenv.registry}/{unique_repository('slipway-test/pull')}"
    main = one_job(tmp_path, "main", Runtime.for_cache(cache), image, devenv)
    assert main.returncode == 0, main.log
    pull_token = cache.issue_token((Scope("refs/pull/3/merge"), Scope("refs/heads/main", READ)))
    runtime = Runtime(token=pull_token, results_url=cache.url, cache_url=cache.url)
    with new_machine(tmp_path, "pull") as machine:
        source = machine.workspace / "src" / "hello" / "app.py"
        source.write_text(source.read_text() + "\n# the pull request's change\n")
        machine.give_to_runner(source)
        with job(machine, HOSTED, runtime=runtime, host_network=True) as current:
            pull = current.run_step(
                action_image(),
                {
                    "images": image,
                    "push": "true",
                    "platforms": "linux/amd64",
                    "trivy-db-repository": devenv.trivy_db,
                    "check-run": "false",
                    "pr-comment": "never",
                    "fail-on": "none",
                    "buildkit-image": devenv.buildkit_image,
                    "github-token": "",
                },
                event="pull_request",
                payload=load_event("pull_request", "opened"),
                api_url="http://127.0.0.1:9",
            )
    assert pull.returncode == 0, pull.log
    assert re.search(r"^#\d+ importing cache manifest from gha", pull.log, flags=re.MULTILINE)
    # main's root layer: taken from its cache, not built again (BuildKit fetches the blob and
    # extracts it, since the pull request's changed COPY builds on it; a COPY that runs
    # extracts nothing)
    root_step = r"^#(\d+) \[1/2\] COPY root/ /\n(?:#\1 .*\n)*?#\1 (?:CACHED|extracting sha256:)"
    assert re.search(root_step, pull.log, flags=re.MULTILINE), pull.log
    assert "Trivy DB of " in pull.log  # main's DB, from the cache service
    written = {e.scope for e in cache.entries if e.key.startswith("slipway-state-")}
    assert written == {"refs/heads/main", "refs/pull/3/merge"}  # each ref writes its own
    assert pull_token not in shown(pull)
