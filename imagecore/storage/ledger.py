"""Writing finished jobs to history (and delivered ones to the daily counters) off the
hot path: a member never waits for the database after their image is posted."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime

from imagecore.storage import JobRecord, Storage, Usage

__all__ = ["JobLedger"]

log = logging.getLogger(__name__)


class JobLedger:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._writes: set[asyncio.Task[None]] = set()
        # Deliveries whose write has not reached the storage yet, so a member's next
        # request already sees them in their daily count.
        self._in_flight: Counter[tuple[date, int, int]] = Counter()
        # Writes that reached storage, per day and server: tells a read that raced one.
        self._landed: Counter[tuple[date, int]] = Counter()

    def save(self, job: JobRecord) -> None:
        key = self._key(job) if job.status == "delivered" else None
        if key is not None:
            self._in_flight[key] += 1
        task = asyncio.create_task(self._save(job, key))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def unsaved_deliveries(self, *, user_id: int, guild_id: int | None, day: date) -> int:
        return self._in_flight[(day, guild_id or 0, user_id)]

    def unsaved_guild_deliveries(self, *, guild_id: int, day: date) -> int:
        return sum(n for (d, g, _), n in self._in_flight.items() if d == day and g == guild_id)

    async def usage(self, *, user_id: int, guild_id: int | None, day: date) -> Usage:
        """Stored counts plus deliveries still on their way to storage, exactly: if a write
        lands while the counts are read, it may or may not be in them, so read again."""
        guild_key = (day, guild_id or 0)
        for _ in range(5):
            landed = self._landed[guild_key]
            user_extra = self.unsaved_deliveries(user_id=user_id, guild_id=guild_id, day=day)
            guild_extra = (
                self.unsaved_guild_deliveries(guild_id=guild_id, day=day) if guild_id else 0
            )
            stored = await self._storage.usage(user_id=user_id, guild_id=guild_id, day=day)
            if self._landed[guild_key] == landed:
                break
        return Usage(
            user_today=stored.user_today + user_extra, guild_today=stored.guild_today + guild_extra
        )

    @staticmethod
    def _key(job: JobRecord) -> tuple[date, int, int]:
        finished = job.finished_at if job.finished_at is not None else job.created_at
        return (datetime.fromtimestamp(finished, UTC).date(), job.guild_id or 0, job.user_id)

    async def _save(self, job: JobRecord, key: tuple[date, int, int] | None) -> None:
        try:
            # The storage keeps it in its outbox when the database is down: never lost.
            await self._storage.save_job(job)
        except Exception:
            log.exception("could not record a finished job")
        finally:
            if key is not None:
                self._landed[key[:2]] += 1
                for stale in [k for k in self._landed if k[0] < key[0]]:
                    del self._landed[stale]
                self._in_flight[key] -= 1
                if self._in_flight[key] <= 0:
                    del self._in_flight[key]

    async def drain(self, limit: float) -> None:
        """Wait for pending writes (at shutdown)."""
        if self._writes:
            await asyncio.wait(self._writes, timeout=limit)
