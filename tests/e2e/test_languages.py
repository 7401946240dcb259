"""Each member reads the bot in their own Discord language, and the channel in the
server's: through the real bot and the Discord stand-in, in one run."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_imagine import outcome, private_text, told_privately
from tests.support.api_standin import Reply
from tests.support.bot_harness import Harness, harness

REJECTED = Reply.dashscope_error(
    400, "DataInspectionFailed", "Input data may contain inappropriate content."
)


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running


def _contents(h: Harness) -> list[str]:
    """Every content the bot sent in an edit of a response (the public status)."""
    return [
        r.json["content"]
        for r in h.discord.requests
        if r.method == "PATCH" and isinstance(r.json, dict) and r.json.get("content")
    ]


async def test_a_refusal_is_in_each_members_own_language(h):
    await h.restart_bot(COOLDOWN_SECONDS="600")
    chen = h.discord.add_member(h.guild, name="chen", locale="zh-CN")
    lin = h.discord.add_member(h.guild, name="lin", locale="zh-TW")
    for member in (chen, lin, h.alice):
        await outcome(await h.imagine(member, prompt="一只猫"))
    again = {m.user.username: await outcome(await h.imagine(m)) for m in (chen, lin, h.alice)}
    assert all(told_privately(r) for r in again.values())
    assert private_text(again["chen"]).startswith("请等待")
    assert private_text(again["lin"]).startswith("請等待")
    assert private_text(again["alice"]).startswith("Please wait 10 min")
    # Babel's units, not English ones, inside the Chinese sentence.
    assert "分钟" in private_text(again["chen"]) and "min" not in private_text(again["chen"])


async def test_an_api_error_is_in_the_members_language(h):
    chen = h.discord.add_member(h.guild, name="chen", locale="zh-CN")
    h.api.queue(REJECTED)
    h.api.queue(REJECTED)
    chinese = await outcome(await h.imagine(chen, prompt="something"))
    english = await outcome(await h.imagine(prompt="something"))
    assert private_text(chinese).startswith("图片服务拒绝了这条提示词")
    assert private_text(english).startswith("The image service refused this prompt")


async def test_a_chinese_server_sees_chinese_status_and_card_labels(h):
    h.guild.locale = "zh-CN"
    h.api.latency = 0.6
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    first = await h.imagine(prompt="a lighthouse")
    second = await h.imagine(h.bob, prompt="一座灯塔")
    await outcome(first)
    await outcome(second)
    contents = _contents(h)
    assert any(c.startswith("排队中 — 第 1 位") for c in contents), contents
    card = second.final_message
    assert card is not None
    fields = {f["name"]: f["value"] for f in card.embeds[0]["fields"]}
    assert {"尺寸", "模型", "用时"} <= set(fields), fields
    assert fields["尺寸"] == "1:1 方形 · 1328×1328"  # the size's words too
    assert card.embeds[0]["footer"]["text"] == "由 bob 请求"
    # The prompt itself is never translated.
    assert card.embeds[0]["title"] == "一座灯塔"


async def test_an_english_member_on_a_chinese_server_reads_private_answers_in_english(h):
    h.guild.locale = "zh-TW"
    await h.restart_bot(COOLDOWN_SECONDS="600")
    await outcome(await h.imagine())
    again = await outcome(await h.imagine())
    assert private_text(again).startswith("Please wait")


async def test_cancel_reads_in_the_servers_language_and_answers_in_the_members(h):
    h.guild.locale = "zh-TW"
    h.api.latency = 1.0
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    chen = h.discord.add_member(h.guild, name="chen", locale="zh-CN")
    running = await h.imagine(prompt="a lighthouse")
    queued = await h.imagine(chen, prompt="一只猫")
    await queued.wait_for(lambda r: r.original is not None and bool(r.original.components))
    message = queued.original
    assert message is not None
    (button,) = [c for row in message.components for c in row["components"]]
    assert button["label"] == "取消"  # the public message: the server's Traditional Chinese
    clicked = await h.discord.click(message, button["custom_id"], chen)
    await clicked.wait_done()
    assert private_text(clicked) == "已取消。没有向图片服务发送任何内容。"  # chen's own
    await outcome(running)


async def test_a_purged_results_button_answers_in_the_members_language(h):
    chen = h.discord.add_member(h.guild, name="chen", locale="zh-CN")
    message = (await outcome(await h.imagine(prompt="a lighthouse"))).final_message
    assert message is not None
    assert h.bot is not None
    await h.bot.ledger.drain(5)
    assert await h.bot.storage.purge_history(h.bot.clock() + 1) == 1
    details = next(c for c in message.custom_ids if c.startswith("imagine:details:"))
    answer = await h.discord.click(message, details, chen)
    await answer.wait_done()
    assert private_text(answer).startswith("这条结果已不在机器人的历史记录中")
