"""A Trivy stand-in for the stage (no process) and a large report made from the real schema.

`synthetic_report` clones the vulnerability records of Trivy's own golden report
(tests/data/trivy-reports/debian-buster.json.golden), so every field has the shape Trivy
writes; `FakeTrivyRunner` answers the stage's Trivy commands by writing such files.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from slipway.runner.workflow import Workflow
from slipway.tools.run import Result, Runner

GOLDEN = Path(__file__).parents[2] / "data" / "trivy-reports" / "debian-buster.json.golden"
SEVERITY_CYCLE = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "HIGH", "MEDIUM", "UNKNOWN")
METADATA = (
    '{"Version":2,"NextUpdate":"2026-11-24T06:00:00Z","UpdatedAt":"2026-11-23T06:00:00Z",'
    '"DownloadedAt":"2026-11-23T07:00:00Z"}'
)
JAVA_METADATA = (
    '{"Version":1,"NextUpdate":"2026-11-26T00:00:00Z","UpdatedAt":"2026-11-23T00:00:00Z",'
    '"DownloadedAt":"2026-11-23T08:00:00Z"}'
)
# What Trivy 0.76 says when a scan meets a JAR, told not to fetch a Java DB it has not got.
NO_JAVA_DB = (
    "2026-11-23T12:00:00Z\tFATAL\tFatal error\trun error: image scan error: scan error: scan "
    "failed: failed analysis: post analysis error: post analysis error: Unable to initialize "
    "the Java DB: Java DB update failed: '--skip-java-db-update' cannot be specified on the "
    "first run"
)


def synthetic_report(findings: int, *, secrets: int = 0) -> dict[str, Any]:
    """A Trivy JSON report (schema 2) with ``findings`` vulnerabilities."""
    golden = json.loads(GOLDEN.read_text())
    templates = [v for r in golden["Results"] for v in r.get("Vulnerabilities") or []]
    result = copy.deepcopy(golden["Results"][0])
    vulns: list[dict[str, Any]] = []
    for number in range(findings):
        vuln = dict(templates[number % len(templates)])
        vuln["VulnerabilityID"] = f"CVE-2099-{number:05d}"
        vuln["PkgName"] = f"pkg{number % 997}"
        vuln["Severity"] = SEVERITY_CYCLE[number % len(SEVERITY_CYCLE)]
        vuln["FixedVersion"] = "" if number % 3 == 0 else f"1.{number}"
        vulns.append(vuln)
    result["Vulnerabilities"] = vulns
    results = [result]
    if secrets:
        results.append(
            {
                "Target": "/app/.env",
                "Class": "secret",
                "Secrets": [
                    {
                        "RuleID": "aws-access-key-id",
                        "Category": "AWS",
                        "Severity": "CRITICAL",
                        "Title": "AWS Access Key ID",
                        "StartLine": n + 1,
                        "EndLine": n + 1,
                    }
                    for n in range(secrets)
                ],
            }
        )
    return {**golden, "Results": results}


class FakeTrivyRunner(Runner):
    """Answers ``trivy`` commands without a process; records them; can refuse downloads."""

    def __init__(
        self,
        report: Mapping[str, Any],
        *,
        refuse: Sequence[str] = (),
        binary: Path | None = None,
        jars: bool = False,
    ) -> None:
        super().__init__(Workflow({}, io.StringIO()), {})
        self.report_text = json.dumps(report)
        self.refuse = tuple(refuse)
        self.jars = jars  # the image holds a JAR: a scan needs the Java DB
        self.commands: list[tuple[str, ...]] = []
        self.binary = binary or GOLDEN  # any file: what "the trivy binary" is for the reuse key

    def which(self, program: str) -> str:
        return str(self.binary)

    def run(self, argv: Sequence[str], **_kwargs: Any) -> Result:
        self.commands.append(tuple(argv))
        args = list(argv)
        for flag, repository_flag, folder, file, metadata in (
            ("--download-db-only", "--db-repository", "db", "trivy.db", METADATA),
            (
                "--download-java-db-only",
                "--java-db-repository",
                "java-db",
                "trivy-java.db",
                JAVA_METADATA,
            ),
        ):
            if flag not in args:
                continue
            repository = args[args.index(repository_flag) + 1]
            if repository in self.refuse:
                log = f"FATAL\tFatal error\tGET https://{repository}: TOOMANYREQUESTS: rate limit"
                return Result(tuple(argv), 1, "", log)
            db = Path(args[args.index("--cache-dir") + 1]) / folder
            db.mkdir(parents=True, exist_ok=True)
            (db / file).write_bytes(b"")
            (db / "metadata.json").write_text(metadata)
            return Result(tuple(argv), 0, "", "")
        if self.jars and args[1] == "image" and "--skip-java-db-update" in args:
            java_db = Path(args[args.index("--cache-dir") + 1]) / "java-db" / "trivy-java.db"
            if not java_db.is_file():
                return Result(tuple(argv), 1, "", NO_JAVA_DB)
        output = Path(args[args.index("--output") + 1])
        text = '{"SchemaVersion": 2, "Results": []}' if args[1] == "config" else self.report_text
        output.write_text(text)
        return Result(tuple(argv), 0, "", "")

    def count(self, *words: str) -> int:
        """Commands containing every one of ``words``."""
        return sum(1 for argv in self.commands if all(w in argv for w in words))
