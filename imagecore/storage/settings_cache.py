"""Every server's settings in memory, so /imagine decides without waiting for the database.

All rows are read in one query at start, and read again in the background once they are
``ttl`` seconds old; meanwhile requests are answered from what is in memory. A change made
by this process is read back before its server's next request (``invalidate``); a change
made by another bot process on the same database takes effect within about ``ttl``
seconds. If a background read fails, the settings in memory stay in force.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable

from imagecore.background import BackgroundTasks
from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.storage import Storage

__all__ = ["SettingsCache"]

log = logging.getLogger(__name__)

UNSET = GuildSettings()


class SettingsCache:
    def __init__(
        self, storage: Storage, *, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._storage = storage
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[int, GuildSettings] = {}
        self._loaded_at: float | None = None  # when the last full read started
        # Servers changed here since the last read of them: read again before use.
        self._stale: set[int] = set()
        # Bumped on every change: a read that overlapped a change is not kept for it.
        self._versions: Counter[int] = Counter()
        # One read at a time, shared by every request that waits for it.
        self._full_read: asyncio.Future[None] | None = None
        self._reads: dict[int, asyncio.Future[GuildSettings]] = {}
        self._tasks = BackgroundTasks("settings cache")
        self._failing = False

    async def load_all(self) -> None:
        """Read every server's settings (at start); raises StorageUnavailable."""
        if self._full_read is None:
            self._full_read = self._tasks.spawn(
                self._read_all(), name="settings read", expected=(StorageUnavailable,)
            )
            self._full_read.add_done_callback(self._full_read_done)
        # Shielded: one waiter giving up must not cancel the read for the others.
        await asyncio.shield(self._full_read)

    def _full_read_done(self, done: asyncio.Future[None]) -> None:
        self._full_read = None
        if not done.cancelled() and done.exception() is not None and self._loaded_at is not None:
            # A background refresh: the settings in memory stay in force meanwhile.
            if not self._failing:
                log.warning("settings refresh failed; using those in memory: %s", done.exception())
            self._failing = True

    async def _read_all(self) -> None:
        started, versions = self._clock(), self._versions.copy()
        rows = await self._storage.all_guild_settings()
        for guild_id in set(self._entries) | set(rows):
            if self._versions[guild_id] == versions[guild_id]:
                self._entries[guild_id] = rows.get(guild_id, UNSET)
        self._loaded_at = started
        if self._failing:
            log.info("settings refresh works again")
        self._failing = False

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The server's settings (defaults for DMs); raises StorageUnavailable only when
        they are not in memory at all."""
        if guild_id is None:
            return UNSET
        if self._loaded_at is None:
            await self.load_all()
        elif self._clock() - self._loaded_at >= self._ttl and self._full_read is None:
            self._tasks.spawn(self._refresh(), name="settings refresh")
        if guild_id in self._stale:
            return await self._read_one(guild_id)
        return self._entries.get(guild_id, UNSET)

    async def _refresh(self) -> None:
        # Said once by _full_read_done; the next request tries again.
        with contextlib.suppress(StorageUnavailable):
            await self.load_all()

    async def _read_one(self, guild_id: int) -> GuildSettings:
        read = self._reads.get(guild_id)
        if read is None:
            read = self._tasks.spawn(
                self._read(guild_id), name="settings read", expected=(StorageUnavailable,)
            )
            self._reads[guild_id] = read
            read.add_done_callback(lambda done: self._forget_read(guild_id, done))
        return await asyncio.shield(read)

    def _forget_read(self, guild_id: int, done: asyncio.Future[GuildSettings]) -> None:
        # Only our own entry: a newer read may have replaced it after an invalidation.
        if self._reads.get(guild_id) is done:
            del self._reads[guild_id]

    async def _read(self, guild_id: int) -> GuildSettings:
        version = self._versions[guild_id]
        settings = await self._storage.guild_settings(guild_id)
        # A change made while this read ran may not be in it: don't keep it then.
        if self._versions[guild_id] == version:
            self._entries[guild_id] = settings
            self._stale.discard(guild_id)
        return settings

    def invalidate(self, guild_id: int) -> None:
        self._versions[guild_id] += 1
        self._stale.add(guild_id)
        self._reads.pop(guild_id, None)

    async def close(self) -> None:
        await self._tasks.cancel()
