"""Run the GitHub stand-in as a process (for end-to-end tests).

``python -m tests.support.github_standin --port P --seed seed.json --state-out state.json``
prints ``github-standin: serving http://HOST:PORT`` once listening, rewrites the state
file after every request and again on SIGTERM or SIGINT, then exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .cache import MissingFixturesError
from .server import StandIn
from .state import State


def write_state(standin: StandIn, path: Path) -> None:
    """Atomically write ``standin``'s state snapshot (see ``State.snapshot``) to ``path``."""
    with standin.lock:
        snapshot = {"url": standin.url, **standin.state.snapshot()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(snapshot, out, indent=1)
    Path(tmp).replace(path)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.github_standin", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--seed", type=Path, help="seed JSON (see the package docstring)")
    parser.add_argument("--state-out", type=Path, help="where to write the state JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; return the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    state = State()
    if args.seed is not None:
        state.seed(json.loads(args.seed.read_text(encoding="utf-8")))
    out: Path | None = args.state_out

    def on_change(standin: StandIn) -> None:
        if out is not None:
            write_state(standin, out)

    try:
        standin = StandIn(state, host=args.host, port=args.port, on_change=on_change).start()
    except MissingFixturesError as exc:
        print(f"github-standin: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def request_stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    on_change(standin)
    print(f"github-standin: serving {standin.url}", flush=True)
    while not stop.wait(0.2):
        pass
    on_change(standin)
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
