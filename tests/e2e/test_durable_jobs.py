"""Jobs survive the bot's process: killed (SIGKILL) or stopped (SIGTERM), a new process on
the same DATA_DIR finishes what the old one accepted, through the interaction webhook
(the new process never saw the interactions)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from cogs.imagine.words import FIELD_SIZE
from cogs.utils.sentences import CONTINUES_AFTER_RESTART
from imagecore.i18n import Catalogs
from imagecore.storage import Storage
from imagecore.storage.days import utc_day
from imagecore.storage.live_jobs import LiveJob
from tests.e2e.test_health import figure, free_port, get
from tests.support.api_standin import APIStandIn, Reply
from tests.support.bot_harness import BOT_TOKEN
from tests.support.bot_subprocess import BotProcess
from tests.support.discord_standin import DiscordStandIn
from tests.support.waiting import until

LATENCY = 2.0
# The first job takes longer: it is still at the API when the bot is stopped, however
# long the two after it take to be stored.
FIRST_EXTRA = 4.0


def database(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'bot.db'}"


async def stored_jobs(data_dir: Path) -> list[LiveJob]:
    """Every job in flight the bot's database holds (ended ones too), in fair order."""
    with sqlite3.connect(data_dir / "bot.db") as connection:
        keys = [key for (key,) in connection.execute("SELECT job_key FROM live_jobs")]
    storage = await Storage.open(database(data_dir))
    try:
        found = [await storage.live_jobs.find(key) for key in keys]
    finally:
        await storage.close()
    return sorted((job for job in found if job is not None), key=lambda job: job.seq or 0)


async def all_ended(data_dir: Path) -> bool:
    return all(job.ended for job in await stored_jobs(data_dir))


def posted(record) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def results_posted(record) -> int:
    """Messages of this interaction carrying an image (the original edited, or others)."""
    return sum(1 for m in record.messages if m.attachments and not m.deleted)


def said(message) -> list[str]:
    return [revision.content for revision in message.history] + [message.content]


def private_texts(record) -> list[str]:
    return [m.content for m in record.messages if m.ephemeral and not m.deleted]


def prompts_asked(api: APIStandIn) -> Counter[str]:
    return Counter(request.body["prompt"] for request in api.requests)


class HoldingAPIStandIn(APIStandIn):
    """The API stand-in keeping the requests of a held prompt (recorded as arrived)
    unanswered until the test releases them."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._held: dict[str, asyncio.Event] = {}

    def hold(self, prompt: str) -> None:
        self._held[prompt] = asyncio.Event()

    def release(self, prompt: str) -> None:
        self._held.pop(prompt).set()

    async def _answer(self, request: web.Request, body: Any) -> web.StreamResponse:
        prompt = body.get("prompt") if isinstance(body, dict) else None
        held = self._held.get(prompt) if isinstance(prompt, str) else None
        if held is not None:
            await held.wait()
        return await super()._answer(request, body)


class Scene:
    """One server, four members, the bot making one image at a time."""

    def __init__(self, discord_api: DiscordStandIn, api: APIStandIn, data_dir: Path) -> None:
        self.discord, self.api, self.data_dir = discord_api, api, data_dir
        self.guild = discord_api.add_guild(name="Art Club")
        self.channel = discord_api.add_text_channel(self.guild)
        self.members = [discord_api.add_member(self.guild, name=f"m{i}") for i in range(4)]

    def bot(self, **env: str) -> BotProcess:
        return BotProcess(
            self.discord,
            self.api,
            self.data_dir,
            IMAGE_API_CONCURRENCY="1",
            DISCORD_GUILD_IDS=str(self.guild.id),
            **env,
        )

    async def imagine(self, member: int, prompt: str):
        return await self.discord.invoke(
            self.guild, self.channel, self.members[member], "imagine", prompt=prompt
        )

    async def one_running_two_queued(self):
        self.api.queue(Reply(seconds=FIRST_EXTRA))
        running = await self.imagine(0, "running")
        await until(lambda: self.api.generation_calls == 1, what="the first job at the API")
        queued = [await self.imagine(i, f"queued {i}") for i in (1, 2)]
        for record in queued:
            await record.wait_for(
                lambda r: r.original is not None and r.original.content.startswith("Queued")
            )
        # The rows are written in the background, just after the acknowledgements.
        await until(self.all_stored, what="three jobs stored, the first one running")
        assert self.api.generation_calls == 1
        # Stored in the order they were queued: a restart takes them up in that order.
        jobs = await stored_jobs(self.data_dir)
        assert [j.requests[0].prompt for j in jobs] == ["running", "queued 1", "queued 2"]
        return running, queued

    async def all_stored(self) -> bool:
        jobs = await stored_jobs(self.data_dir)
        return [j.state for j in jobs] == ["running", "queued", "queued"]


async def test_sigkill_with_one_running_and_two_queued_every_member_gets_an_answer(tmp_path):
    async with (
        APIStandIn(latency=LATENCY) as api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        first = scene.bot()
        await first.start()
        running, queued = await scene.one_running_two_queued()
        first.kill()
        assert await first.wait() == -9

        second = scene.bot()
        await second.start()
        for record in [running, *queued]:
            await record.wait_for(posted, timeout=30)
        await until(lambda: all_ended(tmp_path), what="every job ended")
        stored = await stored_jobs(tmp_path)
        await second.stop()

    # The two queued members got their image; the running one got an answer as well (its
    # image, made once more); each image was posted once, by editing the original.
    for record in [running, *queued]:
        assert results_posted(record) == 1, record.describe()
        assert record.original is not None and record.original.attachments
    assert not any(private_texts(record) for record in [running, *queued])
    # No job reached the API more than twice: only the one running at the kill twice.
    assert prompts_asked(api) == {"running": 2, "queued 1": 1, "queued 2": 1}
    assert [(j.state, j.runs, j.token) for j in stored] == [
        ("done", 2, None),
        *[("done", 1, None)] * 2,
    ]
    assert any("resumed 3 job(s)" in line for line in second.log_lines), second.log_lines
    assert any("running it once more" in line for line in second.log_lines)
    assert not any("Traceback" in line for line in first.log_lines + second.log_lines)
    # The stored tokens never reach the log.
    tokens = [record.token for record in [running, *queued]]
    assert not [
        line for line in first.log_lines + second.log_lines if any(t in line for t in tokens)
    ]


async def test_sigterm_keeps_the_queue_and_the_next_start_delivers_it(tmp_path):
    async with (
        APIStandIn(latency=LATENCY) as api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        first = scene.bot()
        await first.start()
        running, queued = await scene.one_running_two_queued()
        code = await first.stop()
        # The running image was finished within the grace period; the queue waits.
        assert code == 0
        assert posted(running)
        for record in queued:
            assert record.original is not None
            assert record.original.content == CONTINUES_AFTER_RESTART

        port = free_port()
        second = scene.bot(METRICS_ADDR=f"127.0.0.1:{port}")
        await second.start()
        for record in queued:
            await record.wait_for(posted, timeout=30)
        await until(lambda: all_ended(tmp_path), what="every job ended")
        stored = await stored_jobs(tmp_path)
        status, page = await get(port, "/metrics")
        await second.stop()

    for record in queued:
        assert CONTINUES_AFTER_RESTART in said(record.original)
        assert results_posted(record) == 1
        assert private_texts(record) == []
    assert results_posted(running) == 1
    assert prompts_asked(api) == {"running": 1, "queued 1": 1, "queued 2": 1}
    assert [(j.state, j.runs) for j in stored] == [("done", 1)] * 3
    assert any("resumed 2 job(s)" in line for line in second.log_lines), second.log_lines
    assert status == 200
    assert figure(page, "qwen_image_bot_resumed_jobs_total") == 2


async def test_cancel_pressed_after_a_restart_cancels_the_resumed_job(tmp_path):
    api = HoldingAPIStandIn(latency=LATENCY)
    async with (
        api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        first = scene.bot()
        await first.start()
        _, (ahead, behind) = await scene.one_running_two_queued()
        await first.stop()
        message = behind.original
        assert message is not None
        (custom_id,) = message.custom_ids

        # The job ahead stays at the API until the click is answered: the one behind
        # can't start meanwhile, however slow the machine.
        api.hold("queued 1")
        second = scene.bot()
        await second.start()
        await until(lambda: api.generation_calls == 2, what="the job ahead at the API")
        # Taken up in their stored order: the job ahead first, the one behind waiting.
        assert list(prompts_asked(api)) == ["running", "queued 1"]
        click = await discord_api.click(message, custom_id, scene.members[2])
        await click.wait_done()
        await behind.wait_for(lambda r: r.original is not None and r.original.deleted)
        api.release("queued 1")
        await ahead.wait_for(posted, timeout=30)
        await until(lambda: all_ended(tmp_path), what="every job ended")
        stored = await stored_jobs(tmp_path)
        await second.stop()

    assert click.ephemeral and click.original is not None
    assert click.original.content.startswith("Cancelled"), click.original.content
    assert prompts_asked(api) == {"running": 1, "queued 1": 1}
    assert [j.state for j in stored] == ["done", "done", "cancelled"]


async def test_cancel_pressed_before_a_kill_is_not_taken_up_by_the_next_start(tmp_path):
    api = HoldingAPIStandIn(latency=LATENCY)
    async with (
        api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        # The running job stays at the API: nothing behind it can start before the click.
        api.hold("running")
        first = scene.bot()
        await first.start()
        running, (ahead, behind) = await scene.one_running_two_queued()
        message = behind.original
        assert message is not None
        (custom_id,) = message.custom_ids
        click = await discord_api.click(message, custom_id, scene.members[2])
        await click.wait_done()
        # Once the member is told "Cancelled", a restart can't take the job up again.
        told = {j.requests[0].prompt: j.state for j in await stored_jobs(tmp_path)}
        first.kill()
        assert await first.wait() == -9
        api.release("running")

        second = scene.bot()
        await second.start()
        for record in (running, ahead):
            await record.wait_for(posted, timeout=30)
        await until(lambda: all_ended(tmp_path), what="every job ended")
        stored = await stored_jobs(tmp_path)
        await second.stop()
        storage = await Storage.open(database(tmp_path))
        try:
            today = utc_day(time.time())
            charged = await storage.usage(
                user_id=scene.members[2].user.id, guild_id=scene.guild.id, day=today
            )
        finally:
            await storage.close()

    assert told == {"running": "running", "queued 1": "queued", "queued 2": "cancelled"}
    assert click.ephemeral and click.original is not None
    assert click.original.content.startswith("Cancelled"), click.original.content
    # Never at the API, in either process; its placeholder gone, nothing posted for it.
    assert prompts_asked(api) == {"running": 2, "queued 1": 1}
    assert behind.original is not None and behind.original.deleted
    assert results_posted(behind) == 0 and private_texts(behind) == []
    assert [(j.requests[0].prompt, j.state, j.token) for j in stored] == [
        ("running", "done", None),
        ("queued 1", "done", None),
        ("queued 2", "cancelled", None),
    ]
    assert any("resumed 2 job(s)" in line for line in second.log_lines), second.log_lines
    # Not charged: no image counted for its member today.
    assert charged.user_today == 0


async def test_an_end_the_database_missed_is_stored_later_and_not_run_again(tmp_path):
    api = HoldingAPIStandIn(latency=LATENCY)
    async with (
        api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        api.hold("lonely")
        first = scene.bot()
        await first.start()
        record = await scene.imagine(0, "lonely")

        async def stored_running() -> bool:
            return [j.state for j in await stored_jobs(tmp_path)] == ["running"]

        await until(stored_running, what="the job stored, running")
        # Another writer holds the database's write lock while the job ends: the bot's
        # writes wait out their busy timeout and fail.
        locker = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            api.release("lonely")
            await record.wait_for(posted, timeout=30)
            await until(
                lambda: any("marking done failed" in line for line in first.log_lines),
                30,
                what="the end mark to fail",
            )
        finally:
            locker.rollback()
            locker.close()
        # The database is back: the end lands without the image being made again.
        await until(lambda: all_ended(tmp_path), 60, what="the end stored")
        first.kill()
        await first.wait()

        second = scene.bot()
        await second.start()
        await until(
            lambda: any("resumed 0 job(s)" in line for line in second.log_lines),
            what="the resume to be done",
        )
        stored = await stored_jobs(tmp_path)
        await second.stop()

    assert prompts_asked(api) == {"lonely": 1}
    assert results_posted(record) == 1
    assert [(j.state, j.runs, j.token) for j in stored] == [("done", 1, None)]


async def test_a_job_whose_token_ran_out_while_the_bot_was_down_is_not_sent(tmp_path):
    async with (
        APIStandIn(latency=LATENCY) as api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        first = scene.bot()
        await first.start()
        running, queued = await scene.one_running_two_queued()
        first.kill()
        await first.wait()
        # As if the bot had been down for longer than the tokens' 15 minutes.
        with sqlite3.connect(tmp_path / "bot.db") as connection:
            connection.execute("UPDATE live_jobs SET token_deadline = ?", (time.time() - 60,))

        second = scene.bot()
        await second.start()
        await until(
            lambda: any("resumed 0 job(s)" in line for line in second.log_lines),
            what="the resume to be done",
        )
        stored = await stored_jobs(tmp_path)
        await second.stop()

    # Nothing was asked of the provider again; the jobs ended as expired, tokens cleared.
    assert prompts_asked(api) == {"running": 1}
    assert [(j.state, j.token) for j in stored] == [("expired", None)] * 3
    expired = [line for line in second.log_lines if "ran out while the bot was down" in line]
    assert len(expired) == 3, second.log_lines
    assert not any(posted(record) for record in [running, *queued])


async def test_a_resumed_job_speaks_its_servers_language(tmp_path):
    api = HoldingAPIStandIn(latency=LATENCY)
    async with (
        api,
        DiscordStandIn(token=BOT_TOKEN) as discord_api,
    ):
        scene = Scene(discord_api, api, tmp_path)
        # The server's Discord locale is en-US; its moderators chose Traditional Chinese.
        storage = await Storage.open(database(tmp_path))
        try:
            await storage.change_guild_settings(scene.guild.id, 1, language="zh-TW")
        finally:
            await storage.close()
        first = scene.bot()
        await first.start()
        api.hold("running")
        running = await scene.imagine(0, "running")
        await until(lambda: api.generation_calls == 1, what="the first job at the API")
        queued = await scene.imagine(1, "queued")
        await queued.wait_for(lambda r: r.original is not None and "排隊中" in r.original.content)
        await until(lambda: _states(tmp_path, ["running", "queued"]), what="both jobs stored")
        first.kill()
        assert await first.wait() == -9
        api.release("running")

        second = scene.bot()
        await second.start()
        for record in (running, queued):
            await record.wait_for(posted, timeout=30)
        await second.stop()

    traditional = Catalogs.load().language("zh-TW")
    card = queued.original
    assert card is not None and card.embeds
    fields = [field["name"] for field in card.embeds[0]["fields"]]
    assert traditional.say(FIELD_SIZE) in fields and FIELD_SIZE not in fields
    # Every status either process wrote, the new one's too, in the same language.
    statuses = [text for text in said(card) if text]
    assert statuses and not [t for t in statuses if "Queued" in t or "Generating" in t]
    assert any("resumed 2 job(s)" in line for line in second.log_lines)


async def _states(data_dir: Path, expected: list[str]) -> bool:
    return [job.state for job in await stored_jobs(data_dir)] == expected
