"""Slipway: build, push, scan and report container images in one GitHub Actions step."""

from __future__ import annotations

__version__ = "0.1.0"
