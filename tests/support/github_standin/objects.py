"""Render stored records as the JSON objects GitHub's REST API returns.

Each renderer sets the fields that carry meaning (ids, names, URLs, bodies, states) the
way GitHub does, then :func:`complete` fills every other *required* property from the
OpenAPI schema with a typed placeholder, so responses always satisfy the description
without hand-listing its 80-odd required repository fields. ``*_url`` placeholders
follow GitHub's pattern ``<object url>/<name>``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from .spec import Spec
from .state import Comment, Repo

WEB = "https://github.com"
EPOCH = "2011-01-26T19:01:12Z"

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


def _placeholder(spec: Spec, schema: dict[str, Any], name: str, url_base: str) -> Any:
    schema = spec.resolve(schema)
    if schema.get("nullable"):
        return None
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _placeholder(spec, schema[key][0], name, url_base)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        return complete(spec, schema, {}, f"{url_base}/{name}")
    if kind == "string":
        if schema.get("format") == "date-time":
            return EPOCH
        if name.endswith("_url") or schema.get("format") == "uri":
            return f"{url_base}/{name.removesuffix('_url')}"
        return ""
    return {"array": [], "integer": 0, "number": 0, "boolean": False}.get(str(kind))


def complete(spec: Spec, schema: dict[str, Any], obj: dict[str, Any], url_base: str) -> Any:
    """Fill the required properties ``obj`` lacks (recursively) from ``schema``."""
    schema = spec.resolve(schema)
    for part in schema.get("allOf", []):
        complete(spec, part, obj, url_base)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [spec.resolve(s) for s in schema[key]]
            fits = [s for s in options if set(s.get("required", [])) <= obj.keys()]
            complete(spec, (fits or options)[0], obj, url_base)
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in obj:
            obj[name] = _placeholder(spec, properties.get(name, {}), name, url_base)
    for name, value in obj.items():
        if name in properties and isinstance(value, dict):
            complete(spec, properties[name], value, f"{url_base}/{name}")
    return obj


def user(spec: Spec, api: str, login: str, kind: str | None = None) -> dict[str, Any]:
    """Render a simple-user (``[bot]`` logins are Bots)."""
    number = stable_id(login)
    kind = kind or ("Bot" if login.endswith("[bot]") else "User")
    obj = {
        "login": login, "id": number, "node_id": node_id("U", number), "type": kind,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "", "url": f"{api}/users/{login}", "html_url": f"{WEB}/{login}",
        "site_admin": False, "user_view_type": "public",
    }
    return complete(spec, spec.schema("simple-user"), obj, f"{api}/users/{login}")  # type: ignore[no-any-return]


def license_object(spdx: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """Expand an SPDX id into GitHub's license-simple object."""
    if spdx is None or isinstance(spdx, dict):
        return spdx
    key = spdx.lower() if spdx in LICENSE_NAMES else "other"
    return {
        "key": key, "name": LICENSE_NAMES.get(spdx, "Other"), "spdx_id": spdx,
        "url": None if key == "other" else f"https://api.github.com/licenses/{key}",
        "node_id": node_id("MDc6TGljZW5zZ", stable_id(spdx)),
    }


def repository(spec: Spec, api: str, repo: Repo, schema: str = "full-repository") -> Any:
    """Render a seeded repository (``fields`` override the defaults)."""
    full, url = f"{repo.owner}/{repo.name}", f"{api}/repos/{repo.owner}/{repo.name}"
    fields = dict(repo.fields)
    private = bool(fields.get("private", False))
    obj: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("R", repo.id), "name": repo.name, "full_name": full,
        "owner": user(spec, api, repo.owner, fields.pop("owner_type", None)),
        "private": private, "visibility": "private" if private else "public",
        "html_url": f"{WEB}/{full}", "url": url, "description": None, "fork": False,
        "clone_url": f"{WEB}/{full}.git", "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git", "svn_url": f"{WEB}/{full}",
        "mirror_url": None, "homepage": None, "language": None, "default_branch": "main",
        "topics": [], "archived": False, "disabled": False, "is_template": False,
        "has_issues": True, "has_projects": True, "has_wiki": True, "has_pages": False,
        "has_downloads": True, "has_discussions": False, "created_at": EPOCH,
        "updated_at": EPOCH, "pushed_at": EPOCH, "license": None,
    }
    obj.update(fields)
    obj["license"] = license_object(obj["license"])
    return complete(spec, spec.schema(schema), obj, url)


def pull_request(spec: Spec, api: str, repo: Repo, pull: dict[str, Any]) -> Any:
    """Render a seeded pull request; ``head_repo`` ("owner/name") makes it a fork's PR."""
    number, url = int(pull["number"]), f"{api}/repos/{repo.owner}/{repo.name}"
    head_owner, _, head_name = str(pull.get("head_repo", f"{repo.owner}/{repo.name}")).partition("/")
    head_repo = repo if (head_owner, head_name) == (repo.owner, repo.name) else Repo(
        head_owner, head_name, stable_id(f"{head_owner}/{head_name}"), {"fork": True})
    author = user(spec, api, str(pull.get("user", head_owner)))
    ends = {}
    for end, owner_repo in (("head", head_repo), ("base", repo)):
        ref = str(pull.get(f"{end}_ref", "feature" if end == "head" else "main"))
        ends[end] = {
            "label": f"{owner_repo.owner}:{ref}", "ref": ref,
            "sha": pull.get(f"{end}_sha", ("1" if end == "head" else "0") * 40),
            "user": user(spec, api, owner_repo.owner),
            "repo": repository(spec, api, owner_repo, "repository"),
        }
    html = f"{WEB}/{repo.owner}/{repo.name}/pull/{number}"
    links = {"self": f"{url}/pulls/{number}", "html": html, "issue": f"{url}/issues/{number}",
             "comments": f"{url}/issues/{number}/comments",
             "review_comments": f"{url}/pulls/{number}/comments",
             "review_comment": f"{url}/pulls/comments{{/number}}",
             "commits": f"{url}/pulls/{number}/commits",
             "statuses": f"{url}/statuses/{ends['head']['sha']}"}
    obj: dict[str, Any] = {
        "id": pull["id"], "node_id": node_id("PR", pull["id"]), "number": number,
        "url": links["self"], "html_url": html, "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch", "issue_url": links["issue"],
        "comments_url": links["comments"], "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"], "statuses_url": links["statuses"],
        "_links": {k: {"href": v} for k, v in links.items()},
        "state": pull.get("state", "open"), "title": pull.get("title", f"Pull request {number}"),
        "body": pull.get("body"), "user": author, "draft": bool(pull.get("draft", False)),
        "head": ends["head"], "base": ends["base"], "created_at": EPOCH, "updated_at": EPOCH,
        "closed_at": None, "merged_at": None, "merge_commit_sha": pull.get("merge_commit_sha"),
        "assignee": None, "assignees": [], "labels": [], "milestone": None,
        "requested_reviewers": [], "requested_teams": [], "auto_merge": None,
        "author_association": "CONTRIBUTOR", "merged": False, "mergeable": None,
        "mergeable_state": "unknown", "merged_by": None, "maintainer_can_modify": False,
        "comments": 0, "review_comments": 0, "commits": 1, "additions": 1, "deletions": 0,
        "changed_files": 1, "locked": False, "active_lock_reason": None,
    }
    return complete(spec, spec.schema("pull-request"), obj, url)


def issue(spec: Spec, api: str, repo: Repo, number: int, comments: int) -> Any:
    """Render an issue; a pull request's issue carries the ``pull_request`` key."""
    url = f"{api}/repos/{repo.owner}/{repo.name}"
    record = repo.pulls.get(number) or repo.issues[number]
    kind = "pull" if number in repo.pulls else "issues"
    obj: dict[str, Any] = {
        "id": record["id"], "node_id": node_id("I", record["id"]), "number": number,
        "url": f"{url}/issues/{number}", "repository_url": url,
        "html_url": f"{WEB}/{repo.owner}/{repo.name}/{kind}/{number}",
        "title": record.get("title", f"Issue {number}"), "body": record.get("body"),
        "state": record.get("state", "open"), "comments": comments, "locked": False,
        "user": user(spec, api, str(record.get("user", repo.owner))), "labels": [],
        "assignee": None, "milestone": None, "closed_at": None, "created_at": EPOCH,
        "updated_at": EPOCH, "author_association": "OWNER",
    }
    if kind == "pull":
        obj["pull_request"] = {"url": f"{url}/pulls/{number}", "html_url": obj["html_url"],
                               "diff_url": obj["html_url"] + ".diff",
                               "patch_url": obj["html_url"] + ".patch"}
    return complete(spec, spec.schema("issue"), obj, f"{url}/issues/{number}")


def comment(spec: Spec, api: str, repo: Repo, record: Comment) -> Any:
    """Render an issue comment."""
    url = f"{api}/repos/{record.owner}/{record.repo}"
    kind = "pull" if record.issue_number in repo.pulls else "issues"
    author = user(spec, api, record.user)
    obj = {
        "id": record.id, "node_id": node_id("IC", record.id), "body": record.body,
        "url": f"{url}/issues/comments/{record.id}", "issue_url": f"{url}/issues/{record.issue_number}",
        "html_url": f"{WEB}/{record.owner}/{record.repo}/{kind}/{record.issue_number}"
                    f"#issuecomment-{record.id}",
        "user": author, "created_at": record.created_at, "updated_at": record.updated_at,
        "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
        "performed_via_github_app": None,
    }
    return complete(spec, spec.schema("issue-comment"), obj, obj["url"])
