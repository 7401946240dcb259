"""What the storage hands out and takes in: plain frozen values, no database types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One call to the image API for a job: what a moderator sees was paid for."""

    number: int  # 1 for the first try
    outcome: str  # the API client's word for how it ended ("ok", "throttled", ...)
    status: int | None  # HTTP status; None when no response came
    request_id: str | None  # the API's id for the request, when it gave one
    seconds: float

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AttemptRecord:
        """From the API client's ``Attempt.as_dict()`` (or a stored row). Other keys are
        ignored; ValueError for a missing key or a value of the wrong type."""
        try:
            number, outcome, status = data["number"], data["outcome"], data["status"]
            request_id, seconds = data["request_id"], data["seconds"]
        except KeyError as exc:
            raise ValueError(f"an attempt needs {exc.args[0]!r}: {dict(data)!r}") from None
        if (
            isinstance(number, int)
            and not isinstance(number, bool)
            and isinstance(outcome, str)
            and (status is None or (isinstance(status, int) and not isinstance(status, bool)))
            and (request_id is None or isinstance(request_id, str))
            and isinstance(seconds, int | float)
            and not isinstance(seconds, bool)
        ):
            return cls(number, outcome, status, request_id, float(seconds))
        raise ValueError(f"not an attempt: {dict(data)!r}")

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "outcome": self.outcome,
            "status": self.status,
            "request_id": self.request_id,
            "seconds": self.seconds,
        }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
