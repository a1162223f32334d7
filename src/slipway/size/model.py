"""The size of an image per platform: layers with their sizes and the lines that made them.

Built from what the registry holds (manifest, config, and optionally the layer
tarballs read as streams), never from a local image store. Pure data; renderers
format it with `slipway.size.limits.format_size`.
"""

from __future__ import annotations

from dataclasses import dataclass

from slipway.dockerfile.history import clean_created_by

# Directories package managers leave behind (hint: clean them in the same RUN).
CACHE_DIRS = (
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/cache/apk",
    "var/cache/yum",
    "var/cache/dnf",
    "root/.cache/pip",
    "root/.cache",
    "root/.npm",
    "usr/local/share/.cache/yarn",
)
# Where compilers and headers live (hint: build in a separate stage).
BUILD_TOOL_PATHS = ("usr/lib/gcc", "usr/libexec/gcc", "usr/include", "usr/bin/gcc", "usr/bin/g++")


@dataclass(frozen=True)
class FileEntry:
    """A regular file a layer adds (path without the leading slash)."""

    path: str
    size: int


@dataclass(frozen=True)
class LayerContents:
    """What streaming a layer tarball showed: its unpacked size, biggest files, cache bytes."""

    uncompressed: int
    largest: tuple[FileEntry, ...] = ()
    cache_bytes: tuple[tuple[str, int], ...] = ()  # (cache dir, bytes), non-zero only
    build_tool_bytes: int = 0


@dataclass(frozen=True)
class Layer:
    """One layer of a platform image and where it came from."""

    digest: str
    media_type: str
    compressed: int
    created_by: str  # from the config history (untrusted text)
    line: int = 0  # the Dockerfile line that made it; 0 for base image layers
    stage: str = ""  # the stage that made it, or "base image"
    contents: LayerContents | None = None

    @property
    def from_base(self) -> bool:
        """True for the base image's layers."""
        return self.line == 0

    @property
    def instruction(self) -> str:
        """The instruction as the history records it, without BuildKit's decorations."""
        return clean_created_by(self.created_by)


@dataclass(frozen=True)
class PlatformSize:
    """Sizes of one platform image."""

    platform: str
    digest: str
    layers: tuple[Layer, ...]
    base: str = ""  # the final stage's base image, as the Dockerfile names it

    @property
    def compressed(self) -> int:
        """Bytes to download: the sum of the compressed layers."""
        return sum(layer.compressed for layer in self.layers)

    @property
    def uncompressed(self) -> int | None:
        """Bytes unpacked, when every layer was read."""
        sizes = [layer.contents.uncompressed for layer in self.layers if layer.contents]
        return sum(sizes) if len(sizes) == len(self.layers) else None

    @property
    def base_compressed(self) -> int:
        """Compressed bytes of the base image's layers."""
        return sum(layer.compressed for layer in self.layers if layer.from_base)
