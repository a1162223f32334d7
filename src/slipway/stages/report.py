"""Report back: annotations on the Dockerfile lines, the sticky PR comment, the check run
and the SARIF upload — everything after the summary, each optional part failing soft.

Findings become `report.annotations.Annotation`s (most important first, within GitHub's
per-step limits). The report is rendered once, as sections (`report.summary`), redacted, then
fitted by the one fitter (`report.fit`) to each of GitHub's limits: the job summary's 1 MiB,
the comment's 65,536 characters, the check run's 65,535.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.buildx.checks import SAME_AS, BuildCheck, build_checks
from slipway.core.plan import Plan
from slipway.core.severity import Level, Severity, level
from slipway.github.comment import CommentBody, CommentError, history_line, post_comment
from slipway.github.reports import CheckOutput, create_check_run, upload_sarif
from slipway.meta.config import MetadataConfig
from slipway.meta.engine import Metadata, render_outputs
from slipway.policy.model import PolicyFindings
from slipway.report import annotations as ann
from slipway.report.advice_section import advice_sections
from slipway.report.fit import CHECK_RUN, SUMMARY, Section, fit, redacted
from slipway.report.sarif import add_results, policy_sarif_findings, render_sarif
from slipway.report.summary import Outcome, summary_sections
from slipway.runner.workflow import Workflow
from slipway.scan.combined import vulnerability_counts
from slipway.scan.delta import Delta, Finding
from slipway.scan.findings import Misconfiguration, PlatformScan

if TYPE_CHECKING:
    from slipway.stages import Run, State

SARIF_FILE = "slipway-scan.sarif"

# Of the step summary's 1 MiB, what the report leaves for what the run may append after it:
# an error's long form (slipway.__main__), e.g. the gate's verdict; a few KiB at most.
AFTER_REPORT = 16 * 1024


@dataclass(frozen=True)
class Delivered:
    """What reporting produced: the comment file, and a comment error `always` makes fatal."""

    comment_file: str = ""
    error: CommentError | None = None


def finding_annotations(
    plan: Plan,
    scans: Sequence[PlatformScan],
    checks: PolicyFindings,
    delta: Delta | None = None,
    build: Sequence[BuildCheck] = (),
    *,
    misconfigurations: Sequence[Misconfiguration] = (),
) -> list[ann.Annotation]:
    """Vulnerabilities and secrets on the line that added their layer, policy findings and
    the misconfigurations of `policy: none` on theirs (each titled ``New:`` when ``delta``
    says the change adds it)."""
    dockerfile, fail_on = plan.dockerfile, plan.scan.fail_on
    new_only = plan.scan.fail_on_scope == "new" and delta is not None and delta.baseline.present

    def shown(severity: Severity, platform: str, finding: Finding) -> Level:
        """An error when it fails the gate: with `fail-on-scope: new`, only a new one does."""
        found = level(severity, fail_on)
        if new_only and found is Level.ERROR and delta and not delta.is_new(platform, finding):
            return Level.WARNING
        return found

    found: dict[str, ann.Annotation] = {}
    for scan in scans:
        for v in scan.vulnerabilities:
            if v.severity not in plan.scan.severity:
                continue
            fix = f"fixed in {v.fixed}" if v.fixed else "no fix yet"
            found.setdefault(
                f"{v.id} {v.package}",
                ann.Annotation(
                    shown(v.severity, scan.platform, v),
                    f"{v.package} {v.installed} ({v.severity}, {fix}) — introduced here",
                    title=ann.finding_title(f"{v.id} in {v.package}", scan.platform, v, delta),
                    file=dockerfile,
                    line=v.dockerfile_line,
                    rank=v.severity.rank,
                    fixable=v.fixable,
                    key=f"{v.id} {v.package}",
                ),
            )
        for s in scan.secrets:
            found.setdefault(
                f"{s.rule} {s.path}",
                ann.Annotation(
                    shown(s.severity, scan.platform, s),
                    f"secret ({s.title}) in {s.path} of this layer",
                    title=ann.finding_title(f"Secret: {s.rule}", scan.platform, s, delta),
                    file=dockerfile,
                    line=s.dockerfile_line,
                    rank=s.severity.rank,
                    key=f"{s.rule} {s.path}",
                ),
            )
    said: set[tuple[str, int | None]] = set()
    for f in checks.policy.findings if checks.policy else ():
        said.add((f.id, f.line or None))
        found.setdefault(
            f"{f.id} {f.line}",
            ann.Annotation(
                shown(f.severity, "", f),
                f"{f.title}. Fix: {f.fix}",
                title=ann.finding_title(f"{f.id} {f.title}", "", f, delta),
                file=f.file or dockerfile,
                line=f.line or None,
                rank=f.severity.rank,
                key=f"{f.id} {f.line}",
            ),
        )
    for m in misconfigurations:
        if m.severity not in plan.scan.severity:
            continue
        found.setdefault(
            f"{m.id} {m.start_line}",
            ann.Annotation(
                shown(m.severity, "", m),
                f"{m.title}: {m.message}",
                title=ann.finding_title(f"{m.id} {m.title}", "", m, delta),
                file=m.file or dockerfile,
                line=m.start_line,
                end_line=m.end_line,
                rank=m.severity.rank,
                key=f"{m.id} {m.start_line}",
            ),
        )
    for c in build:  # BuildKit's own checks, unless one of Slipway's rules says it there
        if (SAME_AS.get(c.rule, ""), c.line) in said:
            continue
        found.setdefault(
            f"{c.rule} {c.line}",
            ann.Annotation(
                Level.WARNING,
                c.message + (f" ({c.url})" if c.url else ""),
                title=f"BuildKit check {c.rule}",
                file=dockerfile,
                line=c.line,
                rank=Severity.LOW.rank,
                key=f"{c.rule} {c.line}",
            ),
        )
    return list(found.values())


def deliver(
    run: Run,
    *,
    report: Sequence[Section],
    marks: Sequence[ann.Annotation],
    failed: bool,
    sarif: Path | None,
) -> Delivered:
    """Annotations, the sticky comment, the check run, SARIF: each one fails alone (the
    comment only warns, unless `always`, whose error the run raises after the rest is done).
    Every GitHub call shares the run's one retry budget."""
    plan, context = run.plan, run.context
    ann.emit(run.workflow, ann.select(marks))
    run_url = f"{context.server_url}/{context.repository}/actions/runs/{context.run_id}"
    when = run.now.strftime("%Y-%m-%d %H:%M UTC")
    body = CommentBody(
        key=str(run.plan.images[0]),
        report=tuple(report),
        failed=failed,
        history=history_line(
            "failed" if failed else "passed", context.run_number, run_url, context.sha, when
        ),
    )
    # comment-file is relative to the workspace; by default, next to the other reports
    base = run.workspace if plan.report.comment_file else run.reports_dir
    delivered = Delivered()
    try:
        outcome = post_comment(
            run.workflow,
            context,
            plan.report,
            token=run.access.github_token,
            body=body,
            base=base,
            retrier=run.github,
        )
        delivered = Delivered(comment_file=outcome.file)
    except CommentError as error:
        delivered = Delivered(error=error)
    _checks_and_sarif(run, report=report, marks=marks, failed=failed, sarif=sarif)
    return delivered


def _checks_and_sarif(
    run: Run,
    *,
    report: Sequence[Section],
    marks: Sequence[ann.Annotation],
    failed: bool,
    sarif: Path | None,
) -> None:
    options, token = run.plan.report, run.access.github_token
    if options.check_run:
        output = CheckOutput(
            f"Slipway: {run.plan.images[0]}",
            "Security gate failed" if failed else "Security gate passed",
            fit(report, CHECK_RUN).text,
            "failure" if failed else "success",
        )
        create_check_run(
            run.workflow,
            run.context,
            token=token,
            output=output,
            annotations=marks,
            retrier=run.github,
        )
    if options.upload_sarif and sarif is not None and sarif.is_file():
        upload_sarif(
            run.workflow,
            run.context,
            token=token,
            sarif=sarif.read_text(encoding="utf-8"),
            retrier=run.github,
        )


def clear_reports(run: Run) -> None:
    """An earlier run's reports of this step go first: a report is always this run's."""
    shutil.rmtree(run.reports_dir, ignore_errors=True)


def write_sarif(run: Run, state: State) -> Path:
    """SARIF once, from every finding: the scan's (vulnerabilities, secrets, the Dockerfile's
    misconfigurations) and the policy's; written with `scan: false` too."""
    scan = run.plan.scan
    rendered = render_sarif(
        state.scans,
        state.misconfigurations,
        scan.severity,
        run.plan.dockerfile,
        scan.fail_on,
        delta=state.delta,
    )
    sarif = add_results(rendered, policy_sarif_findings(state.checks, state.delta), scan.fail_on)
    path = run.reports_dir / SARIF_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = run.workflow.redact(json.dumps(sarif, separators=(",", ":")))  # no secret in a file
    path.write_text(text + "\n", encoding="utf-8")
    run.workflow.set_output("sarif-file", run.output_path(path))
    return path


def report(
    run: Run,
    state: State,
    failures: tuple[str, ...],
    *,
    sarif: Path | None = None,
    by_digest_only: bool = False,
) -> None:
    """The job summary and every output; then (unless one part of a split build) the
    annotations, the sticky comment, the check run and the SARIF upload."""
    workflow, plan = run.workflow, run.plan
    outcome = Outcome(
        state.digest,
        state.platform_digests,
        tuple(state.tagged),
        tuple(state.scans),
        failures,
        by_digest_only=by_digest_only,
        checks=state.checks,
        build_stats=state.build_stats,
        misconfigurations=state.misconfigurations,
        delta=state.delta,
        signed=tuple(state.signed),
        not_signed=state.not_signed or plan.sign.not_signed,
    )
    # redacted before fitting: a redaction may change a text's size (the writers redact too)
    report = redacted(
        [*summary_sections(plan, outcome), *advice_sections(state.advice)], workflow.redact
    )
    room = SUMMARY.less(workflow.summary_used() + AFTER_REPORT)
    workflow.append_summary(fit(report, room).text)
    _outputs(run, state, failures)
    if by_digest_only:
        return
    build = (
        build_checks(state.build_metadata)
        if run.runner.env.get("DOCKER_BUILD_CHECKS_ANNOTATIONS", "true").lower() != "false"
        else []
    )
    marks = finding_annotations(
        plan,
        state.scans,
        state.checks,
        state.delta,
        build,
        misconfigurations=state.misconfigurations,
    )
    delivered = deliver(run, report=report, marks=marks, failed=bool(failures), sarif=sarif)
    comment_file = delivered.comment_file
    workflow.set_output("comment-file", run.output_path(comment_file) if comment_file else "")
    state.comment_error = delivered.error


def step(run: Run, state: State) -> None:
    """Step REPORT (one part of a split build: summary and outputs by digest only)."""
    if run.plan.split_part:
        report(run, state, (), by_digest_only=True)
        return
    report(run, state, state.failures, sarif=state.sarif)


def _outputs(run: Run, state: State, failures: tuple[str, ...]) -> None:
    workflow, plan = run.workflow, run.plan
    write_outputs(workflow, plan.metadata_config, plan.metadata)
    workflow.set_output("digest", state.digest)
    workflow.set_output("platform-digests", json.dumps(state.platform_digests))
    # build-push-action's outputs: imageid is the config digest of a one-platform build.
    config_digest = state.build_metadata.get("containerimage.config.digest")
    workflow.set_output("imageid", str(config_digest or state.digest))
    workflow.set_output("metadata", json.dumps(state.build_metadata, sort_keys=True))
    counts = vulnerability_counts(state.scans, plan.scan.scan_severities)
    workflow.set_output("vulnerabilities", json.dumps(counts, sort_keys=True))
    verdict = "skipped" if not state.scans else ("failed" if failures else "passed")
    workflow.set_output("scan-result", verdict)
    workflow.set_output("signed", "true" if state.signed else "false")
    commands = [command for entry in state.signed for command in entry.commands]
    workflow.set_output("verify-commands", "\n".join(commands))


OUTPUT_ENV_PREFIX = "DOCKER_METADATA_OUTPUT_"


def output_env_name(output: str) -> str:
    """``tag-names`` -> ``DOCKER_METADATA_OUTPUT_TAG_NAMES`` (metadata-action's rule)."""
    return OUTPUT_ENV_PREFIX + re.sub(r"\W", "_", output).upper()


def write_outputs(workflow: Workflow, config: MetadataConfig, metadata: Metadata) -> None:
    """Set each output, and its ``DOCKER_METADATA_OUTPUT_*`` variable when enabled."""
    for name, value in render_outputs(metadata, config).items():
        workflow.set_output(name, value)
        if config.set_output_env:
            workflow.export_variable(output_env_name(name), value)
