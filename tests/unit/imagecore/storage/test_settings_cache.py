from __future__ import annotations

import asyncio

from imagecore.storage import Storage
from imagecore.storage.settings_cache import SettingsCache


async def test_one_read_for_a_burst_and_changes_seen_at_once(tmp_path):
    storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        cache = SettingsCache(storage, ttl=60)
        reads = 0
        original = storage.guild_settings

        async def counting(guild_id: int):
            nonlocal reads
            reads += 1
            return await original(guild_id)

        storage.guild_settings = counting  # type: ignore[method-assign]
        results = await asyncio.gather(*(cache.get(7) for _ in range(20)))
        assert reads == 1 and all(r.cooldown_seconds is None for r in results)
        await storage.change_guild_settings(7, 1, cooldown_seconds=30)
        assert (await cache.get(7)).cooldown_seconds is None  # cached
        cache.invalidate(7)
        assert (await cache.get(7)).cooldown_seconds == 30
        assert (await cache.get(None)).cooldown_seconds is None
    finally:
        await storage.close()
