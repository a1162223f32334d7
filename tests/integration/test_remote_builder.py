"""``driver: remote``: a real BuildKit daemon (scripts/images/buildkit/build) on this machine,
which Slipway reaches by ``endpoint``, builds both platforms into the layout it pushes."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import load_devenv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.payloads import load_event

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def buildkitd(tmp_path: Path) -> Iterator[str]:
    """``tcp://127.0.0.1:PORT`` of a buildkitd started for this test (stopped after it)."""
    binary = Path(load_devenv().buildkit_bin) / "buildkitd"
    assert binary.is_file(), "scripts/dev-env builds BuildKit: run it first"
    address = f"tcp://127.0.0.1:{free_port()}"
    log = (tmp_path / "buildkitd.log").open("w")
    daemon = subprocess.Popen(
        [
            str(binary),
            "--addr",
            address,
            "--root",
            str(tmp_path / "root"),
            "--oci-worker=true",
            "--containerd-worker=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        host, port = address.removeprefix("tcp://").split(":")
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()


def test_a_remote_buildkit_builds_both_platforms(buildkitd: str, tmp_path: Path) -> None:
    devenv = load_devenv()
    repository = unique_repository("slipway-test/remote")
    platforms = ("linux/amd64", "linux/arm64")
    result = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        {
            "IMAGES": f"{devenv.registry}/{repository}",
            "CONTEXT": str(scratch_context(tmp_path / "ctx", platforms)),
            "PLATFORMS": ",".join(platforms),
            "PUSH": "true",
            "DRIVER": "remote",
            "ENDPOINT": buildkitd,
            "SCAN": "false",
        },
    )
    assert result.returncode == 0, result.log
    assert "--driver remote" in result.log
    assert "instance using remote driver" in result.log
    assert "docker buildx rm" in result.log  # a remote builder's definition goes with the run
    served = RegistryView(devenv.registry).platforms(repository, result.outputs["digest"])
    assert sorted(served) == list(platforms)
    assert json.loads(result.outputs["platform-digests"]).keys() == set(platforms)
