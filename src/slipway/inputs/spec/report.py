"""The reporting, Dockerfile policy and image size inputs."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section

R = Section.REPORT
P = Section.POLICY

REPORT = (
    Input(
        "pr-comment",
        R,
        Kind.CHOICE,
        "`auto`: comment on pull-request runs; a failure to "
        "comment is a warning. `always`: the same, but a failure to comment fails the run (a "
        "pull request from a fork or Dependabot, recognised from the event, is not a failure: "
        "the notice and the comment file are the expected outcome). `on-failure`: create the "
        "comment only when the run failed (gate or error); a comment that exists already is "
        "still updated, so a fixed PR does not keep a stale red report. `never`: no comment "
        "(the comment file is still written)",
        default="auto",
        choices=("auto", "always", "never", "on-failure"),
    ),
    Input(
        "pr-number",
        R,
        Kind.NUMBER,
        "comment on this pull request, whatever the event "
        "(`workflow_dispatch`, `push` of a PR branch, ...): a positive whole number; an empty "
        'value (`${{ github.event.pull_request.number }}` outside PR events) means "not given"',
        example="42",
    ),
    Input(
        "comment-history",
        R,
        Kind.BOOLEAN,
        "keep one line per run (verdict, run link, commit, "
        "time) under the report, newest first, at most 20",
        default="false",
    ),
    Input(
        "check-run",
        R,
        Kind.BOOLEAN,
        "create a check run carrying **every** annotation "
        "(workflow commands show 10 per level and step) — needs `checks: write`",
        default="false",
    ),
    Input(
        "upload-sarif",
        R,
        Kind.BOOLEAN,
        "upload the SARIF report to code scanning — needs `security-events: write`",
        default="false",
    ),
    Input(
        "attach",
        R,
        Kind.LIST,
        "evidence pushed next to a published image as OCI 1.1 "
        "artifacts whose `subject` is its digest: `scan-report` (the scan report the gate "
        "decided on, referring to the index) and `sbom` (with `sbom-file`, each platform's "
        "CycloneDX SBOM, referring to that platform's manifest); `none` attaches nothing. See "
        "[Evidence on the image](#evidence-on-the-image)",
        default="scan-report,sbom",
    ),
    Input(
        "comment-file",
        R,
        Kind.WORD,
        "where the comment body is written for a `workflow_run` "
        "poster; by default `comment.json` with the other reports under runner temp (out of "
        "the checkout); else a `.json` path inside the workspace (no `..`, not absolute). The "
        "Markdown copy is next to it with `.md`",
        example="out/comment.json",
    ),
)

POLICY = (
    Input(
        "policy",
        P,
        Kind.LINES,
        "`RULE=SEVERITY` or `RULE=off` per line (SW001-SW017 or slugs), or `none`",
        shown_default="all rules, default severities",
        example="SW001=HIGH",
    ),
    Input(
        "trusted-registries",
        P,
        Kind.LIST,
        "registries (or prefixes, `ghcr.io/acme`) base images may come from",
        example="ghcr.io/acme",
    ),
    Input(
        "allowed-ports",
        P,
        Kind.LIST,
        "ports and ranges (1-65535: `8080`, `9000-9010`) `EXPOSE` may declare",
        shown_default="any but 22",
        example="8080",
    ),
    Input(
        "size-baseline",
        P,
        Kind.WORD,
        "the tag to compare image size with",
        shown_default="the PR's base branch tag",
        example="main",
    ),
    Input("max-size", P, Kind.WORD, "size gate: a size (`500MB`, `1.5GiB`)", example="500MB"),
    Input(
        "max-size-increase",
        P,
        Kind.WORD,
        "size gate against the baseline: a size (`20MB`) or a finite percentage (`10%`)",
        example="10%",
    ),
)
