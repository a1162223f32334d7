"""Target platforms (``os/arch[/variant]``), as buildx and OCI image indexes name them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# GOOS/GOARCH values containerd's platforms package accepts, plus their usual variants.
KNOWN_OS = ("linux", "windows", "freebsd", "darwin")
KNOWN_ARCH_VARIANTS: dict[str, tuple[str, ...]] = {
    "amd64": ("", "v1", "v2", "v3", "v4"),
    "arm64": ("", "v8", "v9"),
    "arm": ("v5", "v6", "v7", "v8"),
    "386": ("",),
    "ppc64le": ("",),
    "s390x": ("",),
    "riscv64": ("",),
    "mips64le": ("",),
    "loong64": ("",),
}
_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm", "i386": "386"}
# QEMU binfmt handler names (/proc/sys/fs/binfmt_misc/qemu-NAME) per architecture.
QEMU_NAMES = {
    "arm64": "aarch64",
    "arm": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True)
class Platform:
    """One target platform."""

    os: str
    arch: str
    variant: str = ""

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.arch, self.variant) if part)

    @property
    def slug(self) -> str:
        """A file-name-safe form (``linux-arm-v7``)."""
        return str(self).replace("/", "-")


def parse_platform(value: str) -> Platform:
    """Parse ``os/arch[/variant]``; unknown parts raise ValueError with a suggestion."""
    parts = value.strip().lower().split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(
            f"{value!r} is not a platform; write it as os/arch[/variant], e.g. linux/arm64"
        )
    os_name, arch = parts[0], _ALIASES.get(parts[1], parts[1])
    variant = parts[2] if len(parts) == 3 else ""
    if os_name not in KNOWN_OS:
        raise ValueError(f"unknown OS {os_name!r} in {value!r}{_suggest(os_name, KNOWN_OS)}")
    if arch not in KNOWN_ARCH_VARIANTS:
        raise ValueError(
            f"unknown architecture {arch!r} in {value!r}{_suggest(arch, tuple(KNOWN_ARCH_VARIANTS))}"
        )
    variants = KNOWN_ARCH_VARIANTS[arch]
    if arch == "arm" and not variant:
        variant = "v7"  # containerd normalises linux/arm to linux/arm/v7
    if variant not in variants:
        shown = ", ".join(v for v in variants if v) or "none"
        raise ValueError(f"unknown variant {variant!r} for {arch} in {value!r} (known: {shown})")
    if arch == "arm64" and variant == "v8":
        variant = ""
    return Platform(os_name, arch, variant)


def _suggest(value: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
