"""The action container's entry point: run Slipway's main and exit with its code."""

import sys

from slipway.__main__ import main

sys.exit(main())
