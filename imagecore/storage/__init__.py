"""The bot's storage: guild settings (audited), daily usage counters, jobs history and jobs
in flight on SQLite or PostgreSQL, schema kept by Alembic migrations that run when it opens."""

from __future__ import annotations

from imagecore.storage.errors import StorageUnavailable
from imagecore.storage.guild_lists import (
    LIST_NAMES,
    AlreadyListed,
    ListEditError,
    ListFull,
    NotListed,
)
from imagecore.storage.live_jobs import (
    LIVE_STATES,
    InteractionToken,
    LiveJob,
    LiveJobError,
    LiveJobs,
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
    "LIVE_STATES",
    "AlreadyListed",
    "AttemptRecord",
    "GuildStats",
    "ImageResult",
    "InteractionToken",
    "JobRecord",
    "ListEditError",
    "ListFull",
    "LiveJob",
    "LiveJobError",
    "LiveJobs",
    "NotListed",
    "Storage",
    "StorageUnavailable",
    "Usage",
]
