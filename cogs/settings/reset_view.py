"""The confirmation under /imagine-settings reset.

Its two buttons are DynamicItems whose custom_id carries when the question was asked, so
a click is answered with a sentence whatever happened meanwhile: the question timed out,
the bot restarted, or the buttons were pressed twice. Nothing is kept in memory.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from cogs.settings.actions import guild_id_of
from cogs.settings.format import describe_change
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import SETTINGS_UNAVAILABLE
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["CONFIRM_SECONDS", "KeepButton", "ResetButton", "reset_question"]

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120
EXPIRED = "This confirmation has expired; nothing was changed. Run /imagine-settings reset again."


def _asked_at(match: re.Match[str]) -> int:
    return int(match["asked"])


class ResetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"imagine:settings:reset:(?P<asked>[0-9]+)",
):
    def __init__(self, asked: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reset everything",
                style=discord.ButtonStyle.danger,
                custom_id=f"imagine:settings:reset:{asked}",
            )
        )
        self.asked = asked

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResetButton:
        return cls(_asked_at(match))

    async def callback(self, interaction: discord.Interaction[ImageBot]) -> None:
        bot = interaction.client
        if bot.clock() > self.asked + CONFIRM_SECONDS:
            await interaction.response.edit_message(content=EXPIRED, view=None)
            return
        perms = interaction.permissions
        if not (perms.manage_guild or perms.administrator):
            await tell_privately(interaction, "Only moderators with Manage Server can reset.")
            return
        guild_id = guild_id_of(interaction)
        try:
            before = await bot.storage.guild_settings(guild_id)
            applied = await bot.storage.reset_guild_settings(guild_id, interaction.user.id)
        except StorageUnavailable as exc:
            # A component's errors don't reach the command tree: say it here.
            log.warning("reset failed: %s", exc)
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return
        bot.settings_cache.invalidate(guild_id)
        await interaction.response.edit_message(
            content="Reset: every setting is back to the bot's default."
            if applied
            else "Nothing to reset.",
            view=None,
        )
        if applied:
            lines = "\n".join(f"• {describe_change(c)}" for c in applied)
            await post_mod_log(
                bot,
                before.log_channel_id,
                f"⚙️ <@{interaction.user.id}> reset /imagine settings:\n{lines}",
            )


class KeepButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"imagine:settings:keep:(?P<asked>[0-9]+)",
):
    def __init__(self, asked: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep",
                style=discord.ButtonStyle.secondary,
                custom_id=f"imagine:settings:keep:{asked}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> KeepButton:
        return cls(_asked_at(match))

    async def callback(self, interaction: discord.Interaction[ImageBot]) -> None:
        await interaction.response.edit_message(content="Nothing was changed.", view=None)


def reset_question(asked: float) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ResetButton(int(asked)))
    view.add_item(KeepButton(int(asked)))
    return view
