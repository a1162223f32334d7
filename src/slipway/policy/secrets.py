"""What credentials look like: token formats, key files, literal passwords in commands.

Trivy and hadolint judge ARG/ENV *names* (DS-0031, DL3064); these patterns catch
credential *values* (in ARG/ENV defaults and RUN lines) and key files being copied,
which neither does. A match reports the kind of credential, never the value.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# (kind, pattern); the kind is shown, the matched text never is.
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("GitHub token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("Slack token", re.compile(r"\bxox[abpors]-[A-Za-z0-9-]{10,}")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("PyPI token", re.compile(r"\bpypi-[A-Za-z0-9_-]{50,}")),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
)
# Literal credentials in shell commands (a `$VAR` or `$(cat /run/secrets/x)` is fine).
COMMAND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Authorization header",
        re.compile(r"(?i)authorization:\s*(?:bearer|basic|token)\s+(?![$\"'])[^\s\"']{8,}"),
    ),
    ("password in URL", re.compile(r"://[^/\s:@$]+:(?![$])[^/\s@]{3,}@")),
    ("--password argument", re.compile(r"(?i)--password[= ]+(?![$\"'-])[^\s\"']{3,}")),
    (
        "credential variable",
        re.compile(
            r"\b[A-Z_]*(?:PASSWORD|PASSWD|TOKEN|SECRET|API_KEY)[A-Z_]*=(?![$])[\"']?[^\s\"'$]{6,}"
        ),
    ),
)

KEY_FILE_NAMES = frozenset(
    {
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        "credentials",
        "credentials.json",
        "kubeconfig",
        ".dockercfg",
        "secrets.json",
        "secrets.yaml",
        "secrets.yml",
        "service-account.json",
    }
)
KEY_FILE_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".ppk")
KEY_FILE_PATHS = (".aws/credentials", ".docker/config.json", ".ssh/")


def token_kind(text: str, *, command: bool = False) -> str:
    """The kind of credential found in ``text`` ("" when none); ``command`` adds shell forms."""
    patterns = TOKEN_PATTERNS + (COMMAND_PATTERNS if command else ())
    for kind, pattern in patterns:
        if pattern.search(text):
            return kind
    return ""


def is_key_file(source: str) -> bool:
    """True when a COPY/ADD source names a key or credential file."""
    path = source.strip("\"'").rstrip("/")
    name = PurePosixPath(path).name
    if name in KEY_FILE_NAMES or name.startswith(("id_rsa", "id_ed25519")):
        return not name.endswith(".pub")
    if name.endswith(KEY_FILE_SUFFIXES):
        return True
    if name.startswith(".env.") and not name.endswith((".example", ".sample", ".template")):
        return True
    return any(marker in path + "/" for marker in KEY_FILE_PATHS)
