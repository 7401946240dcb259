"""The public result card of /imagine, inside Discord's embed limits, in the server's
language (labels only: prompts and model names are never translated)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from cogs.imagine.edit_words import (
    EDITED_FROM_MANY,
    EDITED_FROM_MESSAGE,
    EDITED_FROM_ONE,
    FIELD_EDITED_FROM,
)
from cogs.imagine.words import (
    FIELD_MODEL,
    FIELD_NEGATIVE,
    FIELD_NOTE,
    FIELD_REVISED,
    FIELD_SEED,
    FIELD_SEEDS,
    FIELD_SIZE,
    FIELD_TIME,
    REQUESTED_BY,
    SECONDS_TAKEN,
)
from imagecore.delivery.text_limits import clip, one_line
from imagecore.i18n import Message
from imagecore.i18n.sizes import localized_size_label

if TYPE_CHECKING:
    from imagecore.api.client import GeneratedImage
    from imagecore.api.request import ImageRequest
    from imagecore.i18n import Language

__all__ = ["differing_revision", "result_embed"]

# Discord's limits: title 256, description 4096, field value 1024, footer 2048, total 6000.
# The prompt (800) and negative prompt (500) are capped by the command; the revised prompt
# is the only unbounded text, and clipping it to 1024 keeps the total well under 6000.


def differing_revision(prompt: str, revised: str | None) -> str | None:
    """The model's revised prompt when it says something else than the prompt."""
    if revised and revised.strip() and revised.strip() != prompt.strip():
        return revised
    return None


def result_embed(
    request: ImageRequest,
    image: GeneratedImage,
    *,
    language: Language,
    requester: str,
    seconds: float,
    note: Message | None,
    filename: str,
    seeds: Sequence[int | None] = (),
    made_size: str | None = None,
) -> discord.Embed:
    """``image`` is the first of the set; ``seeds`` lists every image's when there are
    several (the request's own seed is shown otherwise)."""
    say = language.say
    embed = discord.Embed(
        title=one_line(request.prompt, 256),
        description=clip(request.prompt, 4096),
        color=discord.Color.blurple(),
    )
    revised = differing_revision(request.prompt, image.revised_prompt)
    if revised is not None:
        embed.add_field(name=say(FIELD_REVISED), value=clip(revised, 1024), inline=False)
    if request.negative_prompt:
        embed.add_field(
            name=say(FIELD_NEGATIVE), value=clip(request.negative_prompt, 1024), inline=False
        )
    if request.images:  # an edit: the model's input is the member's picture(s)
        count = len(request.images)
        if request.edited_from:
            shown = say(Message(EDITED_FROM_MESSAGE, {"url": request.edited_from}))
        elif count == 1:
            shown = say(EDITED_FROM_ONE)
        else:
            shown = say(Message(EDITED_FROM_MANY, {"count": count}))
        embed.add_field(name=say(FIELD_EDITED_FROM), value=shown, inline=False)
    embed.add_field(
        name=say(FIELD_SIZE),
        # What the provider made: a model that takes no size picks its own.
        value=localized_size_label(language, made_size or request.size),
        inline=True,
    )
    if len(seeds) > 1:
        # At most 10 seeds of 10 digits: far under a field's 1024 characters.
        shown = ", ".join("?" if seed is None else str(seed) for seed in seeds)
        embed.add_field(name=say(FIELD_SEEDS), value=shown, inline=True)
    elif request.seed is not None:
        embed.add_field(name=say(FIELD_SEED), value=str(request.seed), inline=True)
    embed.add_field(name=say(FIELD_MODEL), value=clip(request.model, 1024), inline=True)
    taken = say(Message(SECONDS_TAKEN, {"seconds": round(seconds, 1)}))
    embed.add_field(name=say(FIELD_TIME), value=taken, inline=True)
    if note:
        embed.add_field(name=say(FIELD_NOTE), value=clip(say(note), 1024), inline=False)
    footer = say(Message(REQUESTED_BY, {"requester": requester}))
    embed.set_footer(text=clip(footer, 2048))
    embed.set_image(url=f"attachment://{filename}")
    return embed
