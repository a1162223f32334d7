"""The ``ACTIONS_*`` variables GitHub's runner gives every step of a job from its server
connection, as the launcher (tests/support/launcher.py) passes them.

The spec is actions/runner (read at 258d6c8, 2026-08-17),
``Runner.Worker/Handlers/ContainerActionHandler.cs`` (the same in
``NodeScriptActionHandler.cs``), after the step's ``env:`` and the contexts, so nothing
overrides them:

* ``ACTIONS_RUNTIME_URL``: the system connection's URL, or its ``PipelinesServiceUrl`` when
  the server sends one. Always set.
* ``ACTIONS_RUNTIME_TOKEN``: the connection's access token (the job's runtime token, a JWT
  whose ``ac`` claim lists the cache scopes). Always set.
* ``ACTIONS_CACHE_URL`` and ``ACTIONS_RESULTS_URL``: ``CacheServerUrl`` and
  ``ResultsServiceUrl``, each when the server sends it. github.com sends both to every job.
* ``ACTIONS_ID_TOKEN_REQUEST_URL``: ``GenerateIdTokenUrl``, which the server sends only to a
  job with ``permissions: id-token: write``; then ``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` is the
  *same* access token as ``ACTIONS_RUNTIME_TOKEN``.
* ``ACTIONS_CACHE_MODE``: the job variable ``actions_cache_mode`` when it is not empty (the
  runner's tests use ``read``, ``write``, ``write-only`` and ``none``).
* ``ACTIONS_ORCHESTRATION_ID`` sits behind a feature flag and is not modelled.

A test that gives no cache service still gets what github.com always gives, pointing at
:data:`REFUSED` (``127.0.0.1:9``, where nothing listens: in the action's container, in a
builder on the host's network and on the host alike, a connection is refused at once), and
a runtime token shaped as GitHub's (a JWT with cache scopes), so a client that checks the
token's shape (BuildKit's ``type=gha`` does) gets as far as it would on GitHub.
:meth:`Runtime.without_cache_service` is a server that sends no cache URLs at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

from tests.support.gha_cache.tokens import make_runtime_token

REFUSED = "http://127.0.0.1:9/"  # the discard port: nothing listens there on this machine


class CacheService(Protocol):
    """What a runtime needs of a cache service stand-in (``gha_cache.GhaCacheStandin``)."""

    @property
    def url(self) -> str:
        """The service's base URL (ends in ``/``)."""
        ...

    @property
    def token(self) -> str:
        """The runtime token the service takes."""
        ...


@dataclass(frozen=True)
class Runtime:
    """What the runner's server hands a job: URLs and the runtime token (see the module)."""

    runtime_url: str = REFUSED + "runtime/"
    token: str = field(default_factory=make_runtime_token, repr=False)
    results_url: str | None = REFUSED + "results/"
    cache_url: str | None = REFUSED + "cache/"
    id_token_url: str | None = None  # only for a job with `permissions: id-token: write`
    cache_mode: str | None = None

    @classmethod
    def for_cache(
        cls, cache: CacheService, *, id_token_url: str | None = None, cache_mode: str | None = None
    ) -> Runtime:
        """A runtime whose cache service is ``cache``: its URL for both the v2 results service
        and the v1 cache URL, its token as the runtime token."""
        return cls(
            token=cache.token,
            results_url=cache.url,
            cache_url=cache.url,
            id_token_url=id_token_url,
            cache_mode=cache_mode,
        )

    def without_cache_service(self) -> Runtime:
        """This runtime from a server that sends no ``CacheServerUrl`` nor
        ``ResultsServiceUrl``: the runner then sets neither variable."""
        return dataclasses.replace(self, results_url=None, cache_url=None)

    def with_id_token(self, url: str) -> Runtime:
        """This runtime for a job with ``id-token: write``, its token service at ``url``
        (the service must take :attr:`token` as the request token)."""
        return dataclasses.replace(self, id_token_url=url)

    def env(self) -> dict[str, str]:
        """The variables, as ContainerActionHandler sets them."""
        found = {"ACTIONS_RUNTIME_URL": self.runtime_url, "ACTIONS_RUNTIME_TOKEN": self.token}
        if self.cache_url:
            found["ACTIONS_CACHE_URL"] = self.cache_url
        if self.id_token_url:
            found["ACTIONS_ID_TOKEN_REQUEST_URL"] = self.id_token_url
            found["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = self.token
        if self.results_url:
            found["ACTIONS_RESULTS_URL"] = self.results_url
        if self.cache_mode:
            found["ACTIONS_CACHE_MODE"] = self.cache_mode
        return found
