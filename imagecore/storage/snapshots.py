"""Bulk reads that let the bot decide from memory: every server's settings, a day's
counters, and each member's last request. One query each, at start and on a timer."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage.settings_codec import from_row
from imagecore.storage.tables import daily_usage, guild_settings, jobs

__all__ = ["UsageKey", "all_settings", "day_usage", "last_requests"]

# (guild id or 0 for DMs, user id)
UsageKey = tuple[int, int]


async def all_settings(connection: AsyncConnection) -> dict[int, GuildSettings]:
    rows = (await connection.execute(sa.select(guild_settings))).mappings()
    return {int(row["guild_id"]): from_row(row) for row in rows}


async def day_usage(
    connection: AsyncConnection, day: date, guild_key: int | None = None
) -> dict[UsageKey, int]:
    """Delivered images that day per (guild or 0, user); one guild's only, if given."""
    query = sa.select(daily_usage.c.guild_id, daily_usage.c.user_id, daily_usage.c.images).where(
        daily_usage.c.day == day
    )
    if guild_key is not None:
        query = query.where(daily_usage.c.guild_id == guild_key)
    rows = await connection.execute(query)
    return {(int(g), int(u)): int(n) for g, u, n in rows}


async def last_requests(
    connection: AsyncConnection, since: float
) -> dict[tuple[int | None, int], float]:
    """Each member's newest request per guild (None: DMs) since ``since``, refusals aside."""
    newest = sa.func.max(jobs.c.created_at)
    query = (
        sa.select(jobs.c.guild_id, jobs.c.user_id, newest)
        .where(jobs.c.created_at >= since, jobs.c.status != "refused")
        .group_by(jobs.c.guild_id, jobs.c.user_id)
    )
    rows = await connection.execute(query)
    return {(g, int(u)): float(t) for g, u, t in rows}
