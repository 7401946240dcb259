"""Answering one member privately, whatever state the interaction is in."""

from __future__ import annotations

import logging

import aiohttp
import discord

from imagecore.delivery.text_limits import clip

__all__ = ["NO_MENTIONS", "tell_privately"]

log = logging.getLogger(__name__)

# Every message that echoes member or model text goes out with mentions disabled.
NO_MENTIONS = discord.AllowedMentions.none()
# Discord refuses content over 2000 characters (long rule lists, settings).
MESSAGE_LIMIT = 2000


async def tell_privately(interaction: discord.Interaction, sentence: str) -> None:
    """An ephemeral answer, or an ephemeral follow-up once the interaction was answered.
    Best effort: Discord refusing it is logged, never raised."""
    sentence = clip(sentence, MESSAGE_LIMIT)
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
