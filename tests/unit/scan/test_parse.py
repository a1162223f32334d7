"""The Trivy adapter: argv builders and parsers on Trivy's own golden reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from slipway.scan import db
from slipway.tools import trivy

REPORTS = Path(__file__).parents[2] / "data" / "trivy-reports"


def golden(name: str) -> str:
    return (REPORTS / f"{name}.json.golden").read_text()


def test_secrets_are_parsed_without_their_text() -> None:
    text = golden("secrets")
    found = trivy.parse_image_report(text)[1]
    assert [(s.rule, s.severity, s.line, s.path) for s in found] == [
        ("aws-access-key-id", "CRITICAL", 3, "/deploy.sh"),
        ("mysecret", "HIGH", 7, "/deploy.sh"),
    ]
    matches = [s["Match"] for r in json.loads(text)["Results"] for s in r["Secrets"]]
    assert not any(m in repr(found) for m in matches)


def test_misconfigurations_keep_failures_only() -> None:
    found = trivy.parse_misconfigurations(golden("dockerfile"), "app/Dockerfile")
    assert [(m.id, m.severity, m.file) for m in found] == [("DS-0002", "HIGH", "app/Dockerfile")]
    lines = {
        "Results": [
            {
                "Misconfigurations": [
                    {
                        "ID": "DS-0029",
                        "Severity": "HIGH",
                        "Status": "FAIL",
                        "CauseMetadata": {"StartLine": 2, "EndLine": 3},
                    },
                    {"ID": "DS-0001", "Severity": "LOW", "Status": "PASS"},
                ]
            }
        ]
    }
    found = trivy.parse_misconfigurations(json.dumps(lines), "Dockerfile")
    assert [(m.id, m.start_line, m.end_line) for m in found] == [("DS-0029", 2, 3)]


def test_vulnerability_details() -> None:
    found = trivy.parse_image_report(golden("pip"))[0]
    assert found
    assert all(v.pkg_type == "pip" for v in found)


def test_db_metadata() -> None:
    text = (
        '{"Version":2,"NextUpdate":"2026-11-24T20:30:22Z","UpdatedAt":"2026-11-23T20:30:22Z",'
        '"DownloadedAt":"2026-11-23T20:32:12.574440738Z"}'
    )
    updated, downloaded = trivy.parse_db_metadata(text)
    assert updated == datetime(2026, 11, 23, 20, 30, 22, tzinfo=UTC)
    assert downloaded == datetime(2026, 11, 23, 20, 32, 12, tzinfo=UTC)
    assert trivy.parse_db_metadata('{"UpdatedAt":"0001-01-01T00:00:00Z"}') == (None, None)
    assert trivy.parse_db_metadata("not json") == (None, None)
    assert trivy.parse_next_update(text) == datetime(2026, 11, 24, 20, 30, 22, tzinfo=UTC)
    assert trivy.parse_next_update("[]") is None


def test_image_argv_for_a_local_layout_and_options() -> None:
    argv = trivy.image_argv(
        trivy.ImageRequest(
            "app@sha256:1",
            "/r.json",
            severities=["CRITICAL"],
            db_repositories=["a:2"],
            cache_dir="/c",
            insecure=False,
            scanners=("vuln", "secret"),
            skip_db_update=True,
            ignore_unfixed=True,
            ignorefile=".trivyignore",
            vex=("a.json", "b.json"),
            platform="linux/arm64",
            layout_dir="/work/layout",
        )
    )
    assert argv[-2:] == ["--input", "/work/layout"]
    assert "--db-repository" not in argv  # the shared DB is never re-downloaded
    assert argv[argv.index("--scanners") + 1] == "vuln,secret"
    assert argv.count("--vex") == 2
    assert {"--skip-db-update", "--ignore-unfixed"} <= set(argv)
    # Trivy never fetches the Java DB itself: the stage does when a scan meets a JAR.
    assert "--skip-java-db-update" in argv
    assert "--java-db-repository" not in argv
    assert argv[argv.index("--platform") + 1] == "linux/arm64"


def test_download_and_config_argv() -> None:
    argv = trivy.download_db_argv("127.0.0.1:5000/db:2", "/c", insecure=True)
    assert "--download-db-only" in argv
    assert argv[argv.index("--db-repository") + 1] == "127.0.0.1:5000/db:2"
    assert "--insecure" in argv
    java = trivy.download_db_argv("r/java-db:1", "/c", insecure=False, database=db.JAVA_DB)
    assert java[:3] == ["trivy", "image", "--download-java-db-only"]
    assert java[java.index("--java-db-repository") + 1] == "r/java-db:1"
    assert java[java.index("--cache-dir") + 1] == "/c"
    assert "--db-repository" not in java
    assert "--insecure" not in java
    argv = trivy.config_argv("Dockerfile", "/o.json")
    assert argv[:2] == ["trivy", "config"]
    assert "--skip-check-update" in argv
    assert "--severity" not in argv  # every severity: the policy and the scan pick their own
    assert argv[-1] == "Dockerfile"
