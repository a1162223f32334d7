"""GitHub's artifact attestations API: a Sigstore bundle stored for the repository
(``POST /repos/{owner}/{repo}/attestations`` with ``{"bundle": ...}``), where
``gh attestation verify`` finds it by the image's digest. Needs ``attestations: write``; a
refusal is a warning (the bundles are next to the image in the registry either way)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from github import GithubException

from slipway.core.context import Context
from slipway.github.client import Retrier, make_client, reason
from slipway.runner.workflow import Workflow

FORBIDDEN = (
    "could not store the signature with GitHub's attestations API ({reason}): give the job "
    "`permissions: attestations: write`"
)
FAILED = "could not store the signature with GitHub's attestations API ({reason})"


def store_bundle(
    workflow: Workflow,
    context: Context,
    *,
    token: str,
    bundle: Mapping[str, Any],
    retrier: Retrier,
) -> str:
    """Store ``bundle``; the attestation's id, or "" when GitHub refused (a warning)."""
    path = f"/repos/{context.repository}/attestations"
    try:
        with make_client(context.api_url, token) as client:
            _, data = retrier.call(
                lambda: client.requester.requestJsonAndCheck(
                    "POST", path, input={"bundle": dict(bundle)}
                )
            )
    except (GithubException, requests.RequestException) as error:
        forbidden = isinstance(error, GithubException) and error.status in (401, 403)
        workflow.warning((FORBIDDEN if forbidden else FAILED).format(reason=reason(error)))
        return ""
    found = data.get("id", "") if isinstance(data, dict) else ""
    workflow.info(f"stored the bundle with GitHub's attestations API (id {found})")
    return str(found)
