"""slipway.cache.config: whether the cache service v2 is there, and what a run may do with it.

The environments are what actions/runner's ContainerActionHandler hands a container action;
GHES detection is actions/toolkit config.ts ``isGhes``; tokens are JWTs with the ``ac``
claim go-actions-cache reads (made by the stand-in's ``make_runtime_token``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slipway.cache.config import (
    MODE_NONE,
    READS_OFF_MODE,
    READS_OFF_SCOPE,
    SAVES_OFF_MODE,
    SAVES_OFF_SCOPE,
    Mode,
    TokenAccess,
    is_ghes,
    parse_mode,
    server_host,
    service_config,
    token_access,
)
from tests.support.gha_cache.tokens import READ, WRITE, Scope, make_runtime_token

RESULTS = "https://results-receiver.actions.githubusercontent.com/"
RW = make_runtime_token((Scope("refs/heads/main", READ | WRITE),))
READ_ONLY = make_runtime_token((Scope("refs/pull/7/merge", READ), Scope("refs/heads/main", READ)))
WRITE_ONLY = make_runtime_token((Scope("refs/heads/main", WRITE),))
NO_SCOPES = make_runtime_token(())
# A fork's pull request: read the PR ref and the base branch, write nothing.
MIXED = make_runtime_token((Scope("refs/heads/main", READ), Scope("refs/heads/dev", WRITE)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


HEADER = b64(b'{"alg":"none"}')


def jwt(claims: Any) -> str:
    """An unsigned compact JWT with these claims (JSON-encoded unless already bytes)."""
    payload = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    return f"{HEADER}.{b64(payload)}.sig"


def runner(**overrides: str | None) -> dict[str, str]:
    """A container action's environment on github.com, with overrides (None: unset)."""
    env = {
        "ACTIONS_RESULTS_URL": RESULTS,
        "ACTIONS_RUNTIME_TOKEN": RW,
        "ACTIONS_CACHE_URL": "https://acghubeus1.actions.githubusercontent.com/xyz/",
        "ACTIONS_RUNTIME_URL": "https://pipelines.actions.githubusercontent.com/xyz/",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_ACTIONS": "true",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


# -- usable: (id, environment, can_read, can_write, mode) -------------------------------
USABLE = [
    ("github.com", runner(), True, True, Mode.WRITE),
    ("no-server-url-means-github.com", runner(GITHUB_SERVER_URL=None), True, True, Mode.WRITE),
    ("empty-server-url-means-github.com", runner(GITHUB_SERVER_URL=""), True, True, Mode.WRITE),
    ("ghe.com", runner(GITHUB_SERVER_URL="https://octo.ghe.com"), True, True, Mode.WRITE),
    ("upper-case-host", runner(GITHUB_SERVER_URL="https://GitHub.COM/"), True, True, Mode.WRITE),
    (
        "dev-localhost",
        runner(GITHUB_SERVER_URL="http://github.localhost:3000"),
        True,
        True,
        Mode.WRITE,
    ),
    (
        "full-width-github.com",
        runner(GITHUB_SERVER_URL="https://\uff47\uff49\uff54\uff48\uff55\uff42.com"),
        True,
        True,
        Mode.WRITE,
    ),
    ("mode-write", runner(ACTIONS_CACHE_MODE="write"), True, True, Mode.WRITE),
    ("mode-empty", runner(ACTIONS_CACHE_MODE=""), True, True, Mode.WRITE),
    (
        "mode-case-and-spaces",
        runner(ACTIONS_CACHE_MODE=" Write-Only\n"),
        False,
        True,
        Mode.WRITE_ONLY,
    ),
    ("mode-read", runner(ACTIONS_CACHE_MODE="read"), True, False, Mode.READ),
    ("mode-write-only", runner(ACTIONS_CACHE_MODE="write-only"), False, True, Mode.WRITE_ONLY),
    ("token-read-only", runner(ACTIONS_RUNTIME_TOKEN=READ_ONLY), True, False, Mode.WRITE),
    ("token-write-only", runner(ACTIONS_RUNTIME_TOKEN=WRITE_ONLY), False, True, Mode.WRITE),
    ("token-mixed-scopes", runner(ACTIONS_RUNTIME_TOKEN=MIXED), True, True, Mode.WRITE),
    (
        "token-read-only-mode-read",
        runner(ACTIONS_RUNTIME_TOKEN=READ_ONLY, ACTIONS_CACHE_MODE="read"),
        True,
        False,
        Mode.READ,
    ),
    # Tokens Slipway cannot read are used as they are: the service decides.
    ("token-not-a-jwt", runner(ACTIONS_RUNTIME_TOKEN="ghs_opaque"), True, True, Mode.WRITE),
    ("token-bad-base64", runner(ACTIONS_RUNTIME_TOKEN="a.!!!.c"), True, True, Mode.WRITE),
    ("token-claims-not-json", runner(ACTIONS_RUNTIME_TOKEN=jwt(b"{nope")), True, True, Mode.WRITE),
    ("token-claims-a-list", runner(ACTIONS_RUNTIME_TOKEN=jwt([1, 2])), True, True, Mode.WRITE),
    ("token-without-ac", runner(ACTIONS_RUNTIME_TOKEN=jwt({"exp": 1})), True, True, Mode.WRITE),
    ("token-ac-not-json", runner(ACTIONS_RUNTIME_TOKEN=jwt({"ac": "[{"})), True, True, Mode.WRITE),
    (
        "token-ac-odd-entries",
        runner(ACTIONS_RUNTIME_TOKEN=jwt({"ac": '[{"Permission": true}, 3]'})),
        True,
        True,
        Mode.WRITE,
    ),
    (
        "token-ac-a-list",
        runner(ACTIONS_RUNTIME_TOKEN=jwt({"ac": [{"Scope": "x", "Permission": 1}]})),
        True,
        False,
        Mode.WRITE,
    ),
    (
        "token-permission-digits",
        runner(ACTIONS_RUNTIME_TOKEN=jwt({"ac": '[{"Permission": "2"}]'})),
        False,
        True,
        Mode.WRITE,
    ),
]


@pytest.mark.parametrize(
    ("env", "can_read", "can_write", "mode"), [pytest.param(*c[1:], id=c[0]) for c in USABLE]
)
def test_usable_environments(
    env: dict[str, str], can_read: bool, can_write: bool, mode: Mode
) -> None:
    config, why_not = service_config(env)
    assert why_not == ""
    assert config is not None
    assert (config.results_url, config.token) == (RESULTS, env["ACTIONS_RUNTIME_TOKEN"])
    assert (config.can_read, config.can_write, config.mode) == (can_read, can_write, mode)
    assert bool(config.reads_off) is not can_read
    assert bool(config.saves_off) is not can_write


def test_why_reads_and_saves_are_off() -> None:
    read_mode, _ = service_config(runner(ACTIONS_CACHE_MODE="read"))
    assert read_mode is not None
    assert read_mode.saves_off == SAVES_OFF_MODE
    fork, _ = service_config(runner(ACTIONS_RUNTIME_TOKEN=READ_ONLY))
    assert fork is not None
    assert fork.saves_off == SAVES_OFF_SCOPE
    assert "pull request from a fork" in fork.saves_off
    write_only, _ = service_config(runner(ACTIONS_CACHE_MODE="write-only"))
    assert write_only is not None
    assert write_only.reads_off == READS_OFF_MODE
    blind, _ = service_config(runner(ACTIONS_RUNTIME_TOKEN=WRITE_ONLY))
    assert blind is not None
    assert blind.reads_off == READS_OFF_SCOPE


# -- not usable: (id, environment, words the one sentence must contain) ------------------
UNUSABLE = [
    ("laptop", {}, ["ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN not set"]),
    ("no-results-url", runner(ACTIONS_RESULTS_URL=None), ["ACTIONS_RESULTS_URL not set"]),
    ("empty-results-url", runner(ACTIONS_RESULTS_URL=""), ["ACTIONS_RESULTS_URL not set"]),
    ("no-token", runner(ACTIONS_RUNTIME_TOKEN=None), ["ACTIONS_RUNTIME_TOKEN not set"]),
    (
        "ghes",
        runner(GITHUB_SERVER_URL="https://github.example.com"),
        ["'github.example.com' is GitHub Enterprise Server", "starts cold"],
    ),
    ("ghes-ip", runner(GITHUB_SERVER_URL="http://10.0.0.5"), ["Enterprise Server"]),
    (
        "ghes-lookalike",
        runner(GITHUB_SERVER_URL="https://github.com.example.org"),
        ["Enterprise Server"],
    ),
    ("ghes-ghe.com-lookalike", runner(GITHUB_SERVER_URL="https://ghe.com"), ["Enterprise Server"]),
    # config.ts: only hosts *ending* in .localhost are not GHES; localhost itself is.
    ("plain-localhost", runner(GITHUB_SERVER_URL="http://localhost:8080"), ["Enterprise Server"]),
    ("server-url-unreadable", runner(GITHUB_SERVER_URL="http://[::1"), ["cannot tell"]),
    ("server-url-no-host", runner(GITHUB_SERVER_URL="github.com"), ["cannot tell"]),
    ("mode-none", runner(ACTIONS_CACHE_MODE="none"), [MODE_NONE]),
    ("mode-none-upper", runner(ACTIONS_CACHE_MODE="NONE"), [MODE_NONE]),
    (
        "mode-unknown",
        runner(ACTIONS_CACHE_MODE="readonly"),
        ["ACTIONS_CACHE_MODE is 'readonly'", "treats it as none"],
    ),
    ("mode-cyrillic-a", runner(ACTIONS_CACHE_MODE="re\u0430d"), ["'re\\u0430d'", "as none"]),
    ("mode-zero-width", runner(ACTIONS_CACHE_MODE="read\u200b"), ["'read\\u200b'"]),
    ("mode-full-width", runner(ACTIONS_CACHE_MODE="\uff52\uff45\uff41\uff44"), ["as none"]),
    ("mode-rtl-override", runner(ACTIONS_CACHE_MODE="\u202eread"), ["'\\u202eread'"]),
    ("mode-newline-inside", runner(ACTIONS_CACHE_MODE="re\nad"), ["'re\\nad'"]),
    ("mode-long", runner(ACTIONS_CACHE_MODE="x" * 500), ["'" + "x" * 40 + "...'"]),
    ("results-url-not-http", runner(ACTIONS_RESULTS_URL="ftp://results/"), ["not an http(s) URL"]),
    ("results-url-garbage", runner(ACTIONS_RESULTS_URL="results"), ["not an http(s) URL"]),
    (
        "token-no-scopes",
        runner(ACTIONS_RUNTIME_TOKEN=NO_SCOPES),
        [READS_OFF_SCOPE, SAVES_OFF_SCOPE],
    ),
    (
        "read-mode-write-only-token",
        runner(ACTIONS_CACHE_MODE="read", ACTIONS_RUNTIME_TOKEN=WRITE_ONLY),
        [READS_OFF_SCOPE, SAVES_OFF_MODE],
    ),
    (
        "write-only-mode-read-only-token",
        runner(ACTIONS_CACHE_MODE="write-only", ACTIONS_RUNTIME_TOKEN=READ_ONLY),
        [READS_OFF_MODE, SAVES_OFF_SCOPE],
    ),
]


@pytest.mark.parametrize(("env", "words"), [pytest.param(*c[1:], id=c[0]) for c in UNUSABLE])
def test_unusable_environments_say_why_in_one_sentence(
    env: dict[str, str], words: list[str]
) -> None:
    config, why_not = service_config(env)
    assert config is None
    for word in words:
        assert word in why_not
    assert why_not.startswith("No cache service: ")
    assert why_not.endswith(".")
    assert "\n" not in why_not
    assert len(why_not) < 300


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, Mode.WRITE),
        ("read", Mode.READ),
        ("write", Mode.WRITE),
        ("write-only", Mode.WRITE_ONLY),
        ("none", Mode.NONE),
        ("\tREAD ", Mode.READ),
        ("write_only", None),
        ("r", None),
        ("İ", None),  # lower() of this is two code points; still not a mode
    ],
)
def test_parse_mode(value: str | None, mode: Mode | None) -> None:
    assert parse_mode(value or "") is mode


@pytest.mark.parametrize(
    ("url", "host", "ghes"),
    [
        ("https://github.com", "github.com", False),
        ("https://api.github.com", "api.github.com", True),  # the API host is not the server
        ("https://tenant.ghe.com/", "tenant.ghe.com", False),
        ("https://TENANT.GHE.COM", "tenant.ghe.com", False),
        ("http://x.localhost", "x.localhost", False),
        ("https://user:pw@github.com:443/path?q", "github.com", False),
        ("https://ghes.corp.example", "ghes.corp.example", True),
    ],
)
def test_server_host_and_ghes(url: str, host: str, ghes: bool) -> None:
    assert server_host(url) == host
    assert is_ghes(host) is ghes


@pytest.mark.parametrize(
    ("token", "access"),
    [
        (RW, TokenAccess(readable=True, writable=True)),
        (READ_ONLY, TokenAccess(readable=True, writable=False)),
        (WRITE_ONLY, TokenAccess(readable=False, writable=True)),
        (MIXED, TokenAccess(readable=True, writable=True)),
        (NO_SCOPES, TokenAccess(readable=False, writable=False)),
        ("", None),
        ("a.b", None),
        ("a.b.c.d", None),
        (jwt({"ac": None}), None),
        (jwt({"ac": '{"Scope": "x"}'}), None),
        (jwt({"ac": '[{"Permission": "99999999999999999999"}]'}), None),
        (jwt({"ac": '[{"Permission": 1}, {"Permission": "x"}]'}), TokenAccess(True, False)),
    ],
)
def test_token_access(token: str, access: TokenAccess | None) -> None:
    assert token_access(token) == access


# -- generated environments --------------------------------------------------------------
NAMES = [
    "ACTIONS_RESULTS_URL",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_CACHE_MODE",
    "GITHUB_SERVER_URL",
    "ACTIONS_CACHE_URL",
]
URLISH = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "https", "ftp", ""]),
        st.one_of(
            st.sampled_from(["github.com", "x.ghe.com", "a.localhost", "[::1", "[::1]", ""]),
            st.text(min_size=1, max_size=20),
        ),
        st.text(max_size=10),
    ),
)
CLAIMS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
TOKENS = st.one_of(
    st.text(max_size=60),
    st.builds(lambda c: jwt({"ac": c}), CLAIMS),
    st.builds(lambda c: jwt({"ac": json.dumps(c)}), CLAIMS),
    st.builds(jwt, st.binary(max_size=40)),
    st.builds(".".join, st.lists(st.text(max_size=12), max_size=5)),
)
VALUES = {
    "ACTIONS_RESULTS_URL": URLISH,
    "GITHUB_SERVER_URL": URLISH,
    "ACTIONS_CACHE_URL": URLISH,
    "ACTIONS_RUNTIME_TOKEN": TOKENS,
    "ACTIONS_CACHE_MODE": st.one_of(
        st.sampled_from(["read", "write", "write-only", "none", "", " READ "]), st.text(max_size=12)
    ),
}
ENVIRONMENTS = st.fixed_dictionaries({}, optional={name: VALUES[name] for name in NAMES})


@settings(max_examples=400, deadline=None)
@given(ENVIRONMENTS)
def test_no_environment_makes_it_raise(env: dict[str, str]) -> None:
    config, why_not = service_config(env)
    if config is None:
        assert why_not.startswith("No cache service: ")
        assert "\n" not in why_not
    else:
        assert why_not == ""
        assert config.results_url == env["ACTIONS_RESULTS_URL"]
        assert config.token == env["ACTIONS_RUNTIME_TOKEN"]
        assert config.can_read or config.can_write
        assert config.mode is not Mode.NONE
        assert "token=" not in repr(config)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=24, max_size=40), ENVIRONMENTS
)
def test_the_sentence_never_shows_the_token(token: str, env: dict[str, str]) -> None:
    assume(all(token not in value for value in env.values()))  # shown values may be shown
    _, why_not = service_config({**env, "ACTIONS_RUNTIME_TOKEN": token})
    assert token not in why_not


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=7), max_size=4))
def test_scopes_decide_reads_and_saves(permissions: list[int]) -> None:
    token = make_runtime_token(
        tuple(Scope(f"refs/heads/b{i}", p) for i, p in enumerate(permissions))
    )
    access = token_access(token)
    assert access == TokenAccess(
        readable=any(p & READ for p in permissions), writable=any(p & WRITE for p in permissions)
    )
