"""buildx and BuildKit rules: builder choice, buildkitd.toml, CSV values, the build context, type=gha entries (pure)."""
