"""The GitHub stand-in, exercised with the real PyGithub client (and raw HTTP where a
client would refuse to send what we need), plus the runner env built from payloads."""

from __future__ import annotations

import base64
import gzip
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from github import GithubException

from slipway.sign.statement import COSIGN_SIGN_PREDICATE, attestation
from slipway.tools.sigstore import KeySigner
from tests.support.github_standin.cache import REPO_ROOT
from tests.support.payloads import load_event, placeholder_sha, write_event
from tests.support.pytest_github import GitHubStandIn, assert_no_violations

OWNER, REPO = "octo-org", "hello"
HEAD_SHA = "a" * 40
WRITE, READ = "ghs_write", "ghs_fork"


@pytest.fixture
def gh(github: GitHubStandIn) -> GitHubStandIn:
    """The stand-in with one repository, pull request #7 and two tokens."""
    github.seed_repo(
        OWNER,
        REPO,
        description="Hello, world",
        license="Apache-2.0",
        topics=["docker", "sbom"],
        default_branch="trunk",
        pulls=[{"number": 7, "head_ref": "feature", "head_sha": HEAD_SHA, "base_ref": "trunk"}],
        tags=[{"name": "v1.0.0", "sha": "b" * 40}, {"name": "v0.9.0", "sha": "c" * 40}],
        releases=[{"tag_name": "v1.0.0"}, {"tag_name": "v1.1.0-rc.1", "prerelease": True}],
    )
    github.add_token(WRITE, "write")
    github.add_token(READ, "read")
    return github


def post(gh: GitHubStandIn, path: str, body: Any, token: str | None = WRITE) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{gh.url}{path}", json=body, headers=headers, timeout=10)


def test_repository_has_the_seeded_fields(gh: GitHubStandIn) -> None:
    with gh.client(WRITE) as client:
        repo = client.get_repo(f"{OWNER}/{REPO}")
        assert (repo.description, repo.default_branch) == ("Hello, world", "trunk")
        assert repo.license.spdx_id == "Apache-2.0"
        assert repo.topics == ["docker", "sbom"]
        assert repo.html_url == f"https://github.com/{OWNER}/{REPO}"
        assert (repo.private, repo.visibility) == (False, "public")
        assert [t.name for t in repo.get_tags()] == ["v1.0.0", "v0.9.0"]
        assert [(r.tag_name, r.prerelease) for r in repo.get_releases()] == [
            ("v1.0.0", False),
            ("v1.1.0-rc.1", True),
        ]
        pull = repo.get_pull(7)
        assert (pull.head.ref, pull.head.sha, pull.base.ref) == ("feature", HEAD_SHA, "trunk")


def test_fork_pull_request_has_the_fork_as_head_repository(gh: GitHubStandIn) -> None:
    gh.seed_repo(OWNER, REPO, pulls=[{"number": 8, "head_repo": "forker/hello"}])
    with gh.client(READ) as client:
        pull = client.get_repo(f"{OWNER}/{REPO}").get_pull(8)
        assert (pull.head.repo.full_name, pull.head.repo.fork) == ("forker/hello", True)
        assert pull.base.repo.full_name == f"{OWNER}/{REPO}"


def test_comment_is_created_then_edited(gh: GitHubStandIn) -> None:
    with gh.client(WRITE) as client:
        pull = client.get_repo(f"{OWNER}/{REPO}").get_pull(7)
        comment = pull.create_issue_comment("first")
        comment.edit("second")
        assert comment.user.login == "github-actions[bot]"
    [stored] = gh.comments(OWNER, REPO, 7)
    assert (stored.id, stored.body) == (comment.id, "second")
    writes = [(r.method, r.path, r.status) for r in gh.requests if r.method != "GET"]
    assert writes == [
        ("POST", f"/repos/{OWNER}/{REPO}/issues/7/comments", 201),
        ("PATCH", f"/repos/{OWNER}/{REPO}/issues/comments/{comment.id}", 200),
    ]


def test_150_comments_are_paginated_through(gh: GitHubStandIn) -> None:
    gh.add_comments(OWNER, REPO, 7, [f"comment {i}" for i in range(150)])
    with gh.client(WRITE, per_page=100) as client:
        pull = client.get_repo(f"{OWNER}/{REPO}").get_pull(7)
        bodies = [c.body for c in pull.get_issue_comments()]
    assert bodies == [f"comment {i}" for i in range(150)]
    pages = [r.query for r in gh.requests if r.path.endswith("/7/comments")]
    assert len(pages) == 2
    first = requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/issues/7/comments", timeout=10)
    assert len(first.json()) == 30
    assert first.links["next"]["url"].endswith("per_page=30&page=2")
    assert first.links["last"]["url"].endswith("per_page=30&page=5")


def test_comment_without_body_is_a_violation(gh: GitHubStandIn) -> None:
    answer = post(gh, f"/repos/{OWNER}/{REPO}/issues/7/comments", {})
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("Invalid request.")
    [violation] = gh.take_violations()
    assert violation.kind == "request"
    assert "'body' is a required property" in violation.message
    assert gh.comments(OWNER, REPO, 7) == []


def test_unknown_route_is_a_violation_answered_404(gh: GitHubStandIn) -> None:
    answer = requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/hooks", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found"
    [violation] = gh.take_violations()
    assert (violation.kind, violation.path) == ("unknown-route", f"/repos/{OWNER}/{REPO}/hooks")


def test_tampered_response_is_caught(gh: GitHubStandIn) -> None:
    """The validation itself works: a response missing a required field is recorded."""
    gh.tamper("GET", f"^/repos/{OWNER}/{REPO}$", lambda body: {**body, "node_id": 42})
    assert requests.get(f"{gh.url}/repos/{OWNER}/{REPO}", timeout=10).status_code == 200
    assert requests.get(f"{gh.url}/repos/{OWNER}/{REPO}", timeout=10).status_code == 200
    [violation] = gh.take_violations()
    assert (violation.kind, violation.status) == ("response", 200)
    assert "node_id: 42 is not of type 'string'" in violation.message


def test_teardown_check_fails_the_test_on_violations(gh: GitHubStandIn) -> None:
    requests.get(f"{gh.url}/user/repos", timeout=10)
    with pytest.raises(pytest.fail.Exception, match=r"(?s)1 violation.*GET /user/repos"):
        assert_no_violations(gh)
    gh.take_violations()


def test_read_only_token_cannot_write(gh: GitHubStandIn) -> None:
    with gh.client(READ) as client:
        pull = client.get_repo(f"{OWNER}/{REPO}").get_pull(7)
        with pytest.raises(GithubException) as raised:
            pull.create_issue_comment("from a fork")
    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"
    assert post(gh, f"/repos/{OWNER}/{REPO}/issues/7/comments", {"body": "x"}, None).json()[
        "message"
    ] == ("Requires authentication")
    assert post(gh, f"/repos/{OWNER}/{REPO}/issues/7/comments", {"body": "x"}, "nope").json()[
        "message"
    ] == ("Bad credentials")
    assert gh.comments(OWNER, REPO, 7) == []


def test_injected_secondary_rate_limit_is_answered_as_programmed(gh: GitHubStandIn) -> None:
    gh.inject("POST", r"/issues/\d+/comments$", 403, {"Retry-After": "1"}, times=1)
    path = f"/repos/{OWNER}/{REPO}/issues/7/comments"
    limited = post(gh, path, {"body": "x"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (403, "1")
    assert "secondary rate limit" in limited.json()["message"]
    assert post(gh, path, {"body": "x"}).status_code == 201


def test_injected_gateway_error_may_be_html(gh: GitHubStandIn) -> None:
    gh.inject("*", "/pulls/", 502, body="<html>Unicorn!</html>", times=2)
    for _ in range(2):
        assert requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/pulls/7", timeout=10).status_code == 502
    assert requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/pulls/7", timeout=10).status_code == 200


def test_rate_limit_headers_count_requests(gh: GitHubStandIn) -> None:
    answers = [requests.get(f"{gh.url}/repos/{OWNER}/{REPO}", timeout=10) for _ in range(2)]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["59", "58"]
    with gh.client(WRITE) as client:
        assert client.get_rate_limit().resources.core.limit == 5000


def annotation(line: int) -> dict[str, Any]:
    return {
        "path": "Dockerfile",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "message": f"finding on line {line}",
    }


def test_check_run_accumulates_annotations(gh: GitHubStandIn) -> None:
    with gh.client(WRITE) as client:
        repo = client.get_repo(f"{OWNER}/{REPO}")
        output: dict[str, Any] = {"title": "Scan", "summary": "1", "annotations": [annotation(1)]}
        run = repo.create_check_run("slipway", HEAD_SHA, status="in_progress", output=output)
        run.edit(
            conclusion="failure",
            output={"title": "Scan", "summary": "2", "annotations": [annotation(2)]},
        )
        assert (run.status, run.conclusion) == ("completed", "failure")
        assert [a.start_line for a in run.get_annotations()] == [1, 2]
    [stored] = gh.check_runs
    assert stored.fields["output"]["summary"] == "2"
    too_many = {
        "output": {"title": "t", "summary": "s", "annotations": [annotation(i) for i in range(51)]}
    }
    path = f"/repos/{OWNER}/{REPO}/check-runs/{stored.id}"
    answer = requests.patch(
        f"{gh.url}{path}", json=too_many, headers={"Authorization": f"token {WRITE}"}, timeout=10
    )
    assert answer.status_code == 422
    [violation] = gh.take_violations()
    assert "output/annotations" in violation.message
    assert len(stored.annotations) == 2


def test_sarif_upload_is_stored_decoded(gh: GitHubStandIn) -> None:
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}}]}
    packed = base64.b64encode(gzip.compress(json.dumps(sarif).encode())).decode()
    body = {"commit_sha": HEAD_SHA, "ref": "refs/pull/7/merge", "sarif": packed}
    answer = post(gh, f"/repos/{OWNER}/{REPO}/code-scanning/sarifs", body)
    assert answer.status_code == 202
    [upload] = gh.sarifs
    assert (upload.sarif, upload.ref, upload.commit_sha) == (sarif, "refs/pull/7/merge", HEAD_SHA)
    status = requests.get(answer.json()["url"], timeout=10).json()
    assert status["processing_status"] == "complete"
    bad = post(gh, f"/repos/{OWNER}/{REPO}/code-scanning/sarifs", {**body, "sarif": "bm90IGd6aXA="})
    assert bad.status_code == 400


def test_standalone_process_serves_the_seed_and_writes_state(tmp_path: Path) -> None:
    seed = {
        "tokens": {WRITE: "write"},
        "repos": [{"owner": OWNER, "name": REPO, "pulls": [{"number": 7}]}],
    }
    (tmp_path / "seed.json").write_text(json.dumps(seed), encoding="utf-8")
    state_file = tmp_path / "state.json"
    argv = [
        sys.executable,
        "-m",
        "tests.support.github_standin",
        "--port",
        "0",
        "--seed",
        str(tmp_path / "seed.json"),
        "--state-out",
        str(state_file),
    ]
    with subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split("serving ")[1].strip()
            answer = requests.post(
                f"{url}/repos/{OWNER}/{REPO}/issues/7/comments",
                json={"body": "hi"},
                headers={"Authorization": f"token {WRITE}"},
                timeout=10,
            )
            assert answer.status_code == 201
        finally:
            proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert [c["body"] for c in state["comments"]] == ["hi"]
    assert state["violations"] == []
    assert [r["status"] for r in state["requests"]] == [201]


@pytest.mark.parametrize(
    ("event", "action", "ref", "sha", "head_ref", "base_ref"),
    [
        ("push", None, "refs/tags/simple-tag", "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "", ""),
        (
            "pull_request",
            "opened",
            "refs/pull/2/merge",
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "changes",
            "master",
        ),
        (
            "pull_request_target",
            "opened",
            "refs/heads/master",
            "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
            "changes",
            "master",
        ),
        ("release", "published", "refs/tags/0.0.1", placeholder_sha("refs/tags/0.0.1"), "", ""),
        ("workflow_dispatch", None, "refs/heads/main", placeholder_sha("refs/heads/main"), "", ""),
        (
            "merge_group",
            "checks_requested",
            "refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64",
            "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
            "",
            "",
        ),
    ],
)
def test_runner_env_is_derived_from_the_payload(
    tmp_path: Path,
    event: str,
    action: str | None,
    ref: str,
    sha: str,
    head_ref: str,
    base_ref: str,
) -> None:
    payload = load_event(event, action)
    env = write_event(tmp_path / "event.json", event, payload, api_url="http://127.0.0.1:1")
    assert (env["GITHUB_REF"], env["GITHUB_SHA"]) == (ref, sha)
    assert (env["GITHUB_HEAD_REF"], env["GITHUB_BASE_REF"]) == (head_ref, base_ref)
    assert env["GITHUB_EVENT_NAME"] == event
    assert json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8")) == payload
    assert env["GITHUB_REPOSITORY"] == payload["repository"]["full_name"]
    assert env["GITHUB_API_URL"] == "http://127.0.0.1:1"


def test_schedule_is_not_a_webhook() -> None:
    with pytest.raises(KeyError, match="not a webhook"):
        load_event("schedule")


def _bundle(subjects: list[tuple[str, str]], predicate_type: str) -> dict[str, Any]:
    """A real Sigstore bundle (signed with a fresh key, no log): what Slipway stores."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return KeySigner.from_pem(pem).sign_statement(attestation(subjects, predicate_type, {}))


ATTEST = "ghs_attest"
INDEX, PLATFORM = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def test_attestations_are_stored_and_listed_by_subject_digest(gh: GitHubStandIn) -> None:
    gh.add_token(ATTEST, "write", scopes={"attestations": "write"})
    signature = _bundle([("", INDEX)], COSIGN_SIGN_PREDICATE)
    provenance = _bundle([("", INDEX), ("linux/amd64", PLATFORM)], "https://slsa.dev/provenance/v1")
    ids = []
    for bundle in (signature, provenance):
        answer = post(gh, f"/repos/{OWNER}/{REPO}/attestations", {"bundle": bundle}, ATTEST)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    assert [a.id for a in gh.attestations] == ids
    assert gh.attestations[1].subjects == [INDEX, PLATFORM]
    listed = requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/attestations/{INDEX}", timeout=10)
    assert listed.status_code == 200
    assert [a["bundle"] for a in listed.json()["attestations"]] == [signature, provenance]
    repository_id = gh.seed_repo(OWNER, REPO).id
    assert {a["repository_id"] for a in listed.json()["attestations"]} == {repository_id}
    for query, expected in (("provenance", [provenance]), (COSIGN_SIGN_PREDICATE, [signature])):
        found = requests.get(
            f"{gh.url}/repos/{OWNER}/{REPO}/attestations/{INDEX}",
            params={"predicate_type": query},
            timeout=10,
        )
        assert [a["bundle"] for a in found.json()["attestations"]] == expected
    platform = requests.get(f"{gh.url}/repos/{OWNER}/{REPO}/attestations/{PLATFORM}", timeout=10)
    assert [a["bundle"] for a in platform.json()["attestations"]] == [provenance]
    other = requests.get(
        f"{gh.url}/repos/{OWNER}/{REPO}/attestations/sha256:{'3' * 64}", timeout=10
    )
    assert other.status_code == 404


def test_storing_an_attestation_needs_attestations_write(gh: GitHubStandIn) -> None:
    """The repository's write is not enough (a job without `attestations: write`)."""
    gh.add_token("ghs_read_attest", "read", scopes={"attestations": "read"})
    body = {"bundle": _bundle([("", INDEX)], COSIGN_SIGN_PREDICATE)}
    for token in (WRITE, "ghs_read_attest"):
        answer = post(gh, f"/repos/{OWNER}/{REPO}/attestations", body, token)
        assert answer.status_code == 403
        assert answer.json()["message"] == "Resource not accessible by integration"
    assert post(gh, f"/repos/{OWNER}/{REPO}/attestations", body, None).status_code == 401
    assert gh.attestations == []


def test_an_attestation_is_a_dsse_bundle_of_an_in_toto_statement(gh: GitHubStandIn) -> None:
    gh.add_token(ATTEST, "write", scopes={"attestations": "write"})
    path = f"/repos/{OWNER}/{REPO}/attestations"
    bundle = _bundle([("", INDEX)], COSIGN_SIGN_PREDICATE)
    no_envelope = {k: v for k, v in bundle.items() if k != "dsseEnvelope"}
    answer = post(gh, path, {"bundle": no_envelope}, ATTEST)
    assert answer.status_code == 422
    assert "no DSSE envelope" in answer.json()["errors"][0]["message"]
    assert post(gh, path, {"bundle": "not an object"}, ATTEST).status_code == 422
    [violation] = gh.take_violations()  # the description's schema: bundle is an object
    assert (violation.kind, violation.path) == ("request", path)
    assert gh.attestations == []
