"""Process plumbing around the Bot class that knows Discord but no feature: start-up and
exit codes, logging and secret redaction, command-sync bookkeeping."""
