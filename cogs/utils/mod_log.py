"""Posting to a server's moderator log channel (setting changes, refusals)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from imagecore.delivery.text_limits import clip

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["post_mod_log"]

log = logging.getLogger(__name__)


async def post_mod_log(bot: ImageBot, channel_id: int | None, text: str) -> None:
    """Best effort: a missing channel or permission is logged, never raised."""
    if channel_id is None:
        return
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("log channel %s is gone or not a text channel", channel_id)
        return
    try:
        await channel.send(clip(text, 2000), allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("could not post to log channel %s: HTTP %s", channel_id, exc.status)
