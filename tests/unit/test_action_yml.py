"""action.yml and the code agree: every documented input is read, every output written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "\n".join(p.read_text() for p in (ROOT / "src" / "slipway").rglob("*.py"))


def action() -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load((ROOT / "action.yml").read_text())
    return data


def test_every_input_is_documented_and_read() -> None:
    for name, spec in action()["inputs"].items():
        assert spec.get("description"), name
        assert name == "images" or "default" in spec, name
        assert f'"{name}"' in SOURCE, f"input {name!r} is documented but never read"


def test_every_output_is_documented_and_written() -> None:
    outputs = action()["outputs"]
    for name, spec in outputs.items():
        assert spec.get("description"), name
        assert f'"{name}"' in SOURCE, f"output {name!r} is documented but never written"
    written = set(re.findall(r'set_output\(\s*"([a-z-]+)"', SOURCE))
    assert written <= set(outputs), f"outputs written but not documented: {written - set(outputs)}"
