"""/imagine: check the options, queue the request, and let the job report back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.imagine.cancel_button import CancelButton
from cogs.imagine.job import ImagineJob, JobTools, job_record
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import (
    NO_PERMISSION,
    RESTARTING,
    SETTINGS_UNAVAILABLE,
    queue_full,
    refusal_sentence,
)
from imagecore.api.request import MAX_NEGATIVE_PROMPT, MAX_PROMPT, MAX_SEED, ImageRequest
from imagecore.background import BackgroundTasks
from imagecore.delivery.text_limits import one_line
from imagecore.policy.admission import Refusal, RequestContext, check_admission, utc_day
from imagecore.policy.guild_settings import GuildSettings
from imagecore.policy.sizes import size_label
from imagecore.queue import QueueFull, ShuttingDown
from imagecore.storage import StorageUnavailable, Usage

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["ImagineCog", "setup"]

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60
# Seconds the settings lookup may take before /imagine answers "settings unavailable".
STORAGE_BUDGET = 1.5
# Time kept back after the image arrives to re-encode and upload it before the token dies.
DELIVERY_MARGIN = 30.0
# How long images already made may take to be posted when the bot stops.
DELIVERY_DRAIN = 15.0
PERMISSION_NAMES = {"attach_files": "Attach Files", "embed_links": "Embed Links"}


class ImagineCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.command = build_imagine_command(self)
        self.deliveries = BackgroundTasks("imagine deliveries")
        self.delivering: Counter[int] = Counter()
        # When each member last asked, so a cooldown holds before the job reaches history.
        self.last_request: dict[tuple[int | None, int], float] = {}

    async def cog_load(self) -> None:
        bot = self.bot
        self.tools = JobTools(
            client=bot.image_client,
            scheduler=bot.scheduler,
            ledger=bot.ledger,
            clock=bot.clock,
            tasks=self.deliveries,
            delivering=self.delivering,
        )
        bot.tree.add_command(self.command)
        self.bot.add_dynamic_items(CancelButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.command.name)
        self.bot.remove_dynamic_items(CancelButton)
        # Images already made are posted before the HTTP session closes.
        await self.deliveries.drain(DELIVERY_DRAIN)

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
        bot_defaults = self.bot.defaults
        if size is not None and size not in bot_defaults.sizes:
            await tell_privately(interaction, "That size is not offered here.")
            return
        now = self.bot.clock()
        try:
            # Bounded: the whole answer must reach Discord within its 3-second window.
            async with asyncio.timeout(STORAGE_BUDGET):
                server, limits, usage, last_job_at = await self.member_context(interaction, now)
        except (StorageUnavailable, TimeoutError) as exc:
            log.warning("settings unavailable for /imagine: %s", exc or "timed out")
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return
        try:
            request = bot_defaults.resolve(
                server,
                prompt=prompt,
                negative_prompt=negative_prompt,
                size=size,
                prompt_extend=prompt_extend,
                watermark=watermark,
                seed=seed,
            )
        except ValueError as exc:
            await tell_privately(interaction, f"That request can't be drawn: {exc}.")
            return
        key = (interaction.guild_id, interaction.user.id)
        recent = [t for t in (last_job_at, self.last_request.get(key)) if t is not None]
        pending = len(self.bot.scheduler.snapshot(interaction.user.id).tickets)
        pending += self.delivering[interaction.user.id]
        context = RequestContext(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            role_ids=[role.id for role in getattr(interaction.user, "roles", ())],
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            now=now,
            last_job_at=max(recent) if recent else None,
            user_today=usage.user_today,
            guild_today=usage.guild_today,
            pending=pending,
        )
        refused = check_admission(limits, context)
        if refused is not None:
            await self.refuse(interaction, request, refused, server, now)
            return
        assert limits.max_pending_per_user is not None
        if pending >= limits.max_pending_per_user:
            await tell_privately(interaction, queue_full(limits.max_pending_per_user))
            return
        await self.enqueue(interaction, request, key=key, now=now)

    async def member_context(
        self, interaction: discord.Interaction[ImageBot], now: float
    ) -> tuple[GuildSettings, GuildSettings, Usage, float | None]:
        """The server's settings, its limits with the bot's filled in, and (only where a limit
        needs them) the member's counts and last request."""
        guild_id, user_id = interaction.guild_id, interaction.user.id
        server = await self.bot.settings_cache.get(guild_id)
        limits = self.bot.defaults.limits_for(server)
        usage, last = Usage(user_today=0, guild_today=0), None
        if limits.user_daily_images is not None or limits.guild_daily_images is not None:
            usage = await self.bot.ledger.usage(
                user_id=user_id, guild_id=guild_id, day=utc_day(now)
            )
        if limits.cooldown_seconds and (guild_id, user_id) not in self.last_request:
            # After a restart the in-memory record is empty: history knows.
            last = await self.bot.storage.last_job_at(user_id=user_id, guild_id=guild_id)
        return server, limits, usage, last

    async def refuse(
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        refused: Refusal,
        server: GuildSettings,
        now: float,
    ) -> None:
        await tell_privately(
            interaction, refusal_sentence(refused.kind, refused.detail, refused.retry_at, now)
        )
        self.bot.ledger.save(
            job_record(
                interaction,
                request,
                created_at=now,
                finished_at=now,
                status="refused",
                error_class=refused.kind,
            )
        )
        await post_mod_log(
            self.bot,
            server.log_channel_id,
            f"🚫 Refused /imagine from <@{interaction.user.id}> in <#{interaction.channel_id}> "
            f"({refused.kind}: {refused.detail}): {one_line(request.prompt, 300)}",
        )

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
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        *,
        key: tuple[int | None, int],
        now: float,
    ) -> None:
        job = ImagineJob(self.tools, interaction, request, deadline=deadline_for(interaction))
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
        self.last_request[key] = now
        if len(self.last_request) > 10_000:
            # Only recent requests matter for a cooldown (at most a day).
            for old in [k for k, t in self.last_request.items() if t < now - 86_400]:
                del self.last_request[old]
        try:
            # Discord drops the interaction if nothing answers within 3 s.
            await interaction.response.defer(thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not acknowledge /imagine (HTTP %s); dropping it", exc.status)
            self.bot.scheduler.cancel(job.ticket.id, interaction.user.id)
            job.updates.close()
            return
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
        app_commands.Choice(name=size_label(s), value=s) for s in cog.bot.config.image_sizes
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
    @app_commands.allowed_contexts(
        guilds=True, dms=cog.bot.config.allow_dms, private_channels=False
    )
    @app_commands.allowed_installs(guilds=True, users=False)
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
