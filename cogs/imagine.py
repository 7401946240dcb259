"""/imagine: check the options, queue the request, and let the job report back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.cancel_button import CancelButton
from cogs.imagine_job import ImagineJob, tell_privately
from cogs.sentences import NO_PERMISSION, RESTARTING, queue_full
from imagecore.fair_queue import QueueFull, ShuttingDown
from imagecore.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED, ImageRequest
from imagecore.sizes import size_label

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["ImagineCog", "setup"]

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60
# Time kept back after the image arrives to re-encode and upload it before the token dies.
DELIVERY_MARGIN = 30.0
PERMISSION_NAMES = {"attach_files": "Attach Files", "embed_links": "Embed Links"}


class ImagineCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.command = build_imagine_command(self)
        self.deliveries: set[asyncio.Task[None]] = set()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.command)
        self.bot.add_dynamic_items(CancelButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.command.name)
        self.bot.remove_dynamic_items(CancelButton)
        if self.deliveries:
            # Images already made are posted before the HTTP session closes.
            await asyncio.wait(self.deliveries, timeout=DELIVERY_MARGIN)

    def spawn_delivery(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self.deliveries.add(task)
        task.add_done_callback(self.deliveries.discard)

    async def imagine(
        self,
        interaction: discord.Interaction[ImageBot],
        prompt: str,
        negative_prompt: str | None,
        size: str | None,
        prompt_extend: bool | None,
        watermark: bool | None,
        seed: int | None,
    ) -> None:
        refusal = self.refusal(interaction)
        if refusal:
            await tell_privately(interaction, refusal)
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
            await tell_privately(interaction, f"That request can't be drawn: {exc}.")
            return
        if request.size not in settings.image_sizes:
            await tell_privately(interaction, "That size is not offered here.")
            return
        await self.enqueue(interaction, request)

    def refusal(self, interaction: discord.Interaction[ImageBot]) -> str | None:
        """Why this request can't be taken, checked before anything is queued or paid for."""
        missing = [
            name
            for perm, name in PERMISSION_NAMES.items()
            if not getattr(interaction.app_permissions, perm)
        ]
        if missing:
            return NO_PERMISSION.format(missing=" and ".join(missing))
        if self.bot.scheduler.is_shutting_down:
            return RESTARTING
        return None

    async def enqueue(
        self, interaction: discord.Interaction[ImageBot], request: ImageRequest
    ) -> None:
        job = ImagineJob(
            self.bot,
            interaction,
            request,
            deadline=deadline_for(interaction),
            spawn=self.spawn_delivery,
        )
        # Submitted before the acknowledgement, with no await in between checking the
        # member's limit and taking the place: a burst of clicks cannot slip past it.
        try:
            job.ticket = self.bot.scheduler.submit(
                user_id=interaction.user.id,
                guild_id=interaction.guild_id,
                run=job.run,
                deadline=job.deadline,
                on_update=job.on_update,
            )
        except QueueFull as exc:
            await tell_privately(interaction, queue_full(exc.limit))
            return
        except ShuttingDown:
            await tell_privately(interaction, RESTARTING)
            return
        try:
            # Discord drops the interaction if nothing answers within 3 s.
            await interaction.response.defer(thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not acknowledge /imagine (HTTP %s); dropping it", exc.status)
            self.bot.scheduler.cancel(job.ticket.id, interaction.user.id)
            job.updates.close()
            raise
        finally:
            job.acknowledged.set()
        # Give an idle worker the chance to take the job, so a free queue shows no "Queued".
        await asyncio.sleep(0.05)
        await job.show_queued()


def deadline_for(interaction: discord.Interaction[ImageBot]) -> float:
    """When (on the monotonic clock) the result must be ready to still be posted."""
    age = (datetime.now(UTC) - interaction.created_at).total_seconds()
    return time.monotonic() + TOKEN_LIFETIME - max(age, 0.0) - DELIVERY_MARGIN


def build_imagine_command(cog: ImagineCog) -> app_commands.Command:
    """The /imagine command. Built at load time because the size choices come from settings."""
    size_choices = [
        app_commands.Choice(name=size_label(s), value=s) for s in cog.bot.settings.image_sizes
    ]

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
        interaction: discord.Interaction[ImageBot],
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
