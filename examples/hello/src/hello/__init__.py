"""A tiny web app for Slipway's example image."""
