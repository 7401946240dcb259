"""Declaring the world the bot lives in: users, guilds, channels, roles, members,
permission overwrites. Changes made while a bot is connected reach it as gateway events,
as they would on Discord."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import permissions as perms
from .gateway import INTENT_GUILD_MEMBERS, INTENT_GUILDS, GatewaySession
from .models import CHANNEL_DM, CHANNEL_TEXT, Channel, Guild, Member, Role, User
from .state import StandInState

# What Discord reports as an app's permissions in a DM with the bot.
DM_APP_PERMISSIONS = (
    perms.VIEW_CHANNEL
    | perms.SEND_MESSAGES
    | perms.EMBED_LINKS
    | perms.ATTACH_FILES
    | perms.READ_MESSAGE_HISTORY
    | perms.ADD_REACTIONS
    | perms.USE_EXTERNAL_EMOJIS
    | perms.MENTION_EVERYONE
    | perms.USE_APPLICATION_COMMANDS
)

Target = Member | User | Role | Guild


class WorldBuilding(StandInState):
    """``add_guild``/``add_text_channel``/``add_role``/``add_member``/overwrites."""

    def _guild_create_payload(self, guild: Guild, session: GatewaySession | None) -> dict[str, Any]:
        """GUILD_CREATE's data for ``guild``: GatewayEvents (events.py) writes it; declared
        here because joining a guild or changing it sends it."""
        raise NotImplementedError

    def add_user(self, name: str, *, global_name: str | None = None, locale: str = "en-US") -> User:
        user = User(
            id=self.snowflakes.next(), username=name, global_name=global_name, locale=locale
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Stand-in Guild",
        *,
        premium_tier: int = 0,
        bot_permissions: int = perms.DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = perms.DEFAULT_EVERYONE_PERMISSIONS,
        locale: str = "en-US",
        features: Iterable[str] = (),
        owner: User | None = None,
    ) -> Guild:
        """A guild the bot is in. ``premium_tier`` sets the upload limit (0/1: 10 MiB,
        2: 50 MiB, 3: 100 MiB) just as discord.py's ``Guild.filesize_limit`` derives it."""
        owner = owner or self.add_user(f"{name}-owner".lower().replace(" ", "-"))
        guild_id = self.snowflakes.next()
        guild = Guild(
            id=guild_id,
            name=name,
            owner_id=owner.id,
            premium_tier=premium_tier,
            locale=locale,
            features=list(features),
        )
        guild.roles[guild_id] = Role(
            id=guild_id, guild_id=guild_id, name="@everyone", permissions=everyone_permissions
        )
        bot_role = Role(
            id=self.snowflakes.next(),
            guild_id=guild_id,
            name=self.bot_user.username,
            permissions=bot_permissions,
            position=1,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[guild_id] = guild
        guild.members[owner.id] = Member(
            user=owner, guild=guild, joined_at=self.clock.utcnow().isoformat()
        )
        guild.members[self.bot_user.id] = Member(
            user=self.bot_user,
            guild=guild,
            role_ids=[bot_role.id],
            joined_at=self.clock.utcnow().isoformat(),
        )
        # Joining while a bot is connected: Discord sends GUILD_CREATE.
        self.gateway.dispatch("GUILD_CREATE", lambda s: self._guild_create_payload(guild, s))
        return guild

    def add_text_channel(
        self, guild: Guild, name: str = "general", *, topic: str | None = None, nsfw: bool = False
    ) -> Channel:
        channel = Channel(
            id=self.snowflakes.next(),
            type=CHANNEL_TEXT,
            name=name,
            guild=guild,
            position=len(guild.channels),
            topic=topic,
            nsfw=nsfw,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.gateway.dispatch("CHANNEL_CREATE", channel.payload(), intent=INTENT_GUILDS)
        return channel

    def add_role(self, guild: Guild, name: str, permissions: int = 0, *, color: int = 0) -> Role:
        role = Role(
            id=self.snowflakes.next(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            color=color,
        )
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.payload()},
            intent=INTENT_GUILDS,
        )
        return role

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = permissions
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.payload()},
            intent=INTENT_GUILDS,
        )

    def add_member(
        self,
        guild: Guild,
        name: str = "member",
        *,
        user: User | None = None,
        roles: Sequence[Role] = (),
        permissions: int | None = None,
        nick: str | None = None,
        locale: str = "en-US",
    ) -> Member:
        """A guild member. ``permissions`` is granted through a role of its own (Discord
        only grants permissions via roles), on top of @everyone and ``roles``."""
        user = user or self.add_user(name, locale=locale)
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(guild, f"{user.username}-permissions", permissions).id)
        member = Member(
            user=user,
            guild=guild,
            role_ids=role_ids,
            nick=nick,
            joined_at=self.clock.utcnow().isoformat(),
        )
        guild.members[user.id] = member
        self.gateway.dispatch(
            "GUILD_MEMBER_ADD",
            {**member.payload(), "guild_id": str(guild.id)},
            intent=INTENT_GUILD_MEMBERS,
        )
        return member

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.bot_user.id]

    def set_overwrite(
        self, channel: Channel, target: Target, *, allow: int = 0, deny: int = 0
    ) -> perms.Overwrite:
        """Set (replace) the channel overwrite for a role, member/user, or the guild
        (= @everyone); the bot's cache is updated with CHANNEL_UPDATE."""
        if channel.guild is None:
            raise ValueError("DM channels have no permission overwrites")
        if isinstance(target, Role | Guild):  # a guild's id is its @everyone role's id
            overwrite = channel.overwrite_for(0, target.id)
        else:
            overwrite = channel.overwrite_for(1, target.id)
        overwrite.allow, overwrite.deny = allow, deny
        self.gateway.dispatch("CHANNEL_UPDATE", channel.payload(), intent=INTENT_GUILDS)
        return overwrite

    def deny_bot(self, channel: Channel, permissions: int) -> None:
        """Take permissions (e.g. ``ATTACH_FILES | EMBED_LINKS``) from the bot in a channel."""
        current = channel.overwrite_for(1, self.bot_user.id)
        self.set_overwrite(
            channel,
            self.bot_user,
            allow=current.allow & ~permissions,
            deny=current.deny | permissions,
        )

    def set_premium_tier(self, guild: Guild, tier: int) -> None:
        guild.premium_tier = tier
        data = self._guild_create_payload(guild, None)
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key, None)
        self.gateway.dispatch("GUILD_UPDATE", data, intent=INTENT_GUILDS)

    def dm_channel(self, user: User | Member) -> Channel:
        user = user.user if isinstance(user, Member) else user
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = Channel(
                id=self.snowflakes.next(), type=CHANNEL_DM, name=None, recipients=[user]
            )
            self._dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def permissions_for(self, who: Member | User, channel: Channel) -> int:
        if channel.guild is None:
            return DM_APP_PERMISSIONS
        member = self._as_member(channel.guild, who)
        if member is None:
            return 0
        return channel.guild.permissions_in(member, channel)

    def app_permissions(self, channel: Channel) -> int:
        """The bot's permissions in a channel, as sent in ``app_permissions``."""
        return self.permissions_for(self.bot_user, channel)

    def _as_member(self, guild: Guild, who: Member | User) -> Member | None:
        if isinstance(who, Member):
            return who if who.guild is guild else guild.members.get(who.id)
        return guild.members.get(who.id)
