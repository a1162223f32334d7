"""The GitHub Actions cache service v2 stand-in (tests/support/gha_cache), over real HTTP.

A small client here replays exactly what BuildKit's client, go-actions-cache v0.0.0-
20250626083717-378c5ed1ddd9 ``cache_v2.go``, sends (fields, headers, the Azure SDK's blob
calls for its default options); the last test runs a real BuildKit build against it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.support.devenv import ROOT, load_devenv
from tests.support.gha_cache import (
    READ,
    SERVICE,
    Azurite,
    AzuriteUnavailableError,
    GhaCacheStandin,
    Scope,
    find_azurite_blob,
    make_runtime_token,
)

pytestmark = pytest.mark.integration

# go-actions-cache cache.go version(): sha256 of a constant, whatever the key.
GO_VERSION = hashlib.sha256(b"|go-actionscache-1.0").hexdigest()
AZURE_VERSION = "2023-08-03"  # x-ms-version of azure-sdk-for-go azblob in BuildKit v0.25.2
BLOCK_SIZE = 1024 * 1024  # azblob UploadStreamOptions default BlockSize (1 MiB)
BUILDER = "gha-standin-test"
DEFAULT_BUILDKIT_IMAGE = "127.0.0.1:5000/slipway-test/buildkit:v0.25.2"


class GoV2Client:
    """What go-actions-cache's v2 client puts on the wire (Cache.Save / Load / SaveMutable)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + f"/twirp/{SERVICE}/"
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "go-actions-cache/1.0",
        }

    def twirp(self, method: str, payload: dict[str, Any]) -> requests.Response:
        """POST one Twirp JSON call."""
        return requests.post(self.url + method, json=payload, headers=self.headers, timeout=30)

    def reserve(self, key: str) -> requests.Response:
        """reserveV2: CreateCacheEntry {key, version}."""
        return self.twirp("CreateCacheEntry", {"key": key, "version": GO_VERSION})

    def commit(self, key: str, size: int) -> dict[str, Any]:
        """commitV2: FinalizeCacheEntryUpload {key, size_bytes (a JSON number), version}."""
        response = self.twirp(
            "FinalizeCacheEntryUpload", {"key": key, "size_bytes": size, "version": GO_VERSION}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def load(self, *keys: str) -> tuple[str, str] | None:
        """loadV2: GetCacheEntryDownloadURL {key: keys[0], restore_keys: keys, version}."""
        payload = {"key": keys[0], "restore_keys": list(keys), "version": GO_VERSION}
        response = self.twirp("GetCacheEntryDownloadURL", payload)
        assert response.status_code == 200, response.text
        body = response.json()
        if not body["ok"]:
            return None
        return body["matched_key"], body["signed_download_url"]

    def save(self, key: str, data: bytes) -> dict[str, Any]:
        """Cache.Save: reserve, upload through the signed URL, commit."""
        response = self.reserve(key)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True
        upload_stream(body["signed_upload_url"], data)
        return self.commit(key, len(data))

    def save_mutable(self, key: str, data: bytes) -> str:
        """Cache.SaveMutable (one round, no conflict): Load key#, then Save key#<n+1>."""
        found = self.load(key + "#")
        index = int(found[0].removeprefix(key + "#")) if found else 0
        if found:  # "check if index changed while loading": the entry's key, as BuildKit
            # compares it (each answer signs its URL anew, with an expiry to the second)
            again = self.load(key + "#")
            assert again is not None
            assert again[0] == found[0]
        new_key = f"{key}#{index + 1}"
        assert self.save(new_key, data)["ok"] is True
        return new_key


def upload_stream(url: str, data: bytes) -> None:
    """blockblob.Client.UploadStream with nil options: Put Blob below one block, else blocks.

    The block IDs are azblob's: base64 of 64 bytes, a random UUID then the big-endian block
    number, zero-padded; the block list commits them as ``<Latest>``.
    """
    headers = {"x-ms-version": AZURE_VERSION}
    if len(data) < BLOCK_SIZE:
        put = requests.put(
            url, data=data, headers={**headers, "x-ms-blob-type": "BlockBlob"}, timeout=30
        )
        assert put.status_code == 201, put.text
        return
    prefix = uuid.uuid4().bytes
    ids = []
    for number, start in enumerate(range(0, len(data), BLOCK_SIZE)):
        block_id = base64.b64encode((prefix + struct.pack(">I", number)).ljust(64, b"\0"))
        ids.append(block_id.decode())
        put = requests.put(
            f"{url}&comp=block&blockid={quote(ids[-1], safe='')}",
            data=data[start : start + BLOCK_SIZE],
            headers=headers,
            timeout=30,
        )
        assert put.status_code == 201, put.text
    body = "<?xml version='1.0' encoding='utf-8'?>\n<BlockList>"
    body += "".join(f"<Latest>{i}</Latest>" for i in ids) + "</BlockList>"
    put = requests.put(f"{url}&comp=blocklist", data=body.encode(), headers=headers, timeout=30)
    assert put.status_code == 201, put.text


def download(url: str, offset: int = 0) -> bytes:
    """blob.Client.DownloadStream: no range header at offset 0, else ``x-ms-range: bytes=N-``."""
    headers = {"x-ms-version": AZURE_VERSION}
    if offset:
        headers["x-ms-range"] = f"bytes={offset}-"
    response = requests.get(url, headers=headers, timeout=30)
    assert response.status_code == (206 if offset else 200), response.text
    return response.content


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    """Azurite's blob service for this module (installed by scripts/install-azurite)."""
    try:
        find_azurite_blob()
    except AzuriteUnavailableError:
        subprocess.run([str(ROOT / "scripts" / "install-azurite")], check=True, timeout=600)
    with Azurite() as running:
        yield running


@pytest.fixture
def cache(azurite: Azurite) -> Iterator[GhaCacheStandin]:
    """A fresh stand-in with its own container; fails the test on unexpected violations."""
    container = f"cache-{uuid.uuid4().hex[:12]}"
    with GhaCacheStandin(azurite.account_url, container=container) as standin:
        yield standin
        standin.assert_no_violations()


@pytest.fixture
def client(cache: GhaCacheStandin) -> GoV2Client:
    """A go-actions-cache-like client on the stand-in."""
    return GoV2Client(cache.url, cache.token)


def test_save_then_load_round_trip_as_go_actions_cache(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    small, large = os.urandom(3000), os.urandom(BLOCK_SIZE + BLOCK_SIZE // 2 + 7)
    keys = [f"buildkit-blob-1-sha256:{hashlib.sha256(d).hexdigest()}" for d in (small, large)]
    for key, data in zip(keys, (small, large), strict=True):
        assert client.load(key) is None  # the exporter looks before it saves
        committed = client.save(key, data)
        assert committed["ok"] is True
        assert isinstance(committed["entry_id"], str)  # int64 as protojson writes it
        found = client.load(key)
        assert found is not None
        assert found[0] == key
        assert download(found[1]) == data
        assert download(found[1], offset=1000) == data[1000:]
    blobs = {b.name: b for b in cache.blobs()}
    entries = cache.entries
    assert [e.key for e in entries] == keys
    for entry, data in zip(entries, (small, large), strict=True):
        assert entry.finalized
        assert entry.size_bytes == len(data)
        assert entry.scope == "refs/heads/main"
        assert blobs[entry.blob_name].size == len(data)
        assert blobs[entry.blob_name].blob_type == "BlockBlob"


def test_save_mutable_index_restores_the_newest_by_prefix(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    index = "index-test-1-0123abcd"
    assert client.save_mutable(index, b'{"layers":[]}') == f"{index}#1"
    assert client.save_mutable(index, b'{"layers":[1]}') == f"{index}#2"
    found = client.load(index)  # the importer's loadScope
    assert found is not None
    assert found[0] == f"{index}#2"
    assert download(found[1]) == b'{"layers":[1]}'
    assert len(cache.blobs()) == 2


def test_the_key_itself_matches_by_prefix_after_an_exact_match(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    # GitHub's cache key matching: exact key, else the newest entry the key is a prefix of,
    # else the restore keys in order.
    client.save("deps-linux-1", b"1")
    client.save("deps-linux-2", b"2")
    client.save("deps-linux", b"0")
    exact = client.load("deps-linux")
    assert exact is not None
    assert exact[0] == "deps-linux"
    by_prefix = client.twirp("GetCacheEntryDownloadURL", {"key": "deps-lin", "version": GO_VERSION})
    assert by_prefix.json()["matched_key"] == "deps-linux"  # the newest that starts with it
    before_restore = client.twirp(
        "GetCacheEntryDownloadURL",
        {"key": "deps-linux-", "restore_keys": ["deps-"], "version": GO_VERSION},
    )
    assert before_restore.json()["matched_key"] == "deps-linux-2"


def test_miss_is_ok_false_with_status_200(cache: GhaCacheStandin, client: GoV2Client) -> None:
    response = client.twirp(
        "GetCacheEntryDownloadURL",
        {"key": "nothing-here", "restore_keys": ["nothing-"], "version": GO_VERSION},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"ok": False, "signed_download_url": "", "matched_key": ""}
    assert client.load("nothing-here") is None  # what loadV2 returns: nil entry, nil error


def test_other_version_or_unfinalized_entry_is_a_miss(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    client.save("versioned", b"data")
    other = client.twirp(
        "GetCacheEntryDownloadURL", {"key": "versioned", "version": "f" * 64}
    ).json()
    assert other["ok"] is False
    assert client.reserve("pending").status_code == 200
    assert client.load("pending") is None


def test_duplicate_create_is_twirp_already_exists(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    client.save("dup", b"one")
    response = client.reserve("dup")
    assert response.status_code == 409
    # go-actions-cache checkResponse maps code already_exists to os.ErrExist.
    assert response.json() == {
        "code": "already_exists",
        "msg": "cache entry with the same key, version, and scope already exists",
    }
    assert cache.violations == []  # a conflict is the protocol working, not a violation


def test_read_only_token_cannot_create(azurite: Azurite) -> None:
    token = make_runtime_token((Scope("refs/heads/main", READ),))
    with GhaCacheStandin(azurite.account_url, token=token, container="readonly") as standin:
        body = GoV2Client(standin.url, token).reserve("k").json()
        assert body["ok"] is False
        assert "no writable scopes" in body["message"]
        standin.assert_no_violations()


def test_sas_urls_are_checked_by_azurite(cache: GhaCacheStandin, client: GoV2Client) -> None:
    upload_url = client.reserve("sas").json()["signed_upload_url"]
    assert "sv=2023-08-03" in upload_url
    assert "sp=cw" in upload_url
    tampered = upload_url.replace("sig=", "sig=AA")
    put = requests.put(tampered, data=b"x", headers={"x-ms-blob-type": "BlockBlob"}, timeout=30)
    assert put.status_code == 403
    upload_stream(upload_url, b"payload")
    assert requests.get(upload_url, timeout=30).status_code == 403  # upload URL cannot read
    client.commit("sas", 7)
    found = client.load("sas")
    assert found is not None
    put = requests.put(found[1], data=b"y", headers={"x-ms-blob-type": "BlockBlob"}, timeout=30)
    assert put.status_code == 403  # download URL cannot write


BAD_REQUESTS = [
    # (id, http method, method name, headers override, body, status, twirp code)
    (
        "wrong-token",
        "POST",
        "CreateCacheEntry",
        {"Authorization": "Bearer nope"},
        {"key": "k", "version": GO_VERSION},
        401,
        "unauthenticated",
    ),
    (
        "no-token",
        "POST",
        "CreateCacheEntry",
        {"Authorization": None},
        {"key": "k", "version": GO_VERSION},
        401,
        "unauthenticated",
    ),
    (
        "known-field-wrong-type-nested",
        "POST",
        "CreateCacheEntry",
        {},
        {"key": "k", "version": GO_VERSION, "metadata": {"repository_id": "one"}},
        400,
        "malformed",
    ),
    ("missing-version", "POST", "CreateCacheEntry", {}, {"key": "k"}, 400, "invalid_argument"),
    (
        "missing-size",
        "POST",
        "FinalizeCacheEntryUpload",
        {},
        {"key": "k", "version": GO_VERSION},
        400,
        "invalid_argument",
    ),
    (
        "key-not-string",
        "POST",
        "CreateCacheEntry",
        {},
        {"key": 5, "version": GO_VERSION},
        400,
        "malformed",
    ),
    (
        "size-not-int",
        "POST",
        "FinalizeCacheEntryUpload",
        {},
        {"key": "k", "version": GO_VERSION, "size_bytes": "12kB"},
        400,
        "malformed",
    ),
    (
        "restore-keys-not-list",
        "POST",
        "GetCacheEntryDownloadURL",
        {},
        {"key": "k", "version": GO_VERSION, "restore_keys": "k"},
        400,
        "malformed",
    ),
    (
        "metadata-bad-scope",
        "POST",
        "GetCacheEntryDownloadURL",
        {},
        {"key": "k", "version": GO_VERSION, "metadata": {"scope": [{"scope": 1}]}},
        400,
        "malformed",
    ),
    ("not-an-object", "POST", "CreateCacheEntry", {}, ["k"], 400, "malformed"),
    (
        "text-content-type",
        "POST",
        "CreateCacheEntry",
        {"Content-Type": "text/plain"},
        {"key": "k", "version": GO_VERSION},
        404,
        "bad_route",
    ),
    (
        "protobuf",
        "POST",
        "CreateCacheEntry",
        {"Content-Type": "application/protobuf"},
        {"key": "k", "version": GO_VERSION},
        404,
        "bad_route",
    ),
    ("get", "GET", "GetCacheEntryDownloadURL", {}, None, 404, "bad_route"),
    ("unknown-method", "POST", "ListCacheEntries", {}, {}, 404, "bad_route"),
]


@pytest.mark.parametrize(
    ("http_method", "method", "headers", "body", "status", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_REQUESTS],
)
def test_bad_requests_are_refused_and_recorded(
    cache: GhaCacheStandin,
    client: GoV2Client,
    http_method: str,
    method: str,
    headers: dict[str, str | None],
    body: Any,
    status: int,
    code: str,
) -> None:
    sent = {k: v for k, v in {**client.headers, **headers}.items() if v is not None}
    response = requests.request(
        http_method, client.url + method, json=body, headers=sent, timeout=30
    )
    assert response.status_code == status
    answer = response.json()
    assert set(answer) == {"code", "msg"}
    assert answer["code"] == code
    violations = cache.take_violations()
    assert [v.code for v in violations] == [code]
    assert cache.entries == []


def test_unknown_fields_are_ignored_as_twirp_servers_do(
    cache: GhaCacheStandin, client: GoV2Client
) -> None:
    # Twirp's generated Go servers decode with protojson DiscardUnknown: a field the service
    # does not know (a newer client's) is ignored, at the top level and inside messages.
    created = client.twirp(
        "CreateCacheEntry",
        {"key": "k", "version": GO_VERSION, "scope": "x", "metadata": {"future": [1, {}]}},
    )
    assert created.status_code == 200, created.text
    assert created.json()["ok"] is True
    found = client.twirp(
        "GetCacheEntryDownloadURL", {"key": "k", "version": GO_VERSION, "lookup_only": True}
    )
    assert found.status_code == 200
    assert found.json()["ok"] is False  # reserved, not finalized: a miss
    assert [e.key for e in cache.entries] == ["k"]


def test_invalid_json_and_camel_case_names(cache: GhaCacheStandin, client: GoV2Client) -> None:
    response = requests.post(
        client.url + "CreateCacheEntry", data=b"{not json", headers=client.headers, timeout=30
    )
    assert (response.status_code, response.json()["code"]) == (400, "malformed")
    assert [v.code for v in cache.take_violations()] == ["malformed"]
    # protojson accepts lowerCamelCase names and int64 as strings (what the toolkit sends).
    assert client.reserve("camel").status_code == 200
    upload_stream(client.reserve("camel2").json()["signed_upload_url"], b"abc")
    done = client.twirp(
        "FinalizeCacheEntryUpload", {"key": "camel2", "sizeBytes": "3", "version": GO_VERSION}
    )
    assert done.json()["ok"] is True
    found = client.twirp(
        "GetCacheEntryDownloadURL", {"key": "x", "restoreKeys": ["camel"], "version": GO_VERSION}
    ).json()
    assert found["matched_key"] == "camel2"


def test_finalize_contract_breaks_are_recorded(cache: GhaCacheStandin, client: GoV2Client) -> None:
    response = client.twirp(
        "FinalizeCacheEntryUpload", {"key": "never", "size_bytes": 1, "version": GO_VERSION}
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    client.reserve("early")
    assert client.commit("early", 10)["ok"] is False  # nothing uploaded yet
    upload_stream(client.reserve("short").json()["signed_upload_url"], b"12345")
    assert client.commit("short", 6)["ok"] is False  # size is not the blob's
    codes = [v.code for v in cache.take_violations()]
    assert codes == ["not_found", "failed_precondition", "failed_precondition"]


def _docker(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run docker without the caller's ACTIONS_* variables (buildx reads them), plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_")}
    return subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, **(env or {})},
        check=False,
    )


def _buildkit_image() -> str:
    """The BuildKit image scripts/dev-env made, or its usual name."""
    try:
        return load_devenv().buildkit_image or DEFAULT_BUILDKIT_IMAGE
    except RuntimeError:
        return DEFAULT_BUILDKIT_IMAGE


@pytest.fixture
def gha_builder() -> Iterator[str]:
    """A docker-container builder on the host network (it must reach 127.0.0.1 services)."""
    _docker("buildx", "rm", "--force", BUILDER)  # a leftover of an interrupted run
    created = _docker(
        "buildx",
        "create",
        "--name",
        BUILDER,
        "--driver",
        "docker-container",
        "--driver-opt",
        "network=host",
        "--driver-opt",
        f"image={_buildkit_image()}",
        "--bootstrap",
    )
    try:
        assert created.returncode == 0, created.stderr
        yield BUILDER
    finally:
        _docker("buildx", "rm", BUILDER)


def _context(path: Path) -> Path:
    """A build context needing no base image: three COPY layers, one over 1 MiB compressed."""
    path.mkdir()
    (path / "Dockerfile").write_text(
        "FROM scratch\nCOPY hello.txt /\nCOPY world.txt /\nCOPY big /\n"
    )
    (path / "hello.txt").write_text(f"hello {uuid.uuid4()}\n")
    (path / "world.txt").write_text("world\n")
    (path / "big").write_bytes(os.urandom(BLOCK_SIZE + BLOCK_SIZE // 2))  # gzip cannot shrink it
    return path


def _build(
    builder: str, context: Path, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``docker buildx build`` with plain progress; asserts success."""
    done = _docker(
        "buildx",
        "build",
        "--builder",
        builder,
        "--progress",
        "plain",
        *options,
        str(context),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done


def _import(
    builder: str, context: Path, output: str, options: list[str], env: dict[str, str] | None = None
) -> list[str]:
    """Prune the builder, build again with ``options``; return the ``#N CACHED`` lines."""
    pruned = _docker("buildx", "prune", "-af", "--builder", builder)
    assert pruned.returncode == 0, pruned.stderr
    done = _build(builder, context, *options, "--output", output, env=env)
    return [line for line in done.stderr.splitlines() if line.endswith(" CACHED")]


def test_real_buildkit_exports_to_and_imports_from_the_standin(
    cache: GhaCacheStandin, azurite: Azurite, gha_builder: str, tmp_path: Path
) -> None:
    context = _context(tmp_path / "context")
    gha = f"type=gha,url_v2={cache.url},token={cache.token},scope=test"
    _build(gha_builder, context, "--cache-to", f"{gha},mode=max", "--output", "type=cacheonly")
    cache.assert_no_violations()
    entries = cache.entries
    assert all(e.finalized for e in entries)
    assert {e.version for e in entries} == {GO_VERSION}
    blob_keys = [e.key for e in entries if e.key.startswith("buildkit-blob-1-sha256:")]
    index_keys = [e.key for e in entries if e.key.startswith("index-test-1-")]
    assert (len(blob_keys), len(index_keys)) == (3, 1), [e.key for e in entries]
    assert index_keys[0].endswith("#1")
    assert {b.name: b.size for b in cache.blobs()} == {e.blob_name: e.size_bytes for e in entries}
    azure_log = azurite.log_path.read_text()
    assert "comp=block&" in azure_log  # the big layer went up as Put Block ...
    assert "comp=blocklist" in azure_log  # ... and Put Block List

    cached = _import(gha_builder, context, "type=cacheonly", ["--cache-from", gha])
    assert len(cached) == 3  # every COPY
    looked_up = [r.body["key"] for r in cache.requests if r.path.endswith("DownloadURL")]
    assert index_keys[0].removesuffix("#1") in looked_up  # the importer's loadScope
    assert set(blob_keys) <= set(looked_up)  # the layers' entries
    cache.assert_no_violations()

    # buildx fills token and url_v2 from the runner's environment by itself; a local
    # output makes BuildKit download every layer from Azurite.
    runner_env = {
        "ACTIONS_CACHE_SERVICE_V2": "true",
        "ACTIONS_RESULTS_URL": cache.url,
        "ACTIONS_RUNTIME_TOKEN": cache.token,
    }
    out = tmp_path / "out"
    options = ["--cache-from", "type=gha,scope=test"]
    cached = _import(gha_builder, context, f"type=local,dest={out}", options, env=runner_env)
    assert len(cached) >= 2  # the step whose layers are pulled may print only the pull
    assert (out / "big").read_bytes() == (context / "big").read_bytes()
    assert (out / "hello.txt").read_text() == (context / "hello.txt").read_text()
    azure_log = azurite.log_path.read_text()
    for entry in entries:
        assert f'"GET /devstoreaccount1/{cache.container}/{entry.blob_name}?' in azure_log
    cache.assert_no_violations()
