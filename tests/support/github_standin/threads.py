"""Render issues, pull requests and issue comments as GitHub's REST API returns them."""

from __future__ import annotations

from typing import Any

from .fill import EPOCH, complete
from .objects import WEB, node_id, repository, stable_id, user
from .spec import Spec
from .state import Comment, Repo, ReviewComment


def pull_request(spec: Spec, api: str, repo: Repo, pull: dict[str, Any]) -> Any:
    """Render a seeded pull request; ``head_repo`` ("owner/name") makes it a fork's PR."""
    number, url = int(pull["number"]), f"{api}/repos/{repo.owner}/{repo.name}"
    head_owner, _, head_name = str(pull.get("head_repo", f"{repo.owner}/{repo.name}")).partition(
        "/"
    )
    head_repo = (
        repo
        if (head_owner, head_name) == (repo.owner, repo.name)
        else Repo(head_owner, head_name, stable_id(f"{head_owner}/{head_name}"), {"fork": True})
    )
    author = user(spec, api, str(pull.get("user", head_owner)))
    ends = {}
    for end, owner_repo in (("head", head_repo), ("base", repo)):
        ref = str(pull.get(f"{end}_ref", "feature" if end == "head" else "main"))
        ends[end] = {
            "label": f"{owner_repo.owner}:{ref}",
            "ref": ref,
            "sha": pull.get(f"{end}_sha", ("1" if end == "head" else "0") * 40),
            "user": user(spec, api, owner_repo.owner),
            "repo": repository(spec, api, owner_repo, "repository"),
        }
    html = f"{WEB}/{repo.owner}/{repo.name}/pull/{number}"
    links = {
        "self": f"{url}/pulls/{number}",
        "html": html,
        "issue": f"{url}/issues/{number}",
        "comments": f"{url}/issues/{number}/comments",
        "review_comments": f"{url}/pulls/{number}/comments",
        "review_comment": f"{url}/pulls/comments{{/number}}",
        "commits": f"{url}/pulls/{number}/commits",
        "statuses": f"{url}/statuses/{ends['head']['sha']}",
    }
    obj: dict[str, Any] = {
        "id": pull["id"],
        "node_id": node_id("PR", pull["id"]),
        "number": number,
        "url": links["self"],
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": links["issue"],
        "comments_url": links["comments"],
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "statuses_url": links["statuses"],
        "_links": {k: {"href": v} for k, v in links.items()},
        "state": pull.get("state", "open"),
        "title": pull.get("title", f"Pull request {number}"),
        "body": pull.get("body"),
        "user": author,
        "draft": bool(pull.get("draft", False)),
        "head": ends["head"],
        "base": ends["base"],
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": pull.get("merge_commit_sha"),
        "assignee": None,
        "assignees": [],
        "labels": [],
        "milestone": None,
        "requested_reviewers": [],
        "requested_teams": [],
        "auto_merge": None,
        "author_association": "CONTRIBUTOR",
        "merged": False,
        "mergeable": None,
        "mergeable_state": "unknown",
        "merged_by": None,
        "maintainer_can_modify": False,
        "comments": 0,
        "review_comments": 0,
        "commits": 1,
        "additions": 1,
        "deletions": 0,
        "changed_files": 1,
        "locked": False,
        "active_lock_reason": None,
    }
    return complete(spec, spec.schema("pull-request"), obj, url)


def issue(spec: Spec, api: str, repo: Repo, number: int, comments: int) -> Any:
    """Render an issue; a pull request's issue carries the ``pull_request`` key."""
    url = f"{api}/repos/{repo.owner}/{repo.name}"
    record = repo.pulls.get(number) or repo.issues[number]
    kind = "pull" if number in repo.pulls else "issues"
    obj: dict[str, Any] = {
        "id": record["id"],
        "node_id": node_id("I", record["id"]),
        "number": number,
        "url": f"{url}/issues/{number}",
        "repository_url": url,
        "html_url": f"{WEB}/{repo.owner}/{repo.name}/{kind}/{number}",
        "title": record.get("title", f"Issue {number}"),
        "body": record.get("body"),
        "state": record.get("state", "open"),
        "comments": comments,
        "locked": False,
        "user": user(spec, api, str(record.get("user", repo.owner))),
        "labels": [],
        "assignee": None,
        "milestone": None,
        "closed_at": None,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "author_association": "OWNER",
    }
    if kind == "pull":
        obj["pull_request"] = {
            "url": f"{url}/pulls/{number}",
            "html_url": obj["html_url"],
            "diff_url": obj["html_url"] + ".diff",
            "patch_url": obj["html_url"] + ".patch",
        }
    return complete(spec, spec.schema("issue"), obj, f"{url}/issues/{number}")


def comment(spec: Spec, api: str, repo: Repo, record: Comment) -> Any:
    """Render an issue comment."""
    url = f"{api}/repos/{record.owner}/{record.repo}"
    kind = "pull" if record.issue_number in repo.pulls else "issues"
    author = user(spec, api, record.user)
    obj: dict[str, Any] = {
        "id": record.id,
        "node_id": node_id("IC", record.id),
        "body": record.body,
        "url": f"{url}/issues/comments/{record.id}",
        "issue_url": f"{url}/issues/{record.issue_number}",
        "html_url": f"{WEB}/{record.owner}/{record.repo}/{kind}/{record.issue_number}"
        f"#issuecomment-{record.id}",
        "user": author,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
        "performed_via_github_app": None,
    }
    return complete(spec, spec.schema("issue-comment"), obj, obj["url"])


def review_comment(spec: Spec, api: str, repo: Repo, record: ReviewComment) -> Any:
    """Render a pull-request review comment."""
    url = f"{api}/repos/{record.owner}/{record.repo}"
    author = user(spec, api, record.user)
    obj: dict[str, Any] = {
        "id": record.id,
        "node_id": node_id("PRRC", record.id),
        "url": f"{url}/pulls/comments/{record.id}",
        "pull_request_review_id": None,
        "diff_hunk": f"@@ -{record.line},1 +{record.line},1 @@",
        "path": record.path,
        "commit_id": record.commit_id,
        "original_commit_id": record.commit_id,
        "user": author,
        "body": record.body,
        "created_at": record.created_at,
        "updated_at": record.created_at,
        "html_url": f"{WEB}/{record.owner}/{record.repo}/pull/{record.pull_number}"
        f"#discussion_r{record.id}",
        "pull_request_url": f"{url}/pulls/{record.pull_number}",
        "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
        "line": record.line,
        "original_line": record.line,
        "side": record.side,
    }
    return complete(spec, spec.schema("pull-request-review-comment"), obj, obj["url"])
