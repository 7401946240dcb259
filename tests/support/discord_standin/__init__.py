"""A stand-in for Discord that the real discord.py client talks to over 127.0.0.1.

Point discord.py at it with ``standin.patch_discord_py(monkeypatch)``: that sets
``discord.http.Route.BASE`` *and* ``DiscordWebSocket.DEFAULT_GATEWAY`` (a plain
``Client`` never asks ``GET /gateway/bot``; it dials the hard-coded gateway URL).

    async with DiscordStandIn() as discord_api:
        discord_api.patch_discord_py(monkeypatch)
        guild = discord_api.add_guild(name="Test", premium_tier=0)   # 10 MiB uploads
        channel = discord_api.add_text_channel(guild, name="general")
        alice = discord_api.add_member(guild, name="alice")
        discord_api.deny_bot(channel, permissions.ATTACH_FILES)
        bot = MyBot(..., guild_ready_timeout=0.05)   # READY otherwise waits 2 s
        task = asyncio.create_task(bot.start(discord_api.token))
        await bot.wait_until_ready(); await bot.tree.sync()
        rec = await discord_api.invoke(guild, channel, alice, "imagine", prompt="a cat")
        await rec.wait_for(lambda r: r.final_message is not None, timeout=5)
        assert rec.final_message.attachments[0].data.startswith(b"\x89PNG")

What is where: ``server`` (HTTP server, request log, fault injection), ``world``
(guilds/channels/roles/members/overwrites), ``invoking`` (acting as a user),
``interactions`` (``InteractionRecord``), ``rest*`` (the endpoints), ``gateway``
(websocket), ``messages``/``validation`` (Discord's limits), ``spec`` (checking traffic
against Discord's OpenAPI description).
"""

from __future__ import annotations

from . import permissions
from .commands import RegisteredCommand
from .errors import (
    CommandNotAvailable,
    ComponentNotFound,
    DiscordAPIError,
    InvalidOptions,
    MissingCommandPermissions,
    NoGatewayConnected,
    StandInError,
)
from .gateway import GatewaySession
from .interactions import CallbackAttempt, InteractionEvent, InteractionRecord
from .models import (
    Channel,
    Guild,
    Member,
    MessageRevision,
    Role,
    StoredAttachment,
    StoredMessage,
    UploadedFile,
    User,
)
from .options import AttachmentInput
from .recording import RecordedRequest
from .server import DiscordStandIn
from .spec import DiscordSpec, SpecProblem

__all__ = [
    "AttachmentInput",
    "CallbackAttempt",
    "Channel",
    "CommandNotAvailable",
    "ComponentNotFound",
    "DiscordAPIError",
    "DiscordSpec",
    "DiscordStandIn",
    "GatewaySession",
    "Guild",
    "InteractionEvent",
    "InteractionRecord",
    "InvalidOptions",
    "Member",
    "MessageRevision",
    "MissingCommandPermissions",
    "NoGatewayConnected",
    "RecordedRequest",
    "RegisteredCommand",
    "Role",
    "SpecProblem",
    "StandInError",
    "StoredAttachment",
    "StoredMessage",
    "UploadedFile",
    "User",
    "permissions",
]
