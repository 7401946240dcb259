"""Moderator settings, budgets and history, through the real bot and both stand-ins."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator

import pytest

from cogs.utils.sentences import SETTINGS_UNAVAILABLE
from imagecore.policy.admission import utc_day
from imagecore.storage import JobRecord, Storage
from tests.support.api_standin import Reply
from tests.support.bot_harness import Harness, harness
from tests.support.discord_standin import (
    InteractionRecord,
    MissingCommandPermissions,
    StoredAttachment,
    permissions,
)
from tests.support.postgres_proxy import POSTGRES_URL, postgres_behind_proxy
from tests.support.tcp_proxy import TCPProxy
from tests.support.waiting import until
from tests.unit.imagecore.storage.test_live_jobs import live

MANAGE_GUILD = permissions.MANAGE_GUILD


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running


async def settings(h: Harness, command: str, user=None, **options):
    record = await h.discord.invoke(
        h.guild, h.channel, user or h.mod, f"imagine-settings {command}", **options
    )
    await record.wait_done(timeout=10)
    return record


def reply(record) -> str:
    visible = [m for m in record.messages if not m.deleted]
    assert visible and all(m.ephemeral for m in visible), record.describe()
    return visible[-1].content


async def image(h: Harness, user=None, channel=None, **options):
    options.setdefault("prompt", "a lighthouse at dusk")
    record = await h.discord.invoke(
        h.guild, channel or h.channel, user or h.alice, "imagine", **options
    )
    await record.wait_for(
        lambda r: (
            (r.final_message is not None and bool(r.final_message.attachments))
            or (
                r.acknowledged
                and not r.loading
                and any(m.ephemeral and not m.deleted for m in r.messages)
            )
        ),
        timeout=15,
    )
    return record


def delivered(record) -> bool:
    return record.final_message is not None and bool(record.final_message.attachments)


# -- who may use the settings ---------------------------------------------------------


async def test_settings_are_for_moderators_only(h):
    registered = h.discord.command("imagine-settings", h.guild).payload()
    assert registered["default_member_permissions"] == str(MANAGE_GUILD)
    with pytest.raises(MissingCommandPermissions):
        await h.discord.invoke(h.guild, h.channel, h.alice, "imagine-settings show")
    # An admin's override makes Discord deliver it anyway: the bot checks again.
    h.discord.allow_command(h.guild, "imagine-settings", h.alice)
    record = await settings(h, "limits", user=h.alice, user_daily=1)
    assert "Only moderators" in reply(record)
    assert (await h.bot.storage.guild_settings(h.guild.id)).user_daily_images is None


# -- defaults -----------------------------------------------------------------------


async def test_server_defaults_sit_between_member_options_and_bot_defaults(h):
    await h.restart_bot(IMAGE_MODELS="qwen-image-plus")
    record = await settings(h, "defaults", size="1664*928", model="qwen-image-plus", watermark=True)
    assert "Changed" in reply(record)
    assert delivered(await image(h))
    assert h.api.requests[-1].body["model"] == "qwen-image-plus"
    parameters = dict(h.api.requests[-1].body["parameters"])
    assert isinstance(parameters.pop("seed"), int)  # always pinned, random when not given
    assert parameters == {
        "prompt_extend": True,
        "watermark": True,
        "size": "1664*928",
    }
    assert delivered(await image(h, size="928*1664", watermark=False))
    assert h.api.requests[-1].body["parameters"]["size"] == "928*1664"
    assert h.api.requests[-1].body["parameters"]["watermark"] is False
    shown = reply(await settings(h, "show"))
    assert "Default size:** 16:9 landscape · 1664×928 · _server_" in shown
    assert "Prompt extend:** on · _bot default_" in shown


def _attachments(record: InteractionRecord) -> list[StoredAttachment]:
    message = record.final_message
    assert message is not None, record.describe()
    return message.attachments


async def test_a_server_default_count_applies_when_the_member_gives_none(h):
    record = await settings(h, "defaults", count=2)
    assert "Changed" in reply(record)
    two = await image(h)
    assert len(_attachments(two)) == 2 and h.api.generation_calls == 2
    one = await image(h, count=1)  # the member's own count wins
    assert len(_attachments(one)) == 1 and h.api.generation_calls == 3
    assert "Images per request:** 2 · _server_" in reply(await settings(h, "show"))
    # At most MAX_IMAGES_PER_REQUEST, however the server set it before.
    await h.restart_bot(MAX_IMAGES_PER_REQUEST="1")
    capped = await image(h)
    assert len(_attachments(capped)) == 1 and h.api.generation_calls == 4
    refused = await settings(h, "defaults", count=3)
    assert "between 1 and 1" in reply(refused)


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        ("defaults", {"size": "1024*1024"}, "is not offered here"),
        ("defaults", {"model": "gpt-image-1"}, "Unknown model"),
        ("limits", {"cooldown_seconds": -5}, "between 0 and"),
        ("limits", {"user_daily": 0}, "between 1 and"),
        ("blocked-words add", {"rule": "re:(unclosed"}, "not valid"),
        ("blocked-words add", {"rule": "re:(a+)+$"}, "too slow"),
        ("defaults", {}, "at least one option"),
    ],
)
async def test_bad_input_gets_a_sentence_and_changes_nothing(h, command, options, says):
    record = await settings(h, command, **options)
    assert says in reply(record)
    assert (await h.bot.storage.guild_settings(h.guild.id)).as_dict() == type(
        await h.bot.storage.guild_settings(0)
    )().as_dict()
    assert await h.bot.storage.setting_changes(h.guild.id) == []


# -- where, who, what -------------------------------------------------------------------


async def test_channel_and_role_allow_lists(h):
    lounge = h.discord.add_text_channel(h.guild, name="lounge")
    await settings(h, "channels add", channel=lounge)
    refused = await image(h)
    assert f"<#{lounge.id}>" in reply(refused)
    assert delivered(await image(h, channel=lounge))
    artists = h.discord.add_role(h.guild, "artists")
    await settings(h, "roles add", role=artists)
    assert "certain roles" in reply(await image(h, channel=lounge))
    member = h.discord.add_member(h.guild, name="painter", roles=[artists])
    assert delivered(await image(h, user=member, channel=lounge))
    assert h.api.generation_calls == 2


async def test_blocked_words_are_checked_before_the_api_and_reported_to_the_log_channel(h):
    log_channel = h.discord.add_text_channel(h.guild, name="mod-log")
    await settings(h, "log-channel", channel=log_channel)
    await settings(h, "blocked-words add", rule="gore")
    await settings(h, "blocked-words add", rule="re:blood\\w*")
    assert "`gore`" in reply(await settings(h, "blocked-words list"))
    refused = await image(h, prompt="a scene full of Bloodshed @everyone")
    assert "“re:blood\\w*”" in reply(refused)
    assert h.api.generation_calls == 0

    def posts() -> list[str]:
        return [m.content for m in h.discord.channel_messages(log_channel)]

    await h.discord.wait_for_request(lambda r: "Refused /imagine" in str(r.json))
    assert any("changed /imagine settings" in p and "Blocked words" in p for p in posts())
    assert any("Refused /imagine" in p and "blocked_word" in p for p in posts())
    assert all(m.allowed_mentions == {"parse": []} for m in h.discord.channel_messages(log_channel))
    await settings(h, "blocked-words remove", rule="re:blood\\w*")
    assert delivered(await image(h, prompt="a scene full of bloodshed"))


# -- budgets ------------------------------------------------------------------------


async def test_daily_limit_counts_delivered_images_only_and_says_when_it_resets(h):
    await settings(h, "limits", user_daily=1)
    h.api.queue(
        Reply.dashscope_error(
            400, "DataInspectionFailed", "Input data may contain inappropriate content."
        )
    )
    failed = await image(h)
    assert "refused this prompt" in reply(failed)
    assert delivered(await image(h))  # the failure cost nothing
    over = await image(h)
    assert "You've had your 1 image for today" in reply(over)
    # en-US writes UTC midnight as CLDR does for the locale.
    assert "resets at 12:00\u202fAM UTC, in " in reply(over)
    assert delivered(await image(h, user=h.bob))  # a per-member limit
    quota = await h.discord.invoke(h.guild, h.channel, h.alice, "imagine-quota")
    await quota.wait_done()
    assert "**0** of 1 images left today" in reply(quota)


async def test_server_cap_and_exempt_role(h):
    vip = h.discord.add_role(h.guild, "vip")
    star = h.discord.add_member(h.guild, name="star", roles=[vip])
    await settings(h, "limits", user_daily=1, server_daily=3, exempt_role=vip)
    assert delivered(await image(h, user=star))
    assert delivered(await image(h, user=star))  # exempt from the per-member limit
    assert delivered(await image(h))
    assert "This server has used its 3 images" in reply(await image(h, user=star))


async def test_cooldown(h):
    await settings(h, "limits", cooldown_seconds=60)
    assert delivered(await image(h))
    assert "Please wait" in reply(await image(h))
    assert delivered(await image(h, user=h.bob))


# -- history, stats, reset, restart -----------------------------------------------------


async def test_history_and_forget(h):
    assert delivered(await image(h, prompt="first picture"))
    h.api.queue(
        Reply.dashscope_error(500, "InternalError", "x"),
        *[Reply.dashscope_error(500, "InternalError", "x")] * 2,
    )
    h.bot.image_client._backoff_base = 0.01
    await image(h, prompt="second picture")
    await h.bot.ledger.drain(5)
    shown = reply(await _user_command(h, "imagine-history show"))
    assert "second picture" in shown and "failed" in shown and "first picture" in shown
    assert shown.index("second picture") < shown.index("first picture")  # newest first
    forgot = reply(await _user_command(h, "imagine-history forget"))
    assert "Deleted 2" in forgot
    assert "no image history" in reply(await _user_command(h, "imagine-history show"))


async def _user_command(h: Harness, command: str):
    record = await h.discord.invoke(h.guild, h.channel, h.alice, command)
    await record.wait_done(timeout=10)
    return record


async def test_stats(h):
    for user in (h.alice, h.alice, h.bob):
        assert delivered(await image(h, user=user))
    h.api.queue(
        Reply.dashscope_error(
            400, "DataInspectionFailed", "Input data may contain inappropriate content."
        )
    )
    await image(h, user=h.bob)
    await h.bot.ledger.drain(5)
    text = reply(await settings(h, "stats"))
    assert "Images today:** 3" in text and "Last 7 days:** 3" in text
    assert f"<@{h.alice.user.id}> 2" in text
    assert "ContentRejected 1" in text


def button(message, prefix: str) -> str:
    return next(c for c in message.custom_ids if c.startswith(prefix))


async def test_reset_asks_first(h):
    await settings(h, "limits", cooldown_seconds=30)
    record = await settings(h, "reset")
    message = record.original
    assert message is not None and "Reset every" in message.content
    keep = await h.discord.click(message, button(message, "imagine:settings:keep:"), h.mod)
    await keep.wait_done()
    assert (await h.bot.storage.guild_settings(h.guild.id)).cooldown_seconds == 30
    record = await settings(h, "reset")
    reset = button(record.original, "imagine:settings:reset:")
    confirm = await h.discord.click(record.original, reset, h.mod)
    await confirm.wait_done()
    assert (await h.bot.storage.guild_settings(h.guild.id)).cooldown_seconds is None
    changes = await h.bot.storage.setting_changes(h.guild.id)
    assert [(c.name, c.old, c.new, c.actor_id) for c in changes[:1]] == [
        ("cooldown_seconds", 30, None, h.mod.user.id)
    ]


async def test_a_stale_reset_confirmation_is_answered_and_changes_nothing(h):
    await settings(h, "limits", cooldown_seconds=30)
    record = await settings(h, "reset")
    reset = button(record.original, "imagine:settings:reset:")
    # The question outlived its two minutes, and the bot restarted meanwhile.
    await h.restart_bot()
    start = h.bot.clock()
    h.bot.clock = lambda: start + 121
    click = await h.discord.click(record.original, reset, h.mod)
    await click.wait_done()
    assert "expired" in click.original.content or "expired" in reply(click)
    assert (await h.bot.storage.guild_settings(h.guild.id)).cooldown_seconds == 30


async def test_a_restart_keeps_settings_counters_and_history(h):
    await settings(h, "limits", user_daily=2)
    await settings(h, "blocked-words add", rule="gore")
    assert delivered(await image(h))
    await h.restart_bot()
    assert "gore" in reply(await image(h, prompt="gore"))
    assert delivered(await image(h))
    assert "You've had your 2 images" in reply(await image(h))
    assert "first" not in reply(await _user_command(h, "imagine-history show"))


# -- DMs and a database that is down ---------------------------------------------------


async def test_dms_only_when_allowed(h):
    from tests.support.discord_standin import CommandNotAvailable

    # DMs need global commands (not only the test server's).
    await h.restart_bot(DISCORD_GUILD_IDS="")
    assert h.discord.command("imagine") is not None
    with pytest.raises(CommandNotAvailable):
        await h.discord.invoke(None, None, h.alice, "imagine", prompt="a cat")
    await h.restart_bot(DISCORD_GUILD_IDS="", ALLOW_DMS="true", USER_DAILY_IMAGES="1")
    record = await h.discord.invoke(None, None, h.alice, "imagine", prompt="a cat")
    await record.wait_for(
        lambda r: r.final_message is not None and bool(r.final_message.attachments), timeout=10
    )
    again = await h.discord.invoke(None, None, h.alice, "imagine", prompt="a dog")
    await again.wait_done(timeout=10)
    assert "You've had your 1 image for today" in reply(again)


async def test_a_locked_sqlite_database_loses_no_counter(h):
    await h.restart_bot(USER_DAILY_IMAGES="3")
    lock = sqlite3.connect(h.data_dir / "bot.db", isolation_level=None, check_same_thread=False)
    try:
        # Another process holds the write lock: reads go on (WAL), writes wait, then give up.
        # In a thread: waiting for the lock must not stall the bot sharing this loop.
        await asyncio.to_thread(lock.execute, "BEGIN EXCLUSIVE")
        changed = await settings(h, "limits", cooldown_seconds=30)
        assert reply(changed) == SETTINGS_UNAVAILABLE
        assert delivered(await image(h))
        await h.bot.ledger.drain(15)
        assert h.bot.storage.outbox_size == 1
        quota = reply(await _user_command(h, "imagine-quota"))
        assert "**2** of 3 images left" in quota  # the kept counter still counts
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert await h.bot.storage.flush_outbox() == 0
    await h.restart_bot(USER_DAILY_IMAGES="3")
    assert "**2** of 3 images left" in reply(await _user_command(h, "imagine-quota"))
    assert (await h.bot.storage.guild_settings(h.guild.id)).cooldown_seconds is None


@pytest.fixture
async def on_postgres(tmp_path) -> AsyncIterator[tuple[Harness, TCPProxy]]:
    async with postgres_behind_proxy() as (proxy, proxied), harness(tmp_path, start=False) as h:
        await h.start_bot(DATABASE_URL=proxied)
        yield h, proxy


if POSTGRES_URL:

    @pytest.mark.parametrize("mode", ["refuse", "blackhole"])
    async def test_an_unreachable_postgres_stops_no_image_and_loses_no_count(on_postgres, mode):
        h, proxy = on_postgres
        await settings(h, "limits", user_daily=10)
        assert delivered(await image(h))
        proxy.cut(mode)
        # Settings and today's counts are in memory: /imagine decides without the database,
        # within Discord's window, and the image's history waits in memory.
        record = await image(h)
        assert delivered(record)
        assert record.ack_latency is not None and record.ack_latency < 3
        assert h.api.generation_calls == 2
        proxy.restore()
        assert delivered(await image(h))
        await h.bot.ledger.drain(15)
        await h.bot.storage.flush_outbox()
        usage = await h.bot.storage.usage(
            user_id=h.alice.user.id, guild_id=h.guild.id, day=utc_day(time.time())
        )
        assert usage.user_today == 3
        quota = reply(await _user_command(h, "imagine-quota"))
        assert "**7** of 10 images left" in quota


async def test_a_role_deleted_meanwhile_is_refused_and_nothing_changes(h):
    ghosts = h.discord.add_role(h.guild, "ghosts")
    # The role is deleted; the moderator's client still offers it from a stale list.
    await asyncio.gather(
        *h.discord.gateway.dispatch(
            "GUILD_ROLE_DELETE", {"guild_id": str(h.guild.id), "role_id": str(ghosts.id)}
        )
    )
    guild = h.bot.get_guild(h.guild.id)
    assert guild is not None
    await until(lambda: guild.get_role(ghosts.id) is None, what="the bot forgetting the role")
    record = await settings(h, "limits", exempt_role=ghosts)
    assert "no longer" in reply(record)
    assert (await h.bot.storage.guild_settings(h.guild.id)).exempt_role_id is None


async def test_long_answers_stay_within_discords_2000_characters(h):
    for i in range(25):
        record = await settings(h, "blocked-words add", rule=f"word{i:02d} " + "x" * 80)
        assert "Changed" in reply(record)
    for command in ("blocked-words list", "show"):
        text = reply(await settings(h, command))
        assert 0 < len(text) <= 2000


async def test_history_older_than_history_days_is_purged(tmp_path):
    async with harness(tmp_path, start=False) as idle:
        storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
        old = time.time() - 3 * 86400
        for created in (old, time.time()):
            await storage.save_job(
                JobRecord(
                    guild_id=idle.guild.id,
                    channel_id=idle.channel.id,
                    user_id=idle.alice.user.id,
                    prompt=f"made at {created:.0f}",
                    negative_prompt="",
                    model="qwen-image",
                    size="1328*1328",
                    prompt_extend=True,
                    watermark=False,
                    seed=None,
                    created_at=created,
                    status="delivered",
                    finished_at=created,
                )
            )
        await storage.close()
        await idle.start_bot(HISTORY_DAYS="2")

        bot = idle.bot
        assert bot is not None

        async def purged() -> bool:
            return len(await bot.storage.recent_jobs(user_id=idle.alice.user.id)) == 1

        await until(purged, what="the start-up purge")
        jobs = await bot.storage.recent_jobs(user_id=idle.alice.user.id)
        assert [job.created_at > old for job in jobs] == [True]


async def test_ended_jobs_resume_rows_are_purged_after_a_day(tmp_path):
    async with harness(tmp_path, start=False) as idle:
        two_days_ago = time.time() - 2 * 86400
        storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}", clock=lambda: two_days_ago)
        for key in ("00000000000000a1", "00000000000000a2", "00000000000000a3"):
            await storage.live_jobs.accept(live(key))
            await storage.live_jobs.mark_state(key, "done")
        await storage.close()
        await idle.start_bot()
        bot = idle.bot
        assert bot is not None

        async def purged() -> bool:
            return await bot.storage.live_jobs.find("00000000000000a1") is None

        await until(purged, what="the start-up purge")
        # The newest stays, so the fair order never hands its number out again.
        assert await bot.storage.live_jobs.find("00000000000000a2") is None
        assert await bot.storage.live_jobs.find("00000000000000a3") is not None
