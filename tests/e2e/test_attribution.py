"""Annotations point at the Dockerfile line that introduced each finding: a multi-stage
build with several RUN lines, where one RUN adds a vulnerable package to the final stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv, load_devenv
from tests.support.payloads import load_event

pytestmark = pytest.mark.e2e

# Line numbers matter: the final FROM is line 5, the RUN adding the package is line 8.
DOCKERFILE = """\
FROM python:3.11-slim-bookworm AS build
RUN echo "build stage" > /built
RUN echo "{nonce}" > /nonce

FROM python:3.11-slim-bookworm
COPY --from=build /built /built
RUN echo "unrelated" > /unrelated
RUN printf 'Package: libexpat1-dev\\nStatus: install ok installed\\nArchitecture: amd64\\nSource: expat\\nVersion: 2.5.0-1\\nDescription: test\\n\\n' >> /var/lib/dpkg/status
USER 10001
"""


def test_annotations_on_the_introducing_line(tmp_path: Path) -> None:
    devenv: DevEnv = load_devenv()
    workspace = tmp_path / "workspace"
    context = workspace / "ctx"  # the run reads files in its workspace only
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(DOCKERFILE.format(nonce=tmp_path.name))
    given = {
        "IMAGES": f"{devenv.registry}/{unique_repository('slipway-test/attr')}",
        "CONTEXT": str(context),
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "SEVERITY": "LOW,MEDIUM,HIGH,CRITICAL",
        "FAIL-ON": "none",
        "POLICY": "none",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    run = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        given,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )
    assert run.returncode == 0, run.log
    # The most important findings are annotated (GitHub shows 10 per level and step)...
    base = [
        a for a in run.log.splitlines() if a.startswith("::warning title=CVE-2099-10001 in openssl")
    ]
    assert base
    assert ",line=5::" in base[0]  # base-image layers point at the final stage's FROM
    # ...and every finding carries its line in the SARIF.
    sarif = json.loads((workspace / run.outputs["sarif-file"]).read_text())
    lines = {
        (r["ruleId"], r["message"]["text"].partition(" in ")[2].split(" ")[0]): r["locations"][0][
            "physicalLocation"
        ]["region"]["startLine"]
        for r in sarif["runs"][0]["results"]
    }
    assert lines[("CVE-2099-10005", "libexpat1-dev")] == 8  # the RUN that added it
    assert lines[("CVE-2099-10005", "libexpat1")] == 5
    assert lines[("CVE-2099-10001", "openssl")] == 5
    # `policy: none`: the run's one `trivy config` (the lint's, alongside the build) reports to
    # the scan: no HEALTHCHECK (DS-0026, LOW) is a misconfiguration in the SARIF and the report.
    assert len([line for line in run.log.splitlines() if "trivy config " in line]) == 1
    assert "DS-0026" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    report = json.loads((workspace / run.outputs["report-file"]).read_text())
    assert [m["id"] for m in report["misconfigurations"]] == ["DS-0026"]


# A heredoc RUN and an ARG-expanded RUN: BuildKit records neither as the Dockerfile says it.
SECRET_DOCKERFILE = """\
FROM python:3.11-slim-bookworm
ARG FLAVOUR=plain
RUN <<EOF
echo "{nonce}" > /nonce
echo heredoc > /heredoc
EOF
RUN echo "$FLAVOUR" > /flavour
COPY settings.ini /app/settings.ini
USER 10001
HEALTHCHECK CMD ["true"]
"""
KEY = "AKIAIOSFODNN7EXAMPLQ"  # a fake AWS key id (the policy examples' fixture)


def test_a_secret_in_a_layer_is_sw017_at_its_copy_and_breaks_the_gate(tmp_path: Path) -> None:
    devenv: DevEnv = load_devenv()
    workspace = tmp_path / "workspace"
    context = workspace / "ctx"  # the run reads files in its workspace only
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(SECRET_DOCKERFILE.format(nonce=tmp_path.name))
    (context / "settings.ini").write_text(f"[aws]\naws_access_key_id = {KEY}\n")
    given = {
        "IMAGES": f"{devenv.registry}/{unique_repository('slipway-test/sw017')}",
        "CONTEXT": str(context),
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "SEVERITY": "CRITICAL",
        "FAIL-ON": "CRITICAL",
        "SCANNERS": "secret",  # the secret alone: the test DB's planted CVEs stay out of it
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    run = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        given,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )
    assert run.returncode == 1, run.log
    assert "Dockerfile policy finding(s) at or above CRITICAL" in run.log
    sw017 = [a for a in run.log.splitlines() if a.startswith("::error title=SW017")]
    assert sw017, run.log
    assert ",line=8::" in sw017[0]  # the COPY that added the file, not the heredoc or the FROM
    assert "SW017" in run.summary
    assert KEY not in run.log + run.summary + json.dumps(run.outputs)
    sarif = Path(run.outputs["sarif-file"]).read_text()
    assert KEY not in sarif
    assert '"ruleId":"SW017"' in sarif
