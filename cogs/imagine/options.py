"""The /imagine command's definition: its options, as Discord shows and checks them,
turned into one ImagineOptions for the cog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from imagecore.api.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED
from imagecore.policy.options import ImagineOptions
from imagecore.policy.sizes import size_label

if TYPE_CHECKING:
    from bot import ImageBot
    from config import Settings

__all__ = ["build_imagine_command"]

Handler = Callable[["discord.Interaction[ImageBot]", ImagineOptions], Awaitable[None]]


def build_imagine_command(handle: Handler, config: Settings) -> app_commands.Command:
    """Built at load time: the size choices and where it may be used come from the config."""
    size_choices = [app_commands.Choice(name=size_label(s), value=s) for s in config.image_sizes]
    count_choices = [
        app_commands.Choice(name=str(n), value=n)
        for n in range(1, config.max_images_per_request + 1)
    ]

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
    @app_commands.choices(count=count_choices)
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
