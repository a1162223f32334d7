"""A small Trivy vulnerability DB made by the tests, so real Trivy runs offline.

- ``bolt``: writes (and reads back) BoltDB files, meta-page checksums included.
- ``fixtures``: Trivy's own fixture YAML format (``bucket``/``pairs``) into a bolt tree.
- ``publish``: ``build_db`` (a ``--cache-dir``), ``make_tarball``, ``push_db`` (the OCI
  artifact ``--db-repository`` downloads).
- ``planted``: the advisories in tests/data/trivy-db, as a table to assert on.
- ``rootfs``: fake Debian / Alpine roots for ``trivy rootfs``.

Command line: ``python -m tests.support.trivydb {build,push} --help``.
"""
