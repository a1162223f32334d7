"""Run regfront as a process: ``python -m tests.support.regfront --listen ... --backend ...``.

Prints ``regfront listening on URL`` on stdout once it accepts connections; SIGTERM or
SIGINT stops it.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .server import RegFront


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.regfront",
        description="Reverse proxy before a test registry: serialised manifests, faults.",
    )
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT to serve on")
    parser.add_argument("--backend", required=True, help="HOST:PORT of the plain-HTTP registry")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", type=Path, help="PEM key for --tls-cert")
    parser.add_argument("--faults", type=Path, help='JSON file {"seed": N, "rules": [...]}')
    parser.add_argument(
        "--no-serialise", action="store_true", help="pass manifest requests concurrently too"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more")
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    return args


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT."""
    args = parse_args(argv)
    levels = {0: logging.WARNING, 1: logging.INFO}
    logging.basicConfig(
        level=levels.get(args.verbose, logging.DEBUG),
        format="%(asctime)s regfront %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    front = RegFront(
        args.backend,
        listen=args.listen,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        serialise_manifests=not args.no_serialise,
    )
    if args.faults is not None:
        front.set_faults(json.loads(args.faults.read_text()))
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"regfront listening on {front.url} -> http://{args.backend}", flush=True)
    try:
        front.serve_forever()
    finally:
        front.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
