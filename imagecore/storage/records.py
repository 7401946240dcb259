"""What the storage hands out and takes in: plain frozen values, no database types."""

from __future__ import annotations

from dataclasses import dataclass

from imagecore.api.attempts import Attempt

__all__ = [
    "FAILED_STATUSES",
    "JOB_STATUSES",
    "AttemptRecord",
    "GuildStats",
    "JobRecord",
    "Usage",
]

JOB_STATUSES = frozenset(
    {"queued", "delivered", "failed", "cancelled", "expired", "dropped", "refused"}
)
# The statuses guild_stats counts as failures, by error class.
FAILED_STATUSES = ("failed", "expired")


# One call to the image API, as a job's history keeps it: the API client's own record.
AttemptRecord = Attempt


@dataclass(frozen=True, slots=True)
class JobRecord:
    guild_id: int | None  # None: a DM
    channel_id: int | None
    user_id: int
    prompt: str
    negative_prompt: str
    model: str
    size: str
    prompt_extend: bool
    watermark: bool
    seed: int | None
    created_at: float  # Unix time
    status: str = "queued"  # one of JOB_STATUSES
    error_class: str | None = None
    revised_prompt: str | None = None
    latency_seconds: float | None = None
    finished_at: float | None = None
    # Every API call made for it, in order; () for jobs that never reached the API.
    attempts: tuple[AttemptRecord, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    user_today: int
    guild_today: int  # 0 in DMs


@dataclass(frozen=True, slots=True)
class GuildStats:
    images_today: int
    images_7d: int
    top_users_7d: list[tuple[int, int]]  # (user id, images), at most 5, most first
    failures_by_class_7d: dict[str, int]  # failed and expired jobs by error class
    jobs_7d: int  # every request recorded, whatever became of it
