"""Answering one member privately, in their Discord language, whatever state the
interaction is in."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
import discord

from cogs.utils.voices import private_language
from imagecore.delivery.text_limits import clip
from imagecore.i18n import Message

__all__ = ["NO_MENTIONS", "Said", "tell_privately"]

log = logging.getLogger(__name__)

# Every message that echoes member or model text goes out with mentions disabled.
NO_MENTIONS = discord.AllowedMentions.none()
# Discord refuses content over 2000 characters (long rule lists, settings).
MESSAGE_LIMIT = 2000

# A sentence, or lines of them: each said in the reader's language, then joined.
Said = str | Message | Sequence[str | Message]


async def tell_privately(interaction: discord.Interaction, what: Said) -> None:
    """An ephemeral answer, or an ephemeral follow-up once the interaction was answered,
    in the member's language. Best effort: Discord refusing it is logged, never raised."""
    language = private_language(interaction)
    if isinstance(what, str | Message):
        said = language.say(what)
    else:
        said = "\n".join(language.say(line) for line in what)
    sentence = clip(said, MESSAGE_LIMIT)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(sentence, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                sentence, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException as exc:
        log.warning("could not tell user %s: HTTP %s", interaction.user.id, exc.status)
    except (OSError, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not tell user %s: %s", interaction.user.id, type(exc).__name__)
