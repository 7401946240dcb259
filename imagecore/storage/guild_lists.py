"""Adding to and removing from a guild's lists (channels, roles, blocked words) inside the
transaction that holds the guild's row: two moderators editing at once both land, one after
the other, and the cap on a list holds whoever races for the last place."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from imagecore.policy.guild_settings import SettingChange
from imagecore.storage import settings_rows
from imagecore.storage.settings_codec import check_changes

__all__ = [
    "LIST_NAMES",
    "AlreadyListed",
    "ListEditError",
    "ListFull",
    "NotListed",
    "check_edit",
    "edit_list",
]

LIST_NAMES = ("allowed_channel_ids", "allowed_role_ids", "blocked_words")


class ListEditError(ValueError):
    """A list edit refused for what the list holds; nothing was written. The message is
    fit to show a moderator."""


class AlreadyListed(ListEditError):
    def __init__(self, name: str, value: Any) -> None:
        super().__init__("That is already on the list.")
        self.name = name
        self.value = value


class NotListed(ListEditError):
    def __init__(self, name: str, value: Any) -> None:
        super().__init__("That is not on the list.")
        self.name = name
        self.value = value


class ListFull(ListEditError):
    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"The list is full: it may hold at most {limit} entries.")
        self.name = name
        self.limit = limit


def check_edit(name: str, add: Any, remove: Any, max_items: int | None) -> None:
    """ValueError (not a ListEditError) for an edit that could never apply: checked before
    the database is touched."""
    if name not in LIST_NAMES:
        raise ValueError(f"{name!r} is not a list setting (lists: {', '.join(LIST_NAMES)})")
    if add is None and remove is None:
        raise ValueError("a list edit needs a value to add or to remove")
    if max_items is not None and max_items < 0:
        raise ValueError(f"max_items can't be {max_items}")
    check_changes({name: tuple(v for v in (add, remove) if v is not None)})


async def edit_list(
    connection: AsyncConnection,
    guild_id: int,
    actor_id: int,
    name: str,
    *,
    add: Any,
    remove: Any,
    max_items: int | None,
    now: float,
) -> list[SettingChange]:
    """Remove then add, on the list as it is now: read under the row lock (PostgreSQL) or
    in the write transaction (SQLite, whose BEGIN IMMEDIATE serialises writers)."""
    current = await settings_rows.locked_settings(connection, guild_id, now)
    values = list(getattr(current, name))
    if remove is not None:
        if remove not in values:
            raise NotListed(name, remove)
        values.remove(remove)
    if add is not None:
        if add in values:
            raise AlreadyListed(name, add)
        if max_items is not None and len(values) >= max_items:
            raise ListFull(name, max_items)
        values.append(add)
    return await settings_rows.write_changes(
        connection, guild_id, actor_id, current, {name: tuple(values)}, now
    )
