"""Annotations: what to point at in the diff, most important first, within GitHub's caps.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per
job (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
#setting-an-error-message, "limits"); the rest are silently dropped. So annotations are
ordered (level, severity, fixable first: what a reviewer can act on), capped, and one
notice says how many more there are and where. A finding's level is
`slipway.core.severity.level` (the gate's verdict on it), as in SARIF. Messages are untrusted
text: they reach the log only through `slipway.runner.workflow.Workflow`, which escapes data and
properties. Compared with a baseline image, a new finding's title starts with ``New: ``
(`finding_title`): a vulnerability, a secret, or a Dockerfile or image-policy finding (when
the baseline's policy findings are known).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slipway.core.severity import Level
from slipway.scan.delta import Delta, Finding

MAX_TITLE = 200
MAX_MESSAGE = 4000  # a 100 KB advisory text would flood the log and the annotation pane
MORE_ANNOTATIONS = (
    "{hidden} more finding(s) not annotated here (GitHub shows {per_step} errors and "
    "{per_step} warnings per step, 50 per job): see {where}."
)
WHERE = "the job summary, the check run and the SARIF report"
NEW_TITLE = "New: "  # a finding the change adds, against a baseline


_LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.NOTICE: 2}


def clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def finding_title(title: str, platform: str, finding: Finding, delta: Delta | None = None) -> str:
    """A finding's annotation ``title``, prefixed `NEW_TITLE` when ``delta`` compared it with
    a baseline (`Delta.compared`) and ``finding`` (found on ``platform``; a policy finding is
    the image's) is new there; else ``title`` as is."""
    if delta is None or not delta.compared(finding) or not delta.is_new(platform, finding):
        return title
    return NEW_TITLE + title


@dataclass(frozen=True)
class Annotation:
    """One annotation: a message, optionally on lines of a file, with its importance."""

    level: Level
    message: str
    title: str = ""
    file: str = ""
    line: int | None = None
    end_line: int | None = None
    rank: int = 0  # Severity.rank: higher is more severe
    fixable: bool = False
    key: str = ""  # a stable tie-break (the advisory ID and package, say)

    def sort_key(self) -> tuple[int, int, bool, str, int, str]:
        """Most important first: level, severity, fixable, then position and key."""
        return (
            _LEVEL_ORDER[self.level],
            -self.rank,
            not self.fixable,
            self.file,
            self.line or 0,
            self.key,
        )

    def properties(self) -> dict[str, str | int]:
        """The workflow-command properties (escaped by `Workflow`, not here)."""
        props: dict[str, str | int] = {}
        if self.title:
            props["title"] = clip(self.title, MAX_TITLE)
        if self.file:
            props["file"] = self.file
            if self.line is not None and self.line > 0:
                props["line"] = self.line
                if self.end_line is not None and self.end_line >= self.line:
                    props["endLine"] = self.end_line
        return props


@dataclass(frozen=True)
class Budget:
    """How many annotations of each level this step may still show, and the job."""

    error: int = 10
    warning: int = 10
    notice: int = 10
    job: int = 50

    def per_level(self, level: Level) -> int:
        """The cap for ``level``."""
        return {Level.ERROR: self.error, Level.WARNING: self.warning, Level.NOTICE: self.notice}[
            level
        ]


@dataclass(frozen=True)
class Selection:
    """The annotations to emit, in order, and how many were left out."""

    shown: tuple[Annotation, ...]
    hidden: int
    hidden_by_level: dict[str, int] = field(default_factory=dict)


def order(annotations: Iterable[Annotation]) -> list[Annotation]:
    """Most important first (stable for equal keys)."""
    return sorted(annotations, key=Annotation.sort_key)


def select(annotations: Iterable[Annotation], budget: Budget | None = None) -> Selection:
    """The most important annotations that GitHub will show, keeping one notice slot
    (and one job slot) for the "N more" line when anything is left out."""
    budget = budget or Budget()
    ordered = order(annotations)
    caps = {level: budget.per_level(level) for level in Level}
    job = budget.job
    if _overflows(ordered, caps, job):
        caps[Level.NOTICE] = max(caps[Level.NOTICE] - 1, 0)
        job = max(job - 1, 0)
    shown: list[Annotation] = []
    used: Counter[Level] = Counter()
    hidden: Counter[str] = Counter()
    for item in ordered:
        if used[item.level] < caps[item.level] and len(shown) < job:
            shown.append(item)
            used[item.level] += 1
        else:
            hidden[item.level.value] += 1
    return Selection(tuple(shown), sum(hidden.values()), dict(hidden))


def _overflows(ordered: Sequence[Annotation], caps: dict[Level, int], job: int) -> bool:
    per_level = Counter(item.level for item in ordered)
    return len(ordered) > job or any(per_level[level] > caps[level] for level in Level)


class CommandWriter(Protocol):
    """Where annotations go: `slipway.runner.workflow.Workflow`, or the laptop terminal."""

    def command(self, command: str, message: str, **properties: str | int) -> None: ...

    def notice(self, message: str, **properties: str | int) -> None: ...


def emit(
    workflow: CommandWriter,
    selection: Selection,
    *,
    where: str = WHERE,
    per_step: int = 10,
) -> int:
    """Write the selected annotations, then the "N more" notice; returns lines written."""
    for item in selection.shown:
        workflow.command(item.level.value, clip(item.message, MAX_MESSAGE), **item.properties())
    if selection.hidden:
        workflow.notice(
            MORE_ANNOTATIONS.format(hidden=selection.hidden, where=where, per_step=per_step)
        )
        return len(selection.shown) + 1
    return len(selection.shown)
