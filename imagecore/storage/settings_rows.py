"""Guild settings and their audit trail, on an open connection (the caller's transaction)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from imagecore.policy.guild_settings import GuildSettings, SettingChange
from imagecore.storage.settings_codec import from_json, from_row, to_json, to_row
from imagecore.storage.tables import guild_settings, setting_changes
from imagecore.storage.upsert import upsert

__all__ = ["apply_changes", "locked_settings", "read_changes", "read_settings", "write_changes"]


async def read_settings(connection: AsyncConnection, guild_id: int) -> GuildSettings:
    query = sa.select(guild_settings).where(guild_settings.c.guild_id == guild_id)
    row = (await connection.execute(query)).first()
    return GuildSettings() if row is None else from_row(row._mapping)


async def apply_changes(
    connection: AsyncConnection, guild_id: int, actor_id: int, changes: dict[str, Any], now: float
) -> list[SettingChange]:
    """Apply checked changes and audit the ones that change something."""
    current = await locked_settings(connection, guild_id, now)
    return await write_changes(connection, guild_id, actor_id, current, changes, now)


async def write_changes(
    connection: AsyncConnection,
    guild_id: int,
    actor_id: int,
    current: GuildSettings,
    changes: dict[str, Any],
    now: float,
) -> list[SettingChange]:
    """Write checked changes to ``current`` (read with locked_settings in this transaction)
    and audit the ones that change something."""
    updated = current.with_changes(**changes)
    applied = [
        SettingChange(guild_id, actor_id, name, getattr(current, name), getattr(updated, name), now)
        for name in changes
        if getattr(current, name) != getattr(updated, name)
    ]
    if not applied:
        return []
    await connection.execute(
        sa.update(guild_settings)
        .where(guild_settings.c.guild_id == guild_id)
        .values({**{c.name: to_json(c.name, c.new) for c in applied}, "updated_at": now})
    )
    await connection.execute(
        sa.insert(setting_changes),
        [
            {
                "guild_id": guild_id,
                "actor_id": actor_id,
                "name": c.name,
                "old": to_json(c.name, c.old),
                "new": to_json(c.name, c.new),
                "at": now,
            }
            for c in applied
        ],
    )
    return applied


async def locked_settings(connection: AsyncConnection, guild_id: int, now: float) -> GuildSettings:
    """The guild's row, locked until commit so concurrent changes audit one after the other
    (PostgreSQL; a SQLite writer holds the whole database already)."""
    query = sa.select(guild_settings).where(guild_settings.c.guild_id == guild_id).with_for_update()
    row = (await connection.execute(query)).first()
    if row is None:
        # A row to lock: two first changes at once would otherwise both read "nothing".
        defaults = {"guild_id": guild_id, **to_row(GuildSettings()), "updated_at": now}
        dialect = connection.dialect.name
        await connection.execute(upsert(dialect, guild_settings, defaults, key=["guild_id"]))
        row = (await connection.execute(query)).one()
    return from_row(row._mapping)


async def read_changes(
    connection: AsyncConnection, guild_id: int, limit: int
) -> list[SettingChange]:
    query = (
        sa.select(setting_changes)
        .where(setting_changes.c.guild_id == guild_id)
        .order_by(setting_changes.c.at.desc(), setting_changes.c.id.desc())
        .limit(limit)
    )
    return [
        SettingChange(
            guild_id=row.guild_id,
            actor_id=row.actor_id,
            name=row.name,
            old=from_json(row.name, row.old),
            new=from_json(row.name, row.new),
            at=row.at,
        )
        for row in await connection.execute(query)
    ]
