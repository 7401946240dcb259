"""What every /imagine-settings command does once it knows the change: store it, answer
the moderator, post to the server's log channel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from cogs.settings.format import describe_change
from cogs.utils.command_tree import ONLY_IN_SERVERS
from cogs.utils.errors import InvalidInput
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.voices import private_language, public_language
from imagecore.i18n import N_, Language, Message
from imagecore.policy.guild_settings import SettingChange
from imagecore.policy.validation import validate_changes
from imagecore.storage import ListEditError
from imagecore.storage.guild_lists import AlreadyListed, ListFull, NotListed

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["SettingsActions", "change_lines", "guild_id_of"]

NOTHING_CHANGED = N_("Nothing changed: the settings already were like that.")
CHANGED = N_("Changed:")
# Translators: posted to the server's log channel, followed by one line per setting.
LOGGED_CHANGE = N_("⚙️ <@{user_id}> changed /imagine settings:")
CANT_LIST = N_("That can't be put on the list.")
ALREADY_LISTED = N_("That is already on the list.")
NOT_LISTED = N_("That is not on the list.")
# Translators: {limit} is the most entries the list may hold.
LIST_FULL = N_("The list is full: it may hold at most {limit} entries.")


def guild_id_of(interaction: discord.Interaction) -> int:
    # The group is guild_only and its check refuses DMs; this only narrows the type.
    if interaction.guild_id is None:
        raise InvalidInput(ONLY_IN_SERVERS)
    return interaction.guild_id


class SettingsActions:
    bot: ImageBot

    async def change(self, interaction: discord.Interaction, **changes: Any) -> None:
        """Check the changes by the core's rules, store them, say what changed."""
        guild_id = guild_id_of(interaction)
        checked = await self.checked(changes)
        applied = await self.bot.storage.change_guild_settings(
            guild_id, interaction.user.id, **checked
        )
        self.bot.settings_cache.invalidate(guild_id)
        await self.report(interaction, applied)

    async def edit_list(
        self,
        interaction: discord.Interaction,
        name: str,
        *,
        add: Any = None,
        remove: Any = None,
        max_items: int | None = None,
    ) -> None:
        """One entry on or off a list, read and written in one locked transaction, so two
        moderators editing at once both land."""
        guild_id = guild_id_of(interaction)
        if add is not None:
            # The new entry passes the same rules as a whole list would (a rule compiles,
            # an id is an id); its normalised form is what is stored.
            checked = (await self.checked({name: (add,)}))[name]
            if not isinstance(checked, tuple) or len(checked) != 1:
                raise InvalidInput(CANT_LIST)
            add = checked[0]
        try:
            applied = await self.bot.storage.edit_guild_list(
                guild_id, interaction.user.id, name, add=add, remove=remove, max_items=max_items
            )
        except ListEditError as exc:
            raise InvalidInput(list_refusal(exc)) from None
        self.bot.settings_cache.invalidate(guild_id)
        await self.report(interaction, applied)

    async def checked(self, changes: dict[str, Any]) -> dict[str, object]:
        try:
            if "blocked_words" in changes:
                # Trying a new regular expression on hostile inputs takes a few tenths of a
                # second: not on the event loop that serves everyone.
                return await asyncio.to_thread(validate_changes, changes, self.bot.defaults)
            return validate_changes(changes, self.bot.defaults)
        except ValueError as exc:
            # The core's refusals are SayableErrors: their sentence goes on whole.
            raise InvalidInput.because(exc) from None

    async def report(
        self, interaction: discord.Interaction, applied: Sequence[SettingChange]
    ) -> None:
        if not applied:
            await tell_privately(interaction, NOTHING_CHANGED)
            return
        mine = private_language(interaction)
        await tell_privately(interaction, [CHANGED, change_lines(applied, mine)])
        settings = await self.bot.settings_cache.get(guild_id_of(interaction))
        # The log channel reads the server's language (as set now, if this changed it).
        public = public_language(interaction, settings.language)
        header = public.say(Message(LOGGED_CHANGE, {"user_id": interaction.user.id}))
        await post_mod_log(
            self.bot, settings.log_channel_id, f"{header}\n{change_lines(applied, public)}"
        )


def change_lines(applied: Sequence[SettingChange], language: Language) -> str:
    """One bullet per change, said in ``language``."""
    return "\n".join(f"• {describe_change(c, language)}" for c in applied)


def list_refusal(exc: ListEditError) -> str | Message:
    """What a moderator reads when the list refuses an edit."""
    if isinstance(exc, AlreadyListed):
        return ALREADY_LISTED
    if isinstance(exc, NotListed):
        return NOT_LISTED
    if isinstance(exc, ListFull):
        return Message(LIST_FULL, {"limit": exc.limit})
    return str(exc)
