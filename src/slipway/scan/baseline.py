"""Which published image a change is compared with, and reading its attached scan report
back into findings (pure; `slipway.stages.baseline` asks the registry).

The baseline, unless the `baseline` input names one (a tag of the first image, or a full
reference) or says ``none``:

- on a pull request, the image the base branch's tag names (the tag the default rules give a
  branch: the branch name, cleaned as metadata-action cleans it);
- on a push of a tag, or a release, the previous release: the highest semver tag of the
  repository below the version being released (pre-releases left out);
- on any other event (a push to a branch, a schedule, a manual run), what the tags about to
  move point at now: the first of them the registry has.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from slipway.core.context import Context
from slipway.core.severity import Severity
from slipway.meta import semver
from slipway.meta.tags import clean_tag
from slipway.oci.refs import ImageName, is_digest
from slipway.policy.model import Finding as PolicyFinding
from slipway.scan.combined import REPORT_VERSION
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability
from slipway.scan.options import ScanOptions

NONE = "none"
F = TypeVar("F", Vulnerability, Secret, PolicyFinding, Misconfiguration)
Kind = Literal["none", "references", "previous-release"]


@dataclass(frozen=True)
class BaselineChoice:
    """How the baseline is found: ``references`` to try in order (the first the registry
    has is the baseline), or the previous release below ``version``."""

    kind: Kind
    why: str  # how it was chosen, for the log and the summary
    references: tuple[str, ...] = ()
    version: str = ""  # previous-release: the version being released


def choose_baseline(
    option: str, image: ImageName, context: Context, moving_tags: Sequence[str], version: str
) -> BaselineChoice:
    """The baseline of a run of ``image`` (`baseline` input: ``option``; ``moving_tags``: the
    run's tags of ``image``, full references; ``version``: metadata's version)."""
    if option == NONE:
        return BaselineChoice("none", "`baseline: none`")
    if option:
        reference = option if "/" in option or "@" in option else f"{image}:{option}"
        return BaselineChoice("references", "the `baseline` input", (reference,))
    if context.event_name.startswith("pull_request") and context.base_ref:
        return BaselineChoice(
            "references", "the base branch's tag", (f"{image}:{clean_tag(context.base_ref)}",)
        )
    if context.event_name == "release" or context.ref.startswith("refs/tags/"):
        current = semver.parse(version) or semver.parse(context.ref.rpartition("/")[2])
        if current is not None:
            return BaselineChoice("previous-release", "the previous release", version=current.raw)
    own = tuple(t for t in moving_tags if t.startswith(f"{image}:"))
    if own:
        return BaselineChoice("references", "what the tags about to move point at now", own)
    return BaselineChoice("none", "no tag moves on this event, and none was named")


def previous_release(tags: Sequence[str], version: str) -> str | None:
    """The tag of the highest release below ``version`` (pre-releases left out), if any."""
    current = semver.parse(version)
    if current is None:
        return None
    below = [
        (parsed.sort_key(), tag)
        for tag in tags
        if (parsed := semver.parse(tag)) is not None
        and not parsed.prerelease
        and parsed.sort_key() < current.sort_key()
    ]
    return max(below)[1] if below else None


def incompatible(document: Mapping[str, Any], options: ScanOptions) -> str:
    """Why an attached scan report cannot stand for a scan with ``options`` ("" when it can):
    another report version, fewer severities, scanners or unfixed findings than asked."""
    if document.get("version") != REPORT_VERSION:
        return "it is another version of the report"
    severities = document.get("severities")
    if not isinstance(severities, list) or not set(options.scan_severities) <= set(severities):
        return "it reports fewer severities than this scan asks for"
    scanners = document.get("scanners")
    if not isinstance(scanners, list) or not set(options.image_scanners) <= set(scanners):
        return "it was made with other scanners"
    if document.get("ignore_unfixed") is not options.ignore_unfixed:
        return "it was made with another `ignore-unfixed`"
    return ""


def scans_from_report(document: Mapping[str, Any]) -> tuple[PlatformScan, ...]:
    """The per-platform findings of a scan report (`slipway.scan.combined.merged_report`);
    anything that is not what that function writes is left out, never trusted."""
    platforms = document.get("platforms")
    if not isinstance(platforms, dict):
        return ()
    vulnerabilities: dict[str, list[Vulnerability]] = {p: [] for p in platforms}
    secrets: dict[str, list[Secret]] = {p: [] for p in platforms}
    for record in _records(document, "vulnerabilities"):
        vulnerability = _finding(Vulnerability, record)
        for platform in _platforms(record, vulnerabilities):
            vulnerabilities[platform].append(vulnerability)
    for record in _records(document, "secrets"):
        secret = _finding(Secret, record)
        for platform in _platforms(record, secrets):
            secrets[platform].append(secret)
    return tuple(
        PlatformScan(
            str(platform),
            str(entry.get("image", "")) if isinstance(entry, dict) else "",
            tuple(vulnerabilities[platform]),
            tuple(secrets[platform]),
            digest=_digest(entry),
        )
        for platform, entry in platforms.items()
    )


def policy_from_report(document: Mapping[str, Any]) -> tuple[PolicyFinding, ...] | None:
    """The Dockerfile and image-policy findings of a scan report
    (`slipway.scan.combined.with_policy`); None when it has none to say (a report written
    before reports carried them, or by a run without the policy): then they are unknown. A
    record without an identity is left out: it could match nothing."""
    if not isinstance(document.get("policy"), list):
        return None
    found = (_finding(PolicyFinding, record) for record in _records(document, "policy"))
    return tuple(f for f in found if f.identity)


def misconfigurations_from_report(
    document: Mapping[str, Any],
) -> tuple[Misconfiguration, ...] | None:
    """The Dockerfile's ``trivy config`` misconfigurations of a scan report
    (`slipway.scan.combined.merged_report` with ``config_checked``); None when it has none to
    say (a report written before reports carried their identity, or by a run whose policy
    owned the Dockerfile checks, or without the ``config`` scanner): then they are unknown. A
    record without an identity is left out: it could match nothing."""
    if document.get("config_checked") is not True:
        return None
    if not isinstance(document.get("misconfigurations"), list):
        return None
    found = (_finding(Misconfiguration, r) for r in _records(document, "misconfigurations"))
    return tuple(m for m in found if m.identity)


def _records(document: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    found = document.get(key)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _platforms(record: Mapping[str, Any], known: Mapping[str, object]) -> list[str]:
    listed = record.get("platforms")
    return (
        [p for p in listed if isinstance(p, str) and p in known] if isinstance(listed, list) else []
    )


def _digest(entry: object) -> str:
    digest = entry.get("digest", "") if isinstance(entry, dict) else ""
    return digest if isinstance(digest, str) and is_digest(digest) else ""


def _finding(kind: type[F], record: Mapping[str, Any]) -> F:
    """A finding of ``kind`` from its record: each field its type, or its default."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(kind):
        value = record.get(spec.name)
        if spec.name == "severity":
            values["severity"] = Severity.read(value if isinstance(value, str) else "")
        elif spec.name in ("line", "dockerfile_line", "start_line", "end_line"):
            number = value if isinstance(value, int) and not isinstance(value, bool) else None
            values[spec.name] = number if number is not None or spec.name != "line" else 0
        elif spec.name == "platform":  # a policy finding's: None for the Dockerfile's own
            values["platform"] = value[:4096] if isinstance(value, str) and value else None
        else:
            values[spec.name] = value[:4096] if isinstance(value, str) else ""
    return kind(**values)
