"""The bot's storage: guild settings (audited), daily usage counters and jobs history on
SQLite or PostgreSQL, schema kept by Alembic migrations that run when it opens."""

from __future__ import annotations

from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.guild_lists import (
    LIST_NAMES,
    AlreadyListed,
    ListEditError,
    ListFull,
    NotListed,
)
from imagecore.storage.records import (
    JOB_STATUSES,
    AttemptRecord,
    GuildStats,
    ImageResult,
    JobRecord,
    Usage,
)
from imagecore.storage.storage import Storage

__all__ = [
    "JOB_STATUSES",
    "LIST_NAMES",
    "AlreadyListed",
    "AttemptRecord",
    "GuildStats",
    "ImageResult",
    "JobRecord",
    "ListEditError",
    "ListFull",
    "NotListed",
    "Storage",
    "StorageUnavailable",
    "Usage",
]
