"""Benchmark (issue 22 item 7): what users live with, job after job. See __main__."""
