"""The objects the stand-in's Discord is made of, and their JSON payloads.

Payload methods emit what discord.py reads (checked against its parsers: e.g. a member
needs ``flags``, a text channel needs ``position``), shaped after the v10 OpenAPI spec.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from typing import Any

from . import permissions as perms

CHANNEL_TEXT = 0
CHANNEL_DM = 1

FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

MIB = 1024 * 1024
# discord.py 2.7's Guild._PREMIUM_GUILD_LIMITS and Discord's documented upload limits.
PREMIUM_TIER_UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
DM_UPLOAD_LIMIT = 10 * MIB


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    bot_id: int | None = None  # set on the bot's managed integration role

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.bot_id is not None,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Channel:
    id: int
    type: int
    name: str | None
    guild: Guild | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    parent_id: int | None = None
    overwrites: list[perms.Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)  # DM channels only
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def upload_limit(self) -> int:
        return DM_UPLOAD_LIMIT if self.guild is None else self.guild.upload_limit

    def overwrite_for(self, type_: int, target_id: int) -> perms.Overwrite:
        """The overwrite for a role (0) or member (1), created empty if missing."""
        for overwrite in self.overwrites:
            if overwrite.type == type_ and overwrite.id == target_id:
                return overwrite
        overwrite = perms.Overwrite(id=target_id, type=type_)
        self.overwrites.append(overwrite)
        return overwrite

    def payload(self) -> dict[str, Any]:
        if self.type == CHANNEL_DM:
            return {
                "id": str(self.id),
                "type": CHANNEL_DM,
                "last_message_id": _str_or_none(self.last_message_id),
                "recipients": [u.payload() for u in self.recipients],
                "flags": 0,
            }
        assert self.guild is not None
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "topic": self.topic,
            "nsfw": self.nsfw,
            "parent_id": _str_or_none(self.parent_id),
            "last_message_id": _str_or_none(self.last_message_id),
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00+00:00"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def locale(self) -> str:
        return self.user.locale

    def payload(self, *, permissions: int | None = None, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    premium_tier: int = 0
    locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def upload_limit(self) -> int:
        """Per-file upload limit; the same number discord.py's ``Guild.filesize_limit`` gives."""
        return PREMIUM_TIER_UPLOAD_LIMITS.get(self.premium_tier, 10 * MIB)

    filesize_limit = upload_limit

    def base_permissions(self, member: Member) -> int:
        return perms.base_permissions(
            everyone=self.everyone.permissions,
            role_permissions=(
                self.roles[r].permissions for r in member.role_ids if r in self.roles
            ),
            is_owner=member.id == self.owner_id,
        )

    def permissions_in(self, member: Member, channel: Channel) -> int:
        return perms.channel_permissions(
            self.base_permissions(member),
            guild_id=self.id,
            member_id=member.id,
            member_role_ids=member.role_ids,
            overwrites=channel.overwrites,
        )

    def payload(self, *, members: list[Member], joined_at: str) -> dict[str, Any]:
        """A GUILD_CREATE payload (guild object plus the gateway-only extras)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": self.premium_tier,
            "premium_subscription_count": {0: 0, 1: 2, 2: 7, 3: 14}.get(self.premium_tier, 0),
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "features": list(self.features),
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "incidents_data": None,
            # GUILD_CREATE extras
            "joined_at": joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.payload() for m in members],
            "channels": [
                c.payload() for c in sorted(self.channels.values(), key=lambda c: c.position)
            ],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def interaction_payload(self) -> dict[str, Any]:
        """The partial guild Discord embeds in interactions."""
        return {"id": str(self.id), "locale": self.locale, "features": list(self.features)}


@dataclass(eq=False)
class UploadedFile:
    """One ``files[n]`` part of a multipart request, exactly as received."""

    field_name: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def index(self) -> int | None:
        match = re.fullmatch(r"files\[(\d+)\]", self.field_name)
        return int(match.group(1)) if match else None


@dataclass(eq=False)
class StoredAttachment:
    id: int
    filename: str
    data: bytes
    url: str
    # What Discord reports (guessed from the file name, as Discord does) and what the
    # client sent: discord.py always sends application/octet-stream.
    content_type: str | None
    uploaded_content_type: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description is not None:
            data["description"] = self.description
        if self.width is not None and self.height is not None:
            data["width"] = self.width
            data["height"] = self.height
        if self.ephemeral:
            data["ephemeral"] = True
        return data


def guess_content_type(filename: str) -> str | None:
    guessed, _ = mimetypes.guess_type(filename)
    return guessed


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height for images, like Discord reports; None for anything else."""
    try:
        import io

        from PIL import Image  # pillow is a project dependency

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        # Not an image (or not one Pillow knows): Discord omits the fields too.
        return None


@dataclass(eq=False)
class MessageRevision:
    """A snapshot of a message after a create or edit, for progress-update assertions."""

    at: float
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    attachment_names: list[str]
    flags: int


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass(eq=False)
class StoredMessage:
    id: int
    channel: Channel
    author: User
    created_at: str
    created_mono: float
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    type: int = 0
    # Exactly what the client sent; None when it sent no allowed_mentions at all.
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | int | None = None
    message_reference: dict[str, Any] | None = None
    poll: dict[str, Any] | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    author_member: Member | None = None
    edited_at: str | None = None
    deleted: bool = False
    history: list[MessageRevision] = field(default_factory=list)

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Still the "Bot is thinking..." placeholder of a deferred response."""
        return bool(self.flags & FLAG_LOADING)

    def snapshot(self, at: float) -> None:
        self.history.append(
            MessageRevision(
                at=at,
                content=self.content,
                embeds=[dict(e) for e in self.embeds],
                components=list(self.components),
                attachment_names=[a.filename for a in self.attachments],
                flags=self.flags,
            )
        )

    def iter_components(self) -> list[dict[str, Any]]:
        """Every component dict in the tree (rows, containers, sections, accessories)."""
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if "type" in node:
                    found.append(node)
                for key in ("components", "accessory", "component"):
                    if key in node:
                        walk(node[key])
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.components)
        return found

    def component(self, custom_id: str) -> dict[str, Any] | None:
        for comp in self.iter_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    def effective_mentions(self) -> dict[str, Any]:
        """Who would actually be pinged, applying ``allowed_mentions`` like Discord does."""
        content = self.content or ""
        users = {int(u) for u in _USER_MENTION.findall(content)}
        roles = {int(r) for r in _ROLE_MENTION.findall(content)}
        everyone = "@everyone" in content or "@here" in content
        am = self.allowed_mentions
        if am is None:
            return {"users": sorted(users), "roles": sorted(roles), "everyone": everyone}
        parse = set(am.get("parse") or [])
        allowed_users = {int(u) for u in am.get("users") or []}
        allowed_roles = {int(r) for r in am.get("roles") or []}
        return {
            "users": sorted(u for u in users if "users" in parse or u in allowed_users),
            "roles": sorted(r for r in roles if "roles" in parse or r in allowed_roles),
            "everyone": everyone and "everyone" in parse,
        }

    def payload(self) -> dict[str, Any]:
        mentions = self.effective_mentions()
        guild = self.channel.guild
        mentioned_users: list[dict[str, Any]] = []
        for user_id in mentions["users"]:
            member = guild.members.get(user_id) if guild else None
            if member is not None:
                mentioned_users.append(member.user.payload())
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "type": self.type,
            "content": self.content,
            "author": self.author.payload(),
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "flags": self.flags,
            "mentions": mentioned_users,
            "mention_roles": [str(r) for r in mentions["roles"]],
            "mention_everyone": mentions["everyone"],
            "pinned": False,
            "tts": self.tts,
            "timestamp": self.created_at,
            "edited_timestamp": self.edited_at,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.poll is not None:
            data["poll"] = self.poll
        return data
