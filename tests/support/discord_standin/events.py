"""Gateway payloads (READY, GUILD_CREATE, member chunks) and message events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    GatewaySession,
)
from .models import Channel, Guild, Member, StoredMessage, User
from .options import AttachmentInput
from .world import WorldBuilding


class GatewayEvents(WorldBuilding):
    """What the gateway sends: READY/GUILD_CREATE contents and MESSAGE_* events."""

    def ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
            },
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
        }
        shard = session.identify.get("shard")
        if shard is not None:
            data["shard"] = shard
        return data

    def _guild_create_payload(self, guild: Guild, session: GatewaySession | None) -> dict[str, Any]:
        bot = self.bot_member(guild)
        with_members = session is not None and bool(session.intents & INTENT_GUILD_MEMBERS)
        # Without the members intent Discord only sends the bot's own member.
        members = list(guild.members.values()) if with_members else [bot]
        return guild.payload(members=members, joined_at=bot.joined_at)

    def guild_create_payloads(self, session: GatewaySession) -> list[dict[str, Any]]:
        return [self._guild_create_payload(g, session) for g in self.guilds.values()]

    def member_chunk_payloads(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        guild = self.guilds.get(int(request.get("guild_id") or 0))
        if guild is None:
            return []
        members = list(guild.members.values())
        wanted = request.get("user_ids")
        if wanted:
            wanted_ids = {int(u) for u in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m.id in wanted_ids]
        elif request.get("query"):
            query = str(request["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(query)]
        limit = int(request.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if request.get("nonce") is not None:
            chunk["nonce"] = request["nonce"]
        if request.get("presences"):
            chunk["presences"] = []
        return [chunk]

    async def wait_for_bot(self, timeout: float = 10.0) -> GatewaySession:  # noqa: ASYNC109
        """Wait until a bot has identified on the gateway."""
        return await self.gateway.wait_connected(timeout)

    async def reconnect_bots(self) -> None:
        """Send op 7 RECONNECT to connected bots (they RESUME and get missed events)."""
        await self.gateway.send_reconnect()

    # ------------------------------------------------------------------ messages

    def message(self, message_id: int) -> StoredMessage | None:
        return self.messages.get(message_id)

    def channel_messages(
        self, channel: Channel, *, include_hidden: bool = False
    ) -> list[StoredMessage]:
        """What the channel shows (no ephemeral/deleted ones unless ``include_hidden``)."""
        return self.messages.in_channel(channel.id, include_hidden=include_hidden)

    def upload(
        self, filename: str, data: bytes, *, content_type: str | None = None
    ) -> AttachmentInput:
        """A file for an attachment option: ``invoke(..., image=standin.upload("a.png", b))``."""
        return AttachmentInput(filename=filename, data=data, content_type=content_type)

    def _message_event(
        self, message: StoredMessage, session: GatewaySession
    ) -> dict[str, Any] | None:
        if message.ephemeral:
            return None  # ephemeral messages never reach the gateway
        data = message.payload()
        if message.author_member is not None:
            data["member"] = message.author_member.payload(with_user=False)
        mentions_bot = str(self.bot_user.id) in {u["id"] for u in data["mentions"]}
        privileged = session.intents & INTENT_MESSAGE_CONTENT
        if not privileged and message.author.id != self.bot_user.id and not mentions_bot:
            # Without the Message Content intent these arrive empty.
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    def _message_intent(self, message: StoredMessage) -> int:
        return INTENT_GUILD_MESSAGES if message.guild is not None else INTENT_DIRECT_MESSAGES

    def broadcast_message_create(self, message: StoredMessage) -> None:
        self.gateway.dispatch(
            "MESSAGE_CREATE",
            lambda s: self._message_event(message, s),
            intent=self._message_intent(message),
        )

    def broadcast_message_update(self, message: StoredMessage) -> None:
        self.gateway.dispatch(
            "MESSAGE_UPDATE",
            lambda s: self._message_event(message, s),
            intent=self._message_intent(message),
        )

    def broadcast_message_delete(self, message: StoredMessage) -> None:
        if message.ephemeral:
            return
        data = {"id": str(message.id), "channel_id": str(message.channel.id)}
        if message.guild is not None:
            data["guild_id"] = str(message.guild.id)
        self.gateway.dispatch("MESSAGE_DELETE", data, intent=self._message_intent(message))

    async def post_user_message(
        self,
        channel: Channel,
        author: Member | User,
        content: str = "",
        *,
        attachments: Sequence[AttachmentInput] = (),
    ) -> StoredMessage:
        """A message typed by a user (dispatched as MESSAGE_CREATE), e.g. as a target
        for message commands or replies."""
        user = author.user if isinstance(author, Member) else author
        member = self._as_member(channel.guild, author) if channel.guild else None
        message = self.messages.create(
            channel, user, {"content": content}, author_member=member, allow_empty=bool(attachments)
        )
        for item in attachments:
            message.attachments.append(
                self.messages.store_attachment(
                    channel.id,
                    filename=item.filename,
                    data=item.data,
                    content_type=item.content_type,
                )
            )
        await asyncio.gather(
            *self.gateway.dispatch(
                "MESSAGE_CREATE",
                lambda s: self._message_event(message, s),
                intent=self._message_intent(message),
            ),
            return_exceptions=True,
        )
        return message
