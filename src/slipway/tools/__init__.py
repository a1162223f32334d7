"""Adapters around external programs and APIs: pure argv builders and parsers, thin runs."""
