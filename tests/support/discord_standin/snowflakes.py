"""Snowflake ids that look like Discord's and sort by creation time."""

from __future__ import annotations

import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Strictly increasing snowflakes.

    discord.py derives ``created_at`` from ids, so they carry a real timestamp; the
    counter keeps ids unique and ordered when many are made in one millisecond.
    """

    def __init__(self, worker_id: int = 1) -> None:
        self._worker = worker_id & 0x1F
        self._last = 0

    def next(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << 22) | (self._worker << 17)
        self._last = max(candidate, self._last + 1)
        return self._last

    def at(self, timestamp: float) -> int:
        """A snowflake dated ``timestamp`` (Unix seconds), outside the increasing sequence:
        for interactions that reach the bot late."""
        millis = int(timestamp * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (self._worker << 17) | (id(self) & 0xFFF)
