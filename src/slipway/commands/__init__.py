"""The commands `python -m slipway` runs: a build (`run`) and `metadata`."""
