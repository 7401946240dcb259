"""/imagine: read the options, hand a request to the core, post what comes back."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.sentences import UNEXPECTED, sentence_for
from imagecore.errors import ImageAPIError
from imagecore.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED, ImageRequest
from imagecore.sizes import size_label
from imagecore.text_limits import clip, one_line
from imagecore.upload_fit import fit_for_upload

if TYPE_CHECKING:
    from bot import ImageBot
    from imagecore.client import GeneratedImage

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
TOKEN_LIFETIME = 15 * 60
# Leave time after the image arrives to re-encode and upload it before the token dies.
DELIVERY_MARGIN = 30.0
NEEDED = ("attach_files", "embed_links")
PERMISSION_NAMES = {"attach_files": "Attach Files", "embed_links": "Embed Links"}


class ImagineCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.command = build_imagine_command(self)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.command)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.command.name)

    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: str,
        negative_prompt: str | None,
        size: str | None,
        prompt_extend: bool | None,
        watermark: bool | None,
        seed: int | None,
    ) -> None:
        missing = [
            PERMISSION_NAMES[p] for p in NEEDED if not getattr(interaction.app_permissions, p)
        ]
        if missing:
            # Before any API call: an image that cannot be posted is money wasted.
            await interaction.response.send_message(
                f"I can't post images here: I need the {' and '.join(missing)} permission "
                "in this channel. Ask a moderator to grant it.",
                ephemeral=True,
            )
            return
        settings = self.bot.settings
        try:
            request = ImageRequest(
                prompt=prompt.strip(),
                model=settings.image_model,
                size=size or settings.default_size,
                prompt_extend=settings.default_prompt_extend
                if prompt_extend is None
                else prompt_extend,
                watermark=settings.default_watermark if watermark is None else watermark,
                negative_prompt=(negative_prompt or settings.default_negative_prompt).strip(),
                seed=seed,
            )
        except ValueError as exc:
            await interaction.response.send_message(
                f"That request can't be drawn: {exc}.", ephemeral=True
            )
            return
        if request.size not in settings.image_sizes:
            await interaction.response.send_message(
                "That size is not offered here.", ephemeral=True
            )
            return
        # Acknowledge first: Discord drops the interaction if nothing answers within 3 s.
        await interaction.response.defer(thinking=True)
        await self.generate_and_post(interaction, request)

    async def generate_and_post(
        self, interaction: discord.Interaction, request: ImageRequest
    ) -> None:
        started = time.monotonic()
        deadline = started + token_seconds_left(interaction) - DELIVERY_MARGIN
        try:
            image = await self.bot.image_client.generate(request, deadline=deadline)
        except ImageAPIError as exc:
            log.warning(
                "image for user %s in guild %s failed: %s",
                interaction.user.id,
                interaction.guild_id,
                exc.log_line(),
            )
            await self.fail(interaction, sentence_for(exc))
            return
        try:
            fitted = await asyncio.to_thread(fit_for_upload, image.data, interaction.filesize_limit)
        except (ValueError, OSError):
            log.exception("could not fit the image under %d bytes", interaction.filesize_limit)
            await self.fail(interaction, "The image is too large to post on this server.")
            return
        embed = result_embed(
            interaction, request, image, seconds=time.monotonic() - started, note=fitted.note
        )
        file = discord.File(fp=io.BytesIO(fitted.data), filename=f"image.{fitted.extension}")
        embed.set_image(url=f"attachment://image.{fitted.extension}")
        try:
            await interaction.edit_original_response(
                content=None, embed=embed, attachments=[file], allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("posting the image failed: %s %s", exc.status, exc.code)
            await self.fail(interaction, "The image was made but Discord refused the upload.")

    async def fail(self, interaction: discord.Interaction, sentence: str) -> None:
        """Tell only the requester, and leave no public "thinking…" message behind."""
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.debug("could not delete the placeholder: %s", exc)
        try:
            await interaction.followup.send(sentence, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not tell the requester about a failure: %s", exc)


def token_seconds_left(interaction: discord.Interaction) -> float:
    age = (datetime.now(UTC) - interaction.created_at).total_seconds()
    return TOKEN_LIFETIME - max(age, 0.0)


def result_embed(
    interaction: discord.Interaction,
    request: ImageRequest,
    image: GeneratedImage,
    *,
    seconds: float,
    note: str | None,
) -> discord.Embed:
    """The public result card, within Discord's embed limits (title 256, description 4096,
    field 1024, footer 2048, total 6000)."""
    embed = discord.Embed(
        title=one_line(request.prompt, 256), description=clip(request.prompt, 4096)
    )
    embed.color = discord.Color.blurple()
    if image.revised_prompt and image.revised_prompt != request.prompt:
        embed.add_field(name="Revised prompt", value=clip(image.revised_prompt, 1024), inline=False)
    if request.negative_prompt:
        embed.add_field(
            name="Negative prompt", value=clip(request.negative_prompt, 1024), inline=False
        )
    embed.add_field(name="Size", value=size_label(request.size), inline=True)
    if request.seed is not None:
        embed.add_field(name="Seed", value=str(request.seed), inline=True)
    embed.add_field(name="Model", value=clip(request.model, 1024), inline=True)
    embed.add_field(name="Time", value=f"{seconds:.1f} s", inline=True)
    if note:
        embed.add_field(name="Note", value=clip(note, 1024), inline=False)
    embed.set_footer(text=clip(f"Requested by {interaction.user.display_name}", 2048))
    return embed


def build_imagine_command(cog: ImagineCog) -> app_commands.Command:
    """The /imagine command. Built at load time because the size choices come from settings."""
    sizes = cog.bot.settings.image_sizes
    size_choices = [app_commands.Choice(name=size_label(s), value=s) for s in sizes]

    @app_commands.describe(
        prompt="What to draw",
        negative_prompt="What to keep out of the image",
        size="Image shape and size",
        prompt_extend="Let the model expand your prompt for better detail",
        watermark="Add the provider's watermark",
        seed="Same seed and prompt give a similar image",
    )
    @app_commands.choices(size=size_choices)
    @app_commands.guild_only()
    async def imagine(
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, MAX_PROMPT],
        negative_prompt: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None,
        size: str | None = None,
        prompt_extend: bool | None = None,
        watermark: bool | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
    ) -> None:
        await cog.imagine(
            interaction, prompt, negative_prompt, size, prompt_extend, watermark, seed
        )

    return app_commands.Command(
        name="imagine", description="Draw an image from a text prompt", callback=imagine
    )


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(ImagineCog(bot))


__all__ = ["UNEXPECTED", "ImagineCog", "result_embed", "setup"]
