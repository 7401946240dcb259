"""The real bot from bot.py, run against the Discord and image API stand-ins.

Used by the end-to-end tests and by the benchmarks, so both see the same wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot import ImageBot
from config import load_settings
from tests.support.api_standin import APIStandIn
from tests.support.discord_standin import (
    Channel,
    DiscordStandIn,
    Guild,
    InteractionRecord,
    Member,
    permissions,
)

__all__ = ["BOT_TOKEN", "Harness", "harness"]

# Shaped like a real token (three dot-separated parts): the bot's config checks that.
BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GstAnD.in-bot-token-0123456789abcdef"


@dataclass
class Harness:
    discord: DiscordStandIn
    api: APIStandIn
    data_dir: Path
    guild: Guild
    channel: Channel
    alice: Member
    bob: Member
    mod: Member  # has Manage Server: may use /imagine-settings
    env: dict[str, str] = field(default_factory=dict)
    bot: ImageBot | None = None
    _task: asyncio.Task[None] | None = None

    def settings_env(self, **overrides: str) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": BOT_TOKEN,
            "IMAGE_API_BASE_URL": self.api.base_url,
            "IMAGE_API_KEY": self.api.api_key,
            "DATA_DIR": str(self.data_dir),
            "DISCORD_GUILD_IDS": str(self.guild.id),
            **self.env,
            **overrides,
        }

    async def start_bot(self, **overrides: str) -> ImageBot:
        settings = load_settings(self.settings_env(**overrides))
        # guild_ready_timeout: READY otherwise waits 2 s for GUILD_CREATEs.
        bot = await ImageBot.create(settings, guild_ready_timeout=0.05)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(BOT_TOKEN))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when="FIRST_COMPLETED")
        if ready not in done:
            ready.cancel()
            if self._task.done():
                self._task.result()  # raise what stopped it
            raise TimeoutError("bot did not become ready")
        return bot

    async def stop_bot(self) -> None:
        if self.bot is None:
            return
        await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)
        self.bot, self._task = None, None

    async def restart_bot(self, **overrides: str) -> ImageBot:
        await self.stop_bot()
        return await self.start_bot(**overrides)

    async def imagine(self, user: Member | None = None, **options: Any) -> InteractionRecord:
        options.setdefault("prompt", "a lighthouse at dusk")
        return await self.discord.invoke(
            self.guild, self.channel, user or self.alice, "imagine", **options
        )


@contextlib.asynccontextmanager
async def harness(
    data_dir: Path, *, api: APIStandIn | None = None, start: bool = True, **overrides: str
) -> AsyncIterator[Harness]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        async with DiscordStandIn(token=BOT_TOKEN) as discord_api:
            discord_api.patch_discord_py(monkeypatch)
            guild = discord_api.add_guild(name="Art Club")
            channel = discord_api.add_text_channel(guild, name="images")
            alice = discord_api.add_member(guild, name="alice")
            bob = discord_api.add_member(guild, name="bob")
            mod = discord_api.add_member(guild, name="mod", permissions=permissions.MANAGE_GUILD)
            async with contextlib.AsyncExitStack() as stack:
                if api is None:
                    api = await stack.enter_async_context(APIStandIn())
                h = Harness(
                    discord_api, api, data_dir, guild, channel, alice, bob, mod, dict(overrides)
                )
                try:
                    if start:
                        await h.start_bot()
                    yield h
                finally:
                    await h.stop_bot()
