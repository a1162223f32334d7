"""Base-image advice (issue 25, item 4) with real parts: the local registry holds several tags
of a stand-in base image, each a Debian 12 root whose packages carry different planted
advisories of the test DB; `python -m slipway` on a pull request; the OpenAPI-validated
GitHub stand-in takes the review suggestion.

Tags of the stand-in base (``1.0-slim`` is the app's):

| tag | openssl (CRITICAL) | python3.11 (HIGH) |
|---|---|---|
| 1.0-slim | vulnerable | vulnerable |
| 1.0.1-slim | fixed | vulnerable |
| 1.0.2-slim | fixed | fixed |
| 1.1-slim | fixed | fixed (another minor: only with `base-advice: minor`) |
| 1.0.9-fat | fixed | fixed (another variant: never) |
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn
from tests.support.trivydb.rootfs import BOOKWORM_PACKAGES, OsPackage, write_debian_root

pytestmark = pytest.mark.integration

TOKEN = "ghs_advice_write_token_0123456789"
OPENSSL_FIXED = "3.0.99-1~deb12u1"
PYTHON_FIXED = "3.11.2-6+deb12u99"


def packages(*, openssl: bool, python: bool) -> tuple[OsPackage, ...]:
    """The bookworm set, with openssl and python3.11 at their fixed versions when asked."""
    fixed = {
        "openssl": OPENSSL_FIXED if openssl else "",
        "python3.11": PYTHON_FIXED if python else "",
    }
    return tuple(
        replace(p, version=fixed[p.source]) if fixed.get(p.source) else p for p in BOOKWORM_PACKAGES
    )


BASES = {
    "1.0-slim": packages(openssl=False, python=False),
    "1.0.1-slim": packages(openssl=True, python=False),
    "1.0.2-slim": packages(openssl=True, python=True),
    "1.1-slim": packages(openssl=True, python=True),
    "1.0.9-fat": packages(openssl=True, python=True),
}


@pytest.fixture(scope="module")
def base_image(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The stand-in base, one tag per row of the table above."""
    folder = tmp_path_factory.mktemp("advice-base")
    image = f"{devenv.registry}/{unique_repository('slipway-test/advice-base')}"
    for tag, installed in BASES.items():
        ctx = folder / tag
        write_debian_root(ctx / "root", installed)
        (ctx / "Dockerfile").write_text("FROM scratch\nCOPY root/ /\n")
        run = run_action(
            folder / f"run-{tag}",
            "push",
            load_event("push", index=4),
            {
                "IMAGES": image,
                "CONTEXT": str(ctx),
                "PLATFORMS": "linux/amd64",
                "PUSH": "true",
                "SCAN": "false",
                "POLICY": "none",
                "PROVENANCE": "false",
                "ATTACH": "none",
                "TAGS": f"type=raw,value={tag}",
            },
        )
        assert run.returncode == 0, run.log
    return image


def app(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "app.txt").write_text("the app\n")
    (folder / "Dockerfile").write_text(
        f"# the app\nFROM {base}:1.0-slim AS runtime\nCOPY app.txt /app.txt\n"
    )
    return folder


def pull_request(
    devenv: DevEnv, github: GitHubStandIn, base: str, folder: Path, **more: str
) -> ActionRun:
    return run_action(
        folder / "run",
        "pull_request",
        load_event("pull_request", "opened"),
        {
            "IMAGES": f"{devenv.registry}/{unique_repository('slipway-test/advice-app')}",
            "CONTEXT": str(folder / "ctx"),
            "PLATFORMS": "linux/amd64",
            "PROVENANCE": "false",
            "POLICY": "none",
            "SCANNERS": "vuln",
            "FAIL-ON": "none",
            "BASELINE": "none",
            "TRIVY-DB-REPOSITORY": devenv.trivy_db,
            "TRIVY-CACHE-DIR": str(folder / "cache"),
            "GITHUB-TOKEN": TOKEN,
            **more,
        },
        api_url=github.url,
    )


def seed(github: GitHubStandIn, permission: str = "write") -> None:
    github.add_token(TOKEN, permission)
    payload: dict[str, Any] = load_event("pull_request", "opened")
    head = payload["pull_request"]["head"]["sha"]
    github.seed_repo(
        "Codertocat", "Hello-World", pulls=[{"number": payload["number"], "head_sha": head}]
    )


def test_the_best_newer_tag_on_the_track_is_advised_and_suggested_once(
    devenv: DevEnv, github: GitHubStandIn, base_image: str, tmp_path: Path
) -> None:
    seed(github)
    app(tmp_path / "ctx", base_image)
    run = pull_request(devenv, github, base_image, tmp_path)
    assert run.returncode == 0, run.log
    best = f"FROM {base_image}:1.0.2-slim AS runtime"
    assert f"consider `{best}`" in run.log, run.log
    assert best in run.summary
    number = load_event("pull_request", "opened")["number"]
    (sticky,) = github.comments("Codertocat", "Hello-World", number)
    assert best in sticky.body  # the comment shows the advice
    assert "No baseline to compare with" not in sticky.body  # `baseline: none`: no comparison
    assert "1.1-slim" not in run.summary  # another minor: not on the track by default
    assert "1.0.9-fat" not in run.summary  # another variant: never
    (posted,) = github.review_comments
    assert f"```suggestion\n{best}\n```" in posted.body
    assert posted.line == 2  # the FROM line, after the comment line
    assert posted.path.endswith("ctx/Dockerfile")
    again = pull_request(devenv, github, base_image, tmp_path)
    assert again.returncode == 0, again.log
    assert len(github.review_comments) == 1  # once per base digest, never repeated


def test_a_wider_track_takes_newer_minors(
    devenv: DevEnv, github: GitHubStandIn, base_image: str, tmp_path: Path
) -> None:
    seed(github)
    app(tmp_path / "ctx", base_image)
    run = pull_request(devenv, github, base_image, tmp_path, **{"BASE-ADVICE": "minor"})
    assert run.returncode == 0, run.log
    assert f"{base_image}:1.1-slim" in run.summary, run.summary
    assert "1.0.9-fat" not in run.summary


def test_a_read_only_token_gets_the_advice_but_posts_nothing(
    devenv: DevEnv, github: GitHubStandIn, base_image: str, tmp_path: Path
) -> None:
    seed(github, "read")
    app(tmp_path / "ctx", base_image)
    run = pull_request(devenv, github, base_image, tmp_path)
    assert run.returncode == 0, run.log
    assert f"FROM {base_image}:1.0.2-slim AS runtime" in run.summary
    assert github.review_comments == []


def test_advice_that_cannot_be_had_never_fails_the_run(
    devenv: DevEnv, github: GitHubStandIn, tmp_path: Path
) -> None:
    seed(github)
    app(tmp_path / "ctx", f"{devenv.registry}/slipway-test/no-such-base")
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM scratch\nCOPY app.txt /app.txt\n")
    run = pull_request(devenv, github, "", tmp_path)
    assert run.returncode == 0, run.log
