"""The /imagine and /imagine-edit commands' definitions: their options, as Discord shows
and checks them, turned into one ImagineOptions (or EditOptions) for the cog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from cogs.imagine import edit_words
from cogs.imagine.edit_sources import EditSource
from imagecore.api.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED
from imagecore.editing.capabilities import capabilities_for
from imagecore.policy.options import ImagineOptions
from imagecore.policy.sizes import size_label

if TYPE_CHECKING:
    from bot import ImageBot
    from config import Settings

__all__ = ["EditOptions", "build_edit_command", "build_imagine_command"]

Handler = Callable[["discord.Interaction[ImageBot]", ImagineOptions], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class EditOptions:
    """The /imagine-edit options; ``None`` means "left out"."""

    prompt: str  # the instruction
    images: tuple[EditSource, ...]  # 1 to 3, in the order the model numbers them
    negative_prompt: str | None = None
    size: str | None = None  # None: the shape of the last image
    seed: int | None = None
    count: int | None = None
    edited_from: str = ""  # the link to the message the pictures are from, if any


EditHandler = Callable[["discord.Interaction[ImageBot]", EditOptions], Awaitable[None]]


def build_imagine_command(handle: Handler, config: Settings) -> app_commands.Command:
    """Built at load time: the size choices and where it may be used come from the config."""
    size_choices = [app_commands.Choice(name=size_label(s), value=s) for s in config.image_sizes]

    @app_commands.describe(
        prompt="What to draw",
        negative_prompt="What to keep out of the image",
        size="Image shape and size",
        prompt_extend="Let the model expand your prompt for better detail",
        watermark="Add the provider's watermark",
        seed="Same seed and prompt give a similar image",
        count="How many images (each with its own seed)",
    )
    # One decorator per parameter: their choices are of different types.
    @app_commands.choices(size=size_choices)
    @app_commands.choices(count=count_choices(config))
    @app_commands.allowed_contexts(guilds=True, dms=config.allow_dms, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def imagine(
        interaction: discord.Interaction[ImageBot],
        prompt: app_commands.Range[str, 1, MAX_PROMPT],
        negative_prompt: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None,
        size: str | None = None,
        prompt_extend: bool | None = None,
        watermark: bool | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        count: int | None = None,
    ) -> None:
        options = ImagineOptions(
            prompt, negative_prompt, size, prompt_extend, watermark, seed, count
        )
        await handle(interaction, options)

    return app_commands.Command(
        name="imagine", description="Draw an image from a text prompt", callback=imagine
    )


def count_choices(config: Settings) -> list[app_commands.Choice[int]]:
    return [
        app_commands.Choice(name=str(n), value=n)
        for n in range(1, config.max_images_per_request + 1)
    ]


def edit_sizes(config: Settings) -> list[str]:
    """The configured sizes the edit model takes (the provider refuses others)."""
    capabilities = capabilities_for(config.image_edit_model, config.model_capabilities)
    return [s for s in config.image_sizes if capabilities.accepts_size(s)]


def build_edit_command(handle: EditHandler, config: Settings) -> app_commands.Command:
    """/imagine-edit: one to three attachments and an instruction. Offers only the sizes the
    edit model takes; with none (plain qwen-image-edit), the result keeps the input's shape."""
    size_choices = [app_commands.Choice(name=size_label(s), value=s) for s in edit_sizes(config)]

    @app_commands.describe(
        image=edit_words.DESCRIBE_IMAGE,
        prompt=edit_words.DESCRIBE_PROMPT,
        image2=edit_words.DESCRIBE_IMAGE2,
        image3=edit_words.DESCRIBE_IMAGE3,
        negative_prompt=edit_words.DESCRIBE_NEGATIVE,
        size=edit_words.DESCRIBE_SIZE,
        seed=edit_words.DESCRIBE_SEED,
        count=edit_words.DESCRIBE_COUNT,
    )
    @app_commands.choices(count=count_choices(config))
    @app_commands.allowed_contexts(guilds=True, dms=config.allow_dms, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def imagine_edit(
        interaction: discord.Interaction[ImageBot],
        image: discord.Attachment,
        prompt: app_commands.Range[str, 1, MAX_PROMPT],
        image2: discord.Attachment | None = None,
        image3: discord.Attachment | None = None,
        negative_prompt: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None,
        size: str | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        count: int | None = None,
    ) -> None:
        images = tuple(EditSource.of(a) for a in (image, image2, image3) if a is not None)
        options = EditOptions(prompt, images, negative_prompt, size, seed, count)
        await handle(interaction, options)

    if size_choices:
        imagine_edit = app_commands.choices(size=size_choices)(imagine_edit)
    return app_commands.Command(
        name="imagine-edit", description=edit_words.COMMAND_DESCRIPTION, callback=imagine_edit
    )
