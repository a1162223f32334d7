"""The terminal output: a scripted run against golden files, and what must never be printed.

Regenerate the goldens with ``SLIPWAY_UPDATE_GOLDEN=1``; otherwise a difference fails.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipway.__main__ import _report_error
from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Level, Severity
from slipway.errors import ExitCode
from slipway.inputs import read_inputs
from slipway.report import annotations as ann
from slipway.report.summary import BuildStats, Outcome, render_summary
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability
from slipway.terminal import TerminalWorkflow, inert, meaning, render_text, wants_color
from slipway.terminal.result import MEANINGS, format_duration
from slipway.terminal.style import SGR, SGR_PATTERN, width

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "terminal"
SECRET = "hunter2-registry-token"
EVIL_ESCAPES = "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07click\x1b]8;;\x07 \x9b2J\x7f\x00"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def vuln(vuln_id: str, package: str, **fields: str) -> Vulnerability:
    base = {"installed": "1.0", "fixed": "1.1", "severity": "HIGH", "title": "t"}
    values = {**base, **fields}
    return Vulnerability(
        vuln_id,
        package,
        values["installed"],
        values["fixed"],
        Severity(values["severity"]),
        values["title"],
        values.get("url", f"https://avd.aquasec.com/nvd/{vuln_id.lower()}"),
        "debian",
        dockerfile_line=int(values.get("line", "0")) or None,
    )


HOSTILE = (
    vuln("CVE-2024-0001", "openssl", severity="CRITICAL", installed="3.0.1", line="4"),
    vuln(
        "CVE-9<img src=x onerror=alert(1)>",
        "x%0A::error::pwned",
        severity="CRITICAL",
        installed="1\n@everyone",
        fixed="",
        url="javascript:alert(1)",
    ),
    vuln("GHSA-**b**", "**bold** [link](https://evil.test) @octocat #12", installed=EVIL_ESCAPES),
    vuln("CVE-2024-0003", "evil\u202etxt.exe", title="\x9b31m\x7f\x00", fixed="2\u2066.0"),
    vuln("CVE-2024-0004", "::warning::injected", severity="MEDIUM"),
    vuln("CVE-2024-0005", "p" * 300, severity="MEDIUM", fixed=""),
    vuln("CVE-2024-0006", "名前パッケージ", installed="✅ ok ❌", severity="MEDIUM"),
)
SECRETS = (
    Secret("aws-access-key-id", "AWS", Severity.CRITICAL, "AWS <b>key</b> | pipe", "/app/.env", 3),
)
MISCONFIG = (
    Misconfiguration(
        "DS002",
        Severity.HIGH,
        "Image user should not be 'root' `x`",
        "m",
        "https://avd.aquasec.com/misconfig/ds002",
        "Dockerfile",
        1,
    ),
)


def plan() -> Plan:
    inputs = read_inputs(
        {
            "INPUT_IMAGES": "ghcr.io/acme/app",
            "INPUT_PLATFORMS": "linux/amd64,linux/arm64",
            "INPUT_LABELS": f"evil=::error::x |  y\nmaint=@octocat <img src=x>\nkey={SECRET}",
            "INPUT_SEVERITY": "CRITICAL,HIGH,MEDIUM",
            "INPUT_FAIL-ON": "HIGH",
        }
    )
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    made = make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    # An input cannot hold an escape (it is refused), a label from the API's description can
    labels = {**made.metadata.labels, "evil": "::error::x | \x1b[2J y"}
    return replace(made, metadata=replace(made.metadata, labels=labels))


def summary() -> str:
    scans = (
        PlatformScan("linux/amd64", "r@sha256:a", HOSTILE, SECRETS),
        PlatformScan("linux/arm64", "r@sha256:b", HOSTILE[:2]),
    )
    digests = {"linux/amd64": "sha256:" + "1" * 64, "linux/arm64": "sha256:" + "2" * 64}
    failures = ("2 CRITICAL vulnerabilities (1 with fixes) in linux/amd64 (fail-on: HIGH)",)
    outcome = Outcome(
        "sha256:" + "f" * 64,
        digests,
        (),
        scans,
        failures,
        build_stats=BuildStats(12.34, 9, 7),
        misconfigurations=MISCONFIG,
    )
    return render_summary(plan(), outcome)


BUILDX = [
    "#1 [internal] load build definition from Dockerfile",
    "#1 transferring dockerfile: 312B done",
    "#5 [build 2/3] RUN make",
    "#5 0.412 ::warning file=Dockerfile,line=1::from the build",
    f"#5 0.413 {EVIL_ESCAPES}",
    "#5 0.414 ::add-mask::nothing",
    "#5 DONE 9.1s",
]


def attach(workflow: TerminalWorkflow, clock: FakeClock) -> None:
    """A stage that fails after 75.4 s."""
    with workflow.group("Attach the evidence"):
        clock.now += 75.4
        raise RuntimeError("registry went away")


def session(color: bool) -> str:
    """A run as the pipeline drives it: stages, tool output, annotations, a summary, the end."""
    stream, clock = io.StringIO(), FakeClock()
    workflow = TerminalWorkflow({}, stream, color=color, clock=clock)
    workflow.info("Slipway 0.1.0: ghcr.io/acme/app")
    with workflow.group("Preflight"):
        workflow.mask(SECRET)
        workflow.info(f"logged in to ghcr.io with {SECRET}")
        workflow.info("::error::from a branch name\n\t\u202eevil")
        workflow.debug("not shown without verbose")
        clock.now += 0.42
    with workflow.group("Build"):
        workflow.info("$ docker buildx build --push .")
        with workflow.stop_commands():
            for line in BUILDX:
                workflow.raw(line)
        workflow.warning("build arg TOKEN looks like a secret", file="Dockerfile", line=3)
        clock.now += 12.34
    with workflow.group("Scan"):
        for platform in ("linux/amd64", "linux/arm64"):
            with workflow.group(platform):
                workflow.verbatim(f"trivy: scanning {platform}\n2 CRITICAL, 3 HIGH\n")
                clock.now += 3.2
        clock.now += 0.5
    marks = [
        ann.Annotation(
            Level.ERROR,
            "openssl 3.0.1 (CRITICAL, fixed in 1.1)",
            title="CVE-2024-0001 in openssl",
            file="Dockerfile",
            line=4,
        )
    ]
    ann.emit(workflow, ann.select(marks))
    workflow.notice("1 more finding(s) not annotated here")
    with pytest.raises(RuntimeError, match="went away"):
        attach(workflow, clock)
    workflow.set_output("report-file", "slipway-reports/trivy.json")
    workflow.set_output("sarif-file", "slipway-reports/slipway-scan.sarif")
    workflow.set_output("comment-file", "")
    workflow.set_output("sbom-files", '{"linux/amd64": "sbom-amd64.json", "linux/arm64": "a.json"}')
    workflow.set_output("digest", "sha256:" + "f" * 64)
    workflow.set_output("tags", "ghcr.io/acme/app:main\nghcr.io/acme/app:sha-aaaaaaa\n")
    workflow.set_output("token", SECRET)
    workflow.append_summary(summary())
    message = f"push refused: {EVIL_ESCAPES}\n```\n::error::in a fence"
    _report_error(workflow, "Registry error", message, f"check the token {SECRET}")
    workflow.finish(int(ExitCode.GATE_FAILED))
    return stream.getvalue()


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
def test_session_matches_golden(color: bool) -> None:
    got = session(color)
    golden = GOLDEN / f"session-{'color' if color else 'plain'}.txt"
    if os.environ.get("SLIPWAY_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(got.encode())
    assert golden.is_file(), f"{golden} is missing; run with SLIPWAY_UPDATE_GOLDEN=1"
    assert got == golden.read_bytes().decode()


UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
def test_session_is_inert(color: bool) -> None:
    out = session(color)
    assert SECRET not in out
    assert "hunter2" not in out
    lines = SGR_PATTERN.sub("", out).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")]
    assert not UNSAFE.search(SGR_PATTERN.sub("", out))  # no ESC but the SGR, no C1, no bidi
    assert not any(
        unicodedata.category(c) in ("Cc", "Cf") for c in out.replace("\n", "") if c != "\x1b"
    )
    if not color:
        assert "\x1b" not in out
        return
    codes = SGR_PATTERN.findall(out)
    assert codes
    known = set(SGR.values())
    for code in codes:
        assert code == "\x1b[0m" or set(code[2:-1].split(";")) <= known, repr(code)


def test_plain_output_reads_as_expected() -> None:
    out = session(False)
    assert "✓ Build  12.3 s" in out
    assert "✗ Attach the evidence  1 min 15 s" in out
    assert "  warning: build arg TOKEN looks like a secret (Dockerfile:3)" in out
    assert (
        "error: CVE-2024-0001 in openssl: openssl 3.0.1 (CRITICAL, fixed in 1.1) (Dockerfile:4)"
        in out
    )
    assert "  │ #5 0.413 \\x1b[31mred\\x1b[0m \\x1b]8;;http://evil\\x07click" in out
    assert "» ::error::from a branch name" in out
    assert "not shown without verbose" not in out
    assert "Gate failed (fail-on: HIGH):" in out
    assert f"exit 1            {MEANINGS[ExitCode.GATE_FAILED]}" in out
    assert "output " not in out
    assert "::stop-commands::" not in out


def test_verbose_shows_debug_and_buffered_shares_masks_and_outputs() -> None:
    stream = io.StringIO()
    workflow = TerminalWorkflow({}, stream, color=False, verbose=True)
    workflow.debug("details")
    with workflow.group("Build"):
        child = workflow.buffered()
        child.mask("s3cr3t-value")
        child.info("lint: s3cr3t-value")
        child.set_output("sarif-file", "lint.sarif")
        assert "lint" not in stream.getvalue()
        workflow.replay(child)
    workflow.info("s3cr3t-value again")
    workflow.mask("abc")  # shorter than MIN_SCRUBBED: left for GitHub's masking
    workflow.info("abc")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "debug: details"
    assert "  lint: ***" in lines
    assert "*** again" in lines
    assert "abc" in lines
    assert workflow.outputs == {"sarif-file": "lint.sarif"}


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_color_only_on_a_terminal_without_no_color() -> None:
    assert wants_color({}, Tty())
    assert wants_color({"NO_COLOR": ""}, Tty())
    assert not wants_color({"NO_COLOR": "1"}, Tty())
    assert not wants_color({"TERM": "dumb"}, Tty())
    assert not wants_color({}, io.StringIO())
    assert TerminalWorkflow({}, Tty()).color
    assert not TerminalWorkflow({"NO_COLOR": "1"}, Tty()).color
    stream = io.StringIO()
    workflow = TerminalWorkflow({}, stream)
    workflow.error("boom", title="Build failed")
    assert stream.getvalue() == "error: Build failed: boom\n"
    assert not TerminalWorkflow({}, Tty(), color=False).color
    assert TerminalWorkflow({"NO_COLOR": "1"}, io.StringIO(), color=True).color


def test_a_summary_over_githubs_limit_is_cut_not_refused() -> None:
    stream = io.StringIO()
    TerminalWorkflow({}, stream, color=False).append_summary("x\n" * (600 * 1024))
    shown = stream.getvalue()
    assert 1000 * 1024 < len(shown.encode()) <= 1024 * 1024 + 1  # + the blank line before it
    assert "cut here to fit GitHub's 1 MiB step summary" in shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain ✅ 名前", "plain ✅ 名前"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\tb", "a   b"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("\x9b\x7f\x00", "\\x9b\\x7f\\x00"),
        ("line\u2028sep\ud800", "line\\u2028sep\\ud800"),
        ("👩\u200d💻", "👩\u200d💻"),
    ],
)
def test_inert(value: str, shown: str) -> None:
    assert inert(value) == shown
    assert inert(shown) == shown


def test_tables_align_by_display_width() -> None:
    rows = render_text(
        "| A | B |\n|---|---|\n| 名前 | x |\n| ✅ | y |\n| `a\\|b` | z |\n"
    ).splitlines()
    assert rows[0] == "A     B"
    assert [width(row[: row.rindex(" ") + 1]) for row in rows[2:]] == [6, 6, 6]
    assert rows[4] == "a|b   z"


def test_markdown_constructs() -> None:
    out = render_text(
        "## Slipway: x\n\n"
        "**Image:** `a`  \n_not pushed_ and \\*not italic\\* and snake_case_name  \n"
        "- ~~`old`~~ [CVE\\-1](https://avd.test/CVE-1) &amp; &lt;img&gt;\n"
        "<sub>Note `x`.</sub>\n\n\n"
        "<!-- slipway:report:app -->\n"
        "<details><summary>Labels</summary>\n\nInside.\n\n</details>\n"
        "```text\n**not bold** &amp;\n```\n"
    )
    assert out.splitlines() == [
        "Slipway: x",
        "══════════",
        "",
        "Image: a",
        "not pushed and *not italic* and snake_case_name",
        "• old CVE-1 <https://avd.test/CVE-1> & <img>",
        "Note x.",
        "",
        "▾ Labels",
        "",
        "  Inside.",
        "",
        "│ **not bold** &amp;",
    ]


def test_every_exit_code_has_its_own_sentence() -> None:
    sentences = [meaning(int(code)) for code in ExitCode]
    assert len(set(sentences)) == len(ExitCode)
    assert meaning(130) == "Interrupted (Ctrl-C)."
    assert "not an exit code" in meaning(42).lower()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.04, "0.0 s"), (12.34, "12.3 s"), (59.96, "1 min 00 s"), (125.4, "2 min 05 s")],
)
def test_format_duration(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_a_secret_split_by_markdown_is_still_scrubbed() -> None:
    stream = io.StringIO()
    workflow = TerminalWorkflow({}, stream, color=True)
    workflow.command("add-mask", "abcd-efgh")
    workflow.append_summary("**abcd**\\-efgh and `abcd`-efgh\n")
    workflow.command("set-output", "x")
    assert stream.getvalue() == "\n*** and ***\nset-output: x\n"


@pytest.mark.parametrize(
    ("properties", "shown"),
    [
        ({"file": "Dockerfile", "line": 3, "endLine": 5}, " (Dockerfile:3-5)"),
        ({"file": "Dockerfile", "line": 3, "col": 7}, " (Dockerfile:3:7)"),
        ({"file": "Dockerfile"}, " (Dockerfile)"),
        ({"title": "T\n::error::x"}, ""),
    ],
)
def test_annotation_locations(properties: dict[str, str | int], shown: str) -> None:
    stream = io.StringIO()
    TerminalWorkflow({}, stream, color=False).command("warning", "m\n::x", **properties)
    first, second = stream.getvalue().splitlines()
    title = "T\\x0a::error::x: " if "title" in properties else ""
    assert first == f"warning: {title}m{shown}"
    assert second == "  » ::x"
