"""Editing from a result (🖌️ Edit) and from any message (Apps → Edit image), end to end: the
real bot answers the click with a form, fetches the picture of the message from the Discord
stand-in, and the image API stand-in checks that the edit body carries exactly those bytes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from cogs.imagine import edit_words
from cogs.imagine.edit_entry import EDIT_MENU_NAME
from cogs.utils.sentences import sentence_for
from imagecore.api.errors import InputNotUsable, InputRejected, StyleUnsupported
from tests.e2e.conftest import assert_discord_understood
from tests.support.api_standin import APIStandIn, Reply, make_png
from tests.support.api_style_shapes import input_images
from tests.support.bot_harness import Harness, harness
from tests.support.discord_standin import InteractionRecord, StoredMessage
from tests.support.outcomes import final, outcome, posted_image, private_text, told_privately
from tests.support.waiting import until

MODAL = 9
MESSAGE_COMMAND = 3


def picture(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def h(tmp_path, discord_spec) -> AsyncIterator[Harness]:
    # Results large enough to be edited (the provider wants about 384 px a side).
    async with APIStandIn(image=make_png(512, 512)) as api, harness(tmp_path, api=api) as running:
        yield running
        discord_api = running.discord
    assert_discord_understood(discord_api, discord_spec)
    assert api.invalid_bodies == []


async def result(h: Harness, **options) -> StoredMessage:
    record = await outcome(await h.imagine(prompt="a lighthouse", **options))
    return final(record)


def edit_ids(message: StoredMessage) -> list[str]:
    return [c for c in message.custom_ids if c.startswith("imagine:edit:")]


def labels(message: StoredMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in message.components:
        for item in row.get("components", []):
            if "custom_id" in item:
                found[item["custom_id"]] = item.get("label", "")
    return found


async def opened_form(record: InteractionRecord) -> InteractionRecord:
    await record.wait_for_ack()
    assert record.callback_type == MODAL, record.describe()
    return record


def fields_of(message: StoredMessage) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


def jump_url(message: StoredMessage) -> str:
    guild = message.guild
    assert guild is not None
    return f"https://discord.com/channels/{guild.id}/{message.channel.id}/{message.id}"


# -- 🖌️ Edit under a result ---------------------------------------------------------------


async def test_edit_on_a_result_sends_the_results_own_image(h):
    original = await result(h)
    (edit_id,) = edit_ids(original)
    assert labels(original)[edit_id] == edit_words.BUTTON_EDIT
    form = await opened_form(await h.discord.click(original, edit_id, h.bob))
    edited = await outcome(await h.discord.submit_modal(form, {"instruction": "paint it at night"}))
    assert posted_image(edited)
    body = h.api.requests[-1].body
    assert body["model"] == "qwen-image-edit-plus"
    assert body["input"]["messages"][0]["content"][-1] == {"text": "paint it at night"}
    assert input_images(body) == [original.attachments[0].data]
    message = final(edited)
    assert message.id != original.id  # a new result, the original stays
    assert fields_of(message)[edit_words.FIELD_EDITED_FROM] == (
        f"[this message]({jump_url(original)})"
    )
    # The edit is a normal result: it can be edited again.
    assert len(edit_ids(message)) == 1


async def test_each_image_of_several_has_its_own_edit_button(h):
    for colour in ((250, 0, 0), (0, 0, 250)):  # each image its own bytes
        h.api.queue(Reply(image=picture(512, 512, colour)))
    original = await result(h, count=2)
    ids = edit_ids(original)
    assert [labels(original)[i] for i in ids] == ["🖌️ 1", "🖌️ 2"]
    form = await opened_form(await h.discord.click(original, ids[1], h.alice))
    await outcome(await h.discord.submit_modal(form, {"instruction": "add snow"}))
    assert input_images(h.api.requests[-1].body) == [original.attachments[1].data]


async def test_an_edit_button_with_editing_switched_off_says_so_before_the_form(h):
    original = await result(h)
    await h.bot.storage.change_guild_settings(h.guild.id, h.mod.id, editing=False)
    await h.bot.settings_cache.load_all()
    clicked = await h.discord.click(original, edit_ids(original)[0], h.bob)
    await clicked.wait_done()
    assert clicked.callback_type != MODAL and told_privately(clicked)
    assert private_text(clicked) == edit_words.EDITING_OFF
    assert len(h.api.requests) == 1


# -- Apps → Edit image ---------------------------------------------------------------------


async def test_the_message_menu_is_registered_for_messages(h):
    commands = h.discord.registered_commands(h.guild)
    (menu,) = [c for c in commands if c["name"] == EDIT_MENU_NAME]
    assert menu["type"] == MESSAGE_COMMAND
    # Members read it in the Apps menu: named in their language.
    assert menu["name_localizations"] == {"zh-CN": "编辑图片", "zh-TW": "編輯圖片"}


async def test_edit_image_on_a_members_upload_sends_their_bytes(h):
    upload = picture(640, 480, (10, 200, 30))
    posted = h.discord.post_as(
        h.guild, h.channel, h.alice, "my cat", files=[h.discord.upload("cat.png", upload)]
    )
    opened = await opened_form(
        await h.discord.invoke_message_command(h.guild, h.channel, h.bob, EDIT_MENU_NAME, posted)
    )
    edited = await outcome(await h.discord.submit_modal(opened, {"instruction": "give it a hat"}))
    assert posted_image(edited)
    body = h.api.requests[-1].body
    assert input_images(body) == [upload]
    # About a megapixel in the picture's own 4:3 shape.
    assert body["parameters"]["size"] == "1184*880"
    assert fields_of(final(edited))[edit_words.FIELD_EDITED_FROM] == (
        f"[this message]({jump_url(posted)})"
    )


async def test_a_message_with_several_pictures_asks_which(h):
    first, second = picture(512, 512, (200, 0, 0)), picture(512, 512, (0, 200, 0))
    posted = h.discord.post_as(
        h.guild,
        h.channel,
        h.alice,
        files=[h.discord.upload("a.png", first), h.discord.upload("b.png", second)],
    )
    opened = await opened_form(
        await h.discord.invoke_message_command(h.guild, h.channel, h.alice, EDIT_MENU_NAME, posted)
    )
    edited = await outcome(
        await h.discord.submit_modal(opened, {"instruction": "make it blue", "which": "2"})
    )
    assert posted_image(edited)
    assert input_images(h.api.requests[-1].body) == [second]


async def test_a_message_without_a_picture_is_a_sentence_and_no_form(h):
    posted = h.discord.post_as(
        h.guild, h.channel, h.alice, "notes", files=[h.discord.upload("notes.txt", b"hello")]
    )
    record = await h.discord.invoke_message_command(
        h.guild, h.channel, h.alice, EDIT_MENU_NAME, posted
    )
    await record.wait_done()
    assert record.callback_type != MODAL and told_privately(record)
    assert private_text(record) == edit_words.NO_IMAGE_IN_MESSAGE
    assert h.api.requests == []


async def test_a_blocked_word_in_the_forms_instruction_is_refused_with_no_download(h):
    await h.bot.storage.change_guild_settings(h.guild.id, h.mod.id, blocked_words=("gore",))
    await h.bot.settings_cache.load_all()
    posted = h.discord.post_as(
        h.guild,
        h.channel,
        h.alice,
        files=[h.discord.upload("cat.png", picture(512, 512, (1, 2, 3)))],
    )
    opened = await opened_form(
        await h.discord.invoke_message_command(h.guild, h.channel, h.alice, EDIT_MENU_NAME, posted)
    )
    refused = await outcome(await h.discord.submit_modal(opened, {"instruction": "add gore"}))
    assert told_privately(refused) and "gore" in private_text(refused)
    assert h.api.requests == []
    assert not [r for r in h.discord.requests if r.path.startswith("/attachments/")]


# -- the server's edit model ---------------------------------------------------------------


async def test_a_servers_edit_model_is_the_one_sent(tmp_path):
    async with (
        APIStandIn(image=make_png(512, 512)) as api,
        harness(tmp_path, api=api, IMAGE_EDIT_MODELS="qwen-image-edit-plus,qwen-image-edit") as h,
    ):
        settings = await h.discord.invoke(
            h.guild,
            h.channel,
            h.mod,
            "imagine-settings defaults",
            edit_model="qwen-image-edit",
        )
        await settings.wait_done()
        assert "qwen-image-edit" in private_text(settings)
        upload = h.discord.upload("cat.png", picture(512, 512, (5, 5, 5)))
        edited = await outcome(
            await h.discord.invoke(
                h.guild, h.channel, h.alice, "imagine-edit", image=upload, prompt="add a moon"
            )
        )
        assert posted_image(edited)
        body = api.requests[-1].body
        # Plain qwen-image-edit takes neither a size nor prompt_extend.
        assert body["model"] == "qwen-image-edit"
        assert "size" not in body["parameters"] and "prompt_extend" not in body["parameters"]
        # The card shows the size the model made (the stand-in's 512 by 512), not a default.
        assert fields_of(final(edited))["Size"] == "1:1 square · 512×512"
        refused = await h.discord.invoke(
            h.guild, h.channel, h.mod, "imagine-settings defaults", edit_model="qwen-image-max"
        )
        await refused.wait_done()
        assert "qwen-image-max" in private_text(refused) and "offers" in private_text(refused)


# -- the provider's word on the picture ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        ("DataInspectionFailed", "Input data may contain inappropriate content.", InputRejected),
        ("InvalidParameter", "The image resolution is too small", InputNotUsable),
    ],
)
async def test_an_input_the_provider_refuses_has_its_own_sentence(h, code, message, error):
    h.api.queue(Reply.dashscope_error(400, code, message))
    upload = h.discord.upload("cat.png", picture(512, 512, (9, 9, 9)))
    record = await outcome(
        await h.discord.invoke(
            h.guild, h.channel, h.alice, "imagine-edit", image=upload, prompt="add a hat"
        )
    )
    assert told_privately(record) or not posted_image(record)
    shown = "\n".join(m.content for m in record.messages if not m.deleted)
    assert sentence_for(error("x")) in shown
    # The same answer to /imagine is the general sentence.
    h.api.queue(Reply.dashscope_error(400, code, message))
    drawn = await outcome(await h.imagine(prompt="a hat"))
    shown = "\n".join(m.content for m in drawn.messages if not m.deleted)
    assert sentence_for(error("x")) not in shown


async def test_every_image_of_one_answer_is_posted(h):
    # The relay keeps only the last image in data[]; metadata carries both.
    h.api.queue(Reply(count=2))
    upload = h.discord.upload("cat.png", picture(512, 512, (40, 40, 40)))
    record = await outcome(
        await h.discord.invoke(
            h.guild, h.channel, h.alice, "imagine-edit", image=upload, prompt="two versions"
        )
    )
    message = final(record)
    assert len(h.api.requests) == 1
    assert [a.data for a in message.attachments] == h.api.served_images[-2:]
    assert len(edit_ids(message)) == 2
    await h.bot.ledger.drain(5)
    row = await h.bot.storage.find_job(edit_ids(message)[0].split(":")[2])
    assert row is not None and len(row.results) == 2


async def test_an_edit_by_a_model_that_also_draws_stays_an_edit_when_re_rolled(tmp_path):
    async with (
        APIStandIn(image=make_png(512, 512)) as api,
        harness(tmp_path, api=api, IMAGE_EDIT_MODEL="qwen-image-2.0") as h,
    ):
        upload = h.discord.upload("cat.png", picture(512, 512, (7, 7, 7)))
        message = final(
            await outcome(
                await h.discord.invoke(
                    h.guild, h.channel, h.alice, "imagine-edit", image=upload, prompt="add a moon"
                )
            )
        )
        key = edit_ids(message)[0].split(":")[2]
        assert h.bot is not None
        live_jobs = h.bot.storage.live_jobs

        async def ended() -> bool:
            kept = await live_jobs.find(key)
            return kept is not None and kept.ended

        await until(ended, what="the edit's row ended")
        again = await outcome(await h.discord.click(message, f"imagine:reroll:{key}", h.bob))
        assert posted_image(again)
        body = api.requests[-1].body
        assert body["model"] == "qwen-image-2.0" and input_images(body) == [upload.data]
        # Switched off, the re-roll is refused rather than drawn from the instruction alone.
        await h.bot.storage.change_guild_settings(h.guild.id, h.mod.id, editing=False)
        await h.bot.settings_cache.load_all()
        refused = await outcome(await h.discord.click(message, f"imagine:reroll:{key}", h.bob))
        assert private_text(refused) == edit_words.EDITING_OFF
        assert len(api.requests) == 2


async def test_a_style_that_carries_no_pictures_offers_no_edit(tmp_path):
    async with (
        APIStandIn(style="openai", image=make_png(512, 512)) as api,
        harness(tmp_path, api=api, IMAGE_API_STYLE="openai") as h,
    ):
        message = final(await outcome(await h.imagine(prompt="a lighthouse")))
        assert edit_ids(message) == []
        record = await h.discord.invoke_message_command(
            h.guild, h.channel, h.alice, EDIT_MENU_NAME, message
        )
        await record.wait_done()
        assert record.callback_type != MODAL
        assert private_text(record) == sentence_for(StyleUnsupported("edit"))
        assert len(api.requests) == 1
