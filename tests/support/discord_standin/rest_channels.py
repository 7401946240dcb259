"""Channel and message endpoints the bot calls directly (not through an interaction)."""

from __future__ import annotations

import logging

from aiohttp import web

from . import errors as err
from . import permissions as perms
from .errors import DiscordAPIError
from .models import Channel, StoredMessage
from .rest_base import FILES, RestBase

log = logging.getLogger(__name__)


class ChannelRoutes(RestBase):
    def _channel(self, request: web.Request) -> Channel:
        channel = self.s.channels.get(self._int(request, "channel_id", err.unknown_channel))
        if channel is None:
            raise err.unknown_channel()
        if channel.guild is not None and not self.s.app_permissions(channel) & perms.VIEW_CHANNEL:
            raise err.missing_access()
        return channel

    def _channel_message(self, request: web.Request, channel: Channel) -> StoredMessage:
        message = self.s.messages.get(
            self._int(request, "message_id", err.unknown_message), channel.id
        )
        if message is None or message.deleted or message.ephemeral:
            raise err.unknown_message()
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        return self._json(request, self._channel(request).payload())

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if not self.s.app_permissions(channel) & perms.READ_MESSAGE_HISTORY:
            return self._json(request, [])
        messages = self.s.messages.in_channel(channel.id)
        query = request.query
        try:
            limit = max(1, min(100, int(query.get("limit", "50"))))
            if "before" in query:
                messages = [m for m in messages if m.id < int(query["before"])]
            if "after" in query:
                messages = [m for m in messages if m.id > int(query["after"])]
        except ValueError:
            raise DiscordAPIError(400, 50035, "Invalid Form Body") from None
        messages = messages[:limit] if "after" in query else messages[-limit:]
        # Discord lists newest first.
        return self._json(request, [m.payload() for m in reversed(messages)])

    async def create_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = self._channel(request)
        body = dict(self._body(request))
        files = request.get(FILES) or []
        if channel.guild is not None:
            granted = s.app_permissions(channel)
            if not granted & perms.SEND_MESSAGES:
                raise err.missing_permissions()
            if files and not granted & perms.ATTACH_FILES:
                raise err.missing_permissions()
            if body.get("embeds") and not granted & perms.EMBED_LINKS:
                # Discord silently drops embeds a bot may not post.
                log.warning("dropping embeds: bot lacks Embed Links in #%s", channel.name)
                body["embeds"] = []
        message = s.messages.create(
            channel, s.bot_user, body, files, author_member=self._bot_member(channel)
        )
        s.broadcast_message_create(message)
        return self._json(request, message.payload())

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return self._json(request, self._channel_message(request, channel).payload())

    async def edit_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = self._channel(request)
        message = self._channel_message(request, channel)
        if message.author.id != s.bot_user.id:
            raise DiscordAPIError(403, 50005, "Cannot edit a message authored by another user")
        s.messages.edit(message, self._body(request), request.get(FILES) or [])
        s.broadcast_message_update(message)
        return self._json(request, message.payload())

    async def delete_message(self, request: web.Request) -> web.Response:
        s = self.s
        channel = self._channel(request)
        message = self._channel_message(request, channel)
        if (
            message.author.id != s.bot_user.id
            and not s.app_permissions(channel) & perms.MANAGE_MESSAGES
        ):
            raise err.missing_permissions()
        s.messages.delete(message)
        s.broadcast_message_delete(message)
        return self._no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return self._no_content()
