"""regfront against a real distribution registry and the real Docker engine.

The front must pass Docker's multi-platform pushes through unchanged (manifests one at a
time), inject the faults it is told to and nothing else, stream big blobs in bounded
memory, and answer its control endpoint itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import requests

from tests.support.devenv import load_devenv
from tests.support.regfront import DownMode, FaultKind, FaultRule, RegFront, parse_faults
from tests.support.regfront.backend import LocalRegistry, write_self_signed
from tests.support.regfront.images import (
    build_context,
    buildx_push,
    check_image_tree,
    get_checked,
    upload_blob,
)
from tests.support.regfront.wire import iter_chunked, rewrite_location

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
REPO = "slipway-test/x"
MIB = 1 << 20


# --- pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "503"}, FaultRule(FaultKind.UNAVAILABLE)),
        (
            {"kind": "drop", "method": "GET", "path": "/blobs/", "rate": 0.5, "count": 3},
            FaultRule(FaultKind.DROP, method="GET", path="/blobs/", rate=0.5, count=3),
        ),
        ({"kind": "429", "retry_after": 7}, FaultRule(FaultKind.TOO_MANY_REQUESTS, retry_after=7)),
    ],
)
def test_fault_json_is_read(data: dict[str, Any], expected: FaultRule) -> None:
    assert parse_faults({"seed": 3, "rules": [data]}) == ([expected], 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"kind": "418"}]}, "is not a valid FaultKind"),
        ({"rules": [{"kind": "503", "rate": 2}]}, "rate must be within"),
        ({"rules": [{"kind": "503", "paths": "x"}]}, "unknown fault rule keys"),
        ({"rules": [{"method": "GET"}]}, "needs a 'kind'"),
        ({"rule": []}, "unknown fault keys"),
    ],
)
def test_bad_fault_json_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(data)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (
            "http://127.0.0.1:5001/v2/r/blobs/uploads/u?_state=s",
            "https://f:1/v2/r/blobs/uploads/u?_state=s",
        ),
        ("/v2/r/blobs/uploads/u", "/v2/r/blobs/uploads/u"),
        ("http://elsewhere:5001/v2/", "http://elsewhere:5001/v2/"),
    ],
)
def test_backend_locations_point_at_the_front(location: str, expected: str) -> None:
    assert rewrite_location(location, "127.0.0.1:5001", "https://f:1") == expected


def test_chunked_bodies_are_decoded() -> None:
    body = io.BufferedReader(
        io.BytesIO(b"3;ext=1\r\nabc\r\n1\r\nd\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT")
    )
    assert b"".join(iter_chunked(body)) == b"abcd"
    assert body.read() == b"NEXT"


# --- fixtures and helpers --------------------------------------------------------------


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        yield started


@pytest.fixture
def front(registry: LocalRegistry) -> Iterator[RegFront]:
    with RegFront(registry.address) as started:
        yield started


@pytest.fixture(scope="module")
def front_process(registry: LocalRegistry) -> Iterator[tuple[str, int]]:
    """``python -m tests.support.regfront`` before the registry: (url, pid)."""
    argv = [sys.executable, "-m", "tests.support.regfront", "--backend", registry.address]
    with subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("regfront listening on "), line
        yield line.split()[3], process.pid
        process.terminate()
        assert process.wait(timeout=10) == 0


# --- Docker through the front ----------------------------------------------------------


@pytest.mark.parametrize("provenance", [False, True], ids=["plain", "provenance"])
def test_multiplatform_push_through_front(
    registry: LocalRegistry, front: RegFront, tmp_path: Path, provenance: bool
) -> None:
    tag = f"push-{provenance}"
    result = buildx_push(
        f"{front.address}/{REPO}:{tag}", build_context(tmp_path), provenance=provenance
    )
    assert result.returncode == 0, result.stderr
    via_front, objects = check_image_tree(front.url, REPO, tag)
    direct, _ = check_image_tree(registry.url, REPO, tag)
    assert via_front == direct
    platforms = {m["platform"]["architecture"] for m in json.loads(direct)["manifests"]}
    assert platforms == ({"amd64", "arm64", "unknown"} if provenance else {"amd64", "arm64"})
    stats = front.stats
    assert stats.manifests > 0
    # client_errors may count a GET /v2/ ping Docker gives up on: its business.
    assert (stats.faults_total, stats.backend_errors) == (0, 0)
    assert objects >= 5


def test_push_with_upload_faults_never_corrupts(
    registry: LocalRegistry, front: RegFront, tmp_path: Path
) -> None:
    # Seed 1 draws 0.134 first: the first upload request gets a 503 whatever the order.
    front.set_faults(
        [
            FaultRule(FaultKind.UNAVAILABLE, "POST|PUT|PATCH", "/blobs/uploads/", rate=0.15),
            FaultRule(FaultKind.TOO_MANY_REQUESTS, "POST|PUT|PATCH", "/blobs/uploads/", rate=0.18),
        ],
        seed=1,
    )
    context = build_context(tmp_path)
    ref = f"{front.address}/{REPO}:faulty"
    first = buildx_push(ref, context)
    stats = front.stats
    assert stats.faults_total >= 1
    assert set(stats.faults) <= {"503", "429"}
    assert registry.corrupt_blobs() == []
    if first.returncode == 0:  # Docker retried its way through
        check_image_tree(front.url, REPO, "faulty")
    else:
        assert "503" in first.stderr or "429" in first.stderr, first.stderr
    front.clear_faults()
    second = buildx_push(ref, context)
    assert second.returncode == 0, second.stderr
    assert (
        check_image_tree(front.url, REPO, "faulty")[0]
        == check_image_tree(registry.url, REPO, "faulty")[0]
    )
    assert registry.corrupt_blobs() == []
    assert front.stats.faults_total == stats.faults_total


# --- switches and faults, request by request -------------------------------------------


def test_down_switch_refuses_until_up(front: RegFront) -> None:
    front.set_down()
    refused = requests.get(f"{front.url}/v2/", timeout=5)
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "1")
    assert refused.json()["errors"][0]["code"] == "UNAVAILABLE"
    front.set_down(mode=DownMode.DROP)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{front.url}/v2/", timeout=5)
    front.set_down(False)
    assert requests.get(f"{front.url}/v2/", timeout=5).status_code == 200
    stats = front.stats
    assert (stats.requests, stats.refused_down, stats.forwarded) == (3, 2, 1)


def test_counted_faults_hit_the_next_matching_requests(front: RegFront) -> None:
    front.set_faults(
        {
            "rules": [
                {"kind": "500", "method": "GET", "path": "^/v2/$", "count": 2},
                {"kind": "429", "method": "HEAD", "count": 1, "retry_after": 9},
            ]
        }
    )
    codes = [requests.get(f"{front.url}/v2/", timeout=5).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    limited = requests.head(f"{front.url}/v2/", timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "9")
    assert requests.head(f"{front.url}/v2/", timeout=5).status_code == 200
    assert front.stats.faults == {"500": 2, "429": 1}
    assert [rule["left"] for rule in front.faults["rules"]] == [0, 0]


def test_drop_and_reset_cut_connections_but_not_data(front: RegFront) -> None:
    digest = upload_blob(front.url, REPO, random.Random(5).randbytes(3 * MIB))
    blob_url = f"{front.url}/v2/{REPO}/blobs/{digest}"
    front.set_faults(
        [
            FaultRule(FaultKind.DROP, method="GET", count=1),
            FaultRule(FaultKind.RESET, method="GET", path="/blobs/", count=1),
        ]
    )
    with pytest.raises(requests.ConnectionError):
        requests.get(blob_url, timeout=5)
    with pytest.raises(requests.RequestException):
        requests.get(blob_url, timeout=5).raise_for_status()
    get_checked(blob_url, digest)
    assert front.stats.faults == {"drop": 1, "reset": 1}


# --- the wire, byte by byte: keep-alive, HEAD, Expect: 100-continue --------------------


def read_head(stream: BinaryIO) -> tuple[int, dict[str, str]]:
    """Read a status line and headers off a raw connection."""
    status = int(stream.readline().split()[1])
    headers = {}
    while (line := stream.readline().decode()) not in ("\r\n", ""):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


def test_keep_alive_head_and_expect_continue(front: RegFront) -> None:
    blob = b"sent after 100 Continue\n"
    digest = f"sha256:{hashlib.sha256(blob).hexdigest()}"
    with socket.create_connection(("127.0.0.1", front.port), timeout=10) as conn:
        stream = conn.makefile("rb")
        host = f"Host: {front.address}\r\n"
        conn.sendall(f"HEAD /v2/ HTTP/1.1\r\n{host}\r\nGET /v2/ HTTP/1.1\r\n{host}\r\n".encode())
        status, headers = read_head(stream)  # HEAD: Content-Length, yet no body follows
        assert (status, headers["content-length"]) == (200, "2")
        assert read_head(stream)[0] == 200
        assert stream.read(2) == b"{}"
        conn.sendall(
            f"POST /v2/{REPO}/blobs/uploads/ HTTP/1.1\r\n{host}Content-Length: 0\r\n\r\n".encode()
        )
        status, headers = read_head(stream)
        assert status == 202
        target = headers["location"].removeprefix(front.url) + f"&digest={digest}"
        put = f"PUT {target} HTTP/1.1\r\n{host}Content-Length: {len(blob)}\r\nExpect: 100-continue\r\n\r\n"
        front.set_faults([FaultRule(FaultKind.UNAVAILABLE, "PUT", count=1)])
        conn.sendall(put.encode())
        status, headers = read_head(stream)  # refused before the body: no 100, then closed
        assert (status, headers["connection"], headers["retry-after"]) == (503, "close", "1")
    with socket.create_connection(("127.0.0.1", front.port), timeout=10) as conn:
        stream = conn.makefile("rb")
        conn.sendall(put.encode())
        assert read_head(stream) == (100, {})
        conn.sendall(blob)
        status, headers = read_head(stream)
        assert (status, headers["docker-content-digest"]) == (201, digest)
    get_checked(f"{front.url}/v2/{REPO}/blobs/{digest}", digest)


# --- process mode: big blobs and the control endpoint -------------------------------------


def test_large_blob_streams_in_bounded_memory(front_process: tuple[str, int]) -> None:
    url, pid = front_process
    rng, digest, size = random.Random(50), hashlib.sha256(), 50 * MIB

    def pieces() -> Iterator[bytes]:  # requests sends a generator chunked
        for _ in range(size // MIB):
            piece = rng.randbytes(MIB)
            digest.update(piece)
            yield piece

    began = time.monotonic()
    started = requests.post(f"{url}/v2/{REPO}/blobs/uploads/", timeout=10)
    patched = requests.patch(started.headers["Location"], data=pieces(), timeout=60)
    assert patched.status_code == 202, patched.text
    assert patched.headers["Range"] == f"0-{size - 1}"
    ref = f"sha256:{digest.hexdigest()}"
    assert (
        requests.put(patched.headers["Location"], params={"digest": ref}, timeout=30).status_code
        == 201
    )
    head = requests.head(f"{url}/v2/{REPO}/blobs/{ref}", timeout=10)
    assert (head.headers["Content-Length"], head.headers["Docker-Content-Digest"]) == (
        str(size),
        ref,
    )
    check, received = hashlib.sha256(), 0
    with requests.get(f"{url}/v2/{REPO}/blobs/{ref}", stream=True, timeout=60) as download:
        for piece in download.iter_content(MIB):
            check.update(piece)
            received += len(piece)
    assert (received, f"sha256:{check.hexdigest()}") == (size, ref)
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kib = int(
        next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
    )
    print(f"50 MiB up and down in {time.monotonic() - began:.1f} s, front peak RSS {peak_kib} KiB")
    assert peak_kib < 60 * 1024, f"front peaked at {peak_kib} KiB RSS: a body was buffered"


def test_control_endpoint_is_served_by_the_front(
    front_process: tuple[str, int], registry: LocalRegistry
) -> None:
    url, _ = front_process
    control = f"{url}/_regfront"
    assert requests.post(f"{control}/stats/reset", timeout=5).json()["requests"] == 0
    rules = {"seed": 4, "rules": [{"kind": "502", "path": "^/v2/$", "count": 1}]}
    armed = requests.post(f"{control}/faults", json=rules, timeout=5).json()
    assert armed["rules"][0]["left"] == 1
    assert [requests.get(f"{url}/v2/", timeout=5).status_code for _ in range(2)] == [502, 200]
    assert requests.post(f"{control}/down", json={"mode": "503"}, timeout=5).json()["down"] == "503"
    assert requests.get(f"{url}/v2/", timeout=5).status_code == 503
    assert requests.get(f"{control}/stats", timeout=5).status_code == 200  # served while down
    assert requests.post(f"{control}/up", timeout=5).json()["down"] is None
    assert requests.get(f"{url}/v2/", timeout=5).status_code == 200
    stats = requests.get(f"{control}/stats", timeout=5).json()
    assert (stats["requests"], stats["faults"], stats["refused_down"]) == (4, {"502": 1}, 1)
    assert requests.delete(f"{control}/faults", timeout=5).json()["rules"] == []
    assert requests.post(f"{control}/faults", data=b"{nope", timeout=5).status_code == 400
    assert requests.get(f"{control}/nothing", timeout=5).status_code == 404
    assert "_regfront" not in (registry.root / "registry.log").read_text()


# --- TLS termination before an htpasswd registry ---------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed(tmp_path_factory.mktemp("tls"))


def test_tls_front_before_htpasswd_registry(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    assert shutil.which("htpasswd"), "needs htpasswd (Debian apache2-utils; scripts/dev-env)"
    entry = subprocess.run(
        ["htpasswd", "-Bbn", "alice", "s3cret"], capture_output=True, text=True, check=True
    )
    (tmp_path / "htpasswd").write_text(entry.stdout)
    cert, key = tls_files
    secure: dict[str, Any] = {"verify": str(cert), "auth": ("alice", "s3cret")}
    with (
        LocalRegistry(tmp_path / "registry", htpasswd=tmp_path / "htpasswd") as registry,
        RegFront(registry.address, tls_cert=cert, tls_key=key) as front,
    ):
        assert front.url.startswith("https://")
        challenge = requests.get(f"{front.url}/v2/", verify=str(cert), timeout=5)
        assert (challenge.status_code, challenge.headers["Www-Authenticate"]) == (
            401,
            'Basic realm="regfront-test"',
        )
        digest = upload_blob(front.url, REPO, b"through TLS\n", **secure)  # Location: https front
        get_checked(f"{front.url}/v2/{REPO}/blobs/{digest}", digest, **secure)
        # Docker tries HTTPS first for 127.0.0.0/8 registries and skips verification there:
        # the engine pushes (the containerd-store engine's own builder), not a BuildKit builder.
        env = {**os.environ, "DOCKER_CONFIG": str(tmp_path / "docker")}
        cs = load_devenv().cs_docker_host
        assert cs, "needs the containerd-store engine (scripts/dev-env starts it)"
        env["DOCKER_HOST"] = cs
        login = subprocess.run(
            ["docker", "login", "-u", "alice", "--password-stdin", front.address],
            input="s3cret",
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        assert login.returncode == 0, login.stderr
        pushed = buildx_push(
            f"{front.address}/{REPO}:tls",
            build_context(tmp_path / "ctx"),
            env=env,
            builder="default",
        )
        assert pushed.returncode == 0, pushed.stderr
        assert (
            check_image_tree(front.url, REPO, "tls", **secure)[0]
            == check_image_tree(registry.url, REPO, "tls", auth=secure["auth"])[0]
        )
        assert front.stats.backend_errors == 0
