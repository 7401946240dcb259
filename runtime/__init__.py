"""Process plumbing around the Bot class that knows Discord but no feature: start-up and
exit codes, logging and secret redaction, command-sync bookkeeping."""

__version__ = "0.1.0"  # kept equal to pyproject.toml's version by a test
