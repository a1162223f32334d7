"""OCI image data, references, platforms and referrers (pure)."""
