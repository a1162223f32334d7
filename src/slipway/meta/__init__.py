"""Pure tag and label computation from the GitHub context (no I/O, no clock)."""
