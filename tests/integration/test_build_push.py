"""Build and push on the real engine and registry: several platforms, faults, secrets, caches."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.regfront import RegFront

pytestmark = pytest.mark.integration


def run(tmp_path: Path, registry: str, repository: str, context: Path, **inputs: str) -> ActionRun:
    given = {
        "IMAGES": f"{registry}/{repository}",
        "CONTEXT": str(context),
        "PUSH": "true",
        "SCAN": "false",
    }
    return run_action(tmp_path, "push", load_event("push", index=4), {**given, **inputs})


def test_without_buildkit_image_the_builder_runs_buildx_default(
    devenv: DevEnv, tmp_path: Path
) -> None:
    """No `buildkit-image`: the builder Slipway creates runs buildx's default BuildKit image,
    ``moby/buildkit:buildx-stable-1``, pulled as the engine pulls it (here the stand-in that the
    engine's Docker Hub mirror serves under that exact name)."""
    result = run(
        tmp_path,
        devenv.registry,
        unique_repository("slipway-test/default-buildkit"),
        scratch_context(tmp_path / "ctx", ("linux/amd64",)),
        PLATFORMS="linux/amd64",
        PROVENANCE="false",
    )
    assert result.returncode == 0, result.log
    assert "--driver-opt image=" not in result.log
    (name,) = set(re.findall(r"kept the builder (slipway-[0-9a-f]{12})", result.log))
    image = subprocess.run(
        ["docker", "inspect", "--format", "{{.Config.Image}}", f"buildx_buildkit_{name}0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert image == "moby/buildkit:buildx-stable-1"


def test_three_platforms_each_with_labels(devenv: DevEnv, tmp_path: Path) -> None:
    platforms = ("linux/amd64", "linux/arm64", "linux/s390x")
    repository = unique_repository("slipway-test/three")
    result = run(
        tmp_path,
        devenv.registry,
        repository,
        scratch_context(tmp_path / "ctx", platforms),
        PLATFORMS=",".join(platforms),
        PROVENANCE="false",
    )
    assert result.returncode == 0, result.log
    view = RegistryView(devenv.registry)
    served = view.manifest(repository, "master")
    assert served is not None
    assert served[0] == result.outputs["digest"]
    found = view.platforms(repository, result.outputs["digest"])
    assert sorted(found) == sorted(platforms)
    for platform, digest in found.items():
        config = view.config(repository, digest)
        assert config["architecture"] == platform.split("/")[1]
        assert config["config"]["Labels"]["org.opencontainers.image.version"] == "master"


@pytest.fixture
def front(devenv: DevEnv) -> Iterator[RegFront]:
    with RegFront(devenv.registry_backend) as started:
        yield started


def test_push_survives_transient_registry_errors(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    front.set_faults(
        {
            "seed": 3,
            "rules": [
                {"kind": "503", "method": "POST|PUT|PATCH|HEAD", "path": "/blobs/", "rate": 0.3},
                {
                    "kind": "429",
                    "method": "PUT",
                    "path": "/manifests/",
                    "rate": 0.3,
                    "retry_after": 1,
                },
                {"kind": "drop", "method": "PUT", "path": "/blobs/uploads/", "rate": 0.2},
            ],
        }
    )
    repository = unique_repository("slipway-test/faults")
    result = run(
        tmp_path,
        front.address,
        repository,
        scratch_context(tmp_path / "ctx", ("linux/amd64", "linux/arm64")),
        PLATFORMS="linux/amd64,linux/arm64",
    )
    assert result.returncode == 0, result.log
    assert front.stats.faults_total >= 3
    served = RegistryView(devenv.registry).manifest(repository, "master")
    assert served is not None
    assert served[0] == result.outputs["digest"]


def test_registry_down_fails_clearly_and_tags_nothing(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    front.set_down(True)
    repository = unique_repository("slipway-test/down")
    result = run(
        tmp_path,
        front.address,
        repository,
        scratch_context(tmp_path / "ctx", ("linux/amd64",)),
        PLATFORMS="linux/amd64",
        **{"REGISTRY-TIMEOUT": "8"},
    )
    assert result.returncode == 4, result.log
    assert "::error title=Registry error::" in result.log
    assert "Traceback" not in result.log
    # Retried while registry-timeout (8 s of back-off from 0.5 s) lasted, then stopped: a
    # handful of requests in all, not a round of retries per request.
    assert 1 < front.stats.refused_down <= 5, front.stats
    assert RegistryView(devenv.registry).tags(repository) == []


def layer_bytes(view: RegistryView, repository: str, manifest_digest: str) -> Iterator[bytes]:
    found = view.manifest(repository, manifest_digest)
    assert found is not None
    for layer in found[1]["layers"]:
        blob = requests.get(f"{view.base}/{repository}/blobs/{layer['digest']}", timeout=60).content
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member) if member.isfile() else None
                yield member.name.encode() + b"\0" + (handle.read() if handle else b"")


def test_build_secret_is_used_but_never_stored_or_logged(devenv: DevEnv, tmp_path: Path) -> None:
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM python:3.11-slim-bookworm\n"
        f"RUN --mount=type=secret,id=token,required=true echo {uuid.uuid4().hex} >/nonce"
        " && sha256sum /run/secrets/token | cut -c1-64 > /token.sha256\n"
    )
    repository = unique_repository("slipway-test/secret")
    result = run(
        tmp_path,
        devenv.registry,
        repository,
        context,
        PLATFORMS="linux/amd64",
        SECRETS=f"token={secret}",
    )
    assert result.returncode == 0, result.log
    assert f"::add-mask::{secret}" in result.log
    assert result.log.count(secret) == 1  # the mask command only
    assert all(secret not in value for value in result.outputs.values())
    view = RegistryView(devenv.registry)
    (manifest_digest,) = view.platforms(repository, result.outputs["digest"]).values()
    files = b"".join(layer_bytes(view, repository, manifest_digest))
    assert secret.encode() not in files
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in files  # the build did see it
    config = view.config(repository, manifest_digest)
    assert secret not in str(config)


def test_registry_cache_is_reused(devenv: DevEnv, tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM python:3.11-slim-bookworm\nRUN echo {uuid.uuid4().hex} > /stamp && sleep 1\n"
    )
    cache = f"{devenv.registry}/{unique_repository('slipway-test/cache')}:buildcache"
    repository = unique_repository("slipway-test/cached")
    # A builder of this test's own (a driver option makes another configuration, so another
    # name): its cache is forgotten below, which must not touch the builders other runs use.
    own = {"DRIVER-OPTS": f"env.SLIPWAY_TEST_BUILDER={uuid.uuid4().hex[:8]}"}
    first = run(
        tmp_path / "1",
        devenv.registry,
        repository,
        context,
        PLATFORMS="linux/amd64",
        **{"CACHE-TO": f"type=registry,ref={cache},mode=max"},
        **own,
    )
    assert first.returncode == 0, first.log
    assert "exporting cache" in first.log.lower() or "writing cache manifest" in first.log
    # Forget the local build cache of the builder Slipway kept, so only the registry cache can
    # satisfy the RUN step.
    (builder,) = set(re.findall(r"--builder (slipway-[0-9a-f]{12})", first.log))
    subprocess.run(
        ["docker", "buildx", "prune", "--all", "--force", "--builder", builder],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # cache: false, or the identical build would be reused (no build, no cache import)
    second = run(
        tmp_path / "2",
        devenv.registry,
        repository,
        context,
        PLATFORMS="linux/amd64",
        CACHE="false",
        **{"CACHE-FROM": f"type=registry,ref={cache}"},
        **own,
    )
    assert f"--builder {builder}" in second.log
    assert second.returncode == 0, second.log
    assert "importing cache manifest from" in second.log
    # buildx's plain progress for a registry-cache hit: the step never runs ("sleep 1" would
    # make it DONE >= 1.0s). It is "#6 CACHED", or, when the export needs its bytes (an OCI
    # layout), the step's layer downloaded ("#6 sha256:... done").
    lines = [line.rstrip() for line in second.log.splitlines()]
    (step,) = {line.split()[0] for line in lines if "RUN echo" in line and line.startswith("#")}
    assert any(
        line == f"{step} CACHED" or (line.startswith(f"{step} sha256:") and line.endswith("done"))
        for line in lines
    ), second.log
    done = [line for line in lines if line.startswith(f"{step} DONE ")]
    assert all(float(line.split()[-1].rstrip("s")) < 1.0 for line in done), done


def test_preflight_refusal_fails_in_seconds_before_building(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    front.set_faults({"rules": [{"kind": "403", "method": "POST", "path": "/blobs/uploads/"}]})
    repository = unique_repository("slipway-test/denied")
    result = run(
        tmp_path,
        front.address,
        repository,
        scratch_context(tmp_path / "ctx", ("linux/amd64",)),
        PLATFORMS="linux/amd64",
    )
    assert result.returncode == 4, result.log
    assert front.stats.requests == 1, front.stats  # a refusal is not retried
    assert f"push to {front.address}/{repository} (preflight): HTTP 403" in result.log
    assert "docker buildx build" not in result.log
    assert RegistryView(devenv.registry).tags(repository) == []


def test_split_build_push_by_digest_then_merge(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/split")
    context = scratch_context(tmp_path / "ctx", ("linux/amd64", "linux/arm64"))
    parts = []
    for platform in ("linux/amd64", "linux/arm64"):
        part = run(
            tmp_path / platform.replace("/", "-"),
            devenv.registry,
            repository,
            context,
            PLATFORMS=platform,
            **{"PUSH-BY-DIGEST": "true"},
        )
        assert part.returncode == 0, part.log
        assert "applied by the merge job" in part.summary
        parts.append(part.outputs["digest"])
    view = RegistryView(devenv.registry)
    assert view.tags(repository) == []  # the parts are untagged

    merged = run(
        tmp_path / "merge",
        devenv.registry,
        repository,
        context,
        **{"MERGE-DIGESTS": "\n".join(parts)},
    )
    assert merged.returncode == 0, merged.log
    assert "docker buildx build" not in merged.log
    assert view.tags(repository) == ["master"]
    served = view.manifest(repository, "master")
    assert served is not None
    assert served[0] == merged.outputs["digest"]
    assert sorted(view.platforms(repository, "master")) == ["linux/amd64", "linux/arm64"]
    assert served[1]["annotations"]["org.opencontainers.image.version"] == "master"
    for platform, digest in view.platforms(repository, "master").items():
        labels = view.config(repository, digest)["config"]["Labels"]
        assert labels["org.opencontainers.image.version"] == "master", platform


def test_merging_two_parts_of_the_same_platform_is_refused(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/split-bad")
    parts = []
    for number in (1, 2):
        context = scratch_context(tmp_path / f"ctx{number}", ("linux/amd64",))
        part = run(
            tmp_path / str(number),
            devenv.registry,
            repository,
            context,
            PLATFORMS="linux/amd64",
            **{"PUSH-BY-DIGEST": "true"},
        )
        assert part.returncode == 0, part.log
        parts.append(part.outputs["digest"])
    merged = run(
        tmp_path / "merge",
        devenv.registry,
        repository,
        tmp_path / "ctx1",
        **{"MERGE-DIGESTS": "\n".join(parts)},
    )
    assert merged.returncode == 2, merged.log
    assert "two sources carry linux/amd64" in merged.log
    assert RegistryView(devenv.registry).tags(repository) == []


def test_load_without_push_keeps_the_image_local(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/load")
    context = scratch_context(tmp_path / "ctx", ("linux/amd64",))
    result = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        {
            "IMAGES": f"{devenv.registry}/{repository}",
            "CONTEXT": str(context),
            "PLATFORMS": "linux/amd64",
            "LOAD": "true",
            "SCAN": "false",
        },
    )
    ref = f"{devenv.registry}/{repository}:master"
    try:
        assert result.returncode == 0, result.log
        inspected = subprocess.run(
            ["docker", "image", "inspect", ref], capture_output=True, timeout=60, check=False
        )
        assert inspected.returncode == 0, inspected.stderr
        assert RegistryView(devenv.registry).tags(repository) == []  # nothing pushed
    finally:
        subprocess.run(
            ["docker", "image", "rm", "-f", ref], capture_output=True, timeout=60, check=False
        )


def test_build_push_action_inputs_reach_the_build(devenv: DevEnv, tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM python:3.11-slim-bookworm AS app\n"
        f"RUN getent hosts db > /hosts && echo {uuid.uuid4().hex} > /nonce\n"
    )
    repository = unique_repository("slipway-test/bpa-inputs")
    result = run(
        tmp_path,
        devenv.registry,
        repository,
        context,
        PLATFORMS="linux/amd64",
        **{
            "ADD-HOSTS": "db:10.1.2.3",
            "NETWORK": "none",
            "NO-CACHE-FILTERS": "app",
            "ATTESTS": "type=provenance,mode=min",
            # setup-buildx-action's settings, on the builder Slipway creates
            "DRIVER-OPTS": "env.BUILDKIT_STEP_LOG_MAX_SIZE=10485760",
            "BUILDKITD-FLAGS": "--debug",
            # buildx and BuildKit take the ignore-error=true Slipway adds to every cache export
            "CACHE-TO": f"type=local,dest={tmp_path / 'cache'}",
        },
    )
    assert result.returncode == 0, result.log
    assert "--add-host db:10.1.2.3" in result.log
    assert "--driver-opt env.BUILDKIT_STEP_LOG_MAX_SIZE=10485760" in result.log
    assert "--buildkitd-flags --debug" in result.log
    assert f"dest={tmp_path / 'cache'},ignore-error=true" in result.log
    assert (tmp_path / "cache" / "index.json").is_file()
    view = RegistryView(devenv.registry)
    (manifest_digest,) = view.platforms(repository, result.outputs["digest"]).values()
    files = b"".join(layer_bytes(view, repository, manifest_digest))
    assert b"10.1.2.3" in files
    assert b"db" in files


def test_the_users_buildkitd_config_reaches_the_builder(devenv: DevEnv, tmp_path: Path) -> None:
    # The FROM host resolves nowhere: only the user's mirror for it, merged into the builder's
    # buildkitd.toml with Slipway's own settings (plain HTTP for the local mirror), can pull it.
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM images.corp.invalid/library/python:3.11-slim-bookworm\n"
        f"RUN echo {uuid.uuid4().hex} > /nonce\n"
    )
    config = (
        '[registry."images.corp.invalid"]\n'
        f'  mirrors = ["{devenv.registry}"]\n'
        "[worker.oci]\n"
        "  max-parallelism = 2\n"
    )
    repository = unique_repository("slipway-test/buildkitd-config")
    result = run(
        tmp_path,
        devenv.registry,
        repository,
        context,
        PLATFORMS="linux/amd64",
        **{"BUILDKITD-CONFIG-INLINE": config},
    )
    assert result.returncode == 0, result.log
    assert "--buildkitd-config" in result.log
    assert RegistryView(devenv.registry).tags(repository) == ["master"]
