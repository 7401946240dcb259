"""Servers' settings kept in memory for a few seconds: /imagine reads them on every
request, and its answer must reach Discord within 3 s even when many members ask at once.

Changes made by this process take effect at once (they invalidate the entry); changes
made by another bot process on the same database take effect within ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage import Storage

__all__ = ["SettingsCache"]


class SettingsCache:
    def __init__(
        self, storage: Storage, *, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._storage = storage
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[int, tuple[float, GuildSettings]] = {}
        # One read per server at a time: a burst of /imagine after expiry shares it.
        self._loading: dict[int, asyncio.Future[GuildSettings]] = {}
        self._generations: dict[int, int] = {}

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The server's settings (defaults for DMs); raises StorageUnavailable."""
        if guild_id is None:
            return GuildSettings()
        entry = self._entries.get(guild_id)
        now = self._clock()
        if entry is not None and entry[0] > now:
            return entry[1]
        loading = self._loading.get(guild_id)
        if loading is None:
            loading = asyncio.ensure_future(self._load(guild_id))
            self._loading[guild_id] = loading
            loading.add_done_callback(lambda done: self._forget_load(guild_id, done))
        # Shielded: one waiter giving up must not cancel the read for the others.
        return await asyncio.shield(loading)

    def _forget_load(self, guild_id: int, done: asyncio.Future[GuildSettings]) -> None:
        # Only our own entry: a newer read may have replaced it after an invalidation.
        if self._loading.get(guild_id) is done:
            del self._loading[guild_id]

    async def _load(self, guild_id: int) -> GuildSettings:
        generation = self._generations.get(guild_id, 0)
        settings = await self._storage.guild_settings(guild_id)
        # A change made while this read ran may not be in it: don't keep it then.
        if self._generations.get(guild_id, 0) == generation:
            self._entries[guild_id] = (self._clock() + self._ttl, settings)
        return settings

    def invalidate(self, guild_id: int) -> None:
        self._generations[guild_id] = self._generations.get(guild_id, 0) + 1
        self._entries.pop(guild_id, None)
        self._loading.pop(guild_id, None)
