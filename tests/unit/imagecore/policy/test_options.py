"""The member's /imagine options resolved against the server's and the bot's defaults."""

from __future__ import annotations

import dataclasses

import pytest

from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.options import ImagineOptions

BOT = BotDefaults(
    size="1328*1328",
    negative_prompt="",
    prompt_extend=True,
    watermark=False,
    model="qwen-image",
    max_pending_per_user=3,
    models=("qwen-image",),
    sizes=("1328*1328", "1664*928"),
)


def test_options_are_frozen_and_default_to_left_out():
    options = ImagineOptions("a cat")
    assert (options.size, options.seed, options.watermark) == (None, None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.prompt = "a dog"  # type: ignore[misc]


def test_the_members_size_is_normalised_and_must_be_offered():
    request = BOT.resolve(GuildSettings(), ImagineOptions("a cat", size="1664x928"))
    assert request.size == "1664*928"
    with pytest.raises(ValueError, match="not offered here"):
        BOT.resolve(GuildSettings(), ImagineOptions("a cat", size="1024*1024"))


def test_the_request_checks_still_apply():
    with pytest.raises(ValueError, match="prompt is empty"):
        BOT.resolve(GuildSettings(), ImagineOptions("   "))
