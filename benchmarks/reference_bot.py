"""The smallest sensible /imagine bot, for comparison: defer at once, call the image API,
download the image, post it. No queue, no settings, no history.

    python benchmarks/reference_bot.py API_BASE GATEWAY_URL   (env: DISCORD_TOKEN,
    IMAGE_API_BASE_URL, IMAGE_API_KEY, IMAGE_API_CONCURRENCY, DISCORD_GUILD_IDS)

Started by the benchmark exactly like ours (process.py): own process, same stand-ins,
same burst. Writes ``bench: ready`` to stderr once ready.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import sys

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

log = logging.getLogger("reference_bot")


class ReferenceBot(discord.Client):
    def __init__(self) -> None:
        # Like ours: only the guilds intent, no message cache, no voice.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, max_messages=None)
        self.tree = app_commands.CommandTree(self)
        self.guild_ids = [int(g) for g in os.environ["DISCORD_GUILD_IDS"].split(",") if g]
        self.url = os.environ["IMAGE_API_BASE_URL"].rstrip("/") + "/images/generations"
        self.key = os.environ["IMAGE_API_KEY"]
        # Stays under the provider's concurrency, as any bot must.
        self.slots = asyncio.Semaphore(int(os.environ.get("IMAGE_API_CONCURRENCY", "2")))
        self.tree.command(name="imagine", description="Draw an image from a text prompt")(
            self.imagine
        )

    async def setup_hook(self) -> None:
        self.session = aiohttp.ClientSession()
        self.closing: asyncio.Task[None] | None = None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.stop_soon)
        for guild_id in self.guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_ready(self) -> None:
        os.write(2, b"bench: ready\n")

    def stop_soon(self) -> None:
        # `docker stop`: close the gateway and the session, then run() returns.
        self.closing = asyncio.create_task(self.close())

    async def close(self) -> None:
        await super().close()
        await self.session.close()

    async def imagine(self, interaction: discord.Interaction, prompt: str) -> None:
        await interaction.response.defer(thinking=True)
        # The relay style's body: Bailian's, plus the top-level prompt relays require.
        body = {
            "model": "qwen-image",
            "prompt": prompt,
            "input": {"messages": [{"role": "user", "content": [{"text": prompt}]}]},
            "parameters": {"size": "1328*1328"},
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        try:
            async with self.slots:
                async with self.session.post(self.url, json=body, headers=headers) as response:
                    answer = await response.json()
                image_url = answer["data"][0]["url"]
                async with self.session.get(image_url) as response:
                    data = await response.read()
        except (aiohttp.ClientError, KeyError, IndexError, TypeError) as exc:
            await interaction.edit_original_response(content=f"Failed: {exc!r}")
            return
        await interaction.edit_original_response(
            attachments=[discord.File(io.BytesIO(data), filename="image.png")]
        )


def main() -> int:
    api_base, gateway_url = sys.argv[1:3]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    bot = ReferenceBot()
    bot.run(os.environ["DISCORD_TOKEN"], log_handler=None, reconnect=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
