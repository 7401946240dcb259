"""/imagine-settings channels | roles | blocked-words: the server's lists, one entry at a
time. Each edit is one locked transaction in storage, so concurrent edits all land."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.settings.actions import SettingsActions, guild_id_of
from cogs.settings.checks import own_channel, own_role
from cogs.utils.replies import tell_privately
from imagecore.i18n import N_
from imagecore.policy.blocked_words import MAX_RULES

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["ListCommands"]

NO_RULES = N_("No rules: nothing is blocked.")


class ListCommands(SettingsActions, commands.Cog):
    """Mixed into the settings GroupCog: its groups become subcommands of /imagine-settings."""

    channels = app_commands.Group(name="channels", description="Channels where /imagine works")
    roles = app_commands.Group(name="roles", description="Roles that may use /imagine")
    blocked = app_commands.Group(
        name="blocked-words", description="Words and patterns refused in prompts"
    )

    @channels.command(
        name="add", description="Allow /imagine in this channel (the list empty: everywhere)"
    )
    @app_commands.describe(channel="The channel where /imagine may be used")
    async def channels_add(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel
    ) -> None:
        channel_id = own_channel(interaction, channel).id
        await self.edit_list(interaction, "allowed_channel_ids", add=channel_id)

    @channels.command(name="remove", description="Take a channel off the list")
    @app_commands.describe(channel="The channel to take off the list")
    async def channels_remove(
        self, interaction: discord.Interaction[ImageBot], channel: discord.TextChannel
    ) -> None:
        await self.edit_list(interaction, "allowed_channel_ids", remove=channel.id)

    @channels.command(name="clear", description="Allow /imagine everywhere")
    async def channels_clear(self, interaction: discord.Interaction[ImageBot]) -> None:
        await self.change(interaction, allowed_channel_ids=())

    @roles.command(
        name="add", description="Allow members with this role (the list empty: everyone)"
    )
    @app_commands.describe(role="The role whose members may use /imagine")
    async def roles_add(
        self, interaction: discord.Interaction[ImageBot], role: discord.Role
    ) -> None:
        await self.edit_list(interaction, "allowed_role_ids", add=own_role(interaction, role).id)

    @roles.command(name="remove", description="Take a role off the list")
    @app_commands.describe(role="The role to take off the list")
    async def roles_remove(
        self, interaction: discord.Interaction[ImageBot], role: discord.Role
    ) -> None:
        await self.edit_list(interaction, "allowed_role_ids", remove=role.id)

    @roles.command(name="clear", description="Let everyone use /imagine")
    async def roles_clear(self, interaction: discord.Interaction[ImageBot]) -> None:
        await self.change(interaction, allowed_role_ids=())

    @blocked.command(
        name="add", description="Refuse prompts with this word, or re:<regular expression>"
    )
    @app_commands.describe(
        rule="A whole word or phrase (any case), or re: followed by a regular expression"
    )
    async def blocked_add(
        self, interaction: discord.Interaction[ImageBot], rule: app_commands.Range[str, 1, 200]
    ) -> None:
        await self.edit_list(interaction, "blocked_words", add=rule, max_items=MAX_RULES)

    @blocked.command(name="remove", description="Remove a blocked-word rule")
    @app_commands.describe(
        rule="The rule exactly as listed by /imagine-settings blocked-words list"
    )
    async def blocked_remove(self, interaction: discord.Interaction[ImageBot], rule: str) -> None:
        await self.edit_list(interaction, "blocked_words", remove=rule.strip())

    @blocked.command(name="list", description="Show the blocked-word rules")
    async def blocked_list(self, interaction: discord.Interaction[ImageBot]) -> None:
        settings = await self.bot.storage.guild_settings(guild_id_of(interaction))
        # The rules as the moderators wrote them: a list, not a sentence.
        rules = [f"• `{r}`" for r in settings.blocked_words]
        await tell_privately(interaction, rules or NO_RULES)
