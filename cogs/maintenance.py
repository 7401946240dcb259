"""Periodic storage work: history writes kept while the database was down are retried,
and history older than HISTORY_DAYS is purged once a day."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["MaintenanceCog", "setup"]

log = logging.getLogger(__name__)

OUTBOX_RETRY_SECONDS = 15.0
DAY_SECONDS = 86_400
# A purge that found the database down is tried again within the hour, not the next day.
PURGE_CHECK_HOURS = 1.0


class MaintenanceCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self._last_purge: float | None = None  # monotonic

    async def cog_load(self) -> None:
        self.retry_outbox.start()
        self.purge_history.start()

    async def cog_unload(self) -> None:
        self.retry_outbox.cancel()
        self.purge_history.cancel()

    @tasks.loop(seconds=OUTBOX_RETRY_SECONDS)
    async def retry_outbox(self) -> None:
        storage = self.bot.storage
        if not storage.outbox_size:
            return
        # Everything is caught: tasks.loop stops for good on an exception.
        try:
            await storage.flush_outbox()
        except StorageUnavailable as exc:
            log.warning("history writes postponed: %s", exc)
        except Exception:
            log.exception("retrying history writes failed")

    @tasks.loop(hours=PURGE_CHECK_HOURS)
    async def purge_history(self) -> None:
        if self._last_purge is not None and time.monotonic() - self._last_purge < DAY_SECONDS:
            return
        days = self.bot.config.history_days
        try:
            deleted = await self.bot.storage.purge_history(self.bot.clock() - days * DAY_SECONDS)
            # Ended jobs in flight: their history row has everything; a day is plenty.
            ended = await self.bot.storage.live_jobs.purge(self.bot.clock() - DAY_SECONDS)
        except StorageUnavailable as exc:
            log.warning("history purge postponed: %s", exc)
            return
        except Exception:
            log.exception("purging old history failed")
            return
        self._last_purge = time.monotonic()
        if deleted:
            log.info("purged %d history rows older than %d days", deleted, days)
        if ended:
            log.info("purged %d ended jobs' resume rows", ended)


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(MaintenanceCog(bot))
