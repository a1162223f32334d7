"""The builders Slipway keeps, per engine, as the test sessions see them.

A session of engine tests removes, at its end, the builders its runs of Slipway kept (those
that were not there when it started): nothing is left (tests.support.leftovers). When
scripts/test runs two such sessions at once (the integration tier beside the e2e tests that
share kept builders), neither may remove what the other is using: it then writes the engines'
builders to a file first (``snapshot FILE``), the sessions find it in
``SLIPWAY_TEST_BUILDERS_BEFORE`` and leave the clean-up to it, and it removes every builder
kept since once both ended (``remove-new FILE``).

    python -m tests.support.session_builders snapshot FILE
    python -m tests.support.session_builders remove-new FILE
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.support.builders import kept_builders, remove_kept_builders
from tests.support.devenv import load_devenv

SHARED = "SLIPWAY_TEST_BUILDERS_BEFORE"  # the snapshot's file: the sessions leave builders alone


def engines() -> list[str]:
    """Every engine scripts/dev-env started (the default one when there is no dev env)."""
    hosts = ["unix:///var/run/docker.sock"]
    try:
        devenv = load_devenv()
    except RuntimeError:  # no dev env (unit tests alone): the default engine only
        return hosts
    return [*hosts, *(h for h in (devenv.cs_docker_host, devenv.old_docker_host) if h)]


def snapshot() -> dict[str, set[str]]:
    """The builders kept on each engine now."""
    return {host: kept_builders(host) for host in engines()}


def shared_snapshot() -> dict[str, set[str]] | None:
    """The snapshot scripts/test took for sessions that run at once, or None."""
    path = os.environ.get(SHARED, "")
    if not path:
        return None
    return {host: set(names) for host, names in json.loads(Path(path).read_text()).items()}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("snapshot", "remove-new"):
        sys.stderr.write(__doc__ or "")
        return 2
    path = Path(argv[1])
    if argv[0] == "snapshot":
        path.write_text(json.dumps({h: sorted(n) for h, n in snapshot().items()}))
        return 0
    before = {host: set(names) for host, names in json.loads(path.read_text()).items()}
    for host in engines():
        remove_kept_builders(host, before.get(host, set()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
