"""/imagine-queue: where your images are, and how busy the bot is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.replies import tell_privately

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["QueueStatusCog", "setup"]


class QueueStatusCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="imagine-queue", description="See the image queue and your place in it"
    )
    @app_commands.guild_only()
    async def imagine_queue(self, interaction: discord.Interaction[ImageBot]) -> None:
        await tell_privately(interaction, self.describe(interaction.user.id))

    def describe(self, user_id: int) -> str:
        scheduler, gate = self.bot.scheduler, self.bot.gate
        snapshot = scheduler.snapshot(user_id)
        lines = [
            f"**Queue:** {snapshot.queued} waiting, {snapshot.running} being made.",
            (
                f"**Rate:** {gate.current_rate:g} of {gate.max_rate:g} requests/s, "
                f"{gate.concurrency} at once."
            ),
        ]
        if gate.paused_for > 0:
            lines.append(
                f"The image service asked us to slow down; resuming in {gate.paused_for:.0f} s."
            )
        if not snapshot.tickets:
            lines.append("You have no images in the queue.")
        for view in snapshot.tickets:
            if view.position is None:
                lines.append("• One of yours is being made now.")
            else:
                lines.append(
                    f"• Yours at #{view.position}, about {view.estimated_wait:.0f} s to start."
                )
        return "\n".join(lines)


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(QueueStatusCog(bot))
