"""Jobs history and daily usage counters, on an open connection (the caller's transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from imagecore.storage.days import day_start, week_ending
from imagecore.storage.outbox import Delivery, NewJob, PendingWrite
from imagecore.storage.records import (
    FAILED_STATUSES,
    AttemptRecord,
    GuildStats,
    ImageResult,
    JobRecord,
)
from imagecore.storage.tables import daily_usage, jobs
from imagecore.storage.upsert import upsert

__all__ = [
    "delete_old",
    "delete_user_jobs",
    "find_job",
    "guild_stats",
    "insert_job",
    "last_job_at",
    "recent_jobs",
    "usage",
    "write",
]

USAGE_KEPT_DAYS = 400


async def write(connection: AsyncConnection, pending: PendingWrite) -> None:
    if isinstance(pending, NewJob):
        await insert_job(connection, pending)
    else:
        await _count(connection, pending.delivery, pending.images)


async def insert_job(connection: AsyncConnection, new: NewJob) -> int:
    job = new.job
    skipped = ("id", "attempts", "results")
    values = {f.name: getattr(job, f.name) for f in fields(job) if f.name not in skipped}
    values["attempts"] = [a.as_dict() for a in job.attempts] if job.attempts else None
    values["results"] = [r.as_dict() for r in job.results] if job.results else None
    result = await connection.execute(sa.insert(jobs).values(**values))
    if new.delivery is not None:
        await _count(connection, new.delivery, new.images)
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for the new job")
    return int(key[0])


async def _count(connection: AsyncConnection, delivery: Delivery, images: int = 1) -> None:
    values = {
        "day": delivery.day,
        "guild_id": delivery.guild_key,
        "user_id": delivery.user_id,
        "images": images,
    }
    key = ["day", "guild_id", "user_id"]
    dialect = connection.dialect.name
    await connection.execute(upsert(dialect, daily_usage, values, key=key, add=["images"]))


async def usage(
    connection: AsyncConnection, *, user_id: int, guild_id: int | None, day: date
) -> tuple[int, int]:
    """Delivered images that day: the user's (in this guild, or in DMs) and the guild's."""
    images = sa.func.coalesce(sa.func.sum(daily_usage.c.images), 0)
    on_day = daily_usage.c.day == day
    in_place = daily_usage.c.guild_id == (guild_id or 0)
    user = await connection.scalar(
        sa.select(images).where(on_day, in_place, daily_usage.c.user_id == user_id)
    )
    guild = 0
    if guild_id is not None:
        guild = await connection.scalar(sa.select(images).where(on_day, in_place))
    return int(user or 0), int(guild or 0)


def _in_place(guild_id: int | None) -> sa.ColumnElement[bool]:
    return jobs.c.guild_id.is_(None) if guild_id is None else jobs.c.guild_id == guild_id


async def last_job_at(
    connection: AsyncConnection, *, user_id: int, guild_id: int | None
) -> float | None:
    query = sa.select(sa.func.max(jobs.c.created_at)).where(
        jobs.c.user_id == user_id, _in_place(guild_id), jobs.c.status != "refused"
    )
    return await connection.scalar(query)


async def recent_jobs(connection: AsyncConnection, *, user_id: int, limit: int) -> list[JobRecord]:
    query = (
        sa.select(jobs)
        .where(jobs.c.user_id == user_id)
        .order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
        .limit(limit)
    )
    return [_job(row) for row in (await connection.execute(query)).mappings()]


async def find_job(connection: AsyncConnection, job_key: str) -> JobRecord | None:
    row = (await connection.execute(sa.select(jobs).where(jobs.c.job_key == job_key))).mappings()
    found = row.first()
    return None if found is None else _job(found)


def _job(row: Mapping[Any, Any]) -> JobRecord:
    # The columns are JobRecord's fields; attempts and results come back from JSON.
    attempts = tuple(AttemptRecord.from_dict(a) for a in row["attempts"] or ())
    results = tuple(ImageResult.from_dict(r) for r in row["results"] or ())
    return JobRecord(**{**row, "attempts": attempts, "results": results})


async def delete_user_jobs(connection: AsyncConnection, user_id: int) -> int:
    result = await connection.execute(sa.delete(jobs).where(jobs.c.user_id == user_id))
    return result.rowcount


async def delete_old(connection: AsyncConnection, *, older_than: float, today: date) -> int:
    result = await connection.execute(sa.delete(jobs).where(jobs.c.created_at < older_than))
    cutoff = today - timedelta(days=USAGE_KEPT_DAYS)
    await connection.execute(sa.delete(daily_usage).where(daily_usage.c.day < cutoff))
    return result.rowcount


async def guild_stats(connection: AsyncConnection, guild_id: int, *, today: date) -> GuildStats:
    first, last = week_ending(today)
    images = sa.func.coalesce(sa.func.sum(daily_usage.c.images), 0)
    in_guild = daily_usage.c.guild_id == guild_id
    in_week = daily_usage.c.day.between(first, last)
    images_today = await connection.scalar(
        sa.select(images).where(in_guild, daily_usage.c.day == today)
    )
    images_7d = await connection.scalar(sa.select(images).where(in_guild, in_week))
    per_user = sa.func.sum(daily_usage.c.images).label("images")
    top = await connection.execute(
        sa.select(daily_usage.c.user_id, per_user)
        .where(in_guild, in_week)
        .group_by(daily_usage.c.user_id)
        .order_by(per_user.desc(), daily_usage.c.user_id)
        .limit(5)
    )
    job_in_week = sa.and_(
        jobs.c.guild_id == guild_id,
        jobs.c.created_at >= day_start(first),
        jobs.c.created_at < day_start(last + timedelta(days=1)),
    )
    # An expired job may carry no error class: it counts under its status.
    error_class = sa.func.coalesce(jobs.c.error_class, jobs.c.status)
    failures = await connection.execute(
        sa.select(error_class, sa.func.count())
        .where(job_in_week, jobs.c.status.in_(FAILED_STATUSES))
        .group_by(error_class)
    )
    jobs_7d = await connection.scalar(
        sa.select(sa.func.count()).select_from(jobs).where(job_in_week)
    )
    return GuildStats(
        images_today=int(images_today or 0),
        images_7d=int(images_7d or 0),
        top_users_7d=[(int(user), int(count)) for user, count in top],
        failures_by_class_7d={str(name): int(count) for name, count in failures},
        jobs_7d=int(jobs_7d or 0),
    )
