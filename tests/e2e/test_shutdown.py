"""SIGTERM (docker stop) on the real bot process, mid-queue."""

from __future__ import annotations

import time

from cogs.utils.sentences import CONTINUES_AFTER_RESTART, RESTARTING
from imagecore.policy.admission import utc_day
from imagecore.storage import Storage
from tests.support.api_standin import APIStandIn
from tests.support.bot_harness import BOT_TOKEN
from tests.support.bot_subprocess import BotProcess
from tests.support.discord_standin import DiscordStandIn
from tests.support.waiting import until


def private_texts(record) -> list[str]:
    return [m.content for m in record.messages if m.ephemeral and not m.deleted]


async def test_sigterm_finishes_the_running_image_keeps_the_queue_and_exits_0(tmp_path):
    async with APIStandIn(latency=1.5) as api, DiscordStandIn(token=BOT_TOKEN) as discord_api:
        guild = discord_api.add_guild(name="Art Club")
        channel = discord_api.add_text_channel(guild)
        members = [discord_api.add_member(guild, name=f"m{i}") for i in range(4)]
        bot = BotProcess(
            discord_api, api, tmp_path, IMAGE_API_CONCURRENCY="1", DISCORD_GUILD_IDS=str(guild.id)
        )
        await bot.start()
        running = await discord_api.invoke(guild, channel, members[0], "imagine", prompt="one")
        await until(lambda: api.generation_calls == 1)
        queued = [
            await discord_api.invoke(guild, channel, member, "imagine", prompt="later")
            for member in members[1:3]
        ]
        for record in queued:
            await record.wait_for(
                lambda r: r.original is not None and "Queued" in r.original.content
            )

        bot.terminate()
        # Queued members are told first thing in a shutdown: once they have been, the
        # bot is refusing new work.
        for record in queued:
            await record.wait_for(
                lambda r: r.original is not None and r.original.content == CONTINUES_AFTER_RESTART,
                timeout=10,
            )
        newcomer = await discord_api.invoke(guild, channel, members[3], "imagine", prompt="new")
        code = await bot.wait()

    assert code == 0
    # The image already being made was finished and posted.
    assert running.final_message is not None and running.final_message.attachments
    # Waiting members were told their image continues after the restart; nothing else.
    for record in queued:
        assert private_texts(record) == []
        assert record.original is not None and not record.original.deleted
        assert record.original.content == CONTINUES_AFTER_RESTART
    # Someone asking during shutdown is told at once.
    assert private_texts(newcomer) == [RESTARTING]
    assert api.generation_calls == 1
    assert not any("Traceback" in line for line in bot.log_lines), bot.log_lines
    # History and the daily count were written before the process ended.
    storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        statuses = []
        for member in members[:3]:
            statuses += [job.status for job in await storage.recent_jobs(user_id=member.user.id)]
        statuses.sort()
        kept = [
            await storage.live_jobs.find(job.job_key) for job in await storage.live_jobs.resumable()
        ]
        usage = await storage.usage(
            user_id=members[0].user.id, guild_id=guild.id, day=utc_day(time.time())
        )
    finally:
        await storage.close()
    # The queued jobs are not ended: they stay queued, with their tokens, for the next start.
    assert statuses == ["delivered"], bot.log_lines
    assert [(j.state, j.runs, j.token is not None) for j in kept if j] == [
        ("queued", 0, True)
    ] * 2, bot.log_lines
    assert usage.user_today == 1
