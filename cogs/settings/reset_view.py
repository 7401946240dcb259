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

from cogs.settings.actions import change_lines, guild_id_of
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import SETTINGS_UNAVAILABLE
from cogs.utils.voices import private_language, public_language
from imagecore.i18n import N_, Language, Message
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["CONFIRM_SECONDS", "RESET_QUESTION", "KeepButton", "ResetButton", "reset_question"]

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120
RESET_QUESTION = N_("Reset every /imagine setting of this server to the bot's defaults?")
# Translators: the two buttons under the question above.
RESET_LABEL = N_("Reset everything")
KEEP_LABEL = N_("Keep")
EXPIRED = N_(
    "This confirmation has expired; nothing was changed. Run /imagine-settings reset again."
)
ONLY_MODERATORS = N_("Only moderators with Manage Server can reset.")
RESET_DONE = N_("Reset: every setting is back to the bot's default.")
NOTHING_TO_RESET = N_("Nothing to reset.")
NOTHING_CHANGED = N_("Nothing was changed.")
# Translators: posted to the server's log channel, followed by one line per setting.
LOGGED_RESET = N_("⚙️ <@{user_id}> reset /imagine settings:")


def _asked_at(match: re.Match[str]) -> int:
    return int(match["asked"])


class ResetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"imagine:settings:reset:(?P<asked>[0-9]+)",
):
    def __init__(self, asked: int, label: str = RESET_LABEL) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
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
        say = private_language(interaction).say
        if bot.clock() > self.asked + CONFIRM_SECONDS:
            await interaction.response.edit_message(content=say(EXPIRED), view=None)
            return
        perms = interaction.permissions
        if not (perms.manage_guild or perms.administrator):
            await tell_privately(interaction, ONLY_MODERATORS)
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
            content=say(RESET_DONE if applied else NOTHING_TO_RESET), view=None
        )
        if applied:
            # The log channel the server had, in the language it had: both were just reset.
            public = public_language(interaction, before.language)
            header = public.say(Message(LOGGED_RESET, {"user_id": interaction.user.id}))
            await post_mod_log(
                bot, before.log_channel_id, f"{header}\n{change_lines(applied, public)}"
            )


class KeepButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"imagine:settings:keep:(?P<asked>[0-9]+)",
):
    def __init__(self, asked: int, label: str = KEEP_LABEL) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
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
        say = private_language(interaction).say
        await interaction.response.edit_message(content=say(NOTHING_CHANGED), view=None)


def reset_question(asked: float, language: Language) -> discord.ui.View:
    """The two buttons, labelled in the moderator's language (a click is answered in the
    clicker's, whatever the labels)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ResetButton(int(asked), language.say(RESET_LABEL)))
    view.add_item(KeepButton(int(asked), language.say(KEEP_LABEL)))
    return view
