"""The action container's entry point: Slipway's main, with the workspace made safe for git
and handed back to its owner at exit (slipway.runner.container)."""

from __future__ import annotations

import sys

from slipway.runner.container import run_in_container

sys.exit(run_in_container())
