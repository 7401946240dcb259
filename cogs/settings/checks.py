"""Is this channel or role one of this server's? Discord's option pickers can be fooled
(a stale client, a deleted role), so the cog checks before anything is stored."""

from __future__ import annotations

import discord

from cogs.utils.errors import InvalidInput

__all__ = ["own_channel", "own_role"]


def own_channel(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel
) -> discord.abc.GuildChannel:
    if channel.guild.id != interaction.guild_id:
        raise InvalidInput("That channel belongs to another server.")
    return channel


def own_role(interaction: discord.Interaction, role: discord.Role) -> discord.Role:
    guild = interaction.guild
    if guild is None or role.guild.id != guild.id or guild.get_role(role.id) is None:
        raise InvalidInput("That role is not (or no longer) a role of this server.")
    if role.is_default():
        raise InvalidInput("Choose a specific role, not @everyone.")
    return role
