"""Writes kept in memory, in order, while the database is unavailable: a delivered image is
never dropped from the daily counters because the database was locked or down for a while.

The outbox lives as long as the process; the bot flushes it on a timer and at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from imagecore.storage.days import utc_day
from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.records import JobRecord

__all__ = ["CountOnly", "Delivery", "Finish", "NewJob", "Outbox", "PendingWrite"]

log = logging.getLogger(__name__)


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

    def describe(self) -> str:
        return f"a {self.job.status} job of user {self.job.user_id}"


@dataclass(frozen=True, slots=True)
class Finish:
    """A job's final status; counted when delivered. ``owner`` (guild id, user id) is known
    for jobs recorded by this process, so usage() can count it before it is written."""

    job_id: int
    status: str
    finished_at: float
    error_class: str | None = None
    revised_prompt: str | None = None
    latency_seconds: float | None = None
    owner: tuple[int | None, int] | None = None

    @property
    def delivery(self) -> Delivery | None:
        if self.status != "delivered" or self.owner is None:
            return None
        return Delivery.at(self.finished_at, *self.owner)

    def describe(self) -> str:
        return f"the {self.status} status of job {self.job_id}"


@dataclass(frozen=True, slots=True)
class CountOnly:
    """The counter of a kept job whose content its member asked us to forget."""

    delivery: Delivery

    def describe(self) -> str:
        return f"a delivered image of user {self.delivery.user_id}"


PendingWrite = NewJob | Finish | CountOnly


class Outbox:
    def __init__(self) -> None:
        self._pending: deque[PendingWrite] = deque()
        # One flush at a time, so kept writes land once and in order.
        self.lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, write: PendingWrite) -> None:
        self._pending.append(write)

    def images(self, *, day: date, guild_key: int, user_id: int | None = None) -> int:
        """Delivered images kept here for that day and guild (and user, if given)."""
        return sum(
            1
            for write in self._pending
            if (d := write.delivery) is not None
            and d.day == day
            and d.guild_key == guild_key
            and (user_id is None or d.user_id == user_id)
        )

    def last_created_at(self, *, user_id: int, guild_id: int | None) -> float | None:
        times = [
            w.job.created_at
            for w in self._pending
            if isinstance(w, NewJob)
            and w.job.user_id == user_id
            and w.job.guild_id == guild_id
            and w.job.status != "refused"
        ]
        return max(times, default=None)

    def forget_user(self, user_id: int) -> None:
        """Drop the user's kept job content; their delivered images stay counted."""
        kept: deque[PendingWrite] = deque()
        for write in self._pending:
            if isinstance(write, NewJob) and write.job.user_id == user_id:
                if write.delivery is not None:
                    kept.append(CountOnly(write.delivery))
            else:
                kept.append(write)
        self._pending = kept

    async def flush(
        self, write: Callable[[PendingWrite], Awaitable[None]], *, unless_busy: bool = False
    ) -> int:
        """Write kept writes oldest first until the database refuses; returns how many are
        left. ``unless_busy``: return at once if a flush is running (it will take new ones)."""
        if unless_busy and self.lock.locked():
            return len(self._pending)
        async with self.lock:
            written = 0
            while self._pending:
                pending = self._pending[0]
                try:
                    await write(pending)
                    written += 1
                except StorageUnavailable:
                    break
                except Exception:
                    # Not an outage but a write the database will never take: keeping it
                    # would block every later one forever.
                    log.exception(
                        "dropping a kept write the database refuses: %s", pending.describe()
                    )
                self._pending.popleft()
            if written:
                log.info("wrote %d kept write(s); %d still kept", written, len(self._pending))
            return len(self._pending)
