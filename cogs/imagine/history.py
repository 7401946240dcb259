"""An /imagine request's history row, built the same way for every status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from imagecore.storage import AttemptRecord, ImageResult, JobRecord

if TYPE_CHECKING:
    from imagecore.api.request import ImageRequest

__all__ = ["Origin", "job_record"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Who asked, and where: what a request's records need of its interaction."""

    user_id: int
    guild_id: int | None
    channel_id: int | None

    @classmethod
    def of(cls, interaction: discord.Interaction[Any]) -> Origin:
        return cls(interaction.user.id, interaction.guild_id, interaction.channel_id)


def job_record(
    interaction: discord.Interaction | Origin,
    request: ImageRequest,
    *,
    created_at: float,
    finished_at: float,
    status: str,
    error_class: str | None = None,
    revised_prompt: str | None = None,
    latency_seconds: float | None = None,
    attempts: tuple[AttemptRecord, ...] = (),
    job_key: str | None = None,
    message_id: int | None = None,
    image_count: int | None = None,
    results: tuple[ImageResult, ...] = (),
) -> JobRecord:
    """``request`` is the first image's (its seed is the row's seed); ``results`` has each
    delivered image, in the message's order."""
    origin = interaction if isinstance(interaction, Origin) else Origin.of(interaction)
    return JobRecord(
        guild_id=origin.guild_id,
        channel_id=origin.channel_id,
        user_id=origin.user_id,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        model=request.model,
        size=request.size,
        prompt_extend=request.prompt_extend,
        watermark=request.watermark,
        seed=request.seed,
        created_at=created_at,
        status=status,
        error_class=error_class,
        revised_prompt=revised_prompt,
        latency_seconds=latency_seconds,
        finished_at=finished_at,
        attempts=attempts,
        job_key=job_key,
        message_id=message_id,
        image_count=image_count,
        results=results,
        input_images=len(request.images) or None,
    )
