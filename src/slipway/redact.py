"""What must not be shown: secret-looking build args, and credentials inside command lines
(pure). Masking (``::add-mask::``) hides a value from the log only; these keep it out of
the summary, the comment and the printed command lines too."""

from __future__ import annotations

import re
from collections.abc import Sequence

HIDDEN = "***"
# A build arg named like a credential, or holding a value shaped like a known token.
_SECRET_NAME = re.compile(
    r"(?i)(token|secret|passw(or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)"
)
_SECRET_VALUE = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[\w-]{10,}"
    r"|glpat-[\w-]{20,}|npm_[A-Za-z0-9]{36}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
# buildx/BuildKit attributes that carry credentials (cache backends, gha, s3, azblob).
_SECRET_ATTRIBUTE = re.compile(
    r"(?i)(?<![\w-])(secret_access_key|session_token|access_key_id|token|password|secret"
    r"|account_key|sas_token|shared_key)=(\"[^\"]*\"|[^,\s]*)"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def looks_secret(name: str, value: str) -> bool:
    """True for a build arg that looks like a credential, by its name or its value."""
    return bool(value) and bool(_SECRET_NAME.search(name) or _SECRET_VALUE.search(value))


def argv_for_log(argv: Sequence[str]) -> list[str]:
    """``argv`` with credential attributes (``token=``, ``secret_access_key=``, ...), the
    user:password part of URLs and secret-looking ``--build-arg`` values replaced by ``***``:
    what a log line may show."""
    shown: list[str] = []
    for before, word in zip(["", *argv], argv, strict=False):
        name, equals, value = word.partition("=")
        if before == "--build-arg" and equals and looks_secret(name, value):
            shown.append(f"{name}={HIDDEN}")
            continue
        shown.append(
            _URL_USERINFO.sub(rf"\1{HIDDEN}@", _SECRET_ATTRIBUTE.sub(rf"\1={HIDDEN}", word))
        )
    return shown
