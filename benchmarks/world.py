"""The stand-ins every benchmark runs against, and the figures read off them.

``TimedAPIStandIn`` is the contract stand-in that also notes when it finished sending each
image download, so the time between the API's answer and the upload to Discord can be
split from outside the bot: answer sent → image sent (download) → upload begun (post).
"""

from __future__ import annotations

import asyncio
import io
import random
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image

from benchmarks.process import BENCH_TOKEN, BotUnderTest
from tests.support.api_standin import APIStandIn
from tests.support.discord_standin import (
    Channel,
    DiscordStandIn,
    Guild,
    InteractionRecord,
    Member,
)

__all__ = [
    "TimedAPIStandIn",
    "World",
    "delivered",
    "delivered_at",
    "failed",
    "large_png",
    "percentile",
    "start_world",
    "wait_all",
]

API_LATENCY = 0.5
PROVIDER_CAP = 2
CHUNK = 256 * 1024


def large_png(megabytes: float = 3.0, seed: int = 1) -> bytes:
    """An incompressible RGB PNG of about ``megabytes`` MB, as the provider sends."""
    side = int((megabytes * 1_000_000 / 3) ** 0.5)
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, format="PNG")
    return out.getvalue()


class TimedAPIStandIn(APIStandIn):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.download_sent: dict[str, float] = {}
        self.file_of_prompt: dict[str, str] = {}

    async def _answer(self, request: web.Request, body: Any) -> web.StreamResponse:
        response = await super()._answer(request, body)
        # No await since _reply stored the file: the newest file is this answer's.
        if response.status == 200 and self._files:
            prompt = body["input"]["messages"][0]["content"][0]["text"]
            self.file_of_prompt[prompt] = next(reversed(self._files))
        return response

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        data = self._files.get(name)
        if data is None or "Authorization" in request.headers or name in self._expired:
            return await super()._file(request)
        self.downloads.append(name)
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.content_length = len(data)
        await response.prepare(request)
        for start in range(0, len(data), CHUNK):
            await response.write(data[start : start + CHUNK])
        await response.write_eof()
        # The last byte is with the kernel: on loopback, with the bot a moment later.
        self.download_sent[name] = time.monotonic()
        return response


@dataclass
class World:
    discord: DiscordStandIn
    api: TimedAPIStandIn
    bot: BotUnderTest
    guild: Guild
    channel: Channel
    members: list[Member]

    async def burst(self, count: int, tag: str) -> list[InteractionRecord]:
        """``count`` /imagine at once, from the members in turn."""
        return list(
            await asyncio.gather(
                *(
                    self.discord.invoke(
                        self.guild,
                        self.channel,
                        self.members[i % len(self.members)],
                        "imagine",
                        prompt=f"{tag} picture {i}",
                    )
                    for i in range(count)
                )
            )
        )


async def start_world(
    stack: AsyncExitStack,
    workdir: Path,
    name: str,
    *,
    members: int,
    script: str = "launch_bot.py",
    image: bytes | None = None,
    latency: float = API_LATENCY,
    env: dict[str, str] | None = None,
) -> World:
    api = TimedAPIStandIn(latency=latency, concurrency_cap=PROVIDER_CAP, image=image)
    await stack.enter_async_context(api)
    discord = await stack.enter_async_context(DiscordStandIn(token=BENCH_TOKEN))
    guild = discord.add_guild(name=name)
    channel = discord.add_text_channel(guild, name="images")
    people = [discord.add_member(guild, name=f"member{i}") for i in range(members)]
    settings = {
        "IMAGE_API_CONCURRENCY": str(PROVIDER_CAP),
        "IMAGE_API_RATE": "10",
        "MAX_PENDING_PER_USER": "50",
        "DISCORD_GUILD_IDS": str(guild.id),
    }
    # ``env`` wins over these defaults (passed beside them, a repeated key was a TypeError).
    bot = BotUnderTest(script, discord, api, workdir / name, **(settings | (env or {})))
    await bot.start()
    stack.push_async_callback(_stop_quietly, bot)
    return World(discord, api, bot, guild, channel, people)


async def _stop_quietly(bot: BotUnderTest) -> None:
    if bot.process is not None and bot.process.returncode is None:
        await bot.stop()


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def delivered(record: InteractionRecord) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def failed(record: InteractionRecord) -> bool:
    return (
        record.acknowledged
        and not record.loading
        and any(m.ephemeral and not m.deleted for m in record.messages)
        and not delivered(record)
    )


def delivered_at(record: InteractionRecord) -> float:
    """When the image upload reached Discord (stand-in clock: its first byte)."""
    return min(r.at for r in record.requests if r.files and r.method == "PATCH")


async def wait_all(records: Sequence[InteractionRecord], limit: float) -> None:
    """Until every record has its image or its failure, or ``limit`` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if all(delivered(r) or failed(r) for r in records):
            return
        await asyncio.sleep(0.02)
