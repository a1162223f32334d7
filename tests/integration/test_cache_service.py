"""Slipway's cache service client (slipway.tools.cache_service) against the v2 stand-in
(tests/support/gha_cache: Twirp with every request validated) and real Azurite blobs behind
the stand-in's fault-injecting blob front.

Waits go through a recording fake ``sleep`` and requests through a counting session, so the
retry bounds are checked by counting, not by the clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from slipway.cache.config import ServiceConfig, service_config
from slipway.tools.cache_http import Limits
from slipway.tools.cache_service import (
    CacheService,
    CacheUnavailable,
    Hit,
    SaveOutcome,
    SaveResult,
)
from tests.support.gha_cache import (
    READ,
    WRITE,
    Azurite,
    AzuriteUnavailableError,
    BlobFront,
    GhaCacheStandin,
    Scope,
    find_azurite_blob,
    make_runtime_token,
)
from tests.support.gha_cache.azurite import INSTALL_SCRIPT, free_port

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

VERSION = hashlib.sha256(b"slipway-test-cache").hexdigest()
SMALL_BLOCK = 64 * 1024
DEFAULTS = Limits()


class CountingSession(requests.Session):
    """A real session that remembers what it sent: ``METHOD /path`` (no query: no SAS)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else url
        verb = method.decode() if isinstance(method, bytes) else method
        self.sent.append(f"{verb} {urlsplit(text).path}")
        return super().request(method, url, *args, **kwargs)


@dataclass
class Harness:
    """A client on the stand-in, with what it slept and sent."""

    client: CacheService
    session: CountingSession
    sleeps: list[float] = field(default_factory=list)

    @property
    def sent(self) -> list[str]:
        return self.session.sent


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    """Azurite's blob service; a missing install fails the test with the fix."""
    try:
        find_azurite_blob()
    except AzuriteUnavailableError:
        pytest.fail(
            f"azurite-blob is not installed: run {INSTALL_SCRIPT} (part of scripts/dev-env)"
        )
    with Azurite() as running:
        yield running


def _standin(azurite: Azurite, token: str | None = None) -> GhaCacheStandin:
    container = f"cache-{uuid.uuid4().hex[:12]}"
    return GhaCacheStandin(azurite.account_url, token=token, container=container, blob_front=True)


@pytest.fixture
def cache(azurite: Azurite) -> Iterator[GhaCacheStandin]:
    """A fresh stand-in; the client must never break the service's contract."""
    with _standin(azurite) as standin:
        yield standin
        standin.assert_no_violations()


def front(cache: GhaCacheStandin) -> BlobFront:
    assert cache.blob_front is not None
    return cache.blob_front


def runner_env(cache: GhaCacheStandin, **extra: str) -> dict[str, str]:
    """What the runner gives a container action on github.com."""
    return {
        "ACTIONS_RESULTS_URL": cache.url,
        "ACTIONS_RUNTIME_TOKEN": cache.token,
        "ACTIONS_CACHE_URL": cache.url,
        "ACTIONS_RUNTIME_URL": "http://127.0.0.1:9/",
        "GITHUB_SERVER_URL": "https://github.com",
        **extra,
    }


def harness(
    cache: GhaCacheStandin | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config: ServiceConfig | None = None,
    **options: Any,
) -> Harness:
    """A client from the runner's environment (or a given config), fake sleep, counting."""
    if config is None:
        assert cache is not None
        config, why_not = service_config(env if env is not None else runner_env(cache))
        assert config is not None, why_not
    session = CountingSession()
    sleeps: list[float] = []
    client = CacheService(config, session=session, sleep=sleeps.append, **options)
    return Harness(client, session, sleeps)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def twirp_calls(h: Harness) -> list[str]:
    return [s.rsplit("/", 1)[1] for s in h.sent if "/twirp/" in s]


def blob_ops(cache: GhaCacheStandin) -> list[str]:
    return [r.operation for r in front(cache).requests]


# --- the normal paths -------------------------------------------------------------------


def test_a_miss_is_none_and_no_problem(cache: GhaCacheStandin) -> None:
    h = harness(cache)
    assert h.client.lookup("trivy-db-2026-12-06", ["trivy-db-"], VERSION) is None
    assert twirp_calls(h) == ["GetCacheEntryDownloadURL"]
    assert h.client.problems == []
    assert h.client.notices == []
    assert h.client.available
    assert cache.requests[0].body == {
        "key": "trivy-db-2026-12-06",
        "restore_keys": ["trivy-db-"],
        "version": VERSION,
    }


def test_save_then_restore_exactly_and_by_prefix_newest_first(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    older, newer = os.urandom(3000), os.urandom(5000)
    assert h.client.save("trivy-db-2026-12-05", VERSION, write(tmp_path / "a", older)).saved
    result = h.client.save("trivy-db-2026-12-06", VERSION, write(tmp_path / "b", newer))
    assert result == SaveResult(SaveOutcome.SAVED, "", len(newer))
    exact = h.client.lookup("trivy-db-2026-12-05", ["trivy-db-"], VERSION)
    assert exact is not None
    assert exact.exact
    assert exact.matched_key == "trivy-db-2026-12-05"
    rolled = h.client.lookup("trivy-db-2026-12-07", ["trivy-db-"], VERSION)
    assert rolled is not None
    assert not rolled.exact
    assert rolled.matched_key == "trivy-db-2026-12-06"  # the newest entry with the prefix
    assert h.client.download(rolled, tmp_path / "out" / "db") == len(newer)
    assert (tmp_path / "out" / "db").read_bytes() == newer
    assert h.client.lookup("trivy-db-2026-12-05", [], "0" * 64) is None  # other version
    by_key_prefix = h.client.lookup("trivy-db-2026-12", [], VERSION)  # GitHub's key matching
    assert by_key_prefix is not None
    assert (by_key_prefix.matched_key, by_key_prefix.exact) == ("trivy-db-2026-12-06", False)
    entries = cache.entries
    assert [(e.key, e.finalized, e.size_bytes) for e in entries] == [
        ("trivy-db-2026-12-05", True, len(older)),
        ("trivy-db-2026-12-06", True, len(newer)),
    ]
    finalize = [r.body for r in cache.requests if r.path.endswith("FinalizeCacheEntryUpload")]
    assert finalize[1] == {"key": "trivy-db-2026-12-06", "version": VERSION, "size_bytes": "5000"}
    assert h.client.problems == []
    assert h.sleeps == []


def test_small_and_empty_files_go_up_in_one_put_blob(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache, block_size=SMALL_BLOCK)
    for name, data in (("small", os.urandom(SMALL_BLOCK)), ("empty", b"")):
        assert h.client.save(name, VERSION, write(tmp_path / name, data)).saved
        hit = h.client.lookup(name, [], VERSION)
        assert hit is not None
        assert h.client.download(hit, tmp_path / f"{name}.out") == len(data)
        assert (tmp_path / f"{name}.out").read_bytes() == data
    assert blob_ops(cache) == ["put-blob", "get-blob", "put-blob", "get-blob"]
    assert {b.name: b.blob_type for b in cache.blobs()} == {
        e.blob_name: "BlockBlob" for e in cache.entries
    }


def test_a_large_file_goes_up_in_blocks_and_comes_back_byte_exact(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    data = os.urandom(SMALL_BLOCK * 5 + 123)
    h = harness(cache, block_size=SMALL_BLOCK, workers=2)
    assert h.client.save("layers-1", VERSION, write(tmp_path / "big", data)).saved
    ops = blob_ops(cache)
    assert ops.count("put-block") == 6
    assert ops[-1] == "put-block-list"
    assert "put-blob" not in ops
    hit = h.client.lookup("layers-1", [], VERSION)
    assert hit is not None
    assert h.client.download(hit, tmp_path / "back") == len(data)
    assert (tmp_path / "back").read_bytes() == data
    (blob,) = cache.blobs()
    assert (blob.size, blob.blob_type) == (len(data), "BlockBlob")
    assert cache.blobs(include_uncommitted=True) == [blob]  # every block committed


def test_forty_megabytes_with_the_default_block_size(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    size = 40 * 1024 * 1024 + 17
    source = tmp_path / "trivy.db.tar"
    with source.open("wb") as out:
        for _ in range(40):
            out.write(os.urandom(1024 * 1024))
        out.write(os.urandom(17))
    h = harness(cache)
    assert h.client.save("trivy-db-big", VERSION, source) == SaveResult(SaveOutcome.SAVED, "", size)
    assert blob_ops(cache) == ["put-block", "put-block", "put-block-list"]  # 32 MiB blocks
    hit = h.client.lookup("trivy-db-big", [], VERSION)
    assert hit is not None
    assert h.client.download(hit, tmp_path / "restored") == size
    digest = [hashlib.sha256(p.read_bytes()).digest() for p in (source, tmp_path / "restored")]
    assert digest[0] == digest[1]


def test_an_existing_entry_is_a_normal_outcome(cache: GhaCacheStandin, tmp_path: Path) -> None:
    h = harness(cache)
    source = write(tmp_path / "scan.json", b"{}")
    assert h.client.save("scan-sha256-abc", VERSION, source).saved
    again = h.client.save("scan-sha256-abc", VERSION, source)
    assert again.outcome is SaveOutcome.EXISTS
    assert not again.saved
    assert blob_ops(cache) == ["put-blob"]  # nothing uploaded the second time
    assert h.client.problems == []
    assert h.client.available


def test_modes_read_and_write_only(cache: GhaCacheStandin, tmp_path: Path) -> None:
    source = write(tmp_path / "x", b"x")
    writer = harness(cache, env=runner_env(cache, ACTIONS_CACHE_MODE="write-only"))
    assert writer.client.lookup("k", ["k"], VERSION) is None
    assert writer.sent == []  # a lookup in write-only mode asks nothing
    assert writer.client.save("k", VERSION, source).saved
    assert writer.client.notices == ["ACTIONS_CACHE_MODE is write-only, so nothing is restored"]

    reader = harness(cache, env=runner_env(cache, ACTIONS_CACHE_MODE="read"))
    skipped = reader.client.save("k2", VERSION, source)
    assert skipped.outcome is SaveOutcome.SKIPPED
    assert skipped.reason == "ACTIONS_CACHE_MODE is read, so nothing is saved"
    assert reader.sent == []
    hit = reader.client.lookup("k", [], VERSION)
    assert hit is not None
    assert reader.client.download(hit, tmp_path / "y") == 1
    assert reader.client.problems == []

    both = harness(cache, env=runner_env(cache, ACTIONS_CACHE_MODE="write"))
    assert both.client.lookup("k", [], VERSION) is not None
    assert both.client.save("k3", VERSION, source).saved


def test_a_read_only_token_saves_nothing_and_says_so_once(azurite: Azurite, tmp_path: Path) -> None:
    token = make_runtime_token((Scope("refs/pull/7/merge", READ), Scope("refs/heads/main", READ)))
    with _standin(azurite, token) as cache:
        h = harness(cache)
        source = write(tmp_path / "x", b"data")
        results = [h.client.save(f"k{n}", VERSION, source) for n in range(3)]
        assert {r.outcome for r in results} == {SaveOutcome.SKIPPED}
        assert h.sent == []  # the token's claims said so: no call
        assert len(h.client.notices) == 1
        assert "no writable cache scope" in h.client.notices[0]
        assert h.client.problems == []
        assert h.client.lookup("k0", [], VERSION) is None  # reads still go to the service
        assert twirp_calls(h) == ["GetCacheEntryDownloadURL"]
        cache.assert_no_violations()


def test_a_write_denial_from_the_service_is_said_once_and_not_asked_again(
    azurite: Azurite, tmp_path: Path
) -> None:
    # A token Slipway cannot read is used as it is; here the service refuses the write.
    token = make_runtime_token((Scope("refs/pull/7/merge", READ),))
    with _standin(azurite, token) as cache:
        config = ServiceConfig(cache.url, cache.token)  # as for a token without claims
        h = harness(config=config)
        source = write(tmp_path / "x", b"data")
        first, second = (h.client.save(f"k{n}", VERSION, source) for n in range(2))
        assert (first.outcome, second.outcome) == (SaveOutcome.DENIED, SaveOutcome.DENIED)
        assert twirp_calls(h) == ["CreateCacheEntry"]
        assert len(h.client.notices) == 1
        assert "may not write" in h.client.notices[0]
        assert h.client.problems == []
        assert h.client.available
        assert cache.blobs() == []
        cache.assert_no_violations()


def test_reads_denied_by_the_token_or_by_the_service(azurite: Azurite, tmp_path: Path) -> None:
    token = make_runtime_token((Scope("refs/heads/main", WRITE),))  # write, no read
    with _standin(azurite, token) as cache:
        h = harness(cache)
        assert h.client.save("k", VERSION, write(tmp_path / "x", b"data")).saved
        assert h.client.lookup("k", [], VERSION) is None
        assert twirp_calls(h) == ["CreateCacheEntry", "FinalizeCacheEntryUpload"]
        assert "no readable cache scope" in h.client.notices[0]
        # Had Slipway not read the claims, the service itself gives a miss.
        blind = harness(config=ServiceConfig(cache.url, cache.token))
        assert blind.client.lookup("k", [], VERSION) is None
        assert twirp_calls(blind) == ["GetCacheEntryDownloadURL"]
        assert blind.client.problems == []
        cache.assert_no_violations()


# --- rate limits, failures, the bound ---------------------------------------------------


def test_a_429_with_retry_after_is_waited_out(cache: GhaCacheStandin, tmp_path: Path) -> None:
    h = harness(cache)
    assert h.client.save("k", VERSION, write(tmp_path / "x", b"data")).saved
    cache.fail_next("GetCacheEntryDownloadURL", status=429, retry_after="2", times=2)
    hit = h.client.lookup("k", [], VERSION)
    assert hit is not None
    assert h.sleeps == [2.0, 2.0]
    assert twirp_calls(h)[-3:] == ["GetCacheEntryDownloadURL"] * 3
    assert h.client.problems == []
    assert h.client.available


def test_429_forever_gives_up_within_the_bound_and_stops_asking(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    cache.fail_always("*", status=429, retry_after="5")
    assert h.client.lookup("k", ["k-"], VERSION) is None
    assert len(h.sent) == DEFAULTS.attempts
    assert sum(h.sleeps) <= DEFAULTS.sleep_budget
    assert h.sleeps == [5.0] * (DEFAULTS.attempts - 1)
    (problem,) = h.client.problems
    assert "rate limited (HTTP 429" in problem
    assert "4 attempts" in problem
    assert not h.client.available
    # From now on: answers at once, without the network.
    assert h.client.save("k", VERSION, write(tmp_path / "x", b"d")).outcome is (
        SaveOutcome.UNAVAILABLE
    )
    assert h.client.lookup("k", [], VERSION) is None
    with pytest.raises(CacheUnavailable):
        h.client.download(Hit("k", "k", cache.url), tmp_path / "y")
    assert len(h.sent) == DEFAULTS.attempts
    assert len(h.client.problems) == 1


def test_the_run_wide_budget_caps_the_waiting_across_calls(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    # Each call succeeds after two 429s of 4 s: 8 s a call, so the fourth call runs out.
    for _ in range(4):
        cache.fail_next("GetCacheEntryDownloadURL", status=429, retry_after="4", times=2)
        h.client.lookup("k", [], VERSION)
    assert sum(h.sleeps) <= DEFAULTS.sleep_budget
    assert h.sleeps == [4.0] * 7
    assert "used up" in h.client.problems[0]
    cache.clear_faults()


def test_a_retry_after_longer_than_slipway_waits_gives_up_at_once(
    cache: GhaCacheStandin,
) -> None:
    h = harness(cache)
    cache.fail_next("GetCacheEntryDownloadURL", status=429, retry_after="60")
    assert h.client.lookup("k", [], VERSION) is None
    assert h.sleeps == []
    assert len(h.sent) == 1
    assert "asked to retry after 60 s" in h.client.problems[0]


def test_transient_5xx_and_dropped_connections_are_retried(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    cache.fail_next("CreateCacheEntry", status=503)
    cache.fail_next("FinalizeCacheEntryUpload", drop=True)
    front(cache).fail_next("put-blob", status=500)
    assert h.client.save("k", VERSION, write(tmp_path / "x", b"data")).saved
    assert h.sleeps == [1.0, 1.0, 1.0]  # one back-off per failed request
    cache.fail_next("GetCacheEntryDownloadURL", status=502)  # a gateway's page, not Twirp
    assert h.client.lookup("k", [], VERSION) is not None
    assert h.client.problems == []


def test_5xx_after_every_retry_makes_the_client_unavailable(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    cache.fail_always("CreateCacheEntry", status=500)
    result = h.client.save("k", VERSION, write(tmp_path / "x", b"data"))
    assert result.outcome is SaveOutcome.UNAVAILABLE
    assert result.reason == h.client.problems[0]
    assert "CreateCacheEntry: temporarily failing (HTTP 500 internal) (4 attempts)" in result.reason
    assert h.sleeps == [1.0, 2.0, 4.0]
    assert len(h.sent) == 4


def test_an_unreachable_service_fails_fast_once(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    h = harness(config=ServiceConfig(closed, make_runtime_token()))
    assert h.client.lookup("k", ["k-"], VERSION) is None
    assert h.sleeps == []
    assert len(h.sent) == 1
    (problem,) = h.client.problems
    assert problem == "GetCacheEntryDownloadURL: cannot connect to " + closed[7:-1]
    assert h.client.save("k", VERSION, write(tmp_path / "x", b"d")).outcome is (
        SaveOutcome.UNAVAILABLE
    )
    assert h.client.lookup("k", [], VERSION) is None
    assert len(h.sent) == 1


def test_a_stopped_service_is_unreachable(cache: GhaCacheStandin) -> None:
    h = harness(cache)
    assert h.client.lookup("k", [], VERSION) is None
    cache.stop()
    assert h.client.lookup("k", [], VERSION) is None
    assert "cannot connect" in h.client.problems[0]


def test_a_silent_service_is_not_waited_for_twice(cache: GhaCacheStandin) -> None:
    h = harness(cache, timeout=0.5)
    cache.fail_next("GetCacheEntryDownloadURL", stall=1.5)
    assert h.client.lookup("k", [], VERSION) is None
    assert len(h.sent) == 1
    assert h.sleeps == []
    host = cache.url[7:-1]
    assert h.client.problems == [f"GetCacheEntryDownloadURL: {host} sent nothing for 0.5 s"]


def test_malformed_answers_make_the_client_unavailable(cache: GhaCacheStandin) -> None:
    h = harness(cache)
    cache.fail_next("GetCacheEntryDownloadURL", status=200, body=b"<html>proxy</html>")
    assert h.client.lookup("k", [], VERSION) is None
    assert h.client.problems == [
        "GetCacheEntryDownloadURL: the service's answer is malformed (not a JSON object)"
    ]
    h2 = harness(cache)
    cache.fail_next("GetCacheEntryDownloadURL", status=200, body=b'{"ok": true, "matched_key": 5}')
    assert h2.client.lookup("k", [], VERSION) is None
    assert "matched_key is not a string" in h2.client.problems[0]


def test_a_full_cache_stops_the_saves_with_one_problem(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache)
    message = "insufficient usage to create cache entry"  # toolkit errors.ts UsageError
    cache.fail_next(
        "CreateCacheEntry", status=200, body=json.dumps({"ok": False, "message": message}).encode()
    )
    source = write(tmp_path / "x", b"x")
    first, second = (h.client.save(f"k{n}", VERSION, source) for n in range(2))
    assert first == second
    assert first.outcome is SaveOutcome.REFUSED
    assert "cache storage is full" in first.reason
    assert twirp_calls(h) == ["CreateCacheEntry"]
    assert h.client.problems == [first.reason]
    assert h.client.lookup("k", [], VERSION) is None  # reads go on
    assert h.client.available


class BrokenSession(CountingSession):
    """A session with a bug in it (the client must survive its own failures too)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.sent.append("broken")
        raise RuntimeError(f"boom at {url!r}")


def no_sleep(seconds: float) -> None:
    pytest.fail(f"nothing here may wait (asked for {seconds} s)")


def test_an_unexpected_error_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    config = ServiceConfig("http://127.0.0.1:9/", make_runtime_token())
    client = CacheService(config, session=BrokenSession(), sleep=no_sleep)
    assert client.lookup("k", [], VERSION) is None
    (problem,) = client.problems
    assert (
        problem
        == "lookup: unexpected RuntimeError in Slipway's cache client (a bug: please report it)"
    )
    assert client.save("k", VERSION, write(tmp_path / "x", b"x")).outcome is SaveOutcome.UNAVAILABLE
    with pytest.raises(CacheUnavailable, match="unexpected RuntimeError"):
        client.download(Hit("k", "k", "http://127.0.0.1:9/b?sig=x"), tmp_path / "y")


# --- downloads --------------------------------------------------------------------------


@pytest.fixture
def saved(cache: GhaCacheStandin, tmp_path: Path) -> tuple[Harness, Hit, bytes]:
    data = os.urandom(300_000)
    h = harness(cache, block_size=SMALL_BLOCK)
    assert h.client.save("k", VERSION, write(tmp_path / "src", data)).saved
    hit = h.client.lookup("k", [], VERSION)
    assert hit is not None
    return h, hit, data


def test_a_truncated_download_is_retried(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path
) -> None:
    h, hit, data = saved
    front(cache).fail_next("get-blob", truncate=1000)
    assert h.client.download(hit, tmp_path / "out") == len(data)
    assert (tmp_path / "out").read_bytes() == data
    assert h.sleeps == [1.0]


def test_a_download_that_stays_truncated_is_an_error_not_a_restore(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path
) -> None:
    h, hit, _ = saved
    dest = tmp_path / "restore" / "db"
    dest.parent.mkdir()
    dest.write_bytes(b"the previous content")
    front(cache).fail_next("get-blob", truncate=1000, times=None)
    with pytest.raises(CacheUnavailable, match="before all 300000 bytes arrived"):
        h.client.download(hit, dest)
    assert dest.read_bytes() == b"the previous content"  # untouched
    assert sorted(p.name for p in dest.parent.iterdir()) == ["db"]  # no partial file left
    assert not h.client.available
    with pytest.raises(CacheUnavailable):
        h.client.download(hit, dest)
    assert blob_ops(cache).count("get-blob") == DEFAULTS.attempts


def test_a_download_that_stalls_is_given_up_not_retried(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path
) -> None:
    _, hit, _ = saved
    h = harness(cache, timeout=0.5)
    front(cache).fail_next("get-blob", truncate=1000, stall=1.5)
    with pytest.raises(CacheUnavailable, match=r"sent nothing for 0\.5 s"):
        h.client.download(hit, tmp_path / "out")
    assert len(h.sent) == 1  # one GET: a timeout is not retried
    assert h.sleeps == []
    assert not (tmp_path / "out").exists()


def test_a_corrupt_download_fails_its_md5(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path
) -> None:
    h, hit, _ = saved
    front(cache).fail_next("get-blob", corrupt=True, times=None)
    with pytest.raises(CacheUnavailable, match="MD5"):
        h.client.download(hit, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_refused_blob_request_is_not_retried(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path
) -> None:
    h, hit, _ = saved
    front(cache).fail_next("get-blob", status=403)
    with pytest.raises(
        CacheUnavailable, match="download: the blob storage answered HTTP 403 AuthenticationFailed"
    ):
        h.client.download(hit, tmp_path / "out")
    assert h.sleeps == []


def test_a_failed_block_upload_leaves_nothing_restorable(
    cache: GhaCacheStandin, tmp_path: Path
) -> None:
    h = harness(cache, block_size=SMALL_BLOCK)
    front(cache).fail_next("put-block", status=503, times=None)
    source = write(tmp_path / "big", os.urandom(SMALL_BLOCK * 3))
    result = h.client.save("k", VERSION, source)
    assert result.outcome is SaveOutcome.UNAVAILABLE
    assert "upload (block): temporarily failing (HTTP 503 ServerBusy)" in result.reason
    assert not any(e.finalized for e in cache.entries)
    assert "put-block-list" not in blob_ops(cache)


# --- keys, and secrets ------------------------------------------------------------------

BAD_KEYS = [
    pytest.param(["a,b"], VERSION, "contains a comma", id="comma"),
    pytest.param(["k" * 513], VERSION, "longer than 512", id="too-long"),
    pytest.param([f"k{n}" for n in range(11)], VERSION, "at most 10", id="eleven-keys"),
    pytest.param([""], VERSION, "is empty", id="empty-key"),
    pytest.param(["k"], "", "version is empty", id="empty-version"),
]


@pytest.mark.parametrize(("keys", "version", "problem"), BAD_KEYS)
def test_keys_the_service_refuses_are_refused_before_any_call(
    cache: GhaCacheStandin, tmp_path: Path, keys: list[str], version: str, problem: str
) -> None:
    h = harness(cache)
    assert h.client.lookup(keys[0], keys[1:], version) is None
    if len(keys) == 1:
        result = h.client.save(keys[0], version, write(tmp_path / "x", b"x"))
        assert result.outcome is SaveOutcome.REFUSED
        assert problem in result.reason
    assert h.sent == []
    assert len(h.client.problems) == 1
    assert problem in h.client.problems[0]
    assert h.client.available  # the caller's mistake, not the service's
    assert h.client.lookup("fine", ["fi"], VERSION) is None
    assert len(h.sent) == 1


def test_a_key_of_512_characters_is_fine(cache: GhaCacheStandin, tmp_path: Path) -> None:
    h = harness(cache)
    key = "k" * 512
    assert h.client.save(key, VERSION, write(tmp_path / "x", b"x")).saved
    assert h.client.lookup(key, [], VERSION) is not None


def _messages(h: Harness, *extra: object) -> list[str]:
    """Everything a caller could print: problems, notices, reprs, results, tracebacks."""
    texts = [*h.client.problems, *h.client.notices, repr(h.client), repr(h.client.config)]
    for item in extra:
        if isinstance(item, BaseException):
            texts += [str(item), repr(item), "".join(traceback.format_exception(item))]
        else:
            texts += [str(item), repr(item)]
    return texts


def _provoke(h: Harness, hit: Hit, tmp_path: Path) -> list[object]:
    """Run every operation once; return what came back (results, hits, exceptions)."""
    found: list[object] = [h.client.lookup("k", ["k-"], VERSION), hit]
    found.append(h.client.save("k2", VERSION, write(tmp_path / "src2", os.urandom(5000))))
    try:
        found.append(h.client.download(hit, tmp_path / "dest"))
    except CacheUnavailable as exc:
        found.append(exc)
    return found


def _echo(cache: GhaCacheStandin) -> str:
    """A service message that repeats the token and a signed URL back (as a careless
    service or proxy might)."""
    return f"bad token {cache.token} for https://acct.blob.example/c/b?sv=1&sig=SECRET%2B"


SECRET_PATHS: dict[str, Callable[[GhaCacheStandin], None]] = {
    "twirp-refusal-echoing-secrets": lambda c: c.fail_always(
        "*", status=400, body=json.dumps({"code": "invalid_argument", "msg": _echo(c)}).encode()
    ),
    "unauthenticated-echoing-secrets": lambda c: c.fail_always(
        "*", status=401, body=json.dumps({"code": "unauthenticated", "msg": _echo(c)}).encode()
    ),
    "create-not-ok-echoing-secrets": lambda c: c.fail_always(
        "CreateCacheEntry", status=200, body=json.dumps({"ok": False, "message": _echo(c)}).encode()
    ),
    "finalize-not-ok-echoing-secrets": lambda c: c.fail_always(
        "FinalizeCacheEntryUpload",
        status=200,
        body=json.dumps({"ok": False, "entry_id": "0", "message": _echo(c)}).encode(),
    ),
    "gateway-page-echoing-secrets": lambda c: c.fail_always(
        "*", status=502, body=_echo(c).encode()
    ),
    "rate-limited": lambda c: c.fail_always("*", status=429, retry_after="1"),
    "dropped": lambda c: c.fail_always("*", drop=True),
    "malformed": lambda c: c.fail_always("*", status=200, body=b"[]"),
    "blob-403": lambda c: front(c).fail_next("*", status=403, times=None),
    "blob-403-echoing-secrets": lambda c: front(c).fail_next(
        "*", status=403, body=f"<Error><Code>X</Code>{_echo(c)}</Error>".encode(), times=None
    ),
    "blob-truncated": lambda c: front(c).fail_next("*", truncate=10, times=None),
    "blob-dropped": lambda c: front(c).fail_next("*", drop=True, times=None),
    "stopped": lambda c: c.stop(),
}


@pytest.mark.parametrize("provoke", list(SECRET_PATHS), ids=list(SECRET_PATHS))
def test_no_message_carries_the_token_or_a_signature(
    cache: GhaCacheStandin, saved: tuple[Harness, Hit, bytes], tmp_path: Path, provoke: str
) -> None:
    _, hit, _ = saved
    h = harness(cache, block_size=SMALL_BLOCK)
    SECRET_PATHS[provoke](cache)
    returned = _provoke(h, hit, tmp_path)
    texts = _messages(h, *returned)
    assert h.client.problems, "the path must have failed"
    for text in texts:
        assert cache.token not in text
        assert "SECRET" not in text
        assert "sig=" not in text.replace("sig=***", "")
        assert urlsplit(hit.url).query not in text
    cache.clear_faults()


def test_reprs_hide_the_token_and_the_signed_url(
    saved: tuple[Harness, Hit, bytes], cache: GhaCacheStandin
) -> None:
    h, hit, _ = saved
    assert "sig=" in hit.url  # it is a signed URL...
    for text in (repr(hit), str(hit), repr(h.client.config), repr(replace(hit, key="x"))):
        assert "sig=" not in text
        assert cache.token not in text
