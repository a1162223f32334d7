"""``python -m slipway [run|metadata]``: environment in, exit code out.

Where the pipeline's environment and clock are read (``container.py``, the image's entry point,
reads the workspace and runner temp around it to hand files back; the stages read files and
talk to programs through their adapters); every failure becomes one ``::error::`` line (plus
the long form in the job summary) and its exit code.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime

USAGE = """\
usage: python -m slipway [run | metadata] [--dry-run] [--help] [--version]

Build, push, scan and report a container image, configured the way a GitHub
Docker action is: INPUT_* variables (INPUT_IMAGES, INPUT_PLATFORMS, ...), the
GITHUB_* variables and the event payload at GITHUB_EVENT_PATH.

commands:
  run        the whole pipeline (default)
  metadata   compute tags, labels and annotations only; write them as outputs

--dry-run prints the plan (tags, labels, the build command, what is pushed and scanned).
Outside GitHub Actions (GITHUB_ACTIONS unset) `slipway --help` lists the options instead.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if os.environ.get("GITHUB_ACTIONS") != "true" and args[:1] != ["metadata"]:
        from slipway.cli.main import main as command_line  # a person at a terminal

        return command_line(args, dict(os.environ), _now(dict(os.environ)))
    if {"-h", "--help"} & set(args):
        sys.stdout.write(USAGE)
        return 0
    if "--version" in args:
        from slipway import __version__

        sys.stdout.write(f"slipway {__version__}\n")
        return 0
    dry_run = "--dry-run" in args
    args = [a for a in args if a != "--dry-run"]
    command = args[0] if args else "run"
    if command not in ("run", "metadata") or len(args) > 1:
        sys.stderr.write(f"unknown command {' '.join(args)!r}\n\n{USAGE}")
        return 2
    return _guarded("plan" if dry_run and command == "run" else command)


def _guarded(command: str) -> int:
    from slipway.errors import Cancelled, ExitCode, SlipwayError
    from slipway.runner import cancel
    from slipway.runner.workflow import Workflow
    from slipway.tools.run import stop_all

    cancel.install(stop_all)  # a cancelled job's SIGINT and SIGTERM (slipway.runner.cancel)

    env = dict(os.environ)
    workflow = Workflow(env)
    now = _now(env)
    try:
        if command == "metadata":
            from slipway.commands.metadata import run_metadata

            run_metadata(env, workflow, now)
        elif command == "plan":
            from slipway.commands import step as pipeline

            pipeline.dry_run(env, workflow, now)
        else:
            from slipway.commands import step as pipeline

            pipeline.run(env, workflow, now)
    except (SlipwayError, Cancelled) as error:
        _report_error(workflow, error.title, error.message, error.hint)
        return int(error.exit_code)
    except KeyboardInterrupt:  # a SIGINT before the handlers were installed
        workflow.error("interrupted")
        return int(ExitCode.CANCELLED)
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        if env.get("RUNNER_DEBUG") == "1":  # through the workflow: redacted like every line
            workflow.info("".join(traceback.format_exception(error)))
        _report_error(
            workflow,
            "Internal error",
            f"{type(error).__name__}: {error}",
            "Re-run with debug logging "
            "(RUNNER_DEBUG=1) for a traceback, and report it to the Slipway maintainers.",
        )
        return int(ExitCode.INTERNAL)
    return 0


def _report_error(workflow: object, title: str, message: str, hint: str) -> None:
    from slipway.report.markdown import text
    from slipway.runner.workflow import Workflow

    assert isinstance(workflow, Workflow)
    workflow.error(message + (f"\n{hint}" if hint else ""), title=title)
    fence = "```"
    body = message.replace(fence, "~~~")
    long_form = f"## Slipway: {text(title)}\n\n{fence}text\n{body}\n{fence}\n"
    if hint:
        fix = hint.replace(fence, "~~~")
        long_form += f"\n**How to fix:**\n\n{fence}yaml\n{fix}\n{fence}\n"
    with contextlib.suppress(OSError, ValueError):
        workflow.append_summary(long_form)


def _now(env: dict[str, str]) -> datetime:
    """The run's time; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    from slipway.core.numbers import parse_int

    try:
        return datetime.fromtimestamp(parse_int(env.get("SOURCE_DATE_EPOCH", "").strip()), tz=UTC)
    except (OverflowError, OSError, ValueError):  # NumberError is a ValueError
        # unset, not a number, out of range: the metadata engine refuses it, naming the variable
        return datetime.now(tz=UTC)


if __name__ == "__main__":
    sys.exit(main())
