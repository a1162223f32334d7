"""The workloads: what is built, for which platforms, and how a context is laid out.

* ``tiny``: examples/hello (a few small layers; the fixed costs dominate), amd64 + arm64.
* ``compile``: benchmarks/workloads/compile, a ``pip install`` of pure-Python wheels into a
  venv (20 s or more of CPU on amd64, once, on the build platform) and a smoke test on each
  target (arm64 under QEMU), amd64 + arm64. Its wheelhouse is made here, offline, with the
  project's pip from the pins in its requirements.txt.
* ``large``: benchmarks/workloads/large, some 400 MB compressed in 15 layers of
  incompressible, reproducible bytes, amd64.

``compile`` and ``large`` take a ``NONCE`` build arg: each fresh job gets a new one (new
layers for the registry and Trivy), a re-run of an unchanged commit the same one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS_DIR = ROOT / "benchmarks" / "workloads"


@dataclass(frozen=True)
class Workload:
    """One thing to build: its sources, platforms, and whether it takes NONCE."""

    name: str
    source: Path
    platforms: tuple[str, ...]
    takes_nonce: bool
    needs_wheels: bool = False

    @property
    def platform_list(self) -> str:
        """The platforms as buildx and Slipway take them."""
        return ",".join(self.platforms)

    def build_args(self, nonce: str) -> dict[str, str]:
        """The build args of a round."""
        return {"NONCE": nonce} if self.takes_nonce else {}

    def lay_out(self, into: Path, wheelhouse: Path | None) -> Path:
        """A copy of the sources at ``into`` (what a checkout of the repository holds), with
        the wheelhouse as ``wheels/`` when the workload needs one; returns ``into``."""
        shutil.copytree(self.source, into, ignore=shutil.ignore_patterns("wheels", "__pycache__"))
        if self.needs_wheels:
            if wheelhouse is None:
                raise RuntimeError(f"workload {self.name} needs a wheelhouse")
            shutil.copytree(wheelhouse, into / "wheels")
        return into


WORKLOADS = {
    "tiny": Workload("tiny", ROOT / "examples" / "hello", ("linux/amd64", "linux/arm64"), False),
    "compile": Workload(
        "compile",
        WORKLOADS_DIR / "compile",
        ("linux/amd64", "linux/arm64"),
        True,
        needs_wheels=True,
    ),
    "large": Workload("large", WORKLOADS_DIR / "large", ("linux/amd64",), True),
}


def make_wheelhouse(requirements: Path, into: Path) -> Path:
    """``pip wheel`` the pinned requirements (pure-Python wheels only) into ``into``, from
    the package index this machine's pip is configured with (scripts/dev-env's)."""
    pip = ROOT / ".venv" / "bin" / "pip"
    done = subprocess.run(
        [str(pip), "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary", ":all:", "--wheel-dir", str(into), "--requirement", str(requirements)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(f"could not make the wheelhouse for {requirements}:\n{done.stderr}")
    not_pure = [w.name for w in wheels if not w.name.endswith("-none-any.whl")]
    if not_pure:
        raise RuntimeError(f"the compile workload wants pure-Python wheels only: {not_pure}")
    return into
