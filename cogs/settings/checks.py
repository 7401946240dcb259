"""Is this channel or role one of this server's? Discord's option pickers can be fooled
(a stale client, a deleted role), so the cog checks before anything is stored."""

from __future__ import annotations

import discord

from cogs.utils.errors import InvalidInput
from imagecore.i18n import N_

__all__ = ["own_channel", "own_role"]

OTHER_SERVERS_CHANNEL = N_("That channel belongs to another server.")
NOT_A_ROLE_HERE = N_("That role is not (or no longer) a role of this server.")
NOT_EVERYONE = N_("Choose a specific role, not @everyone.")


def own_channel(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel
) -> discord.abc.GuildChannel:
    if channel.guild.id != interaction.guild_id:
        raise InvalidInput(OTHER_SERVERS_CHANNEL)
    return channel


def own_role(interaction: discord.Interaction, role: discord.Role) -> discord.Role:
    guild = interaction.guild
    if guild is None or role.guild.id != guild.id or guild.get_role(role.id) is None:
        raise InvalidInput(NOT_A_ROLE_HERE)
    if role.is_default():
        raise InvalidInput(NOT_EVERYONE)
    return role
