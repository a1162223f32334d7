"""``slipway`` outside GitHub Actions: options (or a workflow's step) -> the same inputs the
runner would pass, the local checkout -> the context of a push, the pipeline -> a terminal."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from slipway import __version__
from slipway.cli import local
from slipway.cli.options import action_inputs, given_inputs, parser, unknown_option_message
from slipway.cli.workflow_file import evaluate, expression_context, step_inputs
from slipway.errors import Cancelled, ExitCode, InputError, SlipwayError
from slipway.runner import cancel
from slipway.runner.workflow import Workflow
from slipway.terminal.workflow import TerminalWorkflow
from slipway.tools.run import Runner, stop_all

PAIRS = (("password", "username"), ("username", "password"))
LEFT_OUT = (
    "input '{name}': {value!r} cannot be evaluated outside GitHub Actions, so it is left "
    "out (the action's default applies); give --{name} to set it"
)


def runner_inputs(
    given: Mapping[str, str], context: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``INPUT_*`` as the runner passes them: every input of action.yml, its default when
    not given (``${{ github.X }}`` in a default from ``context``, else empty), the name
    upper-cased, hyphens kept."""
    values = {
        name: evaluate(str(spec.get("default", "")), context or {}) or ""
        for name, spec in action_inputs().items()
    }
    unknown = sorted(set(given) - set(values))
    if unknown:
        raise InputError(unknown[0], "is not an input of the action", "See `slipway --help`.")
    values.update(given)
    return {f"INPUT_{name.upper()}": value for name, value in values.items()}


def local_env(
    environ: Mapping[str, str],
    options: Mapping[str, str],
    *,
    workflow_file: str,
    step: str,
    scratch: Path,
    workflow: Workflow,
) -> dict[str, str]:
    """The environment a run of this checkout gets: this process's (no ``INPUT_*`` or
    ``GITHUB_*`` of its own), a push's ``GITHUB_*``, the step's inputs, then the options."""
    base = {k: v for k, v in environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    github = local.github_env(
        local.read_checkout(Runner(workflow, environ), Path.cwd()), scratch / "event.json"
    )
    given: dict[str, str] = {}
    if workflow_file or step:
        if not (workflow_file and step):
            raise InputError("--step" if workflow_file else "--workflow", "goes with the other")
        found = step_inputs(Path(workflow_file), step, expression_context(github))
        for name, value in found.left_out.items():
            if name not in options:
                workflow.warning(LEFT_OUT.format(name=name, value=value[:80]))
        given.update(found.inputs)
        for one, other in PAIRS:  # half a login is an error: the other half goes too
            if one in found.left_out and one not in options and other not in options:
                given.pop(other, None)
    given.update(options)
    context = expression_context(github)
    if environ.get("GITHUB_TOKEN"):  # `github-token`'s default, ${{ github.token }}, from here
        context["github.token"] = environ["GITHUB_TOKEN"]
    return {**base, **github, **runner_inputs(given, context)}


INTERNAL_HINT = (
    "This is a bug in Slipway: run again with --verbose for the traceback, and report it to "
    "the Slipway maintainers."
)


def internal_error(workflow: TerminalWorkflow, error: Exception, *, verbose: bool) -> int:
    """An unexpected error as one redacted ``error:`` line (the traceback, redacted too, with
    ``--verbose`` only); the internal error's exit code."""
    if verbose:
        workflow.info("".join(traceback.format_exception(error)))
    workflow.error(f"{type(error).__name__}: {error}\n{INTERNAL_HINT}", title="Internal error")
    return int(ExitCode.INTERNAL)


def main(argv: Sequence[str], environ: Mapping[str, str], now: datetime) -> int:
    """Run (or plan) the step here; the process exit code."""
    try:
        words = list(argv)[1:] if list(argv)[:1] == ["run"] else list(argv)
        args, unknown = parser().parse_known_args(words)
    except SystemExit as stop:  # --help, or an option argparse refused (it said why)
        return int(stop.code or 0)
    if unknown:
        sys.stderr.write(unknown_option_message(unknown))
        return int(ExitCode.INPUT)
    if args.version:
        sys.stdout.write(f"slipway {__version__}\n")
        return 0
    workflow = TerminalWorkflow(environ, verbose=args.verbose)
    cancel.install(stop_all)  # Ctrl-C as a cancelled job's SIGINT: tags never half-moved
    code = int(ExitCode.OK)
    with tempfile.TemporaryDirectory(prefix="slipway-cli-") as scratch:
        try:
            env = local_env(
                environ,
                given_inputs(args),
                workflow_file=args.workflow or "",
                step=args.step or "",
                scratch=Path(scratch),
                workflow=workflow,
            )
            from slipway.commands import step as pipeline  # noqa: PLC0415 (not for --help: 0.4 s)

            (pipeline.dry_run if args.dry_run else pipeline.run)(env, workflow, now)
        except (SlipwayError, Cancelled) as error:
            workflow.error(
                error.message + (f"\n{error.hint}" if error.hint else ""), title=error.title
            )
            code = int(error.exit_code)
        except KeyboardInterrupt:  # before the handlers were installed
            workflow.error("interrupted")
            code = 130
        except Exception as error:  # noqa: BLE001 - the last line of defence: no raw traceback
            code = internal_error(workflow, error, verbose=args.verbose)
        with contextlib.suppress(OSError):
            workflow.finish(code)
    return code
