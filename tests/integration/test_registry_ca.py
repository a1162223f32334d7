"""`registry-ca`: a registry whose certificate a private CA signed, reached by an address that
is not loopback (so nothing is exempt from verification), by Slipway's pushes, the builder's
FROM and Trivy's scan."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.payloads import load_event
from tests.support.regfront import RegFront
from tests.support.regfront.backend import write_self_signed

pytestmark = pytest.mark.integration
BASE = "library/python:3.11-slim-bookworm"


def host_address() -> str:
    """This machine's address on its first non-loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))  # no packet is sent: only the route is chosen
        address = str(probe.getsockname()[0])
    assert not address.startswith("127."), address
    return address


@pytest.fixture(scope="module")
def tls_registry(
    devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """(host:port, CA file): HTTPS in front of the plain test registry, on the host's address."""
    address = host_address()
    cert, key = write_self_signed(tmp_path_factory.mktemp("tls"), ip=address)
    with RegFront(
        devenv.registry_backend, listen=f"{address}:0", tls_cert=cert, tls_key=key
    ) as front:
        yield f"{address}:{front.port}", cert


def context(tmp_path: Path, registry: str) -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM {registry}/{BASE}\nCOPY hello.txt /hello.txt\n")
    (folder / "hello.txt").write_text("hello\n")
    return folder


def inputs(devenv: DevEnv, registry: str, folder: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "IMAGES": f"{registry}/{unique_repository('slipway-test/ca')}",
        "CONTEXT": str(folder),
        "PUSH": "true",
        "PROVENANCE": "false",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "SEVERITY": "CRITICAL",
        "FAIL-ON": "none",
    }


def test_without_the_ca_nothing_is_built_and_the_error_names_registry_ca(
    devenv: DevEnv, tls_registry: tuple[str, Path], tmp_path: Path
) -> None:
    registry, _ = tls_registry
    run = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        inputs(devenv, registry, context(tmp_path, registry), tmp_path),
    )
    assert run.returncode == 4, run.log  # a registry error, before the build
    assert "not signed by a CA Slipway trusts" in run.log
    assert "registry-ca" in run.log
    assert "Build" not in run.summary
    assert "Traceback" not in run.log


def test_with_the_ca_the_image_is_built_from_it_pushed_to_it_and_scanned(
    devenv: DevEnv, tls_registry: tuple[str, Path], tmp_path: Path
) -> None:
    registry, ca = tls_registry
    given = inputs(devenv, registry, context(tmp_path, registry), tmp_path)
    run = run_action(
        tmp_path, "push", load_event("push", index=4), {**given, "REGISTRY-CA": ca.read_text()}
    )
    assert run.returncode == 0, run.log
    assert run.outputs["scan-result"] == "passed", run.log
    repository = given["IMAGES"].split("/", 1)[1]
    served = requests.get(
        f"https://{registry}/v2/{repository}/manifests/master",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json, "
            "application/vnd.oci.image.manifest.v1+json"
        },
        verify=str(ca),
        timeout=30,
    )
    assert served.status_code == 200
    assert served.headers["Docker-Content-Digest"] == run.outputs["digest"]
    assert "BEGIN CERTIFICATE" not in run.log  # the PEM is not echoed


def test_the_ca_can_be_a_file_in_the_workspace(
    devenv: DevEnv, tls_registry: tuple[str, Path], tmp_path: Path
) -> None:
    registry, ca = tls_registry
    workspace = tmp_path / "workspace"
    (workspace / ".github").mkdir(parents=True)
    (workspace / ".github" / "registry-ca.pem").write_text(ca.read_text())
    given = inputs(devenv, registry, context(workspace, registry), tmp_path)
    run = run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        {**given, "REGISTRY-CA": ".github/registry-ca.pem", "SCAN": "false"},
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
        cwd=workspace,
    )
    assert run.returncode == 0, run.log
