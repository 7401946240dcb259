"""What the storage hands out and takes in: plain frozen values, no database types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imagecore.api.attempts import Attempt

__all__ = [
    "FAILED_STATUSES",
    "JOB_STATUSES",
    "AttemptRecord",
    "GuildStats",
    "ImageResult",
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
class ImageResult:
    """One delivered image of a job: what Details shows and Re-roll leaves behind."""

    seed: int | None
    revised_prompt: str | None = None
    request_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "revised_prompt": self.revised_prompt,
            "request_id": self.request_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ImageResult:
        """From ``as_dict()``'s shape; a value of the wrong type reads as missing (a row is
        shown, never refused)."""
        seed, revised, request_id = (
            data.get("seed"),
            data.get("revised_prompt"),
            data.get("request_id"),
        )
        return cls(
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            revised_prompt=revised if isinstance(revised, str) else None,
            request_id=request_id if isinstance(request_id, str) else None,
        )


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
    # The stable key of the request (in its result's button custom_ids), unique; None for
    # refusals and jobs recorded before revision 0003.
    job_key: str | None = None
    message_id: int | None = None  # the public result message, once posted
    image_count: int | None = None  # images asked for; None: one (older jobs)
    results: tuple[ImageResult, ...] = ()  # each delivered image, in the message's order
    # An edit's input pictures (revision 0005); None: not an edit (or recorded before).
    input_images: int | None = None

    @property
    def is_edit(self) -> bool:
        return bool(self.input_images)

    @property
    def delivered_images(self) -> int:
        """How many images this job adds to the daily counters."""
        if self.status != "delivered":
            return 0
        return max(len(self.results), 1)


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
