"""Shared test configuration."""

from __future__ import annotations
