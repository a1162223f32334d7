"""The only writer of workflow commands and of the GITHUB_* files.

Escaping follows actions/toolkit (the spec for workflow commands): command data
escapes ``%``, CR and LF; properties also escape ``:`` and ``,``. Multi-line values
in ``GITHUB_OUTPUT`` use a random delimiter and refuse values that contain it.
Outside GitHub (no ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY``), outputs and the
summary go to standard output so a developer sees them.
"""

from __future__ import annotations

import io
import secrets
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from slipway.core.redact import redact
from slipway.report.fit import SUMMARY, fit_text

# https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#step-isolation-and-limits


MIN_SCRUBBED = 4  # shorter values would garble ordinary text; GitHub's masking still applies


def escape_data(value: str) -> str:
    """Escape the message part of a workflow command (toolkit's escapeData)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value of a workflow command (toolkit's escapeProperty)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, message: str, properties: Mapping[str, str | int] = {}) -> str:
    """Return one ``::command props::message`` line with everything escaped."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value not in ("", None)
    )
    head = f"::{command} {props}" if props else f"::{command}"
    return f"{head}::{escape_data(message)}"


def format_output(name: str, value: str, delimiter: str) -> str:
    """Return a ``GITHUB_OUTPUT`` record (heredoc form) for one output."""
    if delimiter in name or delimiter in value:
        raise ValueError(f"unexpected delimiter in output {name!r}; refusing to write it")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


class Workflow:
    """Talks to the runner: commands on stdout, files named by GITHUB_* variables."""

    def __init__(
        self, env: Mapping[str, str], stream: TextIO | None = None, masked: list[str] | None = None
    ) -> None:
        self._env = env
        self._stream = stream if stream is not None else sys.stdout
        self._masked = masked if masked is not None else []  # shared with `buffered` ones

    def _scrub(self, text: str) -> str:
        """``text`` through the one redaction (slipway.core.redact): no masked value, URL password or
        credential attribute, as GitHub's log masking does and more, so the raw log, the
        summary, the outputs, files and local runs never carry one."""
        return redact(text, self._masked)

    def redact(self, text: str) -> str:
        """What a file the run writes (SARIF, the comment, a report) may hold of ``text``."""
        return self._scrub(text)

    def _print(self, line: str) -> None:
        self._stream.write(self._scrub(line) + "\n")
        self._stream.flush()

    def buffered(self) -> Workflow:
        """A workflow for work run alongside a stage: its log waits in memory for `replay`.

        Its files (outputs, summary) are this workflow's; only the log is held back, so
        lines of two things running at once never interleave.
        """
        return Workflow(self._env, io.StringIO(), self._masked)

    def replay(self, buffered: Workflow) -> None:
        """Print what ``buffered`` logged, unchanged (its commands were escaped when made)."""
        if isinstance(buffered._stream, io.StringIO):
            self._stream.write(buffered._stream.getvalue())
            self._stream.flush()
            buffered._stream.seek(0)
            buffered._stream.truncate()

    def raw(self, line: str) -> None:
        """Print one line as is; only for use inside `stop_commands`."""
        self._print(line)

    def command(self, command: str, message: str, **properties: str | int) -> None:
        """Write any workflow command, escaped."""
        self._print(format_command(command, message, properties))

    def error(self, message: str, **properties: str | int) -> None:
        """An error annotation (properties: title, file, line, endLine, col, endColumn)."""
        self.command("error", message, **properties)

    def warning(self, message: str, **properties: str | int) -> None:
        """A warning annotation."""
        self.command("warning", message, **properties)

    def notice(self, message: str, **properties: str | int) -> None:
        """A notice annotation."""
        self.command("notice", message, **properties)

    def debug(self, message: str) -> None:
        """A debug line, shown when the run has debug logging on."""
        self.command("debug", message)

    def mask(self, secret: str) -> None:
        """Ask the runner to mask ``secret`` (each line of it) in every later log line (the
        command itself is the one line not redacted: the runner must read the value)."""
        for line in secret.splitlines():
            if line.strip():
                self._stream.write(format_command("add-mask", line) + "\n")
                self._stream.flush()
                if len(line) >= MIN_SCRUBBED and line not in self._masked:
                    self._masked.append(line)
                    self._masked.sort(key=len, reverse=True)  # a longer secret first

    def info(self, message: str) -> None:
        """A plain log line; any workflow command inside it is neutralised."""
        with self.stop_commands():
            self._print(message)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible log group."""
        self.command("group", title)
        try:
            yield
        finally:
            self._print("::endgroup::")

    @contextmanager
    def stop_commands(self) -> Iterator[None]:
        """Stop the runner from processing commands in text printed meanwhile."""
        token = secrets.token_hex(16)
        self._print(f"::stop-commands::{token}")
        try:
            yield
        finally:
            self._print(f"::{token}::")

    def verbatim(self, text: str) -> None:
        """Print tool output as it is, with workflow commands switched off around it."""
        with self.stop_commands():
            text = self._scrub(text)
            self._stream.write(text if text.endswith("\n") or not text else text + "\n")
            self._stream.flush()

    def set_output(self, name: str, value: str) -> None:
        """Set a step output (``GITHUB_OUTPUT``), or print it outside GitHub."""
        self._append_record("GITHUB_OUTPUT", "output", name, value)

    def export_variable(self, name: str, value: str) -> None:
        """Set an environment variable for later steps (``GITHUB_ENV``), or print it outside GitHub."""
        self._append_record("GITHUB_ENV", "env", name, value)

    def _append_record(self, file_variable: str, kind: str, name: str, value: str) -> None:
        path = self._env.get(file_variable)
        if not path:
            self.info(f"{kind} {name}={self._scrub(value)}")
            return
        record = format_output(name, self._scrub(value), f"ghadelimiter_{uuid.uuid4()}")
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(record)

    def summary_used(self) -> int:
        """Bytes already in this step's summary file (0 outside GitHub): GitHub's 1 MiB is for
        the whole file, so what comes next is fitted to the rest."""
        path = self._env.get("GITHUB_STEP_SUMMARY")
        try:
            return Path(path).stat().st_size if path else 0
        except OSError:
            return 0

    def append_summary(self, markdown: str) -> None:
        """Append to the job summary (``GITHUB_STEP_SUMMARY``), or print it outside GitHub.

        Never over GitHub's 1 MiB per step (a larger file is not shown at all): what does not
        fit in the room left is cut at a line with a note (`slipway.report.fit`)."""
        path = self._env.get("GITHUB_STEP_SUMMARY")
        if not path:
            self.verbatim(markdown)
            return
        markdown = self._scrub(markdown)
        markdown = markdown if markdown.endswith("\n") else markdown + "\n"
        markdown = fit_text(markdown, SUMMARY.less(self.summary_used()))
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(markdown)
