"""The one redaction (pure): what must never be shown, taken out of any text Slipway prints
or writes (the log, the plan, command lines, errors, the summary, outputs, comments, SARIF).

`redact` replaces with ``***``:

* every masked value (the run's secrets: passwords, tokens, secret build args, ...);
* the user-info of a URL (``https://user:token@host`` -> ``https://***@host``);
* the value of an attribute whose name says credential (``secret_access_key=``,
  ``session_token=``, ``token=``, ``password=``, ``API_KEY=``, a signed URL's ``sig=``, ...);
* values shaped like a known token (``ghp_...``, ``github_pat_...``, ``glpat-...``, ...).

Masking (``::add-mask::``) hides a value from GitHub's log only; this keeps it out of
everything else, and out of a terminal. Every expression is linear: the lengths of what they
repeat are bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

HIDDEN = "***"
# A build arg named like a credential, or holding a value shaped like a known token.
_SECRET_NAME = re.compile(
    r"(?i)(token|secret|passw(or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)"
)
_TOKENS = (
    r"gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_\w{20,255}|glpat-[\w-]{20,255}"
    r"|npm_[A-Za-z0-9]{36}|xox[abprs]-[\w-]{10,255}"
)
_SECRET_VALUE = re.compile(
    rf"{_TOKENS}|AKIA[0-9A-Z]{{16}}|-----BEGIN [A-Z ]{{0,40}}PRIVATE KEY-----"
)
_TOKEN_SHAPE = re.compile(_TOKENS, re.ASCII)
# An attribute whose name says credential (buildx cache backends, driver options, build args,
# environment assignments, signed URLs): its value, up to a separator.
_CREDENTIAL_KEY = (
    r"[A-Za-z0-9_.-]{0,64}(?:secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|account[_-]?key|shared[_-]?key|credential)[A-Za-z0-9_.-]{0,64}|sig"
)
_CREDENTIAL = re.compile(
    rf"(?i)(?<![A-Za-z0-9_.-])({_CREDENTIAL_KEY})=(\"[^\"]{{0,4096}}\"|[^,\s\"'&`]{{1,4096}})"
)
# scheme://user-info@ (a user name alone is often the token: https://TOKEN@github.com); one
# slash too, as a path joined onto a URL has it (https:/user:token@host/...). It ends at a
# quote (a URL holds none unencoded): JSON stays JSON when a string in it is redacted.
_URL_USERINFO = re.compile(
    r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}:/{1,2})[^/@\s\"]{1,1024}@", re.ASCII
)


def looks_secret(name: str, value: str) -> bool:
    """True for a build arg that looks like a credential, by its name or its value."""
    return bool(value) and bool(_SECRET_NAME.search(name) or _SECRET_VALUE.search(value))


def redact(text: str, masked: Iterable[str] = ()) -> str:
    """``text`` with every masked value, URL user-info, credential attribute value and
    token-shaped value replaced by `HIDDEN` (``masked``: longest first, as `Workflow` keeps
    them, so a secret holding another is hidden whole)."""
    for secret in masked:
        if secret:
            text = text.replace(secret, HIDDEN)
    text = _URL_USERINFO.sub(rf"\1{HIDDEN}@", text)
    text = _CREDENTIAL.sub(rf"\1={HIDDEN}", text)
    return _TOKEN_SHAPE.sub(HIDDEN, text)


def argv_for_log(argv: Sequence[str], masked: Iterable[str] = ()) -> list[str]:
    """``argv`` as a log line may show it: `redact` on every word, and the value of every
    secret-looking ``--build-arg`` (by its name or shape) hidden too."""
    hidden = tuple(masked)
    shown: list[str] = []
    for before, word in zip(["", *argv], argv, strict=False):
        name, equals, value = word.partition("=")
        if before == "--build-arg" and equals and looks_secret(name, value):
            shown.append(f"{name}={HIDDEN}")
            continue
        shown.append(redact(word, hidden))
    return shown
