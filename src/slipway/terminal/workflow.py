"""The `Workflow` API printed for a person at a terminal, not for GitHub's runner.

The pipeline calls the same methods; here a group is a stage with its duration, an
annotation is a ``warning:`` line, tool output is shown as it comes behind a gutter,
outputs are collected for `finish`, and the job summary is rendered from Markdown.
No workflow command and no output-file record is ever written, and no line starts
with ``::``. Every printed line is scrubbed of masked values and made `inert`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from slipway.report.fit import SUMMARY, fit_text
from slipway.runner.workflow import MIN_SCRUBBED, Workflow
from slipway.terminal.markdown import render
from slipway.terminal.result import format_duration, result_lines
from slipway.terminal.style import PLAIN, Span, guard, inert, lines_of, paint, plain

GUTTER: Span = ("│ ", ("dim",))  # before each line of a tool's output
LEVEL_STYLES = {
    "error": ("bold", "red"),
    "warning": ("bold", "yellow"),
    "notice": ("bold", "blue"),
}


def wants_color(env: Mapping[str, str], stream: TextIO) -> bool:
    """Colour when ``stream`` is a terminal, NO_COLOR is unset or empty and TERM is not dumb."""
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def location(properties: Mapping[str, str | int]) -> str:
    """``file:line`` (``file:line-end``, ``file:line:col``) of an annotation, or ""."""
    where = str(properties.get("file", "") or "")
    line = properties.get("line")
    if where and line:
        where += f":{line}"
        if properties.get("endLine") and properties.get("endLine") != line:
            where += f"-{properties['endLine']}"
        elif properties.get("col"):
            where += f":{properties['col']}"
    return where


class TerminalWorkflow(Workflow):
    """Slipway's log for a terminal: stages with durations, findings and verdict rendered."""

    def __init__(
        self,
        env: Mapping[str, str],
        stream: TextIO | None = None,
        *,
        color: bool | None = None,
        verbose: bool = False,
        clock: Callable[[], float] = time.monotonic,
        masked: list[str] | None = None,
    ) -> None:
        super().__init__(env, stream, masked)
        self.color = wants_color(env, self._stream) if color is None else color
        self.verbose = verbose
        self._clock = clock
        self._depth = 0
        self._outputs: dict[str, str] = {}
        self._exported: dict[str, str] = {}

    @property
    def outputs(self) -> dict[str, str]:
        """The step outputs set so far, scrubbed."""
        return {name: self._scrub(value) for name, value in self._outputs.items()}

    @property
    def exported(self) -> dict[str, str]:
        """The variables exported for later steps so far, scrubbed."""
        return {name: self._scrub(value) for name, value in self._exported.items()}

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except UnicodeEncodeError:  # a stream that cannot take the glyphs or the content
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            self._stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        self._stream.flush()

    def _emit(self, spans: Sequence[Span]) -> None:
        """One line: scrubbed, inert, guarded against ``::``, indented, painted."""
        text = plain(spans)
        scrubbed = self._scrub(text)
        if scrubbed != text:  # a secret may cross styles: drop the styles, never the mask
            spans = [(inert(scrubbed), PLAIN)]
        else:
            spans = [(inert(part), style) for part, style in spans]
        line = "  " * self._depth + paint(guard(spans), self.color)
        self._write(line.rstrip() + "\n")

    def _print(self, line: str) -> None:
        for part in lines_of(line):
            self._emit([(part, PLAIN)])

    def buffered(self) -> TerminalWorkflow:
        """A workflow whose log waits for `replay`; it shares the masks, the outputs, the
        exported variables and the current stage's indentation."""
        child = TerminalWorkflow(
            self._env,
            io.StringIO(),
            color=self.color,
            verbose=self.verbose,
            clock=self._clock,
            masked=self._masked,
        )
        child._depth = self._depth
        child._outputs, child._exported = self._outputs, self._exported
        return child

    def raw(self, line: str) -> None:
        """One line of a tool's output, behind the gutter."""
        for part in lines_of(line):
            self._emit([GUTTER, (part, PLAIN)])

    def verbatim(self, text: str) -> None:
        """A tool's output, line by line behind the gutter."""
        if text:
            self.raw(text)

    def info(self, message: str) -> None:
        """Plain lines."""
        self._print(message)

    def command(self, command: str, message: str, **properties: str | int) -> None:
        """A workflow command as what it means here: an annotation, a debug line, a mask;
        any other is shown as ``command: message``."""
        if command in LEVEL_STYLES:
            self._annotate(command, message, properties)
        elif command == "debug":
            self.debug(message)
        elif command == "add-mask":
            self.mask(message)
        else:
            self._print(f"{command}: {message}")

    def _annotate(self, level: str, message: str, properties: Mapping[str, str | int]) -> None:
        first, *rest = lines_of(message)
        head: list[Span] = [(f"{level}:", LEVEL_STYLES[level]), (" ", PLAIN)]
        if title := str(properties.get("title", "") or ""):
            head.append((f"{title}: ", ("bold",)))
        where = location(properties)
        self._emit([*head, (first, PLAIN), *([(f" ({where})", ("dim",))] if where else [])])
        for line in rest:
            self._emit([("  ", PLAIN), (line, PLAIN)])

    def error(self, message: str, **properties: str | int) -> None:
        """``error: <title>: <message> (file:line)``, red with colour."""
        self._annotate("error", message, properties)

    def warning(self, message: str, **properties: str | int) -> None:
        """``warning: <message> (file:line)``, yellow with colour."""
        self._annotate("warning", message, properties)

    def notice(self, message: str, **properties: str | int) -> None:
        """``notice: <message>``, blue with colour."""
        self._annotate("notice", message, properties)

    def debug(self, message: str) -> None:
        """``debug: <message>``, only when verbose."""
        if self.verbose:
            for line in lines_of(message):
                self._emit([("debug: ", ("dim",)), (line, ("dim",))])

    def mask(self, secret: str) -> None:
        """Scrub each line of ``secret`` (at least `MIN_SCRUBBED` long) from all later output."""
        for line in secret.splitlines():
            if line.strip() and len(line) >= MIN_SCRUBBED and line not in self._masked:
                self._masked.append(line)
                self._masked.sort(key=len, reverse=True)  # a longer secret first

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A stage: ``▸ title`` now, ``✓ title  1.2 s`` after (``✗`` when it raised)."""
        self._emit([("▸ ", ("bold", "cyan")), (title, ("bold",))])
        start = self._clock()
        self._depth += 1
        failed = True
        try:
            yield
            failed = False
        finally:
            self._depth = max(self._depth - 1, 0)
            mark: Span = ("✗ ", ("bold", "red")) if failed else ("✓ ", ("bold", "green"))
            took = format_duration(self._clock() - start)
            self._emit([mark, (title, ("bold",)), (f"  {took}", ("dim",))])

    @contextmanager
    def stop_commands(self) -> Iterator[None]:
        """Nothing to stop: no line printed here is read as a command."""
        yield

    def set_output(self, name: str, value: str) -> None:
        """Kept for `finish` (and `outputs`), not printed."""
        self._outputs[name] = value

    def export_variable(self, name: str, value: str) -> None:
        """Kept (see `exported`), not printed."""
        self._exported[name] = value

    def append_summary(self, markdown: str) -> None:
        """The job summary rendered for the terminal, after a blank line (within the summary's
        limit, as on GitHub: cut at a line with a note, never refused)."""
        self._emit([])
        for line in render(fit_text(self._scrub(markdown), SUMMARY)):
            self._emit(line)

    def finish(self, exit_code: int) -> None:
        """The closing lines: files written, digest and tags, the exit code and its meaning."""
        self._emit([])
        for line in result_lines(self.outputs, exit_code):
            self._emit(line)
