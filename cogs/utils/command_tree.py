"""The command tree's last word on any error: the member gets a short sentence, the log
gets the traceback. Cogs raise; they don't catch what this maps."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from cogs.utils.errors import InvalidInput
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import SETTINGS_UNAVAILABLE, UNEXPECTED
from imagecore.i18n import N_, Message
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["ImageTree", "sentence_for_error"]

log = logging.getLogger(__name__)


ONLY_IN_SERVERS = N_("This command works only inside a server.")
NOT_HERE = N_("You can't use this command here.")


def sentence_for_error(error: BaseException) -> str | Message | None:
    """What a member reads for an error every command may raise, or None if unexpected."""
    if isinstance(error, InvalidInput):
        return error.message
    if isinstance(error, StorageUnavailable):
        log.warning("settings unavailable: %s", error)
        return SETTINGS_UNAVAILABLE
    return None


class ImageTree(app_commands.CommandTree["ImageBot"]):
    async def on_error(
        self, interaction: discord.Interaction[ImageBot], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already told the member why
        text = sentence_for_error(original)
        if text is None:
            if isinstance(error, app_commands.NoPrivateMessage):
                text = ONLY_IN_SERVERS
            elif isinstance(error, app_commands.CheckFailure):
                text = NOT_HERE
            else:
                text = UNEXPECTED
                command = interaction.command.qualified_name if interaction.command else "?"
                log.error("command /%s failed", command, exc_info=original)
        await tell_privately(interaction, text)
