"""/imagine-settings in the moderator's own Discord language, its log lines in the server's,
and the server's language setting deciding what the channel reads: through the real bot
and the Discord stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_imagine import outcome
from tests.e2e.test_settings import reply, settings
from tests.support.bot_harness import Harness, harness
from tests.support.discord_standin import Member, permissions


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running


def moderator(h: Harness, name: str, locale: str) -> Member:
    return h.discord.add_member(
        h.guild, name=name, locale=locale, permissions=permissions.MANAGE_GUILD
    )


def _statuses(h: Harness) -> list[str]:
    """Every content the bot sent in an edit of a response (the public status)."""
    return [
        r.json["content"]
        for r in h.discord.requests
        if r.method == "PATCH" and isinstance(r.json, dict) and r.json.get("content")
    ]


async def test_show_and_a_bad_value_are_in_each_moderators_language(h):
    chen = moderator(h, "chen", "zh-CN")
    lin = moderator(h, "lin", "zh-TW")
    chinese = reply(await settings(h, "show", user=chen))
    assert "**默认尺寸：** 1:1 方形 · 1328×1328 · _机器人默认_" in chinese, chinese
    assert "**智能改写：** 开 · _机器人默认_" in chinese
    assert "**频道：** 所有频道" in chinese
    assert "**语言：** 自动（跟随服务器的 Discord 语言）" in chinese
    assert "Default size" not in chinese and "bot default" not in chinese
    english = reply(await settings(h, "show"))
    assert "**Default size:** 1:1 square · 1328×1328 · _bot default_" in english, english
    assert "**Language:** auto (the server's Discord language) · _bot default_" in english

    # A value out of range: the core's sentence, its subject in the same language.
    refused = reply(await settings(h, "limits", user=chen, cooldown_seconds=-5))
    assert refused == "冷却时间（秒）必须是 0 到 86400 之间的整数。"
    refused = reply(await settings(h, "limits", user=lin, cooldown_seconds=-5))
    assert refused == "冷卻時間（秒）必須是 0 到 86400 之間的整數。"
    refused = reply(await settings(h, "limits", cooldown_seconds=-5))
    assert refused == "The cooldown (seconds) must be a whole number between 0 and 86400."
    # A bad rule and no option at all, the cog's own sentences.
    assert reply(await settings(h, "blocked-words add", user=chen, rule="re:(a+)+$")).startswith(
        "这个正则表达式处理长提示词时太慢"
    )
    assert reply(await settings(h, "defaults", user=lin)) == "請至少提供一個要變更的選項。"
    assert (await h.bot.storage.guild_settings(h.guild.id)).cooldown_seconds is None


async def test_a_change_is_confirmed_in_the_moderators_language_and_logged_in_the_servers(h):
    chen = moderator(h, "chen", "zh-CN")
    log_channel = h.discord.add_text_channel(h.guild, name="mod-log")
    await settings(h, "log-channel", channel=log_channel)
    changed = reply(await settings(h, "limits", user=chen, cooldown_seconds=30))
    assert changed == "已更改：\n• 冷却时间（秒）：无 → 30", changed
    stats = reply(await settings(h, "stats", user=chen))
    assert stats.startswith("**今日图片：** 0\n**最近 7 天：** 0 张（共 0 个请求）"), stats
    assert "**最活跃的成员（7 天）：** 暂无" in stats

    # The server's Discord language is English: its log channel reads English.
    await h.discord.wait_for_request(lambda r: "Cooldown (s)" in str(r.json))
    posts = [m.content for m in h.discord.channel_messages(log_channel)]
    assert f"⚙️ <@{chen.user.id}> changed /imagine settings:\n• Cooldown (s): none → 30" in posts

    # A reset asked in Chinese: question, buttons and answer.
    asked = await settings(h, "reset", user=chen)
    question = asked.original
    assert question is not None
    assert question.content == "要将本服务器的所有 /imagine 设置恢复为机器人的默认值吗？"
    labels = {c.get("label") for c in question.iter_components() if "custom_id" in c}
    assert labels == {"全部重置", "保留"}
    reset = next(c for c in question.custom_ids if c.startswith("imagine:settings:reset:"))
    click = await h.discord.click(question, reset, chen)
    await click.wait_done()
    assert click.original is not None
    assert click.original.content == "已重置：所有设置都已恢复为机器人的默认值。"


async def test_the_language_setting_decides_the_public_status_and_card(h):
    h.guild.locale = "en-US"
    h.api.latency = 0.6
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    log_channel = h.discord.add_text_channel(h.guild, name="mod-log")
    await settings(h, "log-channel", channel=log_channel)

    changed = reply(await settings(h, "language", language="zh-TW"))
    # The moderator reads English (their Discord language), the language in its own words.
    assert changed == "Changed:\n• Language: auto (the server's Discord language) → 繁體中文"
    # The log line already speaks the server's new language.
    await h.discord.wait_for_request(lambda r: "變更了 /imagine 設定" in str(r.json))
    posts = [m.content for m in h.discord.channel_messages(log_channel)]
    header = f"⚙️ <@{h.mod.user.id}> 變更了 /imagine 設定："
    assert f"{header}\n• 語言：自動（依照伺服器的 Discord 語言） → 繁體中文" in posts, posts

    first = await h.imagine(prompt="a lighthouse")
    second = await h.imagine(h.bob, prompt="a harbour")
    await outcome(first)
    await outcome(second)
    statuses = _statuses(h)
    assert any(c.startswith("排隊中 — 第 1 位") for c in statuses), statuses
    card = second.final_message
    assert card is not None, second.describe()
    fields = {f["name"] for f in card.embeds[0]["fields"]}
    assert {"尺寸", "模型", "用時"} <= fields, fields
    assert card.embeds[0]["footer"]["text"] == "由 bob 請求"

    # auto: back to the server's Discord language.
    assert "→ auto (the server's Discord language)" in reply(
        await settings(h, "language", language="auto")
    )
    assert (await h.bot.storage.guild_settings(h.guild.id)).language is None
    before = len(_statuses(h))
    third = await h.imagine(h.bob, prompt="a harbour at night")
    fourth = await h.imagine(prompt="a lighthouse at night")
    await outcome(third)
    await outcome(fourth)
    later = _statuses(h)[before:]
    assert any(c.startswith("Queued — #1") for c in later), later
    assert not any("排隊" in c or "產生" in c for c in later), later
    card = fourth.final_message
    assert card is not None, fourth.describe()
    fields = {f["name"] for f in card.embeds[0]["fields"]}
    assert {"Size", "Model", "Time"} <= fields, fields
    assert card.embeds[0]["footer"]["text"] == "Requested by alice"
