"""What crosses jobs through GitHub's cache service: when, under which keys, in which wire format (pure)."""
