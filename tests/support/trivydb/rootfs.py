"""Tiny fake root file systems that Trivy recognises, for scanning without images.

Trivy detects Debian from ``etc/debian_version`` and reads ``var/lib/dpkg/status``; Alpine
from ``etc/alpine-release`` and ``lib/apk/db/installed``; Python packages from
``*.dist-info/METADATA``. The package sets below mirror real images: a bookworm
``debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates`` root and
Alpine 3.19 / 3.20 base images. Renderers are pure; ``write_*`` put them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OsPackage:
    """An installed OS package: binary name, version, and the source (origin) it comes from."""

    name: str
    version: str
    source: str
    arch: str = "amd64"


BOOKWORM_PACKAGES: tuple[OsPackage, ...] = (
    OsPackage("libssl3", "3.0.17-1~deb12u2", "openssl"),
    OsPackage("openssl", "3.0.17-1~deb12u2", "openssl"),
    OsPackage("python3.11-minimal", "3.11.2-6+deb12u6", "python3.11"),
    OsPackage("libpython3.11-stdlib", "3.11.2-6+deb12u6", "python3.11"),
    OsPackage("libc6", "2.36-9+deb12u10", "glibc"),
    OsPackage("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
    OsPackage("libexpat1", "2.5.0-1+deb12u1", "expat"),
    OsPackage("libsqlite3-0", "3.40.1-2+deb12u1", "sqlite3"),
    OsPackage("libncursesw6", "6.4-4", "ncurses"),
)

ALPINE_320_PACKAGES: tuple[OsPackage, ...] = (
    OsPackage("musl", "1.2.5-r0", "musl", "x86_64"),
    OsPackage("busybox", "1.36.1-r29", "busybox", "x86_64"),
    OsPackage("busybox-binsh", "1.36.1-r29", "busybox", "x86_64"),
    OsPackage("libcrypto3", "3.3.2-r0", "openssl", "x86_64"),
    OsPackage("libssl3", "3.3.2-r0", "openssl", "x86_64"),
    OsPackage("zlib", "1.3.1-r1", "zlib", "x86_64"),
)

ALPINE_319_PACKAGES: tuple[OsPackage, ...] = (
    OsPackage("musl", "1.2.4_git20230717-r4", "musl", "x86_64"),
    OsPackage("busybox", "1.36.1-r20", "busybox", "x86_64"),
    OsPackage("libcrypto3", "3.1.7-r0", "openssl", "x86_64"),
    OsPackage("libssl3", "3.1.7-r0", "openssl", "x86_64"),
)

DEBIAN_OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""


def render_dpkg_status(packages: Iterable[OsPackage]) -> str:
    """``var/lib/dpkg/status`` listing ``packages`` as installed."""
    stanzas = [
        f"Package: {p.name}\n"
        "Status: install ok installed\n"
        "Priority: optional\n"
        f"Architecture: {p.arch}\n"
        + (f"Source: {p.source}\n" if p.source != p.name else "")
        + f"Version: {p.version}\n"
        f"Description: {p.name} (Slipway test package)\n"
        for p in packages
    ]
    return "\n".join(stanzas)


def render_apk_installed(packages: Iterable[OsPackage]) -> str:
    """``lib/apk/db/installed`` listing ``packages`` (``o:`` is the origin, Trivy's key)."""
    return "".join(
        f"P:{p.name}\nV:{p.version}\nA:{p.arch}\nT:{p.name} (Slipway test package)\n"
        f"L:MIT\no:{p.source}\n\n"
        for p in packages
    )


def render_os_release_alpine(release: str) -> str:
    """``etc/os-release`` of an Alpine ``release`` such as ``3.20.3``."""
    return (
        'NAME="Alpine Linux"\nID=alpine\n'
        f"VERSION_ID={release}\n"
        f'PRETTY_NAME="Alpine Linux v{release.rsplit(".", 1)[0]}"\n'
    )


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_debian_root(
    root: Path, packages: Iterable[OsPackage] = BOOKWORM_PACKAGES, *, point_release: str = "12.12"
) -> Path:
    """Make ``root`` look like a Debian 12 system with ``packages`` installed."""
    _write(root, "etc/debian_version", point_release + "\n")
    _write(root, "etc/os-release", DEBIAN_OS_RELEASE)
    _write(root, "var/lib/dpkg/status", render_dpkg_status(packages))
    return root


def write_alpine_root(
    root: Path, packages: Iterable[OsPackage] = ALPINE_320_PACKAGES, *, release: str = "3.20.3"
) -> Path:
    """Make ``root`` look like an Alpine ``release`` system with ``packages`` installed."""
    _write(root, "etc/alpine-release", release + "\n")
    _write(root, "etc/os-release", render_os_release_alpine(release))
    _write(root, "lib/apk/db/installed", render_apk_installed(packages))
    return root


def write_python_dist(site_packages: Path, name: str, version: str) -> Path:
    """Install-record of a Python distribution (``NAME-VERSION.dist-info/METADATA``)."""
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n"
    dist_info = site_packages / f"{name}-{version}.dist-info"
    _write(dist_info, "METADATA", metadata)
    return dist_info
