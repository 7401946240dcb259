"""Writes kept in memory, in order, while the database is unavailable: a delivered image is
never dropped from the daily counters because the database was locked or down for a while.

The outbox lives as long as the process; the bot flushes it on a timer and at shutdown. It
holds at most ``max_jobs`` full job writes: past that the oldest give up their history and
keep only their count (budgets must stay exact; a lost history row is the lesser harm).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from imagecore.storage.days import utc_day
from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.records import JobRecord

__all__ = ["MAX_KEPT_JOBS", "CountOnly", "Delivery", "NewJob", "Outbox", "PendingWrite"]

log = logging.getLogger(__name__)

MAX_KEPT_JOBS = 10_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivered image for the counter of (UTC day, guild or 0 for DMs, user)."""

    day: date
    guild_key: int
    user_id: int

    @classmethod
    def at(cls, when: float, guild_id: int | None, user_id: int) -> Delivery:
        return cls(utc_day(when), guild_id or 0, user_id)


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job row to insert, counted too when it was delivered."""

    job: JobRecord
    delivery: Delivery | None

    @property
    def images(self) -> int:
        return 0 if self.delivery is None else self.job.delivered_images

    def describe(self) -> str:
        return f"a {self.job.status} job of user {self.job.user_id}"


@dataclass(frozen=True, slots=True)
class CountOnly:
    """Delivered images of one counter whose job rows are not kept: forgotten at their
    member's request, or given up when the outbox was full."""

    delivery: Delivery
    images: int = 1

    def describe(self) -> str:
        return f"{self.images} delivered image(s) of user {self.delivery.user_id}"


PendingWrite = NewJob | CountOnly


class Outbox:
    def __init__(self, max_jobs: int = MAX_KEPT_JOBS) -> None:
        if max_jobs < 1:
            raise ValueError("the outbox must keep at least one job")
        self._max_jobs = max_jobs
        self._jobs: deque[NewJob] = deque()
        # Counts without rows, merged per counter so they take bounded room.
        self._counts: dict[Delivery, int] = {}
        # The write a flush has taken out and is writing: still counted until it is done.
        self._writing: PendingWrite | None = None
        self._overflowing = False
        self._histories_lost = 0
        self._counts_lost = 0
        # One flush at a time, so kept writes land once and in order.
        self.lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._jobs) + len(self._counts) + (self._writing is not None)

    def add(self, write: NewJob) -> None:
        self._jobs.append(write)
        while len(self._jobs) > self._max_jobs:
            self._give_up_history(self._jobs.popleft())

    def _give_up_history(self, oldest: NewJob) -> None:
        if not self._overflowing:
            self._overflowing = True
            log.warning(
                "the database has been unavailable for %d kept job writes: keeping only the "
                "counts of the oldest ones from now on, their history is lost",
                self._max_jobs,
            )
        self._histories_lost += 1
        if oldest.delivery is not None:
            self._add_count(oldest.delivery, oldest.images)

    def _add_count(self, delivery: Delivery, images: int) -> None:
        self._counts[delivery] = self._counts.get(delivery, 0) + images
        if len(self._counts) > self._max_jobs:
            # Only reached with more distinct (day, server, member) counters than that. The
            # oldest day goes: today's budgets are the ones that still matter.
            lost = min(self._counts, key=lambda d: d.day)
            n = self._counts.pop(lost)
            if not self._counts_lost:
                log.error("outbox full: %d delivered image(s) of %s are not counted", n, lost)
            self._counts_lost += n

    def images(self, *, day: date, guild_key: int, user_id: int | None = None) -> int:
        """Delivered images kept here for that day and guild (and user, if given)."""

        def matches(d: Delivery | None) -> bool:
            return (
                d is not None
                and d.day == day
                and d.guild_key == guild_key
                and (user_id is None or d.user_id == user_id)
            )

        kept = sum(write.images for write in self._jobs if matches(write.delivery))
        kept += sum(n for d, n in self._counts.items() if matches(d))
        if self._writing is not None and matches(self._writing.delivery):
            kept += self._writing.images
        return kept

    def day_images(self, day: date, guild_key: int | None = None) -> Counter[tuple[int, int]]:
        """Delivered images kept here for that day, per (guild or 0, user)."""
        kept: Counter[tuple[int, int]] = Counter()
        deliveries = [(w.delivery, w.images) for w in self._jobs]
        deliveries += list(self._counts.items())
        if self._writing is not None:
            deliveries.append((self._writing.delivery, self._writing.images))
        for delivery, images in deliveries:
            if (
                delivery is not None
                and delivery.day == day
                and (guild_key is None or delivery.guild_key == guild_key)
            ):
                kept[(delivery.guild_key, delivery.user_id)] += images
        return kept

    def last_requests(self, since: float) -> dict[tuple[int | None, int], float]:
        """The newest kept request per (guild, user) since ``since``, refusals aside."""
        newest: dict[tuple[int | None, int], float] = {}
        for write in [*self._jobs, self._writing]:
            if not isinstance(write, NewJob) or write.job.status == "refused":
                continue
            job = write.job
            if job.created_at >= since:
                key = (job.guild_id, job.user_id)
                newest[key] = max(newest.get(key, job.created_at), job.created_at)
        return newest

    def last_created_at(self, *, user_id: int, guild_id: int | None) -> float | None:
        writes = [*self._jobs, self._writing]
        times = [
            w.job.created_at
            for w in writes
            if isinstance(w, NewJob)
            and w.job.user_id == user_id
            and w.job.guild_id == guild_id
            and w.job.status != "refused"
        ]
        return max(times, default=None)

    def find(self, job_key: str) -> JobRecord | None:
        """A kept job by its key (its row is not in the database yet)."""
        for write in [*self._jobs, self._writing]:
            if isinstance(write, NewJob) and write.job.job_key == job_key:
                return write.job
        return None

    def forget_user(self, user_id: int) -> None:
        """Drop the user's kept job content; their delivered images stay counted. Call it
        holding ``lock``, so no flush is writing one of theirs."""
        kept: deque[NewJob] = deque()
        for write in self._jobs:
            if write.job.user_id != user_id:
                kept.append(write)
            elif write.delivery is not None:
                self._add_count(write.delivery, write.images)
        self._jobs = kept

    async def flush(
        self, write: Callable[[PendingWrite], Awaitable[None]], *, unless_busy: bool = False
    ) -> int:
        """Write kept writes (counts, then jobs oldest first) until the database refuses;
        returns how many are left. ``unless_busy``: return at once if a flush is running
        (it will take new ones)."""
        if unless_busy and self.lock.locked():
            return len(self)
        async with self.lock:
            written = 0
            # Counters add up, so their order against the job rows doesn't matter.
            for delivery, images in list(self._counts.items()):
                # Still in _counts while written: counted there, not as in flight.
                if not await self._write_one(write, CountOnly(delivery, images), in_flight=False):
                    return self._flushed(written)
                # Images counted meanwhile stay for the next write.
                left = self._counts.get(delivery, 0) - images
                if left > 0:
                    self._counts[delivery] = left
                else:
                    self._counts.pop(delivery, None)
                written += 1
            while self._jobs:
                # Taken out while it is written, so an overflow meanwhile can't drop it.
                pending = self._jobs.popleft()
                if not await self._write_one(write, pending, in_flight=True):
                    self._jobs.appendleft(pending)
                    break
                written += 1
            return self._flushed(written)

    async def _write_one(
        self,
        write: Callable[[PendingWrite], Awaitable[None]],
        pending: PendingWrite,
        *,
        in_flight: bool,
    ) -> bool:
        """False when the database is unavailable (the write stays kept)."""
        if in_flight:
            self._writing = pending
        try:
            await write(pending)
        except StorageUnavailable:
            return False
        except Exception:
            # Not an outage but a write the database will never take: keeping it would
            # block every later one forever.
            log.exception("dropping a kept write the database refuses: %s", pending.describe())
        finally:
            self._writing = None
        return True

    def _flushed(self, written: int) -> int:
        left = len(self)
        if written:
            log.info("wrote %d kept write(s); %d still kept", written, left)
        if not left and self._overflowing:
            log.warning(
                "the outbox is empty again; %d job(s) lost their history (not their count) "
                "while it was full",
                self._histories_lost,
            )
            if self._counts_lost:
                log.error("%d delivered image(s) of past days were not counted", self._counts_lost)
            self._overflowing = False
            self._histories_lost = 0
            self._counts_lost = 0
        return left
