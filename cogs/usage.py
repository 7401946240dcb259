"""/imagine-quota and /imagine-history: a member's own budget and past images."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.replies import tell_privately
from imagecore.delivery.text_limits import one_line
from imagecore.policy.admission import next_reset, utc_day
from imagecore.policy.limits import effective_limits

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["UsageCog", "setup"]

log = logging.getLogger(__name__)

STATUS_WORDS = {
    "delivered": "✅",
    "failed": "⚠️ failed",
    "cancelled": "✖️ cancelled",
    "expired": "⌛ expired",
    "dropped": "↩️ not started (restart)",
    "refused": "🚫 refused",
}


class UsageCog(commands.Cog):
    history = app_commands.Group(name="imagine-history", description="Your past /imagine requests")

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[ImageBot]) -> bool:
        # Acknowledge before touching the database: a locked one may take seconds.
        await interaction.response.defer(ephemeral=True, thinking=True)
        return True

    @app_commands.command(name="imagine-quota", description="How many images you have left today")
    async def quota(self, interaction: discord.Interaction[ImageBot]) -> None:
        now = self.bot.clock()
        guild_id = interaction.guild_id
        server = await self.bot.settings_cache.get(guild_id)
        role_ids = [role.id for role in getattr(interaction.user, "roles", ())]
        limits = effective_limits(self.bot.defaults, server, role_ids)
        usage = await self.bot.ledger.usage(
            user_id=interaction.user.id, guild_id=guild_id, day=utc_day(now)
        )
        lines = []
        if limits.exempt:
            lines.append(
                f"You've had {usage.user_today} images today; "
                "your role exempts you from the per-member limits."
            )
        elif limits.user_daily_images is None:
            lines.append(
                f"You've had {usage.user_today} images today; there is no daily limit for members."
            )
        else:
            left = max(0, limits.user_daily_images - usage.user_today)
            lines.append(f"You have **{left}** of {limits.user_daily_images} images left today.")
        if guild_id and limits.guild_daily_images is not None:
            left = max(0, limits.guild_daily_images - usage.guild_today)
            lines.append(f"The server has {left} of {limits.guild_daily_images} left today.")
        minutes = round((next_reset(now) - now) / 60)
        lines.append(
            f"Counts reset at 00:00 UTC (in {minutes // 60} h {minutes % 60} min). Only delivered images count."
        )
        await tell_privately(interaction, "\n".join(lines))

    @history.command(name="show", description="Your last 10 requests")
    async def history_show(self, interaction: discord.Interaction[ImageBot]) -> None:
        jobs = await self.bot.storage.recent_jobs(user_id=interaction.user.id, limit=10)
        if not jobs:
            await tell_privately(interaction, "You have no image history here.")
            return
        lines = [
            f"<t:{int(job.created_at)}:R> {STATUS_WORDS.get(job.status, job.status)} "
            f"`{job.size}` {one_line(job.prompt, 120)}"
            for job in jobs
        ]
        await tell_privately(interaction, "\n".join(lines))

    @history.command(
        name="forget", description="Delete your image history (your daily counts stay)"
    )
    async def history_forget(self, interaction: discord.Interaction[ImageBot]) -> None:
        deleted = await self.bot.storage.forget_user(interaction.user.id)
        await tell_privately(interaction, f"Deleted {deleted} entries of your image history.")


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(UsageCog(bot))
