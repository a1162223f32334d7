"""A stand-in for the slice of GitHub's REST API that Slipway uses, for tests.

It is a local HTTP server with state, validating every request and response against
GitHub's official OpenAPI description (fetched by ``scripts/fetch-github-fixtures``).
In tests use the ``github`` fixture of :mod:`tests.support.pytest_github`; from other
processes run it standalone::

    python -m tests.support.github_standin --port 0 --seed seed.json --state-out state.json

Seed JSON format (every key optional)::

    {
      "tokens": {"ghs_write": "write", "ghs_fork": "read"},
      "repos": [{
        "owner": "octo-org", "name": "hello",
        "description": "...", "license": "MIT", "topics": ["docker"], "private": false,
        "default_branch": "main",                  # any full-repository field overlays
        "tags": [{"name": "v1.0.0", "sha": "<40 hex>"}],
        "releases": [{"tag_name": "v1.0.0", "prerelease": false}],
        "pulls": [{"number": 7, "head_ref": "feature", "head_sha": "<40 hex>",
                   "base_ref": "main", "head_repo": "fork-owner/hello"}],
        "issues": [{"number": 3, "title": "..."}],
        "comments": [{"issue_number": 7, "body": "...", "user": "someone"}]
      }],
      "faults": [{"method": "POST", "path_regex": "/comments$", "status": 502,
                  "headers": {}, "body": null, "times": 1}]
    }

``tokens`` may also be a list of ``{"token", "permission", "login", "scopes"}`` (login
defaults to ``github-actions[bot]``, the author of comments posted with it; ``scopes``
names permissions granted by name, ``{"attestations": "write"}`` to store attestations).
"""

from __future__ import annotations

from .cache import MissingFixturesError
from .server import StandIn, Tamper
from .spec import Spec, load_spec
from .state import Attestation, CheckRun, Comment, Fault, RequestRecord, SarifUpload, State
from .validation import Violation

__all__ = [
    "Attestation",
    "CheckRun",
    "Comment",
    "Fault",
    "MissingFixturesError",
    "RequestRecord",
    "SarifUpload",
    "Spec",
    "StandIn",
    "State",
    "Tamper",
    "Violation",
    "load_spec",
]
