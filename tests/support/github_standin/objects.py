"""Render stored records as the JSON objects GitHub's REST API returns.

Renderers take the API base URL the client used (object ``url`` fields point back at
the stand-in, as GitHub's point at api.github.com) and set the fields that carry meaning;
:func:`.fill.complete` adds the remaining required ones. Issues, pull requests and
comments are in :mod:`.threads`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from .fill import EPOCH, complete
from .spec import Spec
from .state import CheckRun, Repo, SarifUpload

WEB = "https://github.com"

# Names GitHub shows for common SPDX ids; others fall back to the id.
LICENSE_NAMES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License 2.0",
    "GPL-3.0": "GNU General Public License v3.0",
    "BSD-3-Clause": 'BSD 3-Clause "New" or "Revised" License',
    "MPL-2.0": "Mozilla Public License 2.0",
}


def node_id(kind: str, number: int) -> str:
    """Return a GitHub-looking global node id."""
    return f"{kind}_" + base64.b64encode(f"{kind}{number}".encode()).decode().rstrip("=")


def stable_id(text: str) -> int:
    """Return a stable positive id for a name (users, apps)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:7], 16)


def user(spec: Spec, api: str, login: str, kind: str | None = None) -> dict[str, Any]:
    """Render a simple-user (``[bot]`` logins are Bots)."""
    number = stable_id(login)
    kind = kind or ("Bot" if login.endswith("[bot]") else "User")
    obj = {
        "login": login,
        "id": number,
        "node_id": node_id("U", number),
        "type": kind,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "",
        "url": f"{api}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "site_admin": False,
        "user_view_type": "public",
    }
    return complete(spec, spec.schema("simple-user"), obj, f"{api}/users/{login}")


def license_object(spdx: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """Expand an SPDX id into GitHub's license-simple object."""
    if spdx is None or isinstance(spdx, dict):
        return spdx
    key = spdx.lower() if spdx in LICENSE_NAMES else "other"
    return {
        "key": key,
        "name": LICENSE_NAMES.get(spdx, "Other"),
        "spdx_id": spdx,
        "url": None if key == "other" else f"https://api.github.com/licenses/{key}",
        "node_id": node_id("MDc6TGljZW5zZ", stable_id(spdx)),
    }


def repository(spec: Spec, api: str, repo: Repo, schema: str = "full-repository") -> Any:
    """Render a seeded repository (``fields`` override the defaults)."""
    full, url = f"{repo.owner}/{repo.name}", f"{api}/repos/{repo.owner}/{repo.name}"
    fields = dict(repo.fields)
    private = bool(fields.get("private", False))
    obj: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": full,
        "owner": user(spec, api, repo.owner, fields.pop("owner_type", None)),
        "private": private,
        "visibility": "private" if private else "public",
        "html_url": f"{WEB}/{full}",
        "url": url,
        "description": None,
        "fork": False,
        "clone_url": f"{WEB}/{full}.git",
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "svn_url": f"{WEB}/{full}",
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "default_branch": "main",
        "topics": [],
        "archived": False,
        "disabled": False,
        "is_template": False,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "pushed_at": EPOCH,
        "license": None,
    }
    obj.update(fields)
    obj["license"] = license_object(obj["license"])
    return complete(spec, spec.schema(schema), obj, url)


def tag(spec: Spec, api: str, repo: Repo, record: dict[str, Any]) -> Any:
    """Render a seeded tag (``{"name": ..., "sha": ...}``)."""
    url, name = f"{api}/repos/{repo.owner}/{repo.name}", str(record["name"])
    sha = str(record.get("sha", "0" * 40))
    obj = {
        "name": name,
        "node_id": node_id("REF", stable_id(name)),
        "commit": {"sha": sha, "url": f"{url}/commits/{sha}"},
        "zipball_url": f"{url}/zipball/refs/tags/{name}",
        "tarball_url": f"{url}/tarball/refs/tags/{name}",
    }
    return complete(spec, spec.schema("tag"), obj, url)


def commit(spec: Spec, api: str, repo: Repo, record: dict[str, Any]) -> Any:
    """Render a seeded commit (``{"sha", "date", "message"}``) as GET .../commits/{ref} does."""
    url, sha = f"{api}/repos/{repo.owner}/{repo.name}", str(record["sha"])
    person = {"name": "Octo Cat", "email": "octocat@example.test", "date": str(record["date"])}
    obj = {
        "sha": sha,
        "node_id": node_id("C", stable_id(sha)),
        "url": f"{url}/commits/{sha}",
        "commit": {
            "url": f"{url}/git/commits/{sha}",
            "author": dict(person),
            "committer": dict(person),
            "message": str(record.get("message", "")),
            "comment_count": 0,
            "tree": {"sha": "0" * 40, "url": f"{url}/git/trees/{'0' * 40}"},
        },
        "parents": [],
        "author": user(spec, api, "octocat"),
        "committer": user(spec, api, "octocat"),
    }
    return complete(spec, spec.schema("commit"), obj, url)


def release(spec: Spec, api: str, repo: Repo, record: dict[str, Any]) -> Any:
    """Render a seeded release; seed fields (``tag_name``, ``draft``...) override defaults."""
    full = f"{repo.owner}/{repo.name}"
    url = f"{api}/repos/{full}/releases/{record['id']}"
    tag_name = str(record["tag_name"])
    obj: dict[str, Any] = {
        "id": record["id"],
        "node_id": node_id("RE", record["id"]),
        "url": url,
        "html_url": f"{WEB}/{full}/releases/tag/{tag_name}",
        "assets_url": f"{url}/assets",
        "upload_url": f"https://uploads.github.com/repos/{full}/releases/{record['id']}"
        "/assets{?name,label}",
        "tarball_url": f"{api}/repos/{full}/tarball/{tag_name}",
        "zipball_url": f"{api}/repos/{full}/zipball/{tag_name}",
        "name": tag_name,
        "body": None,
        "target_commitish": "main",
        "draft": False,
        "prerelease": False,
        "created_at": EPOCH,
        "assets": [],
        "author": user(spec, api, str(record.get("author", repo.owner))),
    }
    obj.update({k: v for k, v in record.items() if k != "author"})
    obj.setdefault("published_at", None if obj["draft"] else EPOCH)
    return complete(spec, spec.schema("release"), obj, url)


def check_run(spec: Spec, api: str, record: CheckRun) -> Any:
    """Render a check run; ``conclusion`` implies ``completed`` as on GitHub."""
    full = f"{record.owner}/{record.repo}"
    url = f"{api}/repos/{full}/check-runs/{record.id}"
    fields = {k: v for k, v in record.fields.items() if k not in ("output", "actions")}
    output = record.fields.get("output", {})
    obj: dict[str, Any] = {
        "id": record.id,
        "node_id": node_id("CR", record.id),
        "url": url,
        "html_url": f"{WEB}/{full}/runs/{record.id}",
        "details_url": f"{WEB}/{full}/runs/{record.id}",
        "external_id": "",
        "status": "queued",
        "conclusion": None,
        "started_at": None,
        "completed_at": None,
        "check_suite": {"id": stable_id(f"{full}@{fields['head_sha']}")},
        "app": None,
        "pull_requests": [],
        "output": {
            "title": output.get("title"),
            "summary": output.get("summary"),
            "text": output.get("text"),
            "annotations_count": len(record.annotations),
            "annotations_url": f"{url}/annotations",
        },
    }
    obj.update(fields)
    return complete(spec, spec.schema("check-run"), obj, url)


def annotation(spec: Spec, record: CheckRun, given: dict[str, Any]) -> Any:
    """Render a stored annotation as check-annotation."""
    blob = f"{WEB}/{record.owner}/{record.repo}/blob/{record.fields['head_sha']}/{given['path']}"
    obj = {
        "start_column": None,
        "end_column": None,
        "title": None,
        "raw_details": None,
        "blob_href": blob,
        **given,
    }
    return complete(spec, spec.schema("check-annotation"), obj, blob)


def sarif_receipt(api: str, record: SarifUpload) -> dict[str, Any]:
    """Render the 202 answer to a SARIF upload."""
    return {
        "id": record.id,
        "url": f"{api}/repos/{record.owner}/{record.repo}/code-scanning/sarifs/{record.id}",
    }


def sarif_status(api: str, record: SarifUpload) -> dict[str, Any]:
    """Render a processed SARIF upload's status."""
    analyses = f"{api}/repos/{record.owner}/{record.repo}/code-scanning/analyses"
    return {
        "processing_status": "complete",
        "analyses_url": f"{analyses}?sarif_id={record.id}",
        "errors": None,
    }


def rate_limit(limit: int, used: int, reset: int) -> dict[str, Any]:
    """Render GET /rate_limit for one client."""
    core = {
        "limit": limit,
        "remaining": max(limit - used, 0),
        "reset": reset,
        "used": used,
        "resource": "core",
    }
    resources = {
        name: {**core, "used": 0, "remaining": limit, "resource": name}
        for name in ("search", "graphql", "integration_manifest", "code_scanning_upload")
    }
    return {"resources": {"core": core, **resources}, "rate": core}
