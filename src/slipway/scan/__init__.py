"""The scan stage: Trivy on every platform by digest, one shared DB, findings, SARIF, the gate.

Pure parts (options, findings, merge, counts, gate, cache keys, DB decisions, SARIF) are
unit-tested by tables; `stage` is the only module here that runs Trivy or touches files.
"""
