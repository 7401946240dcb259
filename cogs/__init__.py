"""Cogs translate between Discord and the core; they hold no HTTP or storage code."""
