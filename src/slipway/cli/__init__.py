"""``slipway`` on a laptop: the step a workflow runs, with options instead of ``INPUT_*``, the
GitHub context from the local git checkout, and output made for a terminal.

`options` turns action.yml's inputs into options, `workflow_file` reads a step's ``with:``
block, `local` fills the context from git, `main` runs the pipeline (or prints its plan).
Under GitHub Actions (``GITHUB_ACTIONS=true``) none of this is used.
"""
