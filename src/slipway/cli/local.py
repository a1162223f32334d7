"""The GitHub context a workflow would have, from the local git checkout: a ``push`` of the
checked-out commit to its branch (or tag, when HEAD is exactly at one), the repository from
the ``origin`` remote's URL, the commit's date in the event payload."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from slipway.errors import InputError, ToolError
from slipway.tools.run import Runner

GIT_HINT = "Run slipway inside a git checkout with at least one commit (or under GitHub Actions)."
_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)"
    r"(?P<host>[^/:]+)(?::[0-9]+)?[:/](?P<path>[^\s]+?)(?:\.git)?/?$"
)


@dataclass(frozen=True)
class Checkout:
    """What git says about the checkout."""

    root: Path
    sha: str
    ref: str  # refs/heads/<branch> or refs/tags/<tag>
    commit_date: str  # ISO 8601, the committer's
    host: str  # github.com, or a GHES host
    repository: str  # owner/name ("local/<folder>" without a GitHub remote)
    tags: tuple[str, ...] = ()  # every tag of the repository (flavor latest=highest)
    default_branch: str = "main"  # origin's HEAD, else the branch checked out


def _git(runner: Runner, folder: Path, *args: str) -> str:
    """git's answer, "" when it has none (no git, not a checkout, no such ref)."""
    try:
        done = runner.run(["git", "-C", str(folder), *args], timeout=30, quiet=True)
    except ToolError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def parse_remote(url: str) -> tuple[str, str] | None:
    """(host, owner/name) of a git remote URL (https, ssh or scp-like), else None."""
    match = _REMOTE.match(url.strip())
    if not match or match["path"].count("/") != 1:
        return None
    return match["host"].lower(), match["path"]


def read_checkout(runner: Runner, folder: Path) -> Checkout:
    """The checkout ``folder`` is in; `InputError` when it is none."""
    root = _git(runner, folder, "rev-parse", "--show-toplevel")
    sha = _git(runner, folder, "rev-parse", "HEAD")
    if not root or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise InputError("--workflow/--step", "the current folder is not a git checkout", GIT_HINT)
    exact_tag = _git(runner, folder, "describe", "--tags", "--exact-match", "HEAD")
    branch = _git(runner, folder, "symbolic-ref", "--quiet", "--short", "HEAD")
    ref = f"refs/tags/{exact_tag}" if exact_tag else f"refs/heads/{branch or 'detached'}"
    remote = parse_remote(_git(runner, folder, "remote", "get-url", "origin"))
    host, repository = remote or ("github.com", f"local/{Path(root).name}")
    return Checkout(
        root=Path(root),
        sha=sha,
        ref=ref,
        commit_date=_git(runner, folder, "show", "-s", "--format=%cI", "HEAD"),
        host=host,
        repository=repository,
        tags=tuple(_git(runner, folder, "tag", "--list").split()),
        default_branch=_git(
            runner, folder, "rev-parse", "--abbrev-ref", "origin/HEAD"
        ).removeprefix("origin/")
        or branch
        or "main",
    )


def github_env(checkout: Checkout, event_path: Path) -> dict[str, str]:
    """The ``GITHUB_*`` variables of a push of ``checkout``, its payload written to
    ``event_path``."""
    owner, _, name = checkout.repository.partition("/")
    server = f"https://{checkout.host}"
    api = "https://api.github.com" if checkout.host == "github.com" else f"{server}/api/v3"
    payload = {
        "ref": checkout.ref,
        "after": checkout.sha,
        "head_commit": {"id": checkout.sha, "timestamp": checkout.commit_date},
        "repository": {
            "full_name": checkout.repository,
            "name": name,
            "owner": {"login": owner},
            "html_url": f"{server}/{checkout.repository}",
            "default_branch": checkout.default_branch,
        },
    }
    event_path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    ref_type = "tag" if checkout.ref.startswith("refs/tags/") else "branch"
    return {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_SHA": checkout.sha,
        "GITHUB_REF": checkout.ref,
        "GITHUB_REF_NAME": checkout.ref.split("/", 2)[2],
        "GITHUB_REF_TYPE": ref_type,
        "GITHUB_REPOSITORY": checkout.repository,
        "GITHUB_REPOSITORY_OWNER": owner,
        "GITHUB_SERVER_URL": server,
        "GITHUB_API_URL": api,
        "GITHUB_WORKSPACE": str(checkout.root),
        "GITHUB_ACTOR": owner,
    }
