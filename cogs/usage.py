"""/imagine-quota and /imagine-history: a member's own budget and past images."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.replies import tell_privately
from cogs.utils.voices import private_language
from imagecore.delivery.text_limits import one_line
from imagecore.i18n import N_, NP_, Message
from imagecore.policy.admission import next_reset, utc_day
from imagecore.policy.limits import effective_limits

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["UsageCog", "setup"]

log = logging.getLogger(__name__)

STATUS_WORDS = {
    "delivered": N_("✅ delivered"),
    "failed": N_("⚠️ failed"),
    "cancelled": N_("✖️ cancelled"),
    "expired": N_("⌛ expired"),
    "dropped": N_("↩️ not started (restart)"),
    "refused": N_("🚫 refused"),
    "queued": N_("⏳ waiting"),
}
QUOTA_EXEMPT = N_(
    "You've had {used} images today; your role exempts you from the per-member limits."
)
QUOTA_UNLIMITED = N_("You've had {used} images today; there is no daily limit for members.")
QUOTA_LEFT = N_("You have **{left}** of {limit} images left today.")
QUOTA_SERVER_LEFT = N_("The server has {left} of {limit} left today.")
# Translators: {reset_time} is 00:00 UTC in the reader's way of writing times.
QUOTA_RESET = N_("Counts reset at {reset_time} UTC (in {wait}). Only delivered images count.")
NO_HISTORY = N_("You have no image history here.")
FORGOTTEN = NP_(
    "Deleted {count} entry of your image history.",
    "Deleted {count} entries of your image history.",
)


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
        lines: list[Message] = []
        if limits.exempt:
            lines.append(Message(QUOTA_EXEMPT, {"used": usage.user_today}))
        elif limits.user_daily_images is None:
            lines.append(Message(QUOTA_UNLIMITED, {"used": usage.user_today}))
        else:
            left = max(0, limits.user_daily_images - usage.user_today)
            lines.append(Message(QUOTA_LEFT, {"left": left, "limit": limits.user_daily_images}))
        if guild_id and limits.guild_daily_images is not None:
            left = max(0, limits.guild_daily_images - usage.guild_today)
            server_left = {"left": left, "limit": limits.guild_daily_images}
            lines.append(Message(QUOTA_SERVER_LEFT, server_left))
        reset = next_reset(now)
        when = {
            "reset_time": datetime.fromtimestamp(reset, UTC),
            "wait": timedelta(seconds=reset - now),
        }
        lines.append(Message(QUOTA_RESET, when))
        await tell_privately(interaction, lines)

    @history.command(name="show", description="Your last 10 requests")
    async def history_show(self, interaction: discord.Interaction[ImageBot]) -> None:
        jobs = await self.bot.storage.recent_jobs(user_id=interaction.user.id, limit=10)
        if not jobs:
            await tell_privately(interaction, NO_HISTORY)
            return
        say = private_language(interaction).say
        lines = [
            # A layout, not a sentence: only the status word is translated.
            f"<t:{int(job.created_at)}:R> {say(STATUS_WORDS.get(job.status, job.status))} "
            f"`{job.size}` {one_line(job.prompt, 120)}"
            for job in jobs
        ]
        await tell_privately(interaction, lines)

    @history.command(
        name="forget", description="Delete your image history (your daily counts stay)"
    )
    async def history_forget(self, interaction: discord.Interaction[ImageBot]) -> None:
        deleted = await self.bot.storage.forget_user(interaction.user.id)
        await tell_privately(interaction, Message(FORGOTTEN, {"count": deleted}, count=deleted))


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(UsageCog(bot))
