"""SettingsCache: every server's settings in memory, read in one query and refreshed in
the background, on a real database (see conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage import Storage, StorageUnavailable
from imagecore.storage.settings_cache import SettingsCache
from tests.support.clock import FakeClock
from tests.support.storage import START


class CountingStorage(Storage):
    """A real Storage that counts its settings reads and can hold or fail them."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.full_reads = 0
        self.single_reads = 0
        self.gate = asyncio.Event()  # held: a full read has its rows but doesn't return
        self.gate.set()
        self.read_done = asyncio.Event()
        self.fail = False

    async def all_guild_settings(self) -> dict[int, GuildSettings]:
        self.full_reads += 1
        if self.fail:
            raise StorageUnavailable("the database is down (test)")
        rows = await super().all_guild_settings()
        self.read_done.set()
        await self.gate.wait()
        return rows

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        self.single_reads += 1
        return await super().guild_settings(guild_id)


@pytest.fixture
async def storage(url: str) -> AsyncIterator[CountingStorage]:
    opened = await CountingStorage.open(url, clock=FakeClock(START))
    assert isinstance(opened, CountingStorage)
    try:
        yield opened
    finally:
        await opened.close()


async def test_one_read_for_every_server_then_none_per_request(storage: CountingStorage) -> None:
    await storage.change_guild_settings(7, 1, cooldown_seconds=30)
    clock = FakeClock()
    cache = SettingsCache(storage, ttl=10, clock=clock)
    results = await asyncio.gather(*(cache.get(guild) for guild in (7, 8) * 20))
    assert storage.full_reads == 1
    assert storage.single_reads == 0
    assert [r.cooldown_seconds for r in results[:2]] == [30, None]
    await cache.get(7)
    assert storage.full_reads == 1  # served from memory
    assert (await cache.get(None)) == GuildSettings()
    await cache.close()


async def test_a_change_here_is_seen_at_once(storage: CountingStorage) -> None:
    cache = SettingsCache(storage, ttl=60, clock=FakeClock())
    await cache.load_all()
    await storage.change_guild_settings(7, 1, cooldown_seconds=30)
    assert (await cache.get(7)).cooldown_seconds is None  # another process's change: later
    cache.invalidate(7)
    assert (await cache.get(7)).cooldown_seconds == 30
    assert storage.single_reads == 1
    assert (await cache.get(7)).cooldown_seconds == 30
    assert storage.single_reads == 1  # read once after the change, then memory again
    await cache.close()


async def test_old_settings_are_served_while_a_background_read_refreshes_them(
    storage: CountingStorage,
) -> None:
    clock = FakeClock()
    cache = SettingsCache(storage, ttl=10, clock=clock)
    await cache.load_all()
    await storage.change_guild_settings(7, 1, cooldown_seconds=30)  # "another process"
    clock.advance(11)
    storage.gate.clear()  # the refresh is slow: requests must not wait for it
    assert (await asyncio.wait_for(cache.get(7), 1)).cooldown_seconds is None
    assert storage.full_reads == 2
    storage.gate.set()
    await cache.load_all()  # joins the refresh under way
    assert storage.full_reads == 2
    assert (await cache.get(7)).cooldown_seconds == 30
    await cache.close()


async def test_a_failed_refresh_keeps_the_settings_in_memory(
    storage: CountingStorage, caplog: pytest.LogCaptureFixture
) -> None:
    await storage.change_guild_settings(7, 1, cooldown_seconds=30)
    clock = FakeClock()
    cache = SettingsCache(storage, ttl=10, clock=clock)
    await cache.load_all()
    storage.fail = True
    clock.advance(11)
    assert (await cache.get(7)).cooldown_seconds == 30
    with pytest.raises(StorageUnavailable):
        await cache.load_all()  # joins the failing refresh
    assert (await cache.get(7)).cooldown_seconds == 30
    assert "settings refresh failed" in caplog.text
    await cache.close()


async def test_a_refresh_that_overlapped_a_change_does_not_undo_it(
    storage: CountingStorage,
) -> None:
    clock = FakeClock()
    cache = SettingsCache(storage, ttl=10, clock=clock)
    await cache.load_all()
    clock.advance(11)
    storage.gate.clear()
    storage.read_done.clear()
    await cache.get(7)  # starts a refresh, which reads the row before the change lands
    await asyncio.wait_for(storage.read_done.wait(), 5)
    await storage.change_guild_settings(7, 1, cooldown_seconds=30)
    cache.invalidate(7)
    assert (await cache.get(7)).cooldown_seconds == 30  # read again at once
    storage.gate.set()
    await cache.load_all()  # the refresh holding the old row ends now
    assert storage.full_reads == 2
    assert (await cache.get(7)).cooldown_seconds == 30
    await cache.close()


async def test_nothing_in_memory_and_the_database_down_is_said(storage: CountingStorage) -> None:
    storage.fail = True
    cache = SettingsCache(storage, ttl=10, clock=FakeClock())
    with pytest.raises(StorageUnavailable):
        await cache.get(7)
    await cache.close()
