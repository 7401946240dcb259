"""GuildSettings to and from rows, and checking a moderator's changes before any write."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from imagecore.policy.guild_settings import GuildSettings

__all__ = ["check_changes", "from_json", "from_row", "to_json", "to_row"]

_NAMES = GuildSettings.names()
_TUPLES = frozenset(name for name, value in GuildSettings().as_dict().items() if value == ())


def check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with lists made tuples. ValueError for an unknown name or a value of the
    wrong type, so nothing half-valid reaches the database."""
    unknown = sorted(set(changes) - set(_NAMES))
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(unknown)} (known: {', '.join(_NAMES)})")
    hints = typing.get_type_hints(GuildSettings)
    checked = {}
    for name, value in changes.items():
        if name in _TUPLES and isinstance(value, list):
            value = tuple(value)
        if not _fits(value, hints[name]):
            raise ValueError(f"setting {name} can't be {value!r}")
        checked[name] = value
    return checked


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return isinstance(value, tuple) and all(_fits(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is int:  # bool is an int to Python, not to a moderator
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def to_json(name: str, value: Any) -> Any:
    return list(value) if name in _TUPLES else value


def from_json(name: str, value: Any) -> Any:
    if name in _TUPLES:
        return tuple(value or ())
    return value


def to_row(settings: GuildSettings) -> dict[str, Any]:
    return {name: to_json(name, value) for name, value in settings.as_dict().items()}


def from_row(row: Mapping[Any, Any]) -> GuildSettings:
    return GuildSettings(**{name: from_json(name, row[name]) for name in _NAMES})
