"""What a member typed into /imagine, before any default is merged in."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ImagineOptions"]


@dataclass(frozen=True, slots=True)
class ImagineOptions:
    """The /imagine options; ``None`` means "left out": the server's default, then the
    bot's, applies (``BotDefaults.resolve``; ``count`` is the cog's to resolve)."""

    prompt: str
    negative_prompt: str | None = None
    size: str | None = None
    prompt_extend: bool | None = None
    watermark: bool | None = None
    seed: int | None = None
    count: int | None = None  # images, 1 to MAX_IMAGES_PER_REQUEST
