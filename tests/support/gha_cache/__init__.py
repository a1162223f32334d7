"""A stand-in for GitHub Actions' cache service v2, for tests, with blobs in Azurite.

The service is the Twirp JSON API ``github.actions.results.api.v1.CacheService`` that
BuildKit's ``type=gha`` cache talks to when it is given ``url_v2`` (go-actions-cache
``cache_v2.go``) and that actions/toolkit's cache package uses: ``CreateCacheEntry``,
``FinalizeCacheEntryUpload`` and ``GetCacheEntryDownloadURL`` under
``<ACTIONS_RESULTS_URL>/twirp/github.actions.results.api.v1.CacheService/``, with
``Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>``. Blobs travel between the client and
Azure Blob Storage directly, through service-SAS URLs the service signs; here that storage
is Azurite (``scripts/install-azurite``) and the SAS tokens are real, signed with the
well-known ``devstoreaccount1`` key, so Azurite checks them as Azure would.

Every request is validated (route, content type, token, message shape, needed fields);
refusals get a Twirp error and land in ``violations``. Typical use::

    with Azurite() as azurite, GhaCacheStandin(azurite.account_url) as cache:
        run_build(ACTIONS_RESULTS_URL=cache.url, ACTIONS_RUNTIME_TOKEN=cache.token)
        cache.assert_no_violations()
        assert cache.entries and cache.blobs()

Faults for tests that need the service to misbehave: ``cache.fail_next(method, status=429,
retry_after="1")``, ``drop=True``, ``fail_always``, ``stop()``; and with ``blob_front=True``,
``cache.blob_front.fail_next("get-blob", truncate=100)`` and the like (see ``server``).

From another process: ``python -m tests.support.gha_cache`` (see ``__main__``).
"""

from __future__ import annotations

from .azure import ACCOUNT, ACCOUNT_KEY, SAS_VERSION, BlobAccount, BlobInfo
from .azurite import Azurite, AzuriteUnavailableError, find_azurite_blob
from .blobfront import BlobFront, BlobRecord
from .faults import Fault, Faults
from .server import SERVICE, GhaCacheStandin
from .store import Entry, RequestRecord, Violation
from .tokens import READ, WRITE, Scope, make_runtime_token, token_scopes

__all__ = [
    "ACCOUNT",
    "ACCOUNT_KEY",
    "READ",
    "SAS_VERSION",
    "SERVICE",
    "WRITE",
    "Azurite",
    "AzuriteUnavailableError",
    "BlobAccount",
    "BlobFront",
    "BlobInfo",
    "BlobRecord",
    "Entry",
    "Fault",
    "Faults",
    "GhaCacheStandin",
    "RequestRecord",
    "Scope",
    "Violation",
    "find_azurite_blob",
    "make_runtime_token",
    "token_scopes",
]
