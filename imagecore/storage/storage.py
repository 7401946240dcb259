"""The bot's database: guild settings with their audit trail, daily usage counters, the
jobs history and the jobs in flight (``live_jobs``), on SQLite or PostgreSQL. Discord-free;
every method is a short transaction.

Failures that mean "the database can't be used right now" raise StorageUnavailable, except
for saving jobs: those are kept in memory (the outbox) and written when the database is
back, so no delivered image escapes its daily budget.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from imagecore.policy.guild_settings import GuildSettings, SettingChange
from imagecore.storage import guild_lists, job_rows, settings_rows, snapshots
from imagecore.storage.days import utc_day
from imagecore.storage.engine import create_engine
from imagecore.storage.errors import StorageUnavailable, driver_message, is_unavailable
from imagecore.storage.live_jobs import LiveJobs
from imagecore.storage.migrate import upgrade_schema
from imagecore.storage.outbox import MAX_KEPT_JOBS, Delivery, NewJob, Outbox, PendingWrite
from imagecore.storage.records import JOB_STATUSES, GuildStats, JobRecord, Usage
from imagecore.storage.settings_codec import check_changes
from imagecore.storage.snapshots import UsageKey
from imagecore.storage.transactions import transaction
from imagecore.storage.urls import DatabaseTarget, parse_database_url

__all__ = ["Storage"]

log = logging.getLogger(__name__)


class Storage:
    def __init__(
        self,
        engine: AsyncEngine,
        target: DatabaseTarget,
        *,
        clock: Callable[[], float],
        max_kept_jobs: int = MAX_KEPT_JOBS,
    ) -> None:
        self._engine = engine
        self._target = target
        self._clock = clock
        self._outbox = Outbox(max_kept_jobs)
        # Jobs in flight, for resuming them in another process (live_jobs.py).
        self.live_jobs = LiveJobs(self._transaction, clock)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        busy_timeout_ms: int = 5000,
        io_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        max_kept_jobs: int = MAX_KEPT_JOBS,
    ) -> Storage:
        """Connect and bring the schema up to date (a no-op at head).

        ``busy_timeout_ms``: how long a write waits for a lock another connection holds.
        ``io_timeout``: seconds to connect, to get a pooled connection and (PostgreSQL) for
        any one statement before the database counts as unavailable.
        ``max_kept_jobs``: job writes kept in memory while the database is unavailable;
        past that the oldest keep only their daily count."""
        try:
            target = parse_database_url(url)
        except ValueError as exc:
            raise StorageUnavailable(f"DATABASE_URL can't be used: {exc}") from None
        try:
            if target.sqlite_path is not None:
                target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            migrator = create_engine(
                target, busy_timeout_ms=busy_timeout_ms, timeout=io_timeout, migrating=True
            )
            try:
                await upgrade_schema(migrator)
            finally:
                await migrator.dispose()
        except Exception as exc:
            if not is_unavailable(exc):
                # A bug (or a URL the driver misreads): show the traceback, but never raw,
                # since driver errors can quote parts of the password.
                trace = "".join(traceback.format_exception(exc))
                log.error("opening the database failed:\n%s", target.scrub(trace))
            message = f"can't open the database {target.shown}: {driver_message(exc)}"
            raise StorageUnavailable(target.scrub(message)) from None
        engine = create_engine(target, busy_timeout_ms=busy_timeout_ms, timeout=io_timeout)
        log.info("database ready: %s", target.shown)
        return cls(engine, target, clock=clock, max_kept_jobs=max_kept_jobs)

    async def close(self) -> None:
        if self._outbox:
            log.error(
                "closing the database with %d unwritten job write(s): they are lost",
                len(self._outbox),
            )
        await self._engine.dispose()

    @property
    def dialect(self) -> str:
        return self._target.dialect

    @property
    def outbox_size(self) -> int:
        return len(self._outbox)

    # -- transactions ---------------------------------------------------------------------

    def _transaction(
        self, doing: str, *, write: bool
    ) -> AbstractAsyncContextManager[AsyncConnection]:
        return transaction(self._engine, self._target, doing, write=write)

    async def ping(self) -> None:
        """One trivial read: StorageUnavailable when the database can't answer (health)."""
        async with self._transaction("checking the database", write=False) as connection:
            await connection.execute(sa.text("SELECT 1"))

    # -- guild settings -------------------------------------------------------------------

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """The server's settings; all unset (None / ()) for a server that never set any."""
        async with self._transaction("reading settings", write=False) as connection:
            return await settings_rows.read_settings(connection, guild_id)

    async def change_guild_settings(
        self, guild_id: int, actor_id: int, **changes: Any
    ) -> list[SettingChange]:
        """Apply the changes in one transaction and audit each field whose value changed;
        returns those changes. ValueError (nothing written) for an unknown name or a value
        of the wrong type."""
        checked = check_changes(changes)
        async with self._transaction("changing settings", write=True) as connection:
            return await settings_rows.apply_changes(
                connection, guild_id, actor_id, checked, self._clock()
            )

    async def reset_guild_settings(self, guild_id: int, actor_id: int) -> list[SettingChange]:
        """Every setting back to unset, audited like any change."""
        return await self.change_guild_settings(guild_id, actor_id, **GuildSettings().as_dict())

    async def edit_guild_list(
        self,
        guild_id: int,
        actor_id: int,
        name: str,
        *,
        add: Any = None,
        remove: Any = None,
        max_items: int | None = None,
    ) -> list[SettingChange]:
        """Remove ``remove`` from and/or add ``add`` to the list setting ``name``
        (allowed_channel_ids, allowed_role_ids or blocked_words), reading and writing in
        one transaction with the guild's row locked, audited like change_guild_settings.
        Raises NotListed, AlreadyListed or ListFull(limit) (ListEditErrors, ValueErrors
        whose message suits a moderator) when the list won't take it; ValueError for an
        unknown name or a value of the wrong type. Nothing is written when it raises."""
        guild_lists.check_edit(name, add, remove, max_items)
        async with self._transaction("editing a list", write=True) as connection:
            return await guild_lists.edit_list(
                connection,
                guild_id,
                actor_id,
                name,
                add=add,
                remove=remove,
                max_items=max_items,
                now=self._clock(),
            )

    async def setting_changes(self, guild_id: int, limit: int = 50) -> list[SettingChange]:
        """The server's recorded changes, newest first."""
        async with self._transaction("reading setting changes", write=False) as connection:
            return await settings_rows.read_changes(connection, guild_id, limit)

    # -- jobs -----------------------------------------------------------------------------

    async def save_job(self, job: JobRecord) -> None:
        """Record a job (with its final status, normally); a delivered one counts at once for
        the UTC day it finished. Never raises StorageUnavailable: while the database is
        unavailable the job (and its counter) waits in the outbox. ValueError for an unknown
        status."""
        await self._write_or_keep(self._new_job(job))

    async def flush_outbox(self) -> int:
        """Write the kept writes, oldest first; returns how many are still kept."""
        return await self._outbox.flush(self._write)

    def _new_job(self, job: JobRecord) -> NewJob:
        _check_status(job.status)
        delivery = None
        if job.status == "delivered":
            finished = job.finished_at if job.finished_at is not None else self._clock()
            delivery = Delivery.at(finished, job.guild_id, job.user_id)
        return NewJob(job, delivery)

    async def _write(self, pending: PendingWrite) -> None:
        async with self._transaction(f"writing {pending.describe()}", write=True) as connection:
            await job_rows.write(connection, pending)

    async def _write_or_keep(self, pending: NewJob) -> None:
        if self._outbox:
            # Behind the writes kept before it; a running flush will take it along.
            self._outbox.add(pending)
            await self._outbox.flush(self._write, unless_busy=True)
            return
        try:
            await self._write(pending)
        except StorageUnavailable as exc:
            self._outbox.add(pending)
            log.warning(
                "%s; keeping %s in memory until it is back (%d kept)",
                exc,
                pending.describe(),
                len(self._outbox),
            )

    # -- usage and history ----------------------------------------------------------------

    async def usage(self, *, user_id: int, guild_id: int | None, day: date) -> Usage:
        """Delivered images on that UTC day: the user's in this guild (in DMs when
        guild_id is None) and the whole guild's (0 in DMs), kept writes included."""
        async with self._transaction("reading usage", write=False) as connection:
            user, guild = await job_rows.usage(
                connection, user_id=user_id, guild_id=guild_id, day=day
            )
        guild_key = guild_id or 0
        user += self._outbox.images(day=day, guild_key=guild_key, user_id=user_id)
        if guild_id is not None:
            guild += self._outbox.images(day=day, guild_key=guild_key)
        return Usage(user_today=user, guild_today=guild)

    async def all_guild_settings(self) -> dict[int, GuildSettings]:
        """Every server that ever set something, by guild id."""
        async with self._transaction("reading all settings", write=False) as connection:
            return await snapshots.all_settings(connection)

    async def day_usage(self, day: date, guild_key: int | None = None) -> dict[UsageKey, int]:
        """Delivered images that day per (guild or 0 for DMs, user), kept writes included;
        one guild's only when ``guild_key`` is given."""
        async with self._transaction("reading the day's usage", write=False) as connection:
            stored = await snapshots.day_usage(connection, day, guild_key)
        for key, images in self._outbox.day_images(day, guild_key).items():
            stored[key] = stored.get(key, 0) + images
        return stored

    async def last_requests(self, since: float) -> dict[tuple[int | None, int], float]:
        """Each member's newest request per guild (None: DMs) since ``since``."""
        async with self._transaction("reading recent requests", write=False) as connection:
            stored = await snapshots.last_requests(connection, since)
        for key, at in self._outbox.last_requests(since).items():
            stored[key] = max(stored.get(key, at), at)
        return stored

    async def last_job_at(self, *, user_id: int, guild_id: int | None) -> float | None:
        """When the user's newest request here (not counting refused ones) was made."""
        async with self._transaction("reading the last job", write=False) as connection:
            stored = await job_rows.last_job_at(connection, user_id=user_id, guild_id=guild_id)
        kept = self._outbox.last_created_at(user_id=user_id, guild_id=guild_id)
        return max((t for t in (stored, kept) if t is not None), default=None)

    async def recent_jobs(self, *, user_id: int, limit: int = 10) -> list[JobRecord]:
        """The user's newest jobs first, across guilds and DMs."""
        async with self._transaction("reading history", write=False) as connection:
            return await job_rows.recent_jobs(connection, user_id=user_id, limit=limit)

    async def find_job(self, job_key: str) -> JobRecord | None:
        """The job recorded under ``job_key`` (kept writes included); None when there is
        none (never recorded here, or purged)."""
        kept = self._outbox.find(job_key)
        if kept is not None:
            return kept
        async with self._transaction("finding a job", write=False) as connection:
            found = await job_rows.find_job(connection, job_key)
        # A flush may have written it between the two looks.
        return found if found is not None else self._outbox.find(job_key)

    async def forget_user(self, user_id: int) -> int:
        """Delete the user's job history (their daily counters stay: budgets, not content);
        returns how many jobs were deleted."""
        # Under the flush lock, so no kept job of theirs is written after the delete.
        async with self._outbox.lock:
            self._outbox.forget_user(user_id)
            async with self._transaction("forgetting a user", write=True) as connection:
                return await job_rows.delete_user_jobs(connection, user_id)

    async def guild_stats(self, guild_id: int, *, today: date) -> GuildStats:
        """Images today and over the 7 days ending today, the top 5 members of those days,
        failed and expired jobs by error class, and all requests of those days."""
        async with self._transaction("reading stats", write=False) as connection:
            return await job_rows.guild_stats(connection, guild_id, today=today)

    async def purge_history(self, older_than: float) -> int:
        """Delete jobs created before ``older_than`` (and usage counters older than 400
        days); returns how many jobs were deleted."""
        async with self._transaction("purging history", write=True) as connection:
            return await job_rows.delete_old(
                connection, older_than=older_than, today=utc_day(self._clock())
            )


def _check_status(status: str) -> None:
    if status not in JOB_STATUSES:
        raise ValueError(f"unknown job status {status!r}")
