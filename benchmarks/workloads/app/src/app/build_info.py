"""Which commit this is. The benchmark rewrites this file for each commit it makes (jobs A and
B of benchmarks/jobs), as any commit changes some code."""

COMMIT = "0000000000000000000000000000000000000000"
