"""An /imagine request's history row, built the same way for every status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagecore.storage import AttemptRecord, ImageResult, JobRecord

if TYPE_CHECKING:
    import discord

    from imagecore.api.request import ImageRequest

__all__ = ["job_record"]


def job_record(
    interaction: discord.Interaction,
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
    return JobRecord(
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        user_id=interaction.user.id,
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
    )
