"""/imagine-queue: where your images are, and how busy the bot is."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.replies import tell_privately
from imagecore.i18n import N_, Message

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["QueueStatusCog", "setup"]

QUEUE_LINE = N_("**Queue:** {queued} waiting, {running} being made.")
# Translators: {rate} and {max_rate} are requests per second, e.g. 2.5.
RATE_LINE = N_("**Rate:** {rate} of {max_rate} requests/s, {concurrency} at once.")
SLOWED_DOWN = N_("The image service asked us to slow down; resuming in {wait}.")
NONE_QUEUED = N_("You have no images in the queue.")
YOURS_RUNNING = N_("• One of yours is being made now.")
YOURS_QUEUED = N_("• Yours at #{position}, about {wait} to start.")


class QueueStatusCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="imagine-queue", description="See the image queue and your place in it"
    )
    @app_commands.guild_only()
    async def imagine_queue(self, interaction: discord.Interaction[ImageBot]) -> None:
        await tell_privately(interaction, self.describe(interaction.user.id))

    def describe(self, user_id: int) -> list[Message]:
        scheduler, gate = self.bot.scheduler, self.bot.gate
        snapshot = scheduler.snapshot(user_id)
        queue = {"queued": snapshot.queued, "running": snapshot.running}
        rate = {
            "rate": float(gate.current_rate),
            "max_rate": float(gate.max_rate),
            "concurrency": gate.concurrency,
        }
        lines = [Message(QUEUE_LINE, queue), Message(RATE_LINE, rate)]
        if gate.paused_for > 0:
            lines.append(Message(SLOWED_DOWN, {"wait": timedelta(seconds=gate.paused_for)}))
        if not snapshot.tickets:
            lines.append(Message(NONE_QUEUED))
        for view in snapshot.tickets:
            if view.position is None:
                lines.append(Message(YOURS_RUNNING))
            else:
                wait = timedelta(seconds=view.estimated_wait)
                lines.append(Message(YOURS_QUEUED, {"position": view.position, "wait": wait}))
        return lines


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(QueueStatusCog(bot))
