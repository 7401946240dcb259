"""The public result card of /imagine, inside Discord's embed limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from imagecore.delivery.text_limits import clip, one_line
from imagecore.policy.sizes import size_label

if TYPE_CHECKING:
    from imagecore.api.client import GeneratedImage
    from imagecore.api.request import ImageRequest

__all__ = ["result_embed"]

# Discord's limits: title 256, description 4096, field value 1024, footer 2048, total 6000.
# The prompt (800) and negative prompt (500) are capped by the command; the revised prompt
# is the only unbounded text, and clipping it to 1024 keeps the total well under 6000.


def result_embed(
    request: ImageRequest,
    image: GeneratedImage,
    *,
    requester: str,
    seconds: float,
    note: str | None,
    filename: str,
) -> discord.Embed:
    embed = discord.Embed(
        title=one_line(request.prompt, 256),
        description=clip(request.prompt, 4096),
        color=discord.Color.blurple(),
    )
    if image.revised_prompt and image.revised_prompt.strip() != request.prompt.strip():
        embed.add_field(name="Revised prompt", value=clip(image.revised_prompt, 1024), inline=False)
    if request.negative_prompt:
        embed.add_field(
            name="Negative prompt", value=clip(request.negative_prompt, 1024), inline=False
        )
    embed.add_field(name="Size", value=size_label(request.size), inline=True)
    if request.seed is not None:
        embed.add_field(name="Seed", value=str(request.seed), inline=True)
    embed.add_field(name="Model", value=clip(request.model, 1024), inline=True)
    embed.add_field(name="Time", value=f"{seconds:.1f} s", inline=True)
    if note:
        embed.add_field(name="Note", value=clip(note, 1024), inline=False)
    embed.set_footer(text=clip(f"Requested by {requester}", 2048))
    embed.set_image(url=f"attachment://{filename}")
    return embed
