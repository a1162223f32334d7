"""A Dockerfile as instructions with line numbers, grouped into stages, plus suppressions.

Enough of the Dockerfile syntax for the policy checks and for matching image history
to lines: parser directives (``# escape=``), line continuations, comments, heredocs
(``RUN <<EOF``), ``FROM ... AS name`` with global ``ARG`` defaults substituted, and
``# slipway:ignore=ID reason`` comments. Pure: the text comes in as a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

SUPPRESSION = re.compile(r"#\s*slipway:ignore=([A-Za-z0-9_,\-]+)[ \t]*([^\n]*)")
_DIRECTIVE = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Suppression:
    """``# slipway:ignore=ID[,ID] reason`` on (or right above) an instruction."""

    ids: tuple[str, ...]
    reason: str
    line: int


@dataclass(frozen=True)
class Instruction:
    """One instruction: keyword (upper case), its text after the keyword, where it is."""

    keyword: str
    args: str
    line: int  # first line, 1-based
    end_line: int
    stage: int  # index of the stage it belongs to; -1 before the first FROM
    flags: tuple[tuple[str, str], ...] = ()  # (--)name, value: --from=..., each --mount=...
    heredocs: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()

    @property
    def body(self) -> str:
        """The arguments without ``--flag`` options, plus heredoc bodies (for RUN checks)."""
        return " ".join([_strip_flags(self.args), *self.heredocs]).strip()

    def flag(self, name: str) -> str | None:
        """The value of ``--name`` (the last one when repeated); None when not given."""
        found = [value for key, value in self.flags if key == name]
        return found[-1] if found else None

    def suppresses(self, rule_id: str) -> Suppression | None:
        """The suppression covering ``rule_id`` on this instruction, if any."""
        for suppression in self.suppressions:
            if rule_id.upper() in suppression.ids:
                return suppression
        return None


@dataclass(frozen=True)
class Stage:
    """A build stage: its FROM line, base image (ARGs substituted), optional name."""

    index: int
    base: str
    name: str
    line: int
    platform_flag: str = ""


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile."""

    path: str
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    file_suppressions: tuple[Suppression, ...] = ()  # comments before the first FROM

    @property
    def final_stage(self) -> Stage | None:
        """The stage that becomes the image (the last one, unless a target is built)."""
        return self.stages[-1] if self.stages else None

    def stage_named(self, name: str) -> Stage | None:
        """A stage by name (case-insensitive) or index string."""
        for stage in self.stages:
            if stage.name and stage.name.lower() == name.lower():
                return stage
            if name == str(stage.index):
                return stage
        return None

    def in_stage(self, index: int) -> tuple[Instruction, ...]:
        """The instructions of one stage, FROM included."""
        return tuple(i for i in self.instructions if i.stage == index)

    def at_line(self, line: int) -> Instruction | None:
        """The instruction spanning ``line``."""
        for instruction in self.instructions:
            if instruction.line <= line <= instruction.end_line:
                return instruction
        return None

    def is_stage_name(self, base: str) -> bool:
        """True when a FROM names an earlier stage rather than an image."""
        return any(s.name and s.name.lower() == base.lower() for s in self.stages)

    def final_stages(self) -> list[Stage]:
        """The final stage and the stages it is built FROM (their content is in the image)."""
        chain: list[Stage] = []
        stage = self.final_stage
        while stage is not None and stage not in chain:
            chain.append(stage)
            stage = next(
                # stage names are case-insensitive, as BuildKit reads them
                (
                    s
                    for s in self.stages[: stage.index]
                    if s.name and s.name.lower() == stage.base.lower()
                ),
                None,
            )
        return chain


def _strip_flags(args: str) -> str:
    return re.sub(r"^(?:--[\w-]+(?:=(?:\"[^\"]*\"|\S*))?\s+)*", "", args)


def _flags(args: str) -> tuple[tuple[str, str], ...]:
    """The leading ``--name=value`` options of an instruction, repeated ones included."""
    found: list[tuple[str, str]] = []
    rest = args
    while match := re.match(r"--([\w-]+)(?:=(\"[^\"]*\"|\S*))?\s*", rest):
        found.append((match.group(1).lower(), (match.group(2) or "").strip('"')))
        rest = rest[match.end() :]
    return tuple(found)


def _suppressions(text: str, line: int) -> list[Suppression]:
    return [
        Suppression(tuple(i.upper() for i in m.group(1).split(",") if i), m.group(2).strip(), line)
        for m in SUPPRESSION.finditer(text)
    ]


def substitute(value: str, args: Mapping[str, str]) -> str:
    """``$NAME`` / ``${NAME}`` / ``${NAME:-default}`` replaced from ``args`` (unknown: empty)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in args:
            return args[name]
        default = re.match(r"\$\{\w+:?-([^}]*)\}", match.group(0))
        return default.group(1) if default else ""

    return _VARIABLE.sub(replace, value)


@dataclass
class _Builder:
    lines: list[str]
    escape: str = "\\"
    position: int = 0
    pending: list[Suppression] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    global_args: dict[str, str] = field(default_factory=dict)
    file_suppressions: list[Suppression] = field(default_factory=list)

    def parse(self) -> None:
        self._directives()
        while self.position < len(self.lines):
            raw = self.lines[self.position]
            stripped = raw.strip()
            self.position += 1
            if not stripped:
                continue
            if stripped.startswith("#"):
                found = _suppressions(stripped, self.position)
                (self.file_suppressions if not self.stages else self.pending).extend(found)
                continue
            self._instruction(self.position, raw)

    def _directives(self) -> None:
        for number, raw in enumerate(self.lines):
            match = _DIRECTIVE.match(raw.strip())
            if not match:
                return
            if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
                self.escape = match.group(2)
            self.position = number + 1

    def _instruction(self, start: int, first: str) -> None:
        parts, comments = [first.rstrip()], list(_suppressions(first, start))
        continued = parts[-1].endswith(self.escape)
        while continued and self.position < len(self.lines):
            parts[-1] = parts[-1].removesuffix(self.escape)
            nxt = self.lines[self.position]
            self.position += 1
            comments.extend(_suppressions(nxt, self.position))
            if nxt.strip().startswith("#") or not nxt.strip():
                continue  # comment and blank lines inside a continuation are dropped, as Docker does
            parts.append(nxt.rstrip())
            continued = parts[-1].endswith(self.escape)
        text = " ".join(p.strip() for p in parts)
        keyword, _, args = text.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        heredocs = self._heredocs(args) if keyword in ("RUN", "COPY", "ADD") else []
        stage = len(self.stages) - 1
        if keyword == "FROM":
            stage = self._from(args, start)
        elif keyword == "ARG" and not self.stages:
            name, _, default = args.partition("=")
            self.global_args[name.strip()] = default.strip().strip('"')
        suppressions = (*self.pending, *comments)
        self.pending = []
        self.instructions.append(
            Instruction(
                keyword,
                args,
                start,
                self.position,
                stage,
                _flags(args),
                tuple(heredocs),
                suppressions,
            )
        )

    def _heredocs(self, args: str) -> list[str]:
        bodies: list[str] = []
        for match in _HEREDOC.finditer(args):
            body: list[str] = []
            while self.position < len(self.lines):
                line = self.lines[self.position]
                self.position += 1
                if line.strip() == match.group(2):
                    break
                body.append(line)
            bodies.append("\n".join(body))
        return bodies

    def _from(self, args: str, line: int) -> int:
        platform = dict(_flags(args)).get("platform", "")
        words = _strip_flags(args).split()
        base = substitute(words[0], self.global_args) if words else ""
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
        self.stages.append(Stage(len(self.stages), base, name, line, platform))
        return len(self.stages) - 1


def parse_dockerfile(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile ``text``; never fails (unknown syntax is kept as text)."""
    builder = _Builder(text.splitlines())
    builder.parse()
    return Dockerfile(
        path, tuple(builder.instructions), tuple(builder.stages), tuple(builder.file_suppressions)
    )


def for_target(dockerfile: Dockerfile, target: str) -> Dockerfile:
    """The Dockerfile as ``--target`` builds it: stages after the target are left out."""
    stage = dockerfile.stage_named(target) if target else None
    if stage is None:
        return dockerfile
    return Dockerfile(
        dockerfile.path,
        tuple(i for i in dockerfile.instructions if i.stage <= stage.index),
        dockerfile.stages[: stage.index + 1],
        dockerfile.file_suppressions,
    )
