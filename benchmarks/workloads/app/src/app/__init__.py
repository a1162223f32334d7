"""A small inventory service: the code of the benchmark's ``app`` workload."""
