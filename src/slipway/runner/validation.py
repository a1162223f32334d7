"""The files the inputs name, checked before anything runs: read, never run, no program, no
engine, no API (the validation pass's second half; `slipway.inputs.read_inputs` is the first).

What the action may read: files and folders inside the workspace (``GITHUB_WORKSPACE``, the
checkout, and the working directory) or runner temp (``RUNNER_TEMP``), after symbolic links
are followed: in the action's container the only folders it shares with the job, so what
else it could read is the container's own (``/proc/self/environ`` holds every input). ``file: /etc/passwd``, ``secret-files: env=/proc/self/environ`` or a link
from the checkout to ``~/.ssh/id_rsa`` are refused, naming the input, with the fix: copy the
file into runner temp in an earlier step. The Dockerfile must be UTF-8 text and ``target`` one
of its stages; a local build context, SSH key or socket, cache folder, ignore file, VEX
document, buildkitd.toml and CA file must be there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from slipway.buildx import attributes as buildx_csv
from slipway.dockerfile import Dockerfile, for_target, parse_dockerfile
from slipway.errors import InputError
from slipway.inputs import Inputs
from slipway.inputs.build_syntax import buildkitd_config_text
from slipway.inputs.build_values import is_remote
from slipway.inputs.reader import did_you_mean
from slipway.scan.ignores import merge_ignorefiles
from slipway.tools.trust import load_ca

OUTSIDE = "{path!r} is outside the workspace and runner temp, the folders Slipway reads"
OUTSIDE_HINT = (
    "Slipway reads files inside the workspace (the checkout) or runner temp only. Copy the file "
    'there in an earlier step, e.g. `cp ~/.npmrc "$RUNNER_TEMP/npmrc"`, and name that copy.'
)
RELATIVE_HINT = "Paths are relative to the workspace (the checkout); check the spelling."
METADATA_CONTEXT = (
    "`context: git`/`workflow` is docker/metadata-action's input of that name; here `context` "
    "is the build folder, as in build-push-action, and the metadata always comes from the "
    "workflow's context. Drop the metadata-action line, or name the folder to build."
)
NOT_UTF8 = "{path!r} is not UTF-8 text (BuildKit reads Dockerfiles as UTF-8)"
NO_STAGE = "the Dockerfile {path!r} has no stage named {target!r}"
MAX_DOCKERFILE = 16 * 2**20  # bytes: a larger Dockerfile is a mistake (a binary, a log)


def roots(inputs: Inputs) -> tuple[Path, ...]:
    """The folders files may be read from, links resolved: the workspace, the working
    directory (the workspace under Actions; somewhere in the checkout for the slipway
    command) and runner temp."""
    return folders(inputs.workspace, inputs.runner_temp)


def folders(workspace: str, runner_temp: str) -> tuple[Path, ...]:
    """`roots` from ``GITHUB_WORKSPACE`` and ``RUNNER_TEMP`` ("" when not set)."""
    found = [workspace or ".", ".", *([runner_temp] if runner_temp else [])]
    return tuple(dict.fromkeys(Path(os.path.realpath(folder)) for folder in found))


def what_is(path: Path) -> str:
    """ "file", "folder", "other" (a socket, a device) or "" when nothing is there or the name
    cannot be looked up (too long, a NUL byte, no permission)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return ""
    return "file" if stat.S_ISREG(mode) else "folder" if stat.S_ISDIR(mode) else "other"


def inside(name: str, path: str, allowed: tuple[Path, ...]) -> Path:
    """``path`` when it resolves (links followed) into one of ``allowed``, else `InputError`."""
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):  # a NUL byte, a loop of links
        raise InputError(name, f"{path[:80]!r} is not a path that can be looked up") from None
    if not any(real == root or real.is_relative_to(root) for root in allowed):
        raise InputError(name, OUTSIDE.format(path=path[:80]), OUTSIDE_HINT)
    return real


def _read_paths(inputs: Inputs) -> Iterator[tuple[str, str, str]]:
    """(input, path, "file" / "folder" / "any") of every local path the run reads."""
    build = inputs.build
    for _, path in build.secret_files:
        yield "secret-files", path, "file"
    for _, value in build.build_contexts:
        if "://" not in value and not value.startswith("git@"):
            yield "build-contexts", value, "folder"
    for entry in build.ssh:
        for path in entry.partition("=")[2].split(",") if "=" in entry else ():
            yield "ssh", path, "any"
    for entry in build.cache_from:
        if "=" in entry and buildx_csv.value_of(buildx_csv.attributes(entry), "type") == "local":
            yield (
                "cache-from",
                buildx_csv.value_of(buildx_csv.attributes(entry), "src") or "",
                "any",
            )
    for name, paths in (("trivyignores", inputs.scan.trivyignores), ("vex", inputs.scan.vex)):
        for path in paths:
            yield name, path, "file"
    if build.buildkitd_config:
        yield "buildkitd-config", build.buildkitd_config, "file"
    if inputs.registry_ca and "-----BEGIN" not in inputs.registry_ca:
        yield "registry-ca", inputs.registry_ca, "any"


def _check_path(name: str, path: str, kind: str, allowed: tuple[Path, ...]) -> None:
    found = what_is(inside(name, path, allowed))
    if kind == "file" and found != "file":
        raise InputError(name, f"{path[:80]!r} is not a file there", RELATIVE_HINT)
    if kind == "folder" and found != "folder":
        raise InputError(name, f"{path[:80]!r} is not a folder there", RELATIVE_HINT)
    if kind == "any" and not found:
        raise InputError(name, f"{path[:80]!r} does not exist", RELATIVE_HINT)


def read_dockerfile(inputs: Inputs, allowed: tuple[Path, ...]) -> Dockerfile | None:
    """The Dockerfile the build reads, parsed (``target`` checked); None when there is none
    to read here: a remote context, or a merge of a split build's parts with no checkout."""
    if is_remote(inputs.context):
        return None
    name, path = ("file" if inputs.file else "context"), inputs.dockerfile
    real = inside(name, path, allowed)
    if inputs.merge_digests and what_is(real) != "file":
        return None  # a merge job without the checkout: no Dockerfile policy, the rest runs
    if what_is(real) != "file":
        raise InputError(name, f"{path[:80]!r} does not exist", RELATIVE_HINT)
    if real.stat().st_size > MAX_DOCKERFILE:
        raise InputError(name, f"{path[:80]!r} is larger than 16 MiB: is it a Dockerfile?")
    try:
        text = real.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(name, NOT_UTF8.format(path=path[:80]), "Save it as UTF-8.") from None
    except OSError as error:
        raise InputError(name, f"{path[:80]!r} cannot be read: {error.strerror}") from None
    dockerfile = parse_dockerfile(text, path)
    target = inputs.build.target
    names = [stage.name for stage in dockerfile.stages if stage.name]
    if target and target.lower() not in (n.lower() for n in names):
        raise InputError(
            "target",
            NO_STAGE.format(path=path[:80], target=target[:40]),
            did_you_mean(target, names) if names else "Name a stage: `FROM ... AS runtime`.",
        )
    return for_target(dockerfile, target)


def check_files(inputs: Inputs) -> Dockerfile | None:
    """Every file and folder the inputs name: inside the workspace or runner temp, there,
    readable as what it must be; the Dockerfile parsed and returned (see `read_dockerfile`).
    The first problem raises `InputError` naming its input."""
    allowed = roots(inputs)
    if not inputs.merge_digests and not is_remote(inputs.context):
        real = inside("context", inputs.context, allowed)
        if what_is(real) != "folder":
            hint = METADATA_CONTEXT if inputs.context in ("git", "workflow") else RELATIVE_HINT
            raise InputError("context", f"{inputs.context[:80]!r} is not a folder", hint)
    dockerfile = read_dockerfile(inputs, allowed)
    for name, path, kind in _read_paths(inputs):
        _check_path(name, path, kind, allowed)
    cache = inputs.scan.cache_dir
    if cache and what_is(Path(cache)) not in ("", "folder"):
        raise InputError(
            "trivy-cache-dir", f"{cache[:80]!r} is a file, not a folder", RELATIVE_HINT
        )
    if inputs.build.buildkitd_config:
        text = _text("buildkitd-config", inputs.build.buildkitd_config)
        buildkitd_config_text("buildkitd-config", text)
    if inputs.registry_ca:
        load_ca(inputs.registry_ca)  # PEM text, or a file holding it
    if inputs.scan.trivyignores:  # read now, not after the build: a broken one fails here
        texts = [(path, _text("trivyignores", path)) for path in inputs.scan.trivyignores]
        merge_ignorefiles(texts)
    return dockerfile


def _text(name: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(name, f"{path[:80]!r} is not UTF-8 text", RELATIVE_HINT) from None


def read_text(name: str, path: str) -> str:
    """The text of the file ``path`` that input ``name`` names."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(name, f"{path!r} cannot be read as text", RELATIVE_HINT) from None
