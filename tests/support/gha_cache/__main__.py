"""Run the cache service v2 stand-in as a process (for end-to-end tests).

``python -m tests.support.gha_cache [--azurite-url URL] [--port P] [--state-out FILE]``
starts Azurite itself unless ``--azurite-url`` names a running account endpoint, prints
``gha-cache-standin: serving URL`` and ``gha-cache-standin: token TOKEN`` once listening,
rewrites the state file (entries, violations) after SIGTERM/SIGINT, then exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .azurite import Azurite, AzuriteUnavailableError
from .server import GhaCacheStandin


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.gha_cache", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--azurite-url", help="Azurite account URL (default: start Azurite)")
    parser.add_argument("--token", help="runtime token to require (default: a new JWT)")
    parser.add_argument("--state-out", type=Path, help="where to write entries and violations")
    return parser.parse_args(argv)


def state(standin: GhaCacheStandin) -> dict[str, Any]:
    """A JSON-ready snapshot of entries and violations."""
    return {
        "url": standin.url,
        "entries": [dataclasses.asdict(e) for e in standin.entries],
        "violations": [dataclasses.asdict(v) for v in standin.violations],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; return the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    stop = threading.Event()

    def request_stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with ExitStack() as stack:
        azurite_url = args.azurite_url
        if azurite_url is None:
            try:
                azurite_url = stack.enter_context(Azurite()).account_url
            except AzuriteUnavailableError as exc:
                print(f"gha-cache-standin: {exc}", file=sys.stderr)
                return 2
        standin = GhaCacheStandin(azurite_url, token=args.token, host=args.host, port=args.port)
        stack.enter_context(standin)
        print(f"gha-cache-standin: serving {standin.url}", flush=True)
        print(f"gha-cache-standin: token {standin.token}", flush=True)
        while not stop.wait(0.2):
            pass
        if args.state_out is not None:
            args.state_out.write_text(json.dumps(state(standin), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
