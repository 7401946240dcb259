"""Starting the real bot process as a self-hoster would: a quiet log with one line that says
it works, and no traceback when Discord can't be reached yet."""

from __future__ import annotations

import asyncio

from tests.support.api_standin import APIStandIn
from tests.support.bot_harness import BOT_TOKEN
from tests.support.bot_subprocess import BotProcess
from tests.support.discord_standin import DiscordStandIn
from tests.support.tcp_proxy import TCPProxy
from tests.support.waiting import until

LEVELS = (" WARNING ", " ERROR ", " CRITICAL ")


async def test_a_normal_start_is_quiet_and_says_it_is_ready(tmp_path):
    async with APIStandIn() as api, DiscordStandIn(token=BOT_TOKEN) as discord_api:
        guild = discord_api.add_guild(name="Art Club")
        bot = BotProcess(discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id))
        await bot.start()
        assert await bot.stop() == 0
    assert not [line for line in bot.log_lines if any(level in line for level in LEVELS)]
    (ready,) = [line for line in bot.log_lines if "ready: qwen-image-bot" in line]
    assert "commands" in ready and "image API at 127.0.0.1" in ready
    assert api.api_key not in "\n".join(bot.log_lines)


async def test_discord_unreachable_at_start_is_one_line_and_the_bot_comes_up_later(tmp_path):
    async with APIStandIn() as api, DiscordStandIn(token=BOT_TOKEN) as discord_api:
        guild = discord_api.add_guild(name="Art Club")
        assert discord_api.port is not None
        async with TCPProxy("127.0.0.1", discord_api.port) as network:
            network.cut("refuse")  # the network is not up yet
            bot = BotProcess(discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id))
            bot.api_base = discord_api.api_base.replace(
                f":{discord_api.port}/", f":{network.port}/"
            )
            starting = asyncio.create_task(bot.start())
            await until(
                lambda: any("Discord can't be reached" in line for line in bot.log_lines),
                limit=20,
                what="the bot saying Discord can't be reached",
            )
            network.restore()
            await starting  # ready once the network is
            assert await bot.stop() == 0
    assert not any("Traceback" in line for line in bot.log_lines), bot.log_lines
    assert any("ready: qwen-image-bot" in line for line in bot.log_lines)


async def test_a_second_bot_on_the_same_sqlite_file_refuses_to_start(tmp_path):
    async with APIStandIn() as api, DiscordStandIn(token=BOT_TOKEN) as discord_api:
        guild = discord_api.add_guild(name="Art Club")
        first = BotProcess(discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id))
        await first.start()
        second = BotProcess(discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id))
        await second.launch()
        assert await second.wait(30) == 1
        assert await first.stop() == 0
        # Once the first is gone (however it ended), the file is free again.
        third = BotProcess(discord_api, api, tmp_path, DISCORD_GUILD_IDS=str(guild.id))
        await third.start()
        assert await third.stop() == 0
    errors = [line for line in second.log_lines if " ERROR " in line]
    assert len(errors) == 1, second.log_lines
    assert "already running a bot on" in errors[0]
    assert f"process {first.process.pid}" in errors[0] if first.process else False
    assert not any("Traceback" in line for line in second.log_lines)
    assert not any("logged in as" in line for line in second.log_lines)
