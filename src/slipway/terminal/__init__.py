"""Slipway's output for a terminal: the Workflow API as stage lines, rendered findings, the verdict.

`TerminalWorkflow` replaces `slipway.runner.workflow.Workflow` when no runner reads the log;
`render_text` turns Slipway's own Markdown (summary, comment) into terminal text.
"""

from __future__ import annotations

from slipway.terminal.markdown import render_text
from slipway.terminal.result import meaning
from slipway.terminal.style import inert
from slipway.terminal.workflow import TerminalWorkflow, wants_color

__all__ = ["TerminalWorkflow", "inert", "meaning", "render_text", "wants_color"]
