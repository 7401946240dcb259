"""Starts the real bot (runtime.entry.main with bot.ImageBot) with discord.py pointed at the Discord stand-in.

Only tests and benchmarks use this; the bot itself has no switch for it. Usage:
    python -m tests.support.bot_launcher API_BASE GATEWAY_URL   (settings come from the env)
"""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl


def main() -> int:
    api_base, gateway_url = sys.argv[1:3]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    from bot import ImageBot
    from runtime.entry import main as run

    return run(ImageBot, argv=[])  # its own arguments are the stand-ins' addresses


if __name__ == "__main__":
    sys.exit(main())
