"""The real bot from bot.py, through the Discord stand-in and the image API stand-in."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest

from bot import ImageBot
from cogs.utils.sentences import CONTINUES_AFTER_RESTART, EXPIRED, sentence_for
from config import load_settings
from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ContentRejected,
    ImageDownloadFailed,
    MalformedAnswer,
    RequestTimedOut,
    ServerError,
    Throttled,
)
from runtime.entry import run_bot
from tests.e2e.conftest import assert_discord_understood
from tests.support.api_standin import Reply, make_png
from tests.support.bot_harness import Harness, harness
from tests.support.discord_standin import StoredMessage, permissions
from tests.support.waiting import until

DEFERRED_CHANNEL_MESSAGE = 5
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
NO_MENTIONS = {"parse": []}


@pytest.fixture
async def h(tmp_path, discord_spec) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running
        discord_api = running.discord
    # Whatever the bot sent, Discord would have understood.
    assert_discord_understood(discord_api, discord_spec)


def posted_image(record) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def told_privately(record) -> bool:
    """Ended with only ephemeral text for the requester and nothing public left behind."""
    visible = [m for m in record.messages if not m.deleted]
    return (
        record.acknowledged
        and not record.loading
        and bool(visible)
        and all(m.ephemeral for m in visible)
    )


async def outcome(record, within: float = 10.0):
    await record.wait_for(lambda r: posted_image(r) or told_privately(r), within)
    return record


def original(record) -> StoredMessage:
    """The interaction's original response, which these tests expect to exist."""
    assert record.original is not None, record.describe()
    return record.original


def private_text(record) -> str:
    return next(m.content for m in record.messages if not m.deleted and m.ephemeral)


def texts_sent(h: Harness) -> list[dict]:
    """Every message body the bot sent to Discord that carries text."""
    bodies = []
    for request in h.discord.requests:
        body = request.json
        if request.method in ("POST", "PATCH") and isinstance(body, dict):
            body = body.get("data", body) if "type" in body and "data" in body else body
            if body.get("content") or body.get("embeds"):
                bodies.append(body)
    return bodies


# -- start-up -------------------------------------------------------------------------


async def test_identify_asks_for_no_privileged_intent(h):
    intents = h.discord.identifies[-1]["intents"]
    assert intents & PRIVILEGED_INTENTS == 0
    assert intents & 1  # GUILDS: needed for channel permissions and upload limits


async def test_commands_are_registered_with_their_limits(h):
    commands = {c["name"]: c for c in h.discord.registered_commands(h.guild)}
    assert set(commands) == {
        "Edit image",
        "imagine",
        "imagine-edit",
        "imagine-queue",
        "imagine-settings",
        "imagine-quota",
        "imagine-history",
    }
    options = {o["name"]: o for o in commands["imagine"]["options"]}
    assert options["prompt"]["required"] is True
    assert (options["prompt"]["min_length"], options["prompt"]["max_length"]) == (1, 800)
    assert options["negative_prompt"]["max_length"] == 500
    assert (options["seed"]["min_value"], options["seed"]["max_value"]) == (0, 2147483647)
    choices = {c["value"]: c["name"] for c in options["size"]["choices"]}
    assert choices["1328*1328"] == "1:1 square · 1328×1328"
    assert list(choices) == ["1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664"]
    assert {o["name"] for o in commands["imagine"]["options"]} == {
        "prompt",
        "negative_prompt",
        "size",
        "prompt_extend",
        "watermark",
        "seed",
        "count",
    }
    # 1 to MAX_IMAGES_PER_REQUEST (default 4).
    assert [c["value"] for c in options["count"]["choices"]] == [1, 2, 3, 4]


async def test_restart_does_not_sync_unchanged_commands_but_syncs_changed_ones(h):
    syncs = lambda: len(h.discord.requests_to("PUT", r"/commands$"))  # noqa: E731
    first = syncs()
    assert first >= 1
    assert h.discord.registered_commands() == []  # guild scope: no global duplicates
    await h.restart_bot()
    assert syncs() == first
    await h.restart_bot(IMAGE_SIZES="1328*1328,1472*1140")
    assert syncs() > first
    options = {o["name"]: o for o in h.discord.command("imagine", h.guild).payload()["options"]}
    assert [c["value"] for c in options["size"]["choices"]] == ["1328*1328", "1472*1140"]


# -- the happy path -----------------------------------------------------------------


async def test_imagine_with_every_option(h):
    h.api.image = make_png(320, 200, noise=True)
    h.api.queue(Reply(revised_prompt="A red fox curled up in fresh snow, soft light."))
    record = await outcome(
        await h.imagine(
            prompt="a red fox in snow",
            negative_prompt="blurry",
            size="928*1664",
            prompt_extend=False,
            watermark=True,
            seed=1234,
        )
    )
    assert record.callback_type == DEFERRED_CHANNEL_MESSAGE
    assert record.ack_latency < 3
    assert h.api.invalid_bodies == []
    assert h.api.requests[0].body["parameters"] == {
        "negative_prompt": "blurry",
        "prompt_extend": False,
        "watermark": True,
        "size": "928*1664",
        "seed": 1234,
    }
    message = record.final_message
    assert not message.ephemeral
    assert message.attachments[0].data == h.api.image  # the exact bytes the API served
    assert message.attachments[0].filename == "image.png"
    embed = message.embeds[0]
    assert embed["description"] == "a red fox in snow"
    # Discord resolves attachment://image.png to the uploaded file's URL.
    assert embed["image"]["url"].endswith("/image.png")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Revised prompt"] == "A red fox curled up in fresh snow, soft light."
    assert fields["Negative prompt"] == "blurry"
    assert fields["Size"] == "9:16 portrait · 928×1664"
    assert fields["Seed"] == "1234"
    assert fields["Model"] == "qwen-image"
    assert fields["Time"].endswith(" s")
    assert "alice" in embed["footer"]["text"]
    # No Cancel button left on a finished image: the result's own buttons instead.
    assert [c["label"] for row in message.components for c in row["components"]] == [
        "🔄 Re-roll",
        "✏️ Remix",
        "📝 Use revised prompt",
        "ℹ️ Details",
        "🗑️ Delete",
        "🖌️ Edit",
    ]


async def test_defaults_fill_unset_options(h):
    await h.restart_bot(DEFAULT_NEGATIVE_PROMPT="text, watermark", DEFAULT_PROMPT_EXTEND="false")
    record = await outcome(await h.imagine(prompt="a bowl of ramen"))
    parameters = dict(h.api.requests[-1].body["parameters"])
    # No seed given: one is picked at random, sent, and shown, so the image can be made again.
    seed = parameters.pop("seed")
    assert 0 <= seed <= 2147483647
    fields = {f["name"]: f["value"] for f in record.final_message.embeds[0]["fields"]}
    assert fields["Seed"] == str(seed)
    assert parameters == {
        "negative_prompt": "text, watermark",
        "prompt_extend": False,
        "watermark": False,
        "size": "1328*1328",
    }


@pytest.mark.parametrize("revised", ["", None])
async def test_empty_or_missing_revised_prompt_shows_none(h, revised):
    h.api.queue(Reply(kind="b64", revised_prompt=revised))
    record = await outcome(await h.imagine())
    fields = [f["name"] for f in record.final_message.embeds[0].get("fields", [])]
    assert "Revised prompt" not in fields


async def test_nothing_the_bot_echoes_can_ping_anyone(h):
    h.api.queue(Reply(revised_prompt="@everyone look <@&123> <@456>"))
    record = await outcome(await h.imagine(prompt="@everyone @here a cat <@1>"))
    assert posted_image(record)
    bodies = texts_sent(h)
    assert bodies
    assert all(body.get("allowed_mentions") == NO_MENTIONS for body in bodies), bodies


async def test_a_png_over_the_upload_limit_is_re_encoded_and_says_so(h):
    h.api.image = make_png(2200, 2000, noise=True)  # about 13 MB, over the 10 MiB limit
    assert len(h.api.image) > 10 * 1024 * 1024
    record = await outcome(await h.imagine(), within=60)
    attachment = record.final_message.attachments[0]
    assert len(attachment.data) <= 10 * 1024 * 1024
    assert attachment.filename in ("image.webp", "image.jpg")
    fields = {f["name"]: f["value"] for f in record.final_message.embeds[0]["fields"]}
    assert "upload limit" in fields["Note"]


# -- refusals before any API call ---------------------------------------------------


@pytest.mark.parametrize(
    ("denied", "named"),
    [(permissions.ATTACH_FILES, "Attach Files"), (permissions.EMBED_LINKS, "Embed Links")],
)
async def test_missing_channel_permissions_are_caught_before_the_api(h, denied, named):
    h.discord.deny_bot(h.channel, denied)
    record = await outcome(await h.imagine())
    assert record.ephemeral
    assert named in private_text(record)
    assert h.api.generation_calls == 0


# -- errors -------------------------------------------------------------------------


ERROR_CASES = [
    (
        Reply.dashscope_error(
            400, "DataInspectionFailed", "Input data may contain inappropriate content."
        ),
        ContentRejected,
    ),
    (Reply.dashscope_error(400, "InvalidParameter", "size is invalid"), BadRequest),
    (Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."), AuthFailed),
    (
        Reply.dashscope_error(
            400, "Arrearage", "Access denied, please make sure your account is in good standing."
        ),
        BillingProblem,
    ),
    (
        Reply.dashscope_error(
            429,
            "Throttling.AllocationQuota",
            "Allocated quota exceeded, please increase your quota limit.",
        ),
        BillingProblem,
    ),
    (Reply(kind="not_json"), MalformedAnswer),
    (Reply(kind="expired_url"), ImageDownloadFailed),
]
RETRIED_CASES = [
    (
        Reply.dashscope_error(429, "Throttling.RateQuota", "Requests rate limit exceeded."),
        Throttled,
    ),
    (Reply.dashscope_error(500, "InternalError", "An internal error has occured."), ServerError),
    (Reply(kind="html", status=502), ServerError),
]


@pytest.mark.parametrize(("reply", "error_class"), ERROR_CASES)
async def test_each_error_ends_in_a_private_sentence_and_the_bot_goes_on(h, reply, error_class):
    h.api.queue(reply)
    record = await outcome(await h.imagine(prompt="something"))
    assert told_privately(record)
    assert record.original.deleted  # the public "thinking…" placeholder is gone
    assert private_text(record) == sentence_for(error_class("x"))
    assert h.api.generation_calls == 1
    # The next member is served as usual.
    follow_up = await outcome(await h.imagine(user=h.bob))
    assert posted_image(follow_up)


@pytest.mark.parametrize(("reply", "error_class"), RETRIED_CASES)
async def test_transient_errors_are_retried_then_explained(h, reply, error_class):
    await h.restart_bot(IMAGE_API_TIMEOUT="1")
    h.bot.image_client._backoff_base = 0.01  # keep the test short; the policy is unchanged
    h.api.queue(reply, reply, reply)
    record = await outcome(await h.imagine(), within=20)
    assert private_text(record) == sentence_for(error_class("x"))
    assert h.api.generation_calls == 3
    assert posted_image(await outcome(await h.imagine(user=h.bob)))


async def test_a_request_left_unanswered_is_not_sent_again(h, caplog):
    # The provider may still be making (and billing) the first image: a resend could
    # charge twice.
    await h.restart_bot(IMAGE_API_TIMEOUT="1")
    h.api.queue(Reply(kind="hang"))
    record = await outcome(await h.imagine(), within=20)
    assert private_text(record) == sentence_for(RequestTimedOut("x"))
    assert h.api.generation_calls == 1
    assert "not sent again" in caplog.text
    assert posted_image(await outcome(await h.imagine(user=h.bob)))


async def test_keys_and_tokens_never_reach_discord_or_the_log(h, caplog):
    h.api.queue(Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."))
    await outcome(await h.imagine())
    everything = repr([r.json for r in h.discord.requests]) + caplog.text
    assert h.api.api_key not in everything
    assert h.bot.config.discord_token.reveal() not in caplog.text


async def queued_behind_another(h: Harness, *, latency: float):
    """Bob's job runs (one at a time, each ``latency`` s); Alice's waits, showing Queued."""
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    h.api.latency = latency
    first = await h.imagine(user=h.bob, prompt="first")
    await until(lambda: h.api.generation_calls == 1, what="the first job reaching the API")
    second = await h.imagine(prompt="second")
    await second.wait_for(shows_queued)
    return first, second


def shows_queued(record) -> bool:
    return record.original is not None and record.original.content.startswith("Queued")


# -- the queue ------------------------------------------------------------------------


async def test_queued_jobs_show_their_place_and_can_be_cancelled_by_the_requester_only(h):
    first, second = await queued_behind_another(h, latency=0.6)
    assert original(second).content.startswith("Queued — #1, about")
    (custom_id,) = original(second).custom_ids
    intruder = await h.discord.click(original(second), custom_id, h.bob)
    await intruder.wait_done()
    assert intruder.ephemeral and "Only the person" in intruder.original.content
    owner = await h.discord.click(original(second), custom_id, h.alice)
    await owner.wait_done()
    assert owner.ephemeral and owner.original.content.startswith("Cancelled")
    await second.wait_for(lambda r: original(r).deleted)
    await outcome(first)
    # The queue is first come, first served: had the cancelled job stayed in it, it
    # would reach the API before this later one.
    await outcome(await h.imagine(user=h.bob, prompt="third"))
    # The cancelled job never reached the API.
    assert [r.body["input"]["messages"][0]["content"][0]["text"] for r in h.api.requests] == [
        "first",
        "third",
    ]


async def test_cancel_after_the_job_started_is_refused_plainly(h):
    _, second = await queued_behind_another(h, latency=0.8)
    message = original(second)
    (custom_id,) = message.custom_ids
    stale_button = list(message.components)
    # Started: its request has reached the image API.
    await until(lambda: h.api.generation_calls == 2, what="the second job reaching the API")
    message.components = stale_button  # a client that has not refreshed yet
    late = await h.discord.click(message, custom_id, h.alice)
    await late.wait_done()
    assert "Too late to cancel" in late.original.content
    assert posted_image(await outcome(second))
    message.components = stale_button
    finished = await h.discord.click(message, custom_id, h.alice)
    await finished.wait_done()
    assert "already finished" in finished.original.content


async def test_a_member_over_the_pending_limit_is_told_at_once_and_nothing_is_queued(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="1", MAX_PENDING_PER_USER="2")
    h.api.latency = 1.5  # long enough that no job ends before all three are asked
    records = [await h.imagine(prompt=f"job {i}") for i in range(3)]
    for record in records:
        await outcome(record)
    # The three arrive together; whichever is checked last is the one refused.
    refused = [r for r in records if not posted_image(r)]
    assert len(refused) == 1
    assert refused[0].ephemeral and not refused[0].deferred  # answered at once, not queued
    assert "You already have 2 requests waiting" in private_text(refused[0])
    assert h.api.generation_calls == 2


async def test_a_queued_job_continues_after_a_restart_and_its_old_button_answers_plainly(h):
    _, second = await queued_behind_another(h, latency=1.0)
    message = original(second)
    (custom_id,) = message.custom_ids
    await h.restart_bot()
    await outcome(second, within=15)
    # The queued job waited for the next start, said so, and was posted by it.
    assert posted_image(second), second.describe()
    said = [revision.content for revision in message.history] + [message.content]
    assert CONTINUES_AFTER_RESTART in said
    assert not [m for m in second.messages if m.ephemeral]
    # A client that has not refreshed still shows the Cancel button: a plain answer.
    message.components = [
        {
            "type": 1,
            "components": [{"type": 2, "style": 2, "label": "Cancel", "custom_id": custom_id}],
        }
    ]
    click = await h.discord.click(message, custom_id, h.alice)
    await click.wait_done()
    assert click.ephemeral and "already finished" in click.original.content


async def test_imagine_queue_shows_your_jobs(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    h.api.latency = 0.6
    await h.imagine(user=h.bob, prompt="first")
    await until(lambda: h.api.generation_calls == 1, what="the first job reaching the API")
    await (await h.imagine(prompt="second")).wait_for(shows_queued)
    status = await h.discord.invoke(h.guild, h.channel, h.alice, "imagine-queue")
    await status.wait_done()
    assert status.ephemeral
    text = status.original.content
    assert "1 waiting, 1 being made" in text and "Yours at #1" in text


async def test_a_job_that_could_not_be_posted_in_time_is_never_started(h):
    # The gateway delivered this interaction late: 880 of its 900 seconds are gone.
    h.discord.interaction_age = 880
    record = await outcome(await h.imagine())
    assert private_text(record) == EXPIRED
    assert record.original.deleted
    assert h.api.generation_calls == 0


async def test_status_edits_come_at_most_every_two_seconds(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="1")
    h.api.latency = 2.2
    await h.imagine(user=h.bob, prompt="first")
    await until(lambda: h.api.generation_calls == 1, what="the first job reaching the API")
    carol = h.discord.add_member(h.guild, name="carol")
    await (await h.imagine(user=carol, prompt="second")).wait_for(shows_queued)
    third = await h.imagine(prompt="third")
    await outcome(third, within=15)
    history = third.original.history
    contents = [revision.content for revision in history]
    assert any(c.startswith("Queued — #2") for c in contents), contents
    assert any(c.startswith("Generating…") for c in contents), contents
    status_edits = [r.at for r in history if r.content and not r.attachment_names]
    gaps = [b - a for a, b in itertools.pairwise(status_edits)]
    assert all(gap >= 1.95 for gap in gaps), gaps
    assert history[-1].attachment_names == ["image.png"]


async def test_double_click_on_cancel(h):
    _, second = await queued_behind_another(h, latency=0.6)
    message = original(second)
    (custom_id,) = message.custom_ids
    clicks = await asyncio.gather(*(h.discord.click(message, custom_id, h.alice) for _ in range(2)))
    answers = sorted([(await c.wait_done()).original.content for c in clicks])
    assert answers[0].startswith("Already cancelled") and answers[1].startswith("Cancelled")


async def test_an_api_throttling_for_minutes_fails_plainly_and_then_recovers(h):
    await h.restart_bot(IMAGE_API_CONCURRENCY="2", IMAGE_API_RATE="10")
    h.bot.image_client._backoff_base = 0.01
    throttled = Reply.dashscope_error(
        429, "Throttling.RateQuota", "Requests rate limit exceeded.", headers={"Retry-After": "0.1"}
    )
    h.api.queue(*[throttled] * 9)
    records = [await h.imagine(user=user, prompt="busy") for user in (h.alice, h.bob, h.alice)]
    for record in records:
        await outcome(record, within=30)
        assert private_text(record) == sentence_for(Throttled("x"))
    assert h.bot.gate.current_rate < 10  # the 429s slowed the bot down
    assert posted_image(await outcome(await h.imagine(user=h.bob), within=30))


async def test_a_rejected_discord_token_is_said_plainly(tmp_path, caplog):
    async with harness(tmp_path, start=False) as idle:
        env = idle.settings_env(DISCORD_TOKEN="MTAx.Wr0nG.token-that-discord-does-not-know")
        code = await run_bot(load_settings(env), ImageBot)
    assert code == 2
    assert "Discord rejected DISCORD_TOKEN" in caplog.text
    assert "Wr0nG" not in caplog.text


async def test_commands_are_registered_in_chinese_too_under_their_english_names(h):
    commands = {c["name"]: c for c in h.discord.registered_commands(h.guild)}
    imagine = commands["imagine"]
    assert not imagine.get("name_localizations")  # /imagine is /imagine in every language
    descriptions = imagine["description_localizations"]
    assert set(descriptions) == {"zh-CN", "zh-TW"}
    assert descriptions["zh-CN"] != descriptions["zh-TW"] != imagine["description"]
    prompt = next(o for o in imagine["options"] if o["name"] == "prompt")
    assert set(prompt["description_localizations"]) == {"zh-CN", "zh-TW"}
    for command in commands.values():
        for option in command.get("options", ()):
            for name in (option.get("name_localizations") or {}).values():
                assert 1 <= len(name) <= 32 and name == name.lower()
            for text in (option.get("description_localizations") or {}).values():
                assert 1 <= len(text) <= 100
