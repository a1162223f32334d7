"""BuildKit secrets (``secrets``, ``secret-envs``, ``secret-files``) and build args that look
like secrets (pure). No value is echoed: an id, a line number and a variable's name at most.

A build arg is recorded in the image's history, and with provenance ``mode=max`` in the
attestation pushed with the image: with one that looks like a credential, an explicit
``mode=max`` (in ``provenance`` or ``attests``) is refused, and the automatic mode is ``min``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from slipway.buildx import attributes as buildx_csv
from slipway.core.lists import CsvError
from slipway.core.redact import looks_secret
from slipway.errors import InputError

_SECRET_ID = re.compile(r"[A-Za-z0-9_.-]{1,256}", re.ASCII)
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,255}", re.ASCII)
ID_HINT = "Ids are letters, digits, `_`, `.` and `-`, each used once, e.g. `npm_token=...`."
BUILD_ARG_WARNING = (
    "build-arg {name} looks like a secret: build args stay in the image's layer history. Pass "
    "it with `secrets: {name}=...` and read it in a `RUN --mount=type=secret,id={name}` instead."
)
PROVENANCE_LOWERED = (
    "provenance is recorded with mode=min for this run: mode=max would store the build args, "
    "{names} among them, in the attestation pushed with the image"
)
MODE_MAX_REFUSED = (
    "mode=max records every build arg in the attestation pushed with the image, and build-arg "
    "{names} looks like a secret"
)
MAX_HINT = "Pass the secret with `secrets:` (and `RUN --mount=type=secret`), or use mode=min."


def check_ids(given: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
    """Each secret id BuildKit can take, once across ``secrets``, ``secret-envs`` and
    ``secret-files`` (``given``: input name -> its id/value pairs); the error names the input
    the bad or repeated id is in."""
    seen: dict[str, str] = {}
    for name, pairs in given:
        for number, (secret_id, _) in enumerate(pairs, start=1):
            if not _SECRET_ID.fullmatch(secret_id):
                message = f"line {number}: the secret id has characters BuildKit does not accept"
                raise InputError(name, message, ID_HINT)
            if secret_id in seen:
                where = "" if seen[secret_id] == name else f" (also in {seen[secret_id]})"
                raise InputError(name, f"secret id {secret_id!r} is given twice{where}", ID_HINT)
            seen[secret_id] = name


def secret_envs(
    pairs: Sequence[tuple[str, str]], env: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """``secret-envs: id=ENV``: the secret's value is that variable of the step's environment
    (``env:``); it is then a secret like the others (masked, by env to buildx). A variable's
    name is shown only when it is one (not a pasted value)."""
    found = []
    for number, (secret_id, variable) in enumerate(pairs, start=1):
        name = variable.strip()
        if not _VARIABLE.fullmatch(name) or looks_secret("", name):
            raise InputError(
                "secret-envs",
                f"line {number} ({secret_id[:40]}): the value after '=' is not an environment "
                "variable's name",
                "Name the variable, not its value: `secret-envs: npm=NPM_TOKEN` with "
                "`env: {NPM_TOKEN: ${{ secrets.NPM_TOKEN }}}`.",
            )
        if name not in env:
            raise InputError(
                "secret-envs",
                f"line {number}: {name!r} is not in the step's environment",
                f"Add it to the step: `env: {{{name}: ${{{{ secrets.X }}}}}}`.",
            )
        found.append((secret_id, env[name]))
    return tuple(found)


def _mode(value: str) -> str:
    try:
        return buildx_csv.value_of(buildx_csv.attributes(value), "mode") or ""
    except CsvError:
        return ""


def provenance_for(
    build_args: Sequence[tuple[str, str]], provenance: str, attests: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """(the ``provenance`` to use, warnings): with secret-looking build args, ``mode=min`` when
    not given; an explicit ``mode=max`` is refused (`InputError` naming where it is)."""
    names = [key for key, value in build_args if looks_secret(key, value)]
    if not names:
        return provenance, ()
    shown = ", ".join(names[:5])
    warnings = tuple(BUILD_ARG_WARNING.format(name=name) for name in names)
    if _mode(provenance) == "max":
        raise InputError("provenance", MODE_MAX_REFUSED.format(names=shown), MAX_HINT)
    for entry in attests:
        if "provenance" in entry and _mode(entry) == "max":
            raise InputError("attests", MODE_MAX_REFUSED.format(names=shown), MAX_HINT)
    if provenance:
        return provenance, warnings
    return "mode=min", (*warnings, PROVENANCE_LOWERED.format(names=shown))
