"""Finished jobs written to history off the hot path, and the day's delivered-image counts
kept in memory, so admission decides without waiting for the database.

Counts for a (day, server) are read once — all of today's at start, in one query — and
then kept exact by this process's own deliveries: a delivery counts from the moment it is
saved, through its write, to the stored row. Rows written by other bot processes on the
same database are picked up by a background read once the counts are ``ttl`` seconds old.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from imagecore.background import BackgroundTasks
from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.records import JobRecord, Usage
from imagecore.storage.storage import Storage

__all__ = ["JobLedger"]

log = logging.getLogger(__name__)

# A read is tried again when a write landed meanwhile (it may or may not be in it).
READ_TRIES = 5


@dataclass(slots=True)
class _DayCounts:
    users: Counter[int] = field(default_factory=Counter)
    total: int = 0
    read_at: float = 0.0  # monotonic; when the counts were last read from storage
    uncertain: bool = False  # read while writes were on their way: read again when quiet


class JobLedger:
    def __init__(
        self, storage: Storage, *, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._storage = storage
        self._ttl = ttl
        self._clock = clock
        self._writes = BackgroundTasks("history writes")
        self._refreshes = BackgroundTasks("usage refresh")
        # Deliveries whose write has not reached the storage yet, so a member's next
        # request already sees them in their daily count.
        self._in_flight: Counter[tuple[date, int, int]] = Counter()
        # Writes that reached storage, per day and server: tells a read that raced one.
        self._landed: Counter[tuple[date, int]] = Counter()
        self._counts: dict[tuple[date, int], _DayCounts] = {}
        # Days whose counts were read whole: a server missing from them had none.
        self._whole_days: set[date] = set()
        self._reading: dict[tuple[date, int], asyncio.Task[StorageUnavailable | None]] = {}
        # Jobs saved but not yet written, by key: a click on a result that was just posted
        # finds its job before the row lands.
        self._unwritten: dict[str, JobRecord] = {}
        # Told of every job as it is saved (the bot's metrics); never holds a save up.
        self.on_save: Callable[[JobRecord], None] | None = None

    # -- writes ------------------------------------------------------------------------

    def save(self, job: JobRecord) -> None:
        if self.on_save is not None:
            self.on_save(job)
        key = self._key(job) if job.status == "delivered" else None
        if key is not None:
            self._in_flight[key] += job.delivered_images
        if job.job_key is not None:
            self._unwritten[job.job_key] = job
        self._writes.spawn(self._save(job, key), name="save job")

    async def _save(self, job: JobRecord, key: tuple[date, int, int] | None) -> None:
        try:
            # The storage keeps it in its outbox when the database is down: never lost.
            await self._storage.save_job(job)
        except Exception:
            log.exception("could not record a finished job")
        finally:
            if job.job_key is not None:
                self._unwritten.pop(job.job_key, None)
            if key is not None:
                self._landed_one(key, job.delivered_images)

    async def find_job(self, job_key: str) -> JobRecord | None:
        """The job saved under ``job_key``, by this process or any other sharing the
        database; None when there is none. Raises StorageUnavailable."""
        saved = self._unwritten.get(job_key)
        if saved is not None:
            return saved
        return await self._storage.find_job(job_key)

    def _landed_one(self, key: tuple[date, int, int], images: int) -> None:
        # In one step: the delivery moves from "on its way" to the counts in memory.
        day, guild_key, user_id = key
        self._landed[(day, guild_key)] += 1
        counts = self._counts.get((day, guild_key))
        if counts is not None:
            counts.users[user_id] += images
            counts.total += images
        self._in_flight[key] -= images
        if self._in_flight[key] <= 0:
            del self._in_flight[key]
        self._forget_before(day)

    def _forget_before(self, day: date) -> None:
        for old in [k for k in self._counts if k[0] < day]:
            del self._counts[old]
        for old in [k for k in self._landed if k[0] < day]:
            del self._landed[old]
        self._whole_days = {d for d in self._whole_days if d >= day}

    async def drain(self, limit: float) -> None:
        """Wait for pending writes (at shutdown)."""
        await self._writes.drain(limit)

    async def close(self) -> None:
        """Stop reads still under way (at shutdown, after drain)."""
        await self._refreshes.cancel()

    # -- counts ------------------------------------------------------------------------

    async def preload(self, day: date) -> None:
        """Read the whole day's counts in one query (at start); raises StorageUnavailable."""
        landed = sum(n for (d, _), n in self._landed.items() if d == day)
        rows = await self._storage.day_usage(day)
        if landed != sum(n for (d, _), n in self._landed.items() if d == day):
            return  # a write raced the read: servers are read one by one when needed
        now = self._clock()
        for guild_key in {g for g, _ in rows} | {g for d, g in self._counts if d == day}:
            counts = _DayCounts(read_at=now)
            for (g, user_id), images in rows.items():
                if g == guild_key:
                    counts.users[user_id] = images
                    counts.total += images
            self._counts[(day, guild_key)] = counts
        self._whole_days.add(day)

    async def prepare(self, *, guild_id: int | None, day: date) -> None:
        """Make the server's counts for the day available to ``usage_now``: at once when they
        are in memory (a read in the background refreshes old ones), otherwise by reading
        them. Raises StorageUnavailable only when they are not in memory."""
        key = (day, guild_id or 0)
        counts = self._known(key)
        if counts is None:
            await self._read(key)
            return
        old = self._clock() - counts.read_at >= self._ttl
        settled = counts.uncertain and not self._unsaved_in_guild(day, key[1])
        if old or settled:
            self._start_read(key)  # in the background: this request goes on with memory

    def _known(self, key: tuple[date, int]) -> _DayCounts | None:
        counts = self._counts.get(key)
        if counts is None and key[0] in self._whole_days:
            # The whole day was read and this server was not in it: it had none.
            counts = self._counts[key] = _DayCounts(read_at=self._clock())
        return counts

    def _start_read(self, key: tuple[date, int]) -> asyncio.Task[StorageUnavailable | None]:
        """One read per server and day at a time, shared by whoever waits for it."""
        reading = self._reading.get(key)
        if reading is None:
            reading = self._refreshes.spawn(self._read_counts(key), name="usage read")
            self._reading[key] = reading
            reading.add_done_callback(lambda _: self._reading.pop(key, None))
        return reading

    async def _read(self, key: tuple[date, int]) -> None:
        # Shielded: one waiter giving up must not cancel the read for the others.
        error = await asyncio.shield(self._start_read(key))
        if error is not None and key not in self._counts:
            raise error

    async def _read_counts(self, key: tuple[date, int]) -> StorageUnavailable | None:
        # The error is returned, not raised: a background read that fails is no news
        # (memory stays in force); a request that waits for it is told.
        try:
            self._store_counts(key, await self._read_rows(key))
        except StorageUnavailable as exc:
            log.debug("reading usage postponed: %s", exc)
            return exc
        return None

    async def _read_rows(
        self, key: tuple[date, int]
    ) -> tuple[dict[tuple[int, int], int], bool] | None:
        day, guild_key = key
        for _ in range(READ_TRIES):
            landed = self._landed[key]
            on_its_way = self._unsaved_in_guild(day, guild_key)
            rows = await self._storage.day_usage(day, guild_key)
            # A write that landed meanwhile may or may not be in the rows: read again
            # rather than count it twice or never.
            if self._landed[key] == landed:
                # A write on its way may already be stored (in the rows) and is counted as
                # on its way too: never too few, perhaps one too many until a quiet read.
                return rows, bool(on_its_way or self._unsaved_in_guild(day, guild_key))
        return None  # writes kept landing during the read: keep what memory has

    def _store_counts(
        self, key: tuple[date, int], read: tuple[dict[tuple[int, int], int], bool] | None
    ) -> None:
        if read is None:
            return
        rows, uncertain = read
        counts = _DayCounts(read_at=self._clock(), uncertain=uncertain)
        for (_, user_id), images in rows.items():
            counts.users[user_id] = images
            counts.total += images
        self._counts[key] = counts

    def usage_now(self, *, user_id: int, guild_id: int | None, day: date) -> Usage | None:
        """Delivered images that day, including those on their way to storage; None when the
        server's counts are not in memory (call ``prepare`` first)."""
        counts = self._known((day, guild_id or 0))
        if counts is None:
            return None
        user_extra = self.unsaved_deliveries(user_id=user_id, guild_id=guild_id, day=day)
        guild_today = 0
        if guild_id is not None:
            guild_today = counts.total + self._unsaved_in_guild(day, guild_id)
        return Usage(user_today=counts.users[user_id] + user_extra, guild_today=guild_today)

    async def usage(self, *, user_id: int, guild_id: int | None, day: date) -> Usage:
        """The counts for a member who can wait (/imagine-quota): a read under way is
        waited for."""
        await self.prepare(guild_id=guild_id, day=day)
        if (day, guild_id or 0) in self._reading:
            await self._read((day, guild_id or 0))
        usage = self.usage_now(user_id=user_id, guild_id=guild_id, day=day)
        if usage is None:  # the read raced writes every time: ask storage directly
            return await self._storage.usage(user_id=user_id, guild_id=guild_id, day=day)
        return usage

    def unsaved_deliveries(self, *, user_id: int, guild_id: int | None, day: date) -> int:
        return self._in_flight[(day, guild_id or 0, user_id)]

    def _unsaved_in_guild(self, day: date, guild_key: int) -> int:
        return sum(n for (d, g, _), n in self._in_flight.items() if d == day and g == guild_key)

    @staticmethod
    def _key(job: JobRecord) -> tuple[date, int, int]:
        finished = job.finished_at if job.finished_at is not None else job.created_at
        return (datetime.fromtimestamp(finished, UTC).date(), job.guild_id or 0, job.user_id)
