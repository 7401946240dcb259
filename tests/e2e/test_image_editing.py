"""/imagine-edit end to end: the real bot fetches the member's attachment from the Discord
stand-in (127.0.0.1), checks and fits it, and sends it as a data URI to the image API
stand-in, which validates edit bodies as Bailian's edit models take them."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from PIL import Image

from cogs.imagine import edit_words
from cogs.imagine.words import QUEUE_FULL_REQUESTS
from cogs.utils.sentences import sentence_for
from config import ConfigError, load_settings
from imagecore.api.errors import StyleUnsupported
from tests.e2e.conftest import assert_discord_understood
from tests.support.api_standin import APIStandIn, make_png
from tests.support.api_style_shapes import input_images
from tests.support.bot_harness import BOT_TOKEN, Harness, harness
from tests.support.discord_standin import InteractionRecord, StoredMessage
from tests.support.outcomes import final, outcome, posted_image, private_text, told_privately
from tests.support.waiting import until

DEFERRED_CHANNEL_MESSAGE = 5
OPTION_ATTACHMENT = 11


@pytest.fixture
async def h(tmp_path, discord_spec) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running
        discord_api, api = running.discord, running.api
    assert_discord_understood(discord_api, discord_spec)
    assert api.invalid_bodies == []


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 90, 40)).save(out, format="JPEG", quality=90)
    return out.getvalue()


async def edit(h: Harness, *, user=None, **options) -> InteractionRecord:
    options.setdefault("prompt", "make the sky stormy")
    return await h.discord.invoke(h.guild, h.channel, user or h.alice, "imagine-edit", **options)


def upload(h: Harness, name: str, data: bytes):
    return h.discord.upload(name, data)


def downloads(h: Harness) -> list:
    return [r for r in h.discord.requests if r.path.startswith("/attachments/")]


def decoded(data: bytes) -> tuple[str | None, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size


# -- the command ----------------------------------------------------------------------------


async def test_the_command_takes_up_to_three_attachments_and_an_instruction(h):
    commands = {c["name"]: c for c in h.discord.registered_commands(h.guild)}
    options = {o["name"]: o for o in commands["imagine-edit"]["options"]}
    assert [o["name"] for o in commands["imagine-edit"]["options"][:2]] == ["image", "prompt"]
    assert options["image"]["type"] == OPTION_ATTACHMENT and options["image"]["required"]
    assert options["prompt"]["required"] and options["prompt"]["max_length"] == 800
    for name in ("image2", "image3"):
        assert options[name]["type"] == OPTION_ATTACHMENT and not options[name].get("required")
    assert options["negative_prompt"]["max_length"] == 500
    # qwen-image-edit-plus takes each side 512-2048: every default size fits.
    assert [c["value"] for c in options["size"]["choices"]] == list(h.bot.config.image_sizes)


# -- the happy path ------------------------------------------------------------------------


async def test_an_attachment_is_sent_as_a_data_uri_before_the_instruction(h):
    picture = make_png(512, 512)
    record = await outcome(await edit(h, image=upload(h, "cat.png", picture)))
    assert record.callback_type == DEFERRED_CHANNEL_MESSAGE
    assert record.ack_latency is not None and record.ack_latency < 3
    message = final(record)
    assert not message.ephemeral
    (request,) = h.api.requests
    body = request.body
    assert body["model"] == "qwen-image-edit-plus"
    content = body["input"]["messages"][0]["content"]
    assert [set(item) for item in content] == [{"image"}, {"text"}]
    assert content[0]["image"].startswith("data:image/png;base64,")
    assert content[1] == {"text": "make the sky stormy"}
    # Exactly the member's bytes: already within the provider's bounds, sent as given.
    assert input_images(body) == [picture]
    # No size asked for: about a megapixel in the picture's own shape.
    assert body["parameters"]["size"] == "1024*1024"
    assert isinstance(body["parameters"]["seed"], int)
    # Fetched once, after Discord had the acknowledgement.
    (fetched,) = downloads(h)
    assert record.ack is not None and fetched.at >= record.ack.at
    assert "Authorization" not in fetched.headers  # the bot token stays with the API
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields[edit_words.FIELD_EDITED_FROM] == edit_words.EDITED_FROM_ONE
    assert fields["Model"] == "qwen-image-edit-plus"
    assert message.attachments[0].data == h.api.image


async def test_several_images_go_in_order_and_the_last_sets_the_shape(h):
    first, second = make_png(640, 640, seed=2), make_png(768, 512, seed=3)
    record = await outcome(
        await edit(
            h,
            prompt="put the cat from image 1 on the sofa of image 2",
            image=upload(h, "cat.png", first),
            image2=upload(h, "sofa.png", second),
            negative_prompt="blurry",
            seed=7,
        )
    )
    message = final(record)
    body = h.api.requests[0].body
    assert input_images(body) == [first, second]
    assert body["parameters"]["size"] == "1248*832"  # 3:2, like image 2
    assert body["parameters"]["seed"] == 7
    assert body["parameters"]["negative_prompt"] == "blurry"
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields[edit_words.FIELD_EDITED_FROM] == edit_words.EDITED_FROM_MANY.format(count=2)


async def test_a_chosen_size_is_sent_as_chosen(h):
    await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512)), size="928*1664"))
    assert h.api.requests[0].body["parameters"]["size"] == "928*1664"


async def test_an_oversized_image_is_fitted_before_sending(h):
    # 4000 px is over the provider's 3072 a side: scaled, aspect kept, re-encoded.
    await outcome(await edit(h, image=upload(h, "big.jpg", jpeg(4000, 3000))), within=30)
    body = h.api.requests[0].body
    (sent,) = input_images(body)
    assert decoded(sent) == ("JPEG", (3072, 2304))
    assert body["input"]["messages"][0]["content"][0]["image"].startswith("data:image/jpeg;")
    assert body["parameters"]["size"] == "1184*880"  # 4:3, about a megapixel


async def test_an_image_over_ten_megabytes_is_re_encoded_under_it(h):
    heavy = make_png(1900, 1900, noise=True)  # incompressible: about 10.8 MB as PNG
    assert len(heavy) > 10 * 1024 * 1024
    await outcome(await edit(h, image=upload(h, "noise.png", heavy)), within=30)
    (sent,) = input_images(h.api.requests[0].body)
    assert len(sent) <= 10 * 1024 * 1024
    assert decoded(sent) == ("JPEG", (1900, 1900))


# -- bad input: a sentence, no API call ----------------------------------------------------


async def test_a_text_file_is_refused_privately_with_no_api_call(h):
    record = await outcome(await edit(h, image=upload(h, "notes.txt", b"just some notes\n")))
    assert told_privately(record)
    assert private_text(record) == edit_words.INPUT_NOT_AN_IMAGE.format(name="notes.txt")
    assert h.api.requests == []
    assert len(downloads(h)) == 1  # sniffed from its bytes


async def test_the_content_decides_not_the_file_name(h):
    record = await outcome(await edit(h, image=upload(h, "photo.png", b"<html>not a png</html>")))
    assert private_text(record) == edit_words.INPUT_NOT_AN_IMAGE.format(name="photo.png")
    assert h.api.requests == []


async def test_a_tiny_image_is_refused(h):
    record = await outcome(await edit(h, image=upload(h, "icon.png", make_png(32, 32))))
    assert private_text(record) == edit_words.INPUT_TOO_SMALL.format(name="icon.png", min_side=64)
    assert h.api.requests == []


async def test_a_broken_image_is_refused(h):
    cut = make_png(600, 600, noise=True)[:5000]
    record = await outcome(await edit(h, image=upload(h, "cut.png", cut)))
    assert private_text(record) == edit_words.INPUT_UNREADABLE.format(name="cut.png")
    assert h.api.requests == []


async def test_a_second_bad_attachment_stops_the_whole_edit(h):
    record = await outcome(
        await edit(
            h,
            image=upload(h, "cat.png", make_png(512, 512)),
            image2=upload(h, "notes.txt", b"hello"),
        )
    )
    assert private_text(record) == edit_words.INPUT_NOT_AN_IMAGE.format(name="notes.txt")
    assert h.api.requests == []


async def test_a_file_over_the_download_cap_is_refused_without_fetching_it(h):
    record = await outcome(await edit(h, image=upload(h, "huge.png", b"\0" * (26 * 1024 * 1024))))
    assert private_text(record) == edit_words.DOWNLOAD_TOO_LARGE.format(
        name="huge.png", limit_mb=25
    )
    assert record.ephemeral  # refused within the window: no public "thinking…" at all
    assert downloads(h) == [] and h.api.requests == []


async def test_an_attachment_that_is_gone_is_a_sentence(h, monkeypatch):
    # A file the stand-in doesn't have (Discord answers 404 for a deleted one).
    serve_attachments_from(h, monkeypatch, f"{h.discord.base_url}/attachments/1/2/gone.png")
    record = await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512))))
    assert private_text(record) == edit_words.DOWNLOAD_DEAD_LINK.format(name="cat.png")
    assert h.api.requests == []


@contextlib.asynccontextmanager
async def slow_file_server(data: bytes, delay: float) -> AsyncIterator[str]:
    """A CDN that takes ``delay`` seconds to start sending ``data``, on 127.0.0.1."""

    async def serve(_: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.Response(body=data, content_type="image/png")

    app = web.Application()
    app.router.add_get("/slow.png", serve)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/slow.png"
    finally:
        await runner.cleanup()


async def test_a_slow_download_comes_after_the_acknowledgement(h, monkeypatch):
    picture = make_png(512, 512)
    async with slow_file_server(picture, delay=3.5) as url:
        serve_attachments_from(h, monkeypatch, url)
        record = await outcome(await edit(h, image=upload(h, "cat.png", picture)))
    assert record.ack_latency is not None and record.ack_latency < 3
    assert posted_image(record)
    assert input_images(h.api.requests[0].body) == [picture]


def serve_attachments_from(h: Harness, monkeypatch, url: str) -> None:
    """Every attachment uploaded from now on is fetched from ``url``."""
    store = h.discord.messages.store_attachment

    def elsewhere(*args, **kwargs):
        stored = store(*args, **kwargs)
        stored.url = url
        return stored

    monkeypatch.setattr(h.discord.messages, "store_attachment", elsewhere)


async def test_a_download_that_takes_too_long_is_a_sentence(h, monkeypatch):
    cog = h.bot.get_cog("ImagineCog")
    monkeypatch.setattr(cog.editing, "download_seconds", 0.5)
    async with slow_file_server(make_png(512, 512), delay=3) as url:
        serve_attachments_from(h, monkeypatch, url)
        record = await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512))))
    assert private_text(record) == edit_words.DOWNLOAD_TIMED_OUT.format(name="cat.png"), (
        record.describe()
    )
    assert h.api.requests == []


async def test_an_edit_being_fetched_counts_toward_the_pending_limit(h, monkeypatch):
    await h.restart_bot(MAX_PENDING_PER_USER="1")
    picture = make_png(512, 512)
    async with slow_file_server(picture, delay=2) as url:
        serve_attachments_from(h, monkeypatch, url)
        first = await edit(h, image=upload(h, "cat.png", picture))
        await first.wait_for_ack()
        second = await outcome(await h.imagine(prompt="a lighthouse"))
        assert private_text(second) == QUEUE_FULL_REQUESTS.format(limit=1)
        await outcome(first)
    assert posted_image(first)
    assert len(h.api.requests) == 1


# -- admission ----------------------------------------------------------------------------


async def test_a_blocked_word_in_the_instruction_is_refused_with_no_download(h):
    await h.bot.storage.change_guild_settings(h.guild.id, h.mod.id, blocked_words=("gore",))
    await h.bot.settings_cache.load_all()
    record = await outcome(
        await edit(h, prompt="add some gore", image=upload(h, "cat.png", make_png(512, 512)))
    )
    assert told_privately(record) and record.ephemeral
    assert "gore" in private_text(record)
    assert downloads(h) == [] and h.api.requests == []


async def test_an_edit_counts_toward_the_daily_budget(h):
    await h.restart_bot(USER_DAILY_IMAGES="1")
    await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512))))
    again = await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512))))
    assert told_privately(again) and again.ephemeral
    assert "for today" in private_text(again)
    assert len(h.api.requests) == 1 and len(downloads(h)) == 1


async def kept_edit(h: Harness, picture: bytes) -> StoredMessage:
    """An edit's result, once its job's row (which keeps the picture) is written: the row
    is written in the background and may land just after a quick result is posted."""
    message = final(await outcome(await edit(h, image=upload(h, "cat.png", picture))))
    (reroll,) = [c for c in message.custom_ids if c.startswith("imagine:reroll:")]
    assert h.bot is not None
    live_jobs = h.bot.storage.live_jobs

    async def ended() -> bool:
        kept = await live_jobs.find(reroll.split(":")[2])
        return kept is not None and kept.ended

    await until(ended, what="the edit's row ended")
    return message


async def test_re_rolling_an_edit_runs_it_again_on_the_same_picture_with_a_new_seed(h):
    picture = make_png(512, 512)
    message = await kept_edit(h, picture)
    (reroll,) = [c for c in message.custom_ids if c.startswith("imagine:reroll:")]
    again = await outcome(await h.discord.click(message, reroll, h.bob))
    assert posted_image(again)
    first, second = (r.body for r in h.api.requests)
    assert input_images(second) == [picture]
    assert second["model"] == first["model"] == "qwen-image-edit-plus"
    assert second["parameters"]["seed"] != first["parameters"]["seed"]
    assert second["input"]["messages"][0]["content"][-1] == {"text": "make the sky stormy"}
    assert len(downloads(h)) == 1  # the kept picture, not fetched again


async def test_remix_of_an_edit_changes_the_instruction_and_keeps_the_picture(h):
    picture = make_png(512, 512)
    message = await kept_edit(h, picture)
    (remix,) = [c for c in message.custom_ids if c.startswith("imagine:remix:")]
    opened = await h.discord.click(message, remix, h.alice)
    await opened.wait_for_ack()
    remixed = await outcome(await h.discord.submit_modal(opened, {"prompt": "make it snow"}))
    assert posted_image(remixed)
    body = h.api.requests[-1].body
    assert input_images(body) == [picture]
    assert body["input"]["messages"][0]["content"][-1] == {"text": "make it snow"}


async def test_an_edit_whose_picture_is_no_longer_kept_says_so(h):
    message = await kept_edit(h, make_png(512, 512))
    (reroll,) = [c for c in message.custom_ids if c.startswith("imagine:reroll:")]
    live_jobs = h.bot.storage.live_jobs
    # A second job, so the edit's row is not the newest (which always stays).
    await outcome(await h.imagine(prompt="a lighthouse"))
    assert await live_jobs.purge(h.bot.clock() + 1) >= 1
    clicked = await outcome(await h.discord.click(message, reroll, h.bob))
    assert private_text(clicked) == edit_words.EDIT_NOT_RERUNNABLE
    assert len(h.api.requests) == 2


# -- styles and configuration ---------------------------------------------------------------


async def test_the_openai_style_says_editing_is_not_available(tmp_path):
    async with APIStandIn(style="openai") as api:
        async with harness(tmp_path, api=api, IMAGE_API_STYLE="openai") as h:
            record = await outcome(await edit(h, image=upload(h, "cat.png", make_png(512, 512))))
            assert told_privately(record)
            assert private_text(record) == sentence_for(StyleUnsupported("edit"))
            assert downloads(h) == []
        assert api.requests == []


def test_the_edit_model_is_configurable_and_must_edit():
    env = {
        "DISCORD_TOKEN": BOT_TOKEN,
        "IMAGE_API_BASE_URL": "https://relay.my-host.net/v1",
        "IMAGE_API_KEY": "sk-test",
    }
    assert load_settings(env).image_edit_model == "qwen-image-edit-plus"
    chosen = load_settings(env | {"IMAGE_EDIT_MODEL": "qwen-image-edit-max"})
    assert chosen.image_edit_model == "qwen-image-edit-max"
    for bad in ("qwen-image", "qwen image edit"):
        with pytest.raises(ConfigError) as caught:
            load_settings(env | {"IMAGE_EDIT_MODEL": bad})
        assert caught.value.variable == "IMAGE_EDIT_MODEL"
