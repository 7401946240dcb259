"""The /imagine result card stays inside Discord's embed limits, whatever the texts."""

from __future__ import annotations

import discord
import pytest

from cogs.imagine.embed import result_embed
from imagecore.api.client import GeneratedImage
from imagecore.api.request import ImageRequest
from imagecore.i18n import Catalogs, Message
from tests.support.discord_standin.errors import FormErrors
from tests.support.discord_standin.validation import EMBED_TOTAL_CHARS, validate_embed

ENGLISH = Catalogs.english_only().language("en-US")


def request(**overrides: object) -> ImageRequest:
    values: dict[str, object] = {
        "prompt": "a lighthouse in fog",
        "model": "qwen-image",
        "size": "1664*928",
        "prompt_extend": True,
        "watermark": False,
    }
    return ImageRequest(**(values | overrides))  # type: ignore[arg-type]


def image(revised_prompt: str | None) -> GeneratedImage:
    return GeneratedImage(
        data=b"png", extension="png", revised_prompt=revised_prompt, source="url", attempts=()
    )


def card(req: ImageRequest, revised: str | None, *, note: str | None = None) -> discord.Embed:
    return result_embed(
        req,
        image(revised),
        language=ENGLISH,
        requester="alice",
        seconds=12.34,
        note=None if note is None else Message(note),
        filename="result.png",
    )


def fields(embed: discord.Embed) -> dict[str, str]:
    return {f.name or "": f.value or "" for f in embed.fields}


def assert_discord_accepts(embed: discord.Embed) -> None:
    """Discord's own per-field limits and the 6000-character total, as the stand-in
    enforces them (its rules are checked against Discord's behaviour elsewhere)."""
    errors = FormErrors()
    total = validate_embed(errors, ["embeds", 0], embed.to_dict())
    assert errors.tree == {}
    assert total <= EMBED_TOTAL_CHARS and len(embed) == total


@pytest.mark.parametrize("prompt", ["x" * 800, "word " * 159 + "last!", ("line\n" * 160)[:800]])
def test_the_longest_texts_fit(prompt: str) -> None:
    req = request(prompt=prompt, negative_prompt="n" * 500, seed=2**31 - 1)
    embed = card(req, "r" * 5000, note="q" * 5000)
    assert_discord_accepts(embed)
    assert embed.title is not None and len(embed.title) <= 256 and "\n" not in embed.title
    assert embed.description == prompt  # the whole prompt, uncut
    shown = fields(embed)
    assert shown["Negative prompt"] == "n" * 500
    assert len(shown["Revised prompt"]) == 1024 and shown["Revised prompt"].endswith("…")
    assert shown["Seed"] == str(2**31 - 1)


def test_a_revised_prompt_equal_to_the_prompt_is_hidden() -> None:
    req = request(prompt="a red cat")
    assert "Revised prompt" not in fields(card(req, "a red cat"))
    assert "Revised prompt" not in fields(card(req, "  a red cat \n"))  # only spacing differs
    assert "Revised prompt" not in fields(card(req, None))
    assert "Revised prompt" not in fields(card(req, ""))
    assert fields(card(req, "a red cat on a sofa"))["Revised prompt"] == "a red cat on a sofa"


def test_the_card_shows_the_options_that_were_used() -> None:
    embed = card(request(seed=42), None, note="Prompt extend was off for this model.")
    assert fields(embed) == {
        "Size": "16:9 landscape · 1664×928",
        "Seed": "42",
        "Model": "qwen-image",
        "Time": "12.3 s",
        "Note": "Prompt extend was off for this model.",
    }
    assert embed.footer.text == "Requested by alice"
    assert embed.image.url == "attachment://result.png"
    # Options that weren't given are not shown as empty fields.
    assert set(fields(card(request(), None))) == {"Size", "Model", "Time"}
