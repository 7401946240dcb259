"""/imagine through the real bot once per IMAGE_API_STYLE, against the image API stand-in
speaking that style: the body it validates, its answer shape, the image posted."""

from __future__ import annotations

import pytest

from imagecore.api.styles import STYLE_NAMES
from tests.support.api_standin import APIStandIn, Reply, make_png
from tests.support.bot_harness import harness

ENV = {
    "relay": {},
    # As a Bailian user sets it up: the style and DashScope's key name, nothing else.
    "dashscope": {"IMAGE_API_STYLE": "dashscope", "IMAGE_API_KEY": ""},
    "openai": {"IMAGE_API_STYLE": "openai", "IMAGE_API_EXTRA_FIELDS": "seed"},
}


@pytest.mark.parametrize("style", STYLE_NAMES)
async def test_imagine_happy_path_in_every_style(tmp_path, style):
    async with APIStandIn(style=style) as api:
        env = ENV[style] | ({"DASHSCOPE_API_KEY": api.api_key} if style == "dashscope" else {})
        async with harness(tmp_path, api=api, **env) as h:
            api.image = make_png(200, 120, noise=True)
            api.queue(Reply(revised_prompt="A fox, revised."))
            record = await h.imagine(prompt="a red fox in snow", seed=99)
            await record.wait_for(
                lambda r: bool(r.final_message and r.final_message.attachments), 10
            )
            assert h.bot is not None and h.bot.image_client.style.name == style
        assert api.invalid_bodies == []
        message = record.final_message
        assert message is not None and message.attachments[0].data == api.image
        body = api.requests[0].body
        if style == "openai":
            assert body["prompt"] == "a red fox in snow" and body["seed"] == 99
            assert body["size"] == "1328x1328"
        else:
            assert body["input"]["messages"][0]["content"] == [{"text": "a red fox in snow"}]
            assert body["parameters"]["seed"] == 99
        fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
        # DashScope's own answer carries no revised prompt; the relay's and openai's do.
        assert ("Revised prompt" in fields) is (style != "dashscope")
