"""Application commands as the bot registered them.

Stored on the stand-in (not per connection) so a restarted bot finds the commands its
previous run synced, just like on Discord.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .validation import CHAT_INPUT

_DROP_WHEN_FALSE = ("required", "autocomplete")


def _normalize_option(option: dict[str, Any]) -> dict[str, Any]:
    """Strip what Discord doesn't echo back (nulls, empty lists, false flags)."""
    out: dict[str, Any] = {}
    for key, value in option.items():
        if value is None or value == [] or value == {}:
            continue
        if key in _DROP_WHEN_FALSE and value is False:
            continue
        if key == "options":
            value = [_normalize_option(o) for o in value]
        out[key] = value
    return out


@dataclass(eq=False)
class RegisteredCommand:
    id: int
    application_id: int
    guild_id: int | None
    version: int
    data: dict[str, Any]  # normalized body, as sent minus nulls

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def type(self) -> int:
        return int(self.data.get("type") or CHAT_INPUT)

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.data.get("options") or [])

    @property
    def default_member_permissions(self) -> int | None:
        value = self.data.get("default_member_permissions")
        return None if value is None else int(value)

    @property
    def contexts(self) -> list[int] | None:
        return self.data.get("contexts")

    @property
    def dm_permission(self) -> bool:
        return self.data.get("dm_permission", True) is not False

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(self.id),
            "application_id": str(self.application_id),
            "version": str(self.version),
            "type": self.type,
            "name": self.name,
            "name_localizations": self.data.get("name_localizations"),
            "description": self.data.get("description") or "",
            "description_localizations": self.data.get("description_localizations"),
            "default_member_permissions": (
                None
                if self.default_member_permissions is None
                else str(self.default_member_permissions)
            ),
            "nsfw": bool(self.data.get("nsfw", False)),
            "contexts": self.contexts,
            "integration_types": self.data.get("integration_types") or [0],
        }
        if self.guild_id is None:
            body["dm_permission"] = self.dm_permission
        else:
            body["guild_id"] = str(self.guild_id)
        if self.options:
            body["options"] = [_normalize_option(o) for o in self.options]
        return body


class CommandRegistry:
    """Global commands plus per-guild commands for the one application."""

    def __init__(self, application_id: int, new_id: Callable[[], int]) -> None:
        self.application_id = application_id
        self._new_id = new_id
        self._commands: dict[int | None, list[RegisteredCommand]] = {}
        # How many bulk overwrites each scope received: lets tests check a bot only
        # syncs when its commands changed.
        self.bulk_overwrites: dict[int | None, int] = {}

    def in_scope(self, guild_id: int | None = None) -> list[RegisteredCommand]:
        return list(self._commands.get(guild_id, []))

    def find(
        self, guild_id: int | None, name: str, type_: int = CHAT_INPUT
    ) -> RegisteredCommand | None:
        for command in self._commands.get(guild_id, []):
            if command.name == name and command.type == type_:
                return command
        return None

    def get(self, guild_id: int | None, command_id: int) -> RegisteredCommand | None:
        for command in self._commands.get(guild_id, []):
            if command.id == command_id:
                return command
        return None

    def _make(
        self, guild_id: int | None, raw: dict[str, Any], keep: RegisteredCommand | None
    ) -> RegisteredCommand:
        data = {k: copy.deepcopy(v) for k, v in raw.items() if v is not None and k != "id"}
        data.setdefault("type", CHAT_INPUT)
        if keep is not None and keep.data == data:
            return keep
        # Same name and type keeps its id (Discord's bulk overwrite does that);
        # any change bumps the version.
        return RegisteredCommand(
            id=keep.id if keep is not None else self._new_id(),
            application_id=self.application_id,
            guild_id=guild_id,
            version=self._new_id(),
            data=data,
        )

    def bulk_overwrite(
        self, guild_id: int | None, raw: list[dict[str, Any]]
    ) -> list[RegisteredCommand]:
        self.bulk_overwrites[guild_id] = self.bulk_overwrites.get(guild_id, 0) + 1
        new = []
        for item in raw:
            keep = self.find(guild_id, str(item.get("name")), int(item.get("type") or CHAT_INPUT))
            new.append(self._make(guild_id, item, keep))
        self._commands[guild_id] = new
        return list(new)

    def upsert(self, guild_id: int | None, raw: dict[str, Any]) -> tuple[RegisteredCommand, bool]:
        keep = self.find(guild_id, str(raw.get("name")), int(raw.get("type") or CHAT_INPUT))
        command = self._make(guild_id, raw, keep)
        scope = self._commands.setdefault(guild_id, [])
        if keep is None:
            scope.append(command)
        else:
            scope[scope.index(keep)] = command
        return command, keep is None

    def edit(
        self, guild_id: int | None, command_id: int, raw: dict[str, Any]
    ) -> RegisteredCommand | None:
        current = self.get(guild_id, command_id)
        if current is None:
            return None
        merged = {**current.data, **{k: v for k, v in raw.items() if k != "id"}}
        command = self._make(guild_id, merged, current)
        scope = self._commands[guild_id]
        scope[scope.index(current)] = command
        return command

    def delete(self, guild_id: int | None, command_id: int) -> bool:
        current = self.get(guild_id, command_id)
        if current is None:
            return False
        self._commands[guild_id].remove(current)
        return True
