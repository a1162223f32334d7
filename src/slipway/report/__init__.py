"""Pure renderers: Markdown summary and comment, annotations, SARIF. They return strings."""
