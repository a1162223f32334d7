"""Every file and folder an input names exists, checked before anything runs: a missing
``trivyignores`` entry must not be found after the build and the push."""

from __future__ import annotations

from pathlib import Path

from slipway.errors import InputError
from slipway.inputs import Inputs
from slipway.inputs.build_checks import buildkitd_config_text
from slipway.plan import Plan
from slipway.tools.trust import load_ca

METADATA_CONTEXT = (
    "`context: git`/`workflow` is docker/metadata-action's input of that name; here `context` "
    "is the build folder, as in build-push-action, and the metadata always comes from the "
    "workflow's context. Drop the metadata-action line, or name the folder to build."
)
RELATIVE_HINT = "Paths are relative to the workspace (the checkout); check the spelling."


def _remote(context: str) -> bool:
    """A git or HTTP context (``https://...#ref``, ``git@host:repo``): buildx fetches it."""
    return "://" in context or context.startswith("git@")


def check_files(inputs: Inputs, plan: Plan) -> None:
    """Raise `InputError` naming the first input whose file or folder is missing."""
    if not inputs.merge_digests and not _remote(plan.context):
        if not Path(plan.context).is_dir():
            hint = METADATA_CONTEXT if plan.context in ("git", "workflow") else RELATIVE_HINT
            raise InputError("context", f"{plan.context!r} is not a folder", hint)
        if not Path(plan.dockerfile).is_file():
            name = "file" if inputs.file else "context"
            raise InputError(name, f"{plan.dockerfile!r} does not exist", RELATIVE_HINT)
    for secret_id, path in inputs.build.secret_files:
        if not Path(path).is_file():
            raise InputError("secret-files", f"{secret_id}: {path!r} does not exist", RELATIVE_HINT)
    cache = inputs.scan.cache_dir
    if cache and Path(cache).exists() and not Path(cache).is_dir():
        raise InputError("trivy-cache-dir", f"{cache!r} is a file, not a folder", RELATIVE_HINT)
    for name, paths in (("trivyignores", inputs.scan.trivyignores), ("vex", inputs.scan.vex)):
        for path in paths:
            if not Path(path).is_file():
                raise InputError(name, f"{path!r} does not exist", RELATIVE_HINT)
    config = inputs.build.buildkitd_config
    if config:
        if not Path(config).is_file():
            raise InputError("buildkitd-config", f"{config!r} does not exist", RELATIVE_HINT)
        buildkitd_config_text("buildkitd-config", read_text("buildkitd-config", config))
    if inputs.registry_ca:
        load_ca(inputs.registry_ca)  # PEM text, or a file holding it


def read_text(name: str, path: str) -> str:
    """The text of the file ``path`` that input ``name`` names."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(name, f"{path!r} cannot be read as text", RELATIVE_HINT) from None
