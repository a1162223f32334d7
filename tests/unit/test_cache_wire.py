"""slipway.cache.wire: key rules (toolkit checkKey), Twirp answers as protojson writes them,
Azure block ids and block lists, and redaction; plus the retry loop of tools/cache_http,
driven by fake attempts (no sockets)."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from slipway.cache.wire import (
    CreateAnswer,
    FinalizeAnswer,
    MalformedAnswer,
    azure_error_code,
    block_ids,
    block_list_xml,
    blocks,
    host_of,
    key_problem,
    parse_create,
    parse_download,
    parse_finalize,
    shown_line,
    twirp_error,
)
from slipway.tools.cache_http import GiveUp, Limits, Transient, Transport
from slipway.tools.retry import retry_after

V = "0" * 64


@pytest.mark.parametrize(
    ("keys", "version", "problem"),
    [
        (["trivy-db-2026-12-06", "trivy-db-"], V, ""),
        (["k" * 512], V, ""),
        (["k" * 513], V, "longer than 512"),
        (["a,b"], V, "contains a comma"),
        (["ok", "x,"], V, "'x,' contains a comma"),
        ([""], V, "is empty"),
        ([f"k{i}" for i in range(10)], V, ""),
        ([f"k{i}" for i in range(11)], V, "11 cache keys given"),
        (["k"], "", "version is empty"),
        (["\u202ek,"], V, "'\\u202ek,'"),  # shown escaped
    ],
)
def test_key_problem(keys: list[str], version: str, problem: str) -> None:
    found = key_problem(keys, version)
    assert (found == "") if not problem else (problem in found)
    assert len(found) < 200


def test_redact_hides_secrets_signatures_and_control_characters() -> None:
    token = "eyJhbGciOi.eyJhYyI6.c2ln"
    text = (
        f"failed for {token}: https://a.blob.core.windows.net/c/b?sv=2023-08-03&se=x"
        "&SIG=abc%2Bdef&sp=r then sig=xyz \u202e\n"
    )
    shown = shown_line(text, [token, ""])
    assert token not in shown
    assert "abc" not in shown
    assert "xyz" not in shown
    assert "SIG=***&sp=r" in shown
    assert "\\u202e\\u000a" in shown


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=4), st.text(), st.text())
def test_redact_never_leaves_the_secret(secret: str, before: str, after: str) -> None:
    shown = shown_line(before + secret + after, [secret])
    if secret not in shown:
        return
    # Only possible when redaction itself re-creates the secret from the surroundings
    # (e.g. the secret is "***"); nothing of the original is left then.
    assert set(secret) <= set("*\\u0123456789abcdef")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"ok": False, "signed_download_url": "", "matched_key": ""}, None),
        ({}, None),  # protojson without EmitUnpopulated leaves ok=false out
        (
            {"ok": True, "signed_download_url": "https://b/c?sig=1", "matched_key": "k"},
            ("k", "https://b/c?sig=1"),
        ),
        ({"ok": True, "signedDownloadUrl": "http://b/c", "matchedKey": "k2"}, ("k2", "http://b/c")),
    ],
)
def test_parse_download(body: dict[str, Any], found: tuple[str, str] | None) -> None:
    assert parse_download(body) == found


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"ok": "true"}, "ok is not true or false"),
        ({"ok": True, "matched_key": "k"}, "signed_download_url is not an http(s) URL"),
        (
            {"ok": True, "matched_key": "", "signed_download_url": "http://b"},
            "matched_key is empty",
        ),
        ({"ok": True, "matched_key": 1, "signed_download_url": "http://b"}, "not a string"),
        ({"ok": True, "matched_key": "k", "signed_download_url": "http://[::1"}, "not a URL"),
        ({"ok": True, "matched_key": "k", "signed_download_url": "file:///etc/passwd"}, "http(s)"),
    ],
)
def test_malformed_download_answers(body: dict[str, Any], error: str) -> None:
    with pytest.raises(MalformedAnswer, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse_download(body)


def test_parse_create_and_finalize() -> None:
    assert parse_create({"ok": True, "signed_upload_url": "https://b/c?sig=s", "message": ""}) == (
        CreateAnswer(True, "https://b/c?sig=s", "")
    )
    assert parse_create({"ok": False, "message": "no writable scopes"}) == CreateAnswer(
        False, "", "no writable scopes"
    )
    assert parse_finalize({"ok": True, "entry_id": "123", "message": ""}) == FinalizeAnswer(
        True, 123, ""
    )
    assert parse_finalize({"ok": True, "entryId": 7}) == FinalizeAnswer(True, 7, "")
    with pytest.raises(MalformedAnswer):
        parse_finalize({"ok": True, "entry_id": "12.5"})
    with pytest.raises(MalformedAnswer):
        parse_create({"ok": True, "signed_upload_url": None})


def test_twirp_errors_and_retry_after() -> None:
    assert twirp_error({"code": "already_exists", "msg": "m"}) == ("already_exists", "m")
    assert twirp_error("<html>") == ("", "")
    assert twirp_error({"code": 5}) == ("", "")
    assert retry_after("7") == 7.0
    assert retry_after(" 0 ") == 0.0
    assert retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert retry_after("-1") is None
    assert retry_after(None) is None


def test_block_ids_follow_azures_rules() -> None:
    ids = block_ids("0123456789abcdef0123456789abcdef", 1200)
    decoded = [base64.b64decode(i) for i in ids]
    assert len(set(ids)) == 1200
    assert {len(d) for d in decoded} == {len(decoded[0])}  # one length for all
    assert len(decoded[0]) <= 64
    root = ET.fromstring(block_list_xml(ids[:3]))
    assert root.tag == "BlockList"
    assert [(e.tag, e.text) for e in root] == [("Latest", i) for i in ids[:3]]


@pytest.mark.parametrize(
    ("size", "block", "plan"),
    [
        (10, 4, [(0, 4), (4, 4), (8, 2)]),
        (8, 4, [(0, 4), (4, 4)]),
        (0, 4, []),
    ],
)
def test_blocks(size: int, block: int, plan: list[tuple[int, int]]) -> None:
    assert blocks(size, block) == plan


def test_azure_error_code_and_host() -> None:
    body = b'<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>x</Message>'
    assert azure_error_code(body) == "AuthenticationFailed"
    assert azure_error_code(b"not xml") == ""
    assert host_of("https://user:pw@acct.blob.core.windows.net:443/c/b?sig=x") == (
        "acct.blob.core.windows.net:443"
    )
    assert host_of("http://[::1") == "?"


# -- the retry loop (no network: attempts are plain functions) --------------------------


class Script:
    """Attempts that fail as scripted, then succeed."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def transport(**limits: Any) -> tuple[Transport, list[float]]:
    sleeps: list[float] = []
    return Transport(requests.Session(), Limits(**limits), sleeps.append), sleeps


def test_backoff_doubles_and_retry_after_wins() -> None:
    t, sleeps = transport()
    script = Script(Transient("a"), Transient("b", wait=3.0), Transient("c"))
    assert t.retrying("op", script) == "done"
    assert sleeps == [1.0, 3.0, 4.0]
    assert t.slept == 8.0


def test_attempts_are_bounded() -> None:
    t, sleeps = transport(attempts=3)
    script = Script(*[Transient("HTTP 503")] * 5)
    with pytest.raises(GiveUp, match=r"HTTP 503 \(3 attempts\)"):
        t.retrying("op", script)
    assert script.calls == 3
    assert sleeps == [1.0, 2.0]


def test_a_long_retry_after_gives_up_without_waiting() -> None:
    t, sleeps = transport(retry_after_cap=10.0)
    with pytest.raises(GiveUp, match="asked to retry after 11 s"):
        t.retrying("op", Script(Transient("429", wait=11.0)))
    assert sleeps == []


def test_the_budget_is_shared_by_every_call() -> None:
    t, sleeps = transport(sleep_budget=5.0)
    assert t.retrying("one", Script(Transient("x", wait=3.0))) == "done"
    with pytest.raises(GiveUp, match="5 s for retries is used up"):
        t.retrying("two", Script(Transient("y", wait=3.0)))
    assert sleeps == [3.0]


def test_give_up_is_not_retried() -> None:
    t, sleeps = transport()
    script = Script(GiveUp("refused"))
    with pytest.raises(GiveUp, match="refused"):
        t.retrying("op", script)
    assert (script.calls, sleeps) == (1, [])
