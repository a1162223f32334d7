"""The pipeline benchmark (issue 18): see ``__main__``'s text. Run it as
``.venv/bin/python benchmarks/pipeline``."""
