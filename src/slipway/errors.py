"""The errors Slipway stops with, each with its own exit code.

Every message says what failed, why, and how to fix it; `hint` carries the fix,
often as a YAML snippet for the workflow file.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, one per kind of failure."""

    OK = 0
    GATE_FAILED = 1
    INPUT = 2
    TOOL = 3
    REGISTRY = 4
    BUILD = 5
    SCAN = 6
    CANCELLED = 130  # as a shell reports an interrupted program (128 + SIGINT)
    INTERNAL = 70


class SlipwayError(Exception):
    """Base of every failure Slipway reports to the user (never with a traceback)."""

    exit_code = ExitCode.INTERNAL
    title = "Slipway failed"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(SlipwayError):
    """An input is missing or malformed; raised before anything is built."""

    exit_code = ExitCode.INPUT
    title = "Invalid input"

    def __init__(self, name: str, message: str, hint: str = "") -> None:
        super().__init__(f"input '{name}': {message}", hint)
        self.name = name


class ToolError(SlipwayError):
    """An external program is missing, too old, or failed."""

    exit_code = ExitCode.TOOL
    title = "External tool failed"


class RegistryError(SlipwayError):
    """The registry refused or could not be reached."""

    exit_code = ExitCode.REGISTRY
    title = "Registry error"

    def __init__(self, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status  # the HTTP status, when the registry answered


class SigningError(SlipwayError):
    """Fulcio, Rekor or a timestamp authority refused or could not be reached, or the
    signing key is unusable (the services are remote, as registries are: the same code)."""

    exit_code = ExitCode.REGISTRY
    title = "Signing failed"


class BuildError(SlipwayError):
    """docker buildx build failed."""

    exit_code = ExitCode.BUILD
    title = "Build failed"


class ScanError(SlipwayError):
    """Trivy could not scan (as opposed to finding vulnerabilities)."""

    exit_code = ExitCode.SCAN
    title = "Scan failed"


class GateFailed(SlipwayError):
    """The scan found what `fail-on` does not allow."""

    exit_code = ExitCode.GATE_FAILED
    title = "Security gate failed"


class Cancelled(BaseException):
    """SIGINT or SIGTERM came (a cancelled job; `slipway.runner.cancel`).

    A BaseException, as KeyboardInterrupt is, so that no ``except Exception`` of an optional
    part (the advice, the comment) takes it for that part's own failure and goes on."""

    exit_code = ExitCode.CANCELLED
    title = "Cancelled"
    hint = (
        "The run stopped its programs and removed its temporary files. Tags move only "
        "all together: a cancelled run leaves none half-moved. Re-run the job to publish."
    )

    def __init__(self, signal_name: str, detail: str = "") -> None:
        self.signal_name = signal_name
        self.message = f"cancelled ({signal_name or 'a signal'})" + (
            f": {detail}" if detail else ""
        )
        super().__init__(self.message)
