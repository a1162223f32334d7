"""The job's side of the action container: workflow commands and files, host paths, the files inputs name."""
