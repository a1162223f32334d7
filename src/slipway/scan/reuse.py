"""Scan reuse: a result is keyed by (platform digest, DB ``UpdatedAt``, scan options).

An identical key means Trivy would find exactly the same, so a re-run of an unchanged
image with the same DB costs nothing. The options part includes the contents (not the
names) of ignore files and VEX documents, since editing one changes the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

KEY_VERSION = 1


def scan_key(
    digest: str,
    db_updated_at: str,
    *,
    severities: Sequence[str],
    scanners: Sequence[str],
    ignore_unfixed: bool,
    documents: Mapping[str, str],
    trivy_version: str = "",
) -> str:
    """A file-name-safe key; ``documents`` maps ignore/VEX file names to their contents."""
    material = {
        "v": KEY_VERSION,
        "digest": digest,
        "db": db_updated_at,
        "severities": sorted(severities),
        "scanners": sorted(scanners),
        "ignore_unfixed": ignore_unfixed,
        "documents": sorted(
            (name, hashlib.sha256(text.encode()).hexdigest()) for name, text in documents.items()
        ),
        "trivy": trivy_version,
    }
    blob = json.dumps(material, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()
