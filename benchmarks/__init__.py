"""Benchmarks: the real bot, in its own process, against the Discord and image API stand-ins."""
