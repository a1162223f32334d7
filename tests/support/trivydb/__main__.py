"""Command line: build the test Trivy DB as a cache dir, or push it to a registry.

    python -m tests.support.trivydb build --out DIR [--tarball PATH] [--updated-at ISO]
    python -m tests.support.trivydb push --registry 127.0.0.1:5000 \\
        --repository slipway-test/trivy-db --tag 2 [--updated-at ISO]

``build`` writes ``DIR/db/trivy.db`` and ``DIR/db/metadata.json`` (use ``trivy ...
--cache-dir DIR --skip-db-update``). ``push`` prints the reference to give Trivy as
``--db-repository`` and the manifest digest. The clock is read here only, as the default
for ``--updated-at``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from .publish import DATA_DIR, LAYER_TITLE, build_db, make_tarball, push_db


def _timestamp(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.trivydb",
        description="Build Slipway's test Trivy vulnerability DB, or push it to a registry.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, default=DATA_DIR, help="fixture YAML directory")
    common.add_argument("--updated-at", type=_timestamp, help="DB UpdatedAt (default: now)")
    common.add_argument("--next-update", type=_timestamp, help="default: UpdatedAt + 1 day")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", parents=[common], help="write a Trivy cache dir")
    build.add_argument("--out", type=Path, required=True, help="cache dir to write")
    build.add_argument("--tarball", type=Path, help="also write the db.tar.gz layer here")

    push = commands.add_parser("push", parents=[common], help="push the DB as an OCI artifact")
    push.add_argument("--registry", required=True, help="HOST:PORT, or an http(s):// URL")
    push.add_argument("--repository", required=True, help="e.g. slipway-test/trivy-db")
    push.add_argument("--tag", default="2", help="tag (default: 2, the DB schema version)")
    push.add_argument("--username", help="basic auth user")
    push.add_argument("--password-stdin", action="store_true", help="read the password")
    push.add_argument("--ca", type=Path, help="CA bundle: talk HTTPS to the registry")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    args = parse_args(argv)
    updated_at = args.updated_at or datetime.now(UTC).replace(microsecond=0)
    if args.command == "build":
        db_dir = build_db(
            args.data,
            args.out,
            updated_at=updated_at,
            next_update=args.next_update,
            downloaded_at=updated_at,
        )
        if args.tarball:
            make_tarball(db_dir, args.tarball, mtime=updated_at)
        print(f"wrote {db_dir}")
        return 0
    password = sys.stdin.read().rstrip("\n") if args.password_stdin else None
    with tempfile.TemporaryDirectory(prefix="trivydb-") as tmp:
        db_dir = build_db(args.data, Path(tmp), updated_at=updated_at, next_update=args.next_update)
        tarball = make_tarball(db_dir, Path(tmp) / LAYER_TITLE, mtime=updated_at)
        digest = push_db(
            args.registry,
            args.repository,
            args.tag,
            tarball,
            username=args.username,
            password=password,
            ca=args.ca,
            created=updated_at,
        )
    host = args.registry.split("://", 1)[-1].rstrip("/")
    print(f"pushed {host}/{args.repository}:{args.tag}@{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
