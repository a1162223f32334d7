"""``type=gha`` caches on GitHub, with nothing to add but the type (pure).

GitHub's cache service is v2 only (since 2025-04-15). buildx (0.21 and newer) fills a
``type=gha`` entry's missing attributes from its environment (``build/opt.go``,
``addGithubToken``): ``token`` from ``ACTIONS_RUNTIME_TOKEN``, ``url_v2`` from
``ACTIONS_RESULTS_URL`` when ``ACTIONS_CACHE_SERVICE_V2`` is true, ``url`` from
``ACTIONS_CACHE_URL``; and it silently drops an entry that ends up without a token or URL.
GitHub's runner gives a container action ``ACTIONS_RUNTIME_TOKEN``, ``ACTIONS_RESULTS_URL``
and ``ACTIONS_CACHE_URL`` but sets ``ACTIONS_CACHE_SERVICE_V2`` for JavaScript actions only
(``ContainerActionHandler.cs``). So Slipway:

* hands buildx exactly those variables (and ``ACTIONS_CACHE_SERVICE_V2=true`` when the
  results URL is there), through the environment of the build alone: the token is never in
  argv, and every other program runs without it;
* moves a ``token=`` the user wrote into that environment too;
* gives an entry without ``scope`` one per image and platform set, so the one-platform parts
  of a split build keep separate caches instead of overwriting each other's index
  (BuildKit's default scope, ``buildkit``, is shared by every build of the repository);
* refuses, before anything is built, a ``type=gha`` entry that would have no service to
  talk to (outside GitHub Actions, or a runner that passes no token/URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from slipway.buildx import attributes as buildx_csv
from slipway.errors import InputError
from slipway.oci.platforms import Platform
from slipway.oci.refs import ImageName

TOKEN = "ACTIONS_RUNTIME_TOKEN"  # noqa: S105 (a variable's name)
RESULTS_URL = "ACTIONS_RESULTS_URL"
CACHE_URL = "ACTIONS_CACHE_URL"
SERVICE_V2 = "ACTIONS_CACHE_SERVICE_V2"
NO_SERVICE_HINT = (
    "type=gha talks to GitHub's cache service, which a GitHub Actions job provides. Elsewhere "
    "give url_v2=... and token=... in the entry, or use type=registry,ref=... or "
    "type=local,dest=... instead."
)


def is_gha(entry: str) -> bool:
    """True for a ``type=gha`` cache entry."""
    return "=" in entry and dict(buildx_csv.attributes(entry)).get("type") == "gha"


def default_scope(images: Sequence[ImageName], platforms: Sequence[Platform]) -> str:
    """``<repository>[-<os>-<arch>[-<variant>]...]``: one cache per image and platform set."""
    base = images[0].repository if images else "buildkit"
    slugs = [re.sub(r"[^A-Za-z0-9]+", "-", str(p)) for p in platforms]
    return "-".join([base, *slugs])


def with_scope(entry: str, scope: str) -> str:
    """``entry`` with ``scope=`` added when it is a gha entry without one."""
    if not is_gha(entry):
        return entry
    pairs = buildx_csv.attributes(entry)
    if any(key == "scope" for key, _ in pairs):
        return entry
    return buildx_csv.render([*pairs, ("scope", scope)])


def split_token(entry: str) -> tuple[str, str]:
    """(``entry`` without ``token=``, the token): the token goes to buildx's environment."""
    if not is_gha(entry):
        return entry, ""
    pairs = buildx_csv.attributes(entry)
    tokens = [value for key, value in pairs if key == "token"]
    if not tokens:
        return entry, ""
    return buildx_csv.render([(k, v) for k, v in pairs if k != "token"]), tokens[-1]


def service_env(env: Mapping[str, str], token: str = "") -> dict[str, str]:
    """What buildx needs from the runner's environment for ``type=gha`` (``token``, one the
    user gave, wins over the runner's)."""
    found = {name: env[name] for name in (TOKEN, RESULTS_URL, CACHE_URL) if env.get(name)}
    if token:
        found[TOKEN] = token
    if found.get(RESULTS_URL):
        found[SERVICE_V2] = "true"
    return found


def check_service(name: str, entries: Sequence[str], env: Mapping[str, str]) -> None:
    """Refuse gha entries that would reach no cache service (buildx would drop them silently)."""
    for entry in entries:
        if not is_gha(entry):
            continue
        attrs = dict(buildx_csv.attributes(entry))
        has_token = bool(attrs.get("token") or env.get(TOKEN))
        has_url = bool(
            attrs.get("url") or attrs.get("url_v2") or env.get(RESULTS_URL) or env.get(CACHE_URL)
        )
        if not (has_token and has_url):
            missing = " and ".join(
                what for what, ok in ((TOKEN, has_token), (RESULTS_URL, has_url)) if not ok
            )
            raise InputError(
                name,
                f"type=gha has no cache service to talk to: {missing} is not set",
                NO_SERVICE_HINT,
            )


DEFAULT_MODE = "max"  # every stage's layers: a multi-stage build's builder stages are cached too
# How long BuildKit's client keeps retrying a rate-limited (429) call (go-actions-cache
# doWithRetries; BuildKit's default is 10 minutes): a cache that answers 429 costs the build
# at most this per call, then the build goes on without it.
DEFAULT_TIMEOUT = "30s"


def default_entries(
    cache_from: Sequence[str], cache_to: Sequence[str], *, can_read: bool, can_write: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The build cache when the user named none (`cache: true`, a cache service, a builder
    that exports caches): ``type=gha`` read where the token may read, written where it may
    write (a fork's pull request only reads). The per image and platform ``scope`` is added
    with the user's entries (`with_scope`); a failed export never fails the build
    (`tools.buildx` adds ``ignore-error=true``)."""
    if cache_from or cache_to:
        return tuple(cache_from), tuple(cache_to)
    return (
        (f"type=gha,timeout={DEFAULT_TIMEOUT}",) if can_read else (),
        (f"type=gha,mode={DEFAULT_MODE},timeout={DEFAULT_TIMEOUT}",) if can_write else (),
    )
