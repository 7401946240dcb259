"""The buttons under a result (Re-roll, Remix, Use revised prompt, Details, Delete) and
several images per request: the real bot through the Discord and image API stand-ins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest

from cogs.imagine.words import (
    DELETE_REFUSED,
    DELETED,
    JOB_UNAVAILABLE,
    TOO_MANY_IMAGES,
    UNKNOWN_JOB,
)
from cogs.utils.sentences import SETTINGS_UNAVAILABLE
from imagecore.policy.admission import utc_day
from tests.e2e.conftest import assert_discord_understood
from tests.support.api_standin import Reply, make_png
from tests.support.bot_harness import Harness, harness
from tests.support.discord_standin import InteractionRecord, StoredMessage
from tests.support.discord_standin import permissions as perms
from tests.support.outcomes import final, outcome, posted_image, private_text, told_privately
from tests.support.postgres_proxy import POSTGRES_URL, postgres_behind_proxy
from tests.support.waiting import until

DEFERRED_CHANNEL_MESSAGE = 5
MODAL = 9


@pytest.fixture
async def h(tmp_path, discord_spec) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running
        discord_api = running.discord
    assert_discord_understood(discord_api, discord_spec)


def acked_in(record: InteractionRecord) -> float:
    latency = record.ack_latency
    assert latency is not None, record.describe()
    return latency


async def result(h: Harness, **options) -> StoredMessage:
    record = await outcome(await h.imagine(**options))
    message = record.final_message
    assert message is not None and message.attachments, record.describe()
    return message


def button(message: StoredMessage, action: str) -> str:
    (custom_id,) = [c for c in message.custom_ids if c.startswith(f"imagine:{action}:")]
    return custom_id


def labels(message: StoredMessage) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


def prompts_sent(h: Harness) -> list[str]:
    return [r.body["input"]["messages"][0]["content"][0]["text"] for r in h.api.requests]


async def click(h: Harness, message: StoredMessage, action: str, user) -> InteractionRecord:
    return await h.discord.click(message, button(message, action), user)


# -- Re-roll ------------------------------------------------------------------------------


async def test_another_member_re_rolls_with_a_new_seed_and_is_charged(h):
    await h.restart_bot(USER_DAILY_IMAGES="1")
    original = await result(h, prompt="a red fox", negative_prompt="blurry", size="928*1664")
    first = h.api.requests[0].body["parameters"]
    reroll = await outcome(await click(h, original, "reroll", h.bob))
    assert reroll.callback_type == DEFERRED_CHANNEL_MESSAGE and acked_in(reroll) < 3
    assert posted_image(reroll) and not final(reroll).ephemeral
    assert final(reroll).id != original.id  # a new message; the original stays
    assert not h.discord.message(original.id).deleted
    again = h.api.requests[1].body["parameters"]
    assert {k: v for k, v in again.items() if k != "seed"} == {
        k: v for k, v in first.items() if k != "seed"
    }
    assert again["seed"] != first["seed"]
    assert prompts_sent(h) == ["a red fox", "a red fox"]
    # Charged to Bob: his one image of the day is spent, Alice's was spent by her own.
    spent = await outcome(await click(h, final(reroll), "reroll", h.bob))
    assert told_privately(spent) and "1 image" in private_text(spent)
    assert h.api.generation_calls == 2


async def test_a_click_after_a_restart_makes_a_new_image(h):
    original = await result(h)
    await h.restart_bot()  # a new bot on the same database: nothing of the job in memory
    reroll = await outcome(await click(h, original, "reroll", h.alice))
    assert posted_image(reroll)
    assert h.api.generation_calls == 2


async def test_a_purged_jobs_button_answers_a_sentence(h):
    original = await result(h)
    await h.bot.ledger.drain(5)
    assert await h.bot.storage.purge_history(h.bot.clock() + 1) == 1
    for action in ("reroll", "details", "remix", "revised"):
        answer = await click(h, original, action, h.bob)
        await answer.wait_done()
        assert private_text(answer) == UNKNOWN_JOB.format(days=90), action
    assert h.api.generation_calls == 1


# -- Remix and the revised prompt -----------------------------------------------------------


async def test_remix_opens_prefilled_and_runs_the_edited_request(h):
    original = await result(h, prompt="a cabin", negative_prompt="people", size="1664*928")
    opened = await click(h, original, "remix", h.bob)
    await opened.wait_for_ack()
    assert opened.callback_type == MODAL
    inputs = _inputs(opened.modal)
    assert inputs["prompt"]["value"] == "a cabin"
    assert inputs["negative_prompt"]["value"] == "people"
    assert [o["value"] for o in inputs["size"]["options"] if o.get("default")] == ["1664*928"]
    submitted = await outcome(
        await h.discord.submit_modal(
            opened, {"prompt": "a cabin in snow", "negative_prompt": "", "size": "1328*1328"}
        )
    )
    assert posted_image(submitted)
    parameters = h.api.requests[-1].body["parameters"]
    assert prompts_sent(h)[-1] == "a cabin in snow"
    assert parameters["size"] == "1328*1328" and "negative_prompt" not in parameters


def _inputs(modal: dict | None) -> dict[str, dict]:
    assert modal is not None
    found: dict[str, dict] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("custom_id") and node.get("type") in (3, 4):
                found[node["custom_id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(modal.get("components"))
    return found


async def test_a_blocked_word_brought_in_by_remix_is_refused_with_no_api_call(h):
    await h.bot.storage.change_guild_settings(h.guild.id, h.mod.id, blocked_words=("gore",))
    await h.bot.settings_cache.load_all()
    original = await result(h, prompt="a cabin")
    opened = await click(h, original, "remix", h.alice)
    await opened.wait_for_ack()
    refused = await outcome(await h.discord.submit_modal(opened, {"prompt": "a cabin, gore"}))
    assert told_privately(refused) and refused.ephemeral
    assert h.api.generation_calls == 1


async def test_the_revised_prompt_runs_with_prompt_extend_off(h):
    h.api.queue(Reply(revised_prompt="A small cabin under heavy snow, warm light."))
    original = await result(h, prompt="a cabin", prompt_extend=True)
    revised = await outcome(await click(h, original, "revised", h.bob))
    assert posted_image(revised)
    assert prompts_sent(h)[-1] == "A small cabin under heavy snow, warm light."
    assert h.api.requests[-1].body["parameters"]["prompt_extend"] is False


@pytest.mark.parametrize("revised", [None, "", "a cabin"])
async def test_no_revised_prompt_button_without_a_different_revision(h, revised):
    h.api.queue(Reply(revised_prompt=revised))
    original = await result(h, prompt="a cabin")
    assert labels(original) == ["🔄 Re-roll", "✏️ Remix", "ℹ️ Details", "🗑️ Delete", "🖌️ Edit"]


# -- Details and Delete --------------------------------------------------------------------


async def test_details_are_private_and_complete(h):
    h.api.queue(Reply(revised_prompt="A tall lighthouse.", headers={"x-request-id": "req-77"}))
    original = await result(h, prompt="a lighthouse", negative_prompt="fog", seed=4242)
    details = await click(h, original, "details", h.bob)
    await details.wait_done()
    assert details.ephemeral and acked_in(details) < 3
    text = private_text(details)
    for expected in ("a lighthouse", "fog", "A tall lighthouse.", "seed 4242", "qwen-image"):
        assert expected in text, text
    assert f"<@{h.alice.id}>" in text and "1:1 square" in text


async def test_delete_is_refused_for_others_and_allowed_for_the_requester(h):
    original = await result(h)
    refused = await click(h, original, "delete", h.bob)
    await refused.wait_done()
    assert private_text(refused) == DELETE_REFUSED
    assert not h.discord.message(original.id).deleted
    allowed = await click(h, original, "delete", h.alice)
    await allowed.wait_done()
    assert private_text(allowed) == DELETED
    assert h.discord.message(original.id).deleted


async def test_a_moderator_may_delete_anyones_result(h):
    moderator = h.discord.add_member(h.guild, name="tidy", permissions=perms.MANAGE_MESSAGES)
    original = await result(h)
    deleted = await click(h, original, "delete", moderator)
    await deleted.wait_done()
    assert private_text(deleted) == DELETED
    assert h.discord.message(original.id).deleted


# -- several images ------------------------------------------------------------------------


async def test_count_4_posts_four_images_in_one_message_within_the_providers_concurrency(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="2")
    h.api.image = make_png(96, 64, noise=True)
    # Longer than the rate gate's spacing (2 requests a second), so two run at once.
    h.api.latency = 1.0
    record = await outcome(await h.imagine(prompt="four foxes", count=4))
    message = final(record)
    assert [a.data for a in message.attachments] == [h.api.image] * 4
    assert [a.filename for a in message.attachments] == [f"image-{n}.png" for n in range(1, 5)]
    assert h.api.generation_calls == 4 and h.api.max_in_flight == 2
    seeds = [r.body["parameters"]["seed"] for r in h.api.requests]
    assert len(set(seeds)) == 4
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert sorted(fields["Seeds"].split(", ")) == sorted(map(str, seeds))

    # Four images delivered: four counted (recorded once Discord has confirmed the post,
    # so a moment after the stand-in stored it).
    async def four_counted() -> bool:
        usage = await h.bot.ledger.usage(user_id=h.alice.id, guild_id=h.guild.id, day=_today(h))
        return usage.user_today == 4

    await until(four_counted, what="four images counted")
    # "2 of 4 ready…" was shown on the way.
    assert any(text.endswith(" s") and " of 4 ready… " in text for text in _status_texts(h))


def _today(h: Harness) -> date:
    assert h.bot is not None
    return utc_day(h.bot.clock())


def _status_texts(h: Harness) -> list[str]:
    """Every content the bot sent in an edit of a response."""
    return [
        r.json["content"]
        for r in h.discord.requests
        if r.method == "PATCH" and isinstance(r.json, dict) and r.json.get("content")
    ]


async def test_one_of_four_failing_posts_three_and_says_why_privately(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    h.api.queue(
        Reply(),
        Reply.dashscope_error(400, "DataInspectionFailed", "Input data may be inappropriate."),
        Reply(),
        Reply(),
    )
    record = await outcome(await h.imagine(prompt="four foxes", count=4))
    await record.wait_for(lambda r: "could not be made" in private_text(r))
    public = record.original
    assert public is not None and not public.ephemeral
    assert [a.filename for a in public.attachments] == ["image-1.png", "image-2.png", "image-3.png"]
    assert private_text(record).startswith("1 of 4 images could not be made")
    usage = await h.bot.ledger.usage(user_id=h.alice.id, guild_id=h.guild.id, day=_today(h))
    assert usage.user_today == 3  # only delivered images count


async def test_more_images_than_left_today_is_refused_saying_how_many_are_left(h):
    await h.restart_bot(USER_DAILY_IMAGES="3")
    await result(h)
    refused = await outcome(await h.imagine(count=4))
    assert private_text(refused) == TOO_MANY_IMAGES.format(asked=4, left=2)
    assert h.api.generation_calls == 1


async def test_re_roll_of_a_set_makes_the_same_number_again(h):
    original = final(await outcome(await h.imagine(count=2)))
    reroll = await outcome(await click(h, original, "reroll", h.bob))
    assert len(final(reroll).attachments) == 2
    assert h.api.generation_calls == 4


async def test_forty_simultaneous_re_roll_clicks_are_all_acknowledged_in_time(h):
    original = await result(h)
    members = [h.discord.add_member(h.guild, name=f"m{i}") for i in range(40)]
    clicks = await asyncio.gather(*(click(h, original, "reroll", m) for m in members))
    for answer in clicks:
        await answer.wait_for_ack()
    assert max(acked_in(a) for a in clicks) < 3


# -- a database that does not answer ---------------------------------------------------------

if POSTGRES_URL:

    async def test_clicks_while_the_database_hangs_are_answered_in_time(tmp_path):
        async with (
            postgres_behind_proxy() as (proxy, proxied),
            harness(tmp_path, DATABASE_URL=proxied) as h,
        ):
            original = await result(h)
            assert h.bot is not None
            await h.bot.ledger.drain(5)  # the job is only in the database now
            proxy.cut("blackhole")
            answers = {
                action: await click(h, original, action, h.bob)
                for action in ("reroll", "remix", "details")
            }
            for action, answer in answers.items():
                await answer.wait_for_ack()
                assert acked_in(answer) < 3, action
                await answer.wait_done(timeout=15)
                assert private_text(answer) in (SETTINGS_UNAVAILABLE, JOB_UNAVAILABLE), action
            assert h.api.generation_calls == 1
            proxy.restore()
