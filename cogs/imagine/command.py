"""/imagine: check the request, queue it, and let the job report back.

Everything a decision needs is in memory (server settings, the day's counts, members' last
requests), so the acknowledgement goes out within milliseconds; the database is read here
only when memory can't tell. From the last await to taking a place in the queue nothing
yields, so a burst of requests can't slip past a limit.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from cogs.imagine.actions import ResultActions
from cogs.imagine.cancel_button import CancelButton
from cogs.imagine.edit_command import ImageEditing, style_refusal
from cogs.imagine.edit_entry import EditButton, build_edit_menu
from cogs.imagine.history import job_record
from cogs.imagine.job import JobTools
from cogs.imagine.options import build_edit_command, build_imagine_command
from cogs.imagine.planned import Build, Planned
from cogs.imagine.queueing import Queueing
from cogs.imagine.result_buttons import RESULT_BUTTONS
from cogs.imagine.resume import resume_jobs
from cogs.imagine.words import QUEUE_FULL_REQUESTS, TOO_MANY_IMAGES
from cogs.utils.mod_log import post_mod_log
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import (
    NO_PERMISSION,
    RESTARTING,
    SETTINGS_UNAVAILABLE,
    refusal_message,
)
from cogs.utils.voices import Voices, public_language
from imagecore.api.request import ImageRequest
from imagecore.background import BackgroundTasks
from imagecore.delivery.text_limits import one_line
from imagecore.i18n import N_, Message, SayableError
from imagecore.policy.admission import Admission, Refusal, RequestContext, decide, utc_day
from imagecore.policy.guild_settings import GuildSettings
from imagecore.policy.limits import EffectiveLimits, effective_limits
from imagecore.policy.options import ImagineOptions
from imagecore.policy.pending import PendingJobs
from imagecore.policy.recent_requests import HORIZON, RecentRequests, Unknown
from imagecore.storage import StorageUnavailable, Usage

if TYPE_CHECKING:
    from bot import ImageBot

__all__ = ["ImagineCog", "setup"]

log = logging.getLogger(__name__)

# Seconds a database read may take before /imagine answers "settings unavailable".
STORAGE_BUDGET = 1.5
# How long images already made may take to be posted when the bot stops.
DELIVERY_DRAIN = 15.0
# Translators: as Discord names these permissions in its settings, in your language.
PERMISSION_NAMES = {"attach_files": N_("Attach Files"), "embed_links": N_("Embed Links")}
TWO_PERMISSIONS = N_("{first} and {second}")
NO_COUNTS = Usage(user_today=0, guild_today=0)
# Translators: for the moderators' log channel; {kind} and {detail} stay as the bot names them.
LOGGED = N_("🚫 Refused /imagine from <@{user_id}> in <#{channel_id}> ({kind}: {detail}): {prompt}")


class ImagineCog(commands.Cog):
    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.command = build_imagine_command(self.imagine, bot.config)
        self.tasks = BackgroundTasks("imagine")
        self.pending = PendingJobs()
        self.recent = RecentRequests()
        self.admission = Admission()
        self.tools = JobTools(
            client=bot.image_client,
            scheduler=bot.scheduler,
            ledger=bot.ledger,
            clock=bot.clock,
            tasks=self.tasks,
            live_jobs=bot.storage.live_jobs,
            editable=style_refusal(bot) is None,
        )
        self.queueing = Queueing(
            tools=self.tools,
            pending=self.pending,
            recent=self.recent,
            acknowledged=bot.metrics.acknowledged,
        )
        self.actions = ResultActions(self)
        self.editing = ImageEditing(self)
        self.edit_command = build_edit_command(self.editing.run, bot.config)
        self.edit_menu = build_edit_menu(bot.config.allow_dms)
        # Seconds the database may take before a request answers "unavailable".
        self.storage_budget = STORAGE_BUDGET

    async def cog_load(self) -> None:
        since = self.bot.clock() - HORIZON
        try:
            self.recent.seed(await self.bot.storage.last_requests(since), since=since)
        except StorageUnavailable as exc:
            # Members' last requests are then looked up in history one by one.
            log.warning("could not read recent requests for cooldowns: %s", exc)
        self.bot.tree.add_command(self.command)
        self.bot.tree.add_command(self.edit_command)
        self.bot.tree.add_command(self.edit_menu)
        self.bot.add_dynamic_items(CancelButton, EditButton, *RESULT_BUTTONS)
        # The HTTP session is open (setup_hook runs after the login): a resumed job talks
        # through the interaction webhook and needs no gateway.
        self.tasks.spawn(resume_jobs(self.bot, self.tools, self.pending), name="resuming jobs")

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.command.name)
        self.bot.tree.remove_command(self.edit_command.name)
        self.bot.tree.remove_command(self.edit_menu.name, type=discord.AppCommandType.message)
        self.bot.remove_dynamic_items(CancelButton, EditButton, *RESULT_BUTTONS)
        # Images already made are posted before the HTTP session closes, and the jobs'
        # last writes (started by those posts) land before the database closes.
        loop = asyncio.get_running_loop()
        until = loop.time() + DELIVERY_DRAIN
        while self.tasks and (left := until - loop.time()) > 0:
            await self.tasks.drain(left)

    async def imagine(
        self, interaction: discord.Interaction[ImageBot], options: ImagineOptions
    ) -> None:
        async def build(server: GuildSettings) -> Planned | str | Message:
            try:
                request = self.bot.defaults.resolve(server, options)
            except SayableError as exc:
                return exc.message
            except ValueError as exc:
                sentence = str(exc)
                return (
                    sentence
                    if sentence.endswith(".")
                    else f"That request can't be drawn: {sentence}."
                )
            return Planned(request, options.count or server.count or 1)

        await self.handle(interaction, build)

    async def handle(self, interaction: discord.Interaction[ImageBot], build: Build) -> None:
        """A request from /imagine or a result's button: admitted, queued and shown the same
        way whatever it came from, for the member of ``interaction``."""
        reason = self.unavailable_reason(interaction)
        if reason:
            await tell_privately(interaction, reason)
            return
        now = self.bot.clock()
        guild_id, user_id = interaction.guild_id, interaction.user.id
        role_ids = tuple(role.id for role in getattr(interaction.user, "roles", ()))
        try:
            # Bounded: the whole answer must reach Discord within its 3-second window.
            async with asyncio.timeout(self.storage_budget):
                server = await self.bot.settings_cache.get(guild_id)
                limits = effective_limits(self.bot.defaults, server, role_ids)
                history_last = await self.prepare(interaction, limits, now)
                planned = await build(server)
        except (StorageUnavailable, TimeoutError) as exc:
            log.warning("settings unavailable for /imagine: %s", exc or "timed out")
            await tell_privately(interaction, SETTINGS_UNAVAILABLE)
            return
        if not isinstance(planned, Planned):
            await tell_privately(interaction, planned)
            return
        request = planned.request
        count = max(1, min(planned.count, self.bot.config.max_images_per_request))
        verdict = await self.admission.rule_book.check(
            guild_id, server.blocked_words, request.prompt, request.negative_prompt
        )
        # From here until the job has its place in the queue: no await.
        usage = NO_COUNTS
        if limits.needs_usage:
            counted = self.bot.ledger.usage_now(
                user_id=user_id, guild_id=guild_id, day=utc_day(now)
            )
            if counted is None:
                await tell_privately(interaction, SETTINGS_UNAVAILABLE)
                return
            usage = counted
        last = self.recent.last((guild_id, user_id), now)
        context = RequestContext(
            guild_id=guild_id,
            channel_id=interaction.channel_id,
            role_ids=role_ids,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            now=now,
            last_job_at=history_last if isinstance(last, Unknown) else last,
            user_today=usage.user_today,
            guild_today=usage.guild_today,
            pending=self.pending.for_user(user_id),
            guild_pending=self.pending.for_guild(guild_id),
            images=count,
        )
        refused = decide(server, limits, context, verdict)
        if refused is not None:
            await self.refuse(interaction, request, refused, server, now, count=count)
            return
        # The pending limit counts requests, whatever their number of images (README).
        if self.pending.requests_of(user_id) >= limits.max_pending_per_user:
            limit = limits.max_pending_per_user
            await tell_privately(interaction, Message(QUEUE_FULL_REQUESTS, {"limit": limit}))
            return
        voices = Voices.of(interaction, server.language)
        if planned.then is not None:
            await self.queueing.enqueue_after(
                interaction, request, count, now=now, then=planned.then, voices=voices
            )
            return
        await self.queueing.enqueue(interaction, request, count, now=now, voices=voices)

    async def prepare(
        self, interaction: discord.Interaction[ImageBot], limits: EffectiveLimits, now: float
    ) -> float | None:
        """Make sure what the limits need is in memory; returns the member's last request
        from history when memory can't tell (only then is the database read)."""
        guild_id, user_id = interaction.guild_id, interaction.user.id
        if limits.needs_usage:
            await self.bot.ledger.prepare(guild_id=guild_id, day=utc_day(now))
        if limits.cooldown_seconds and isinstance(
            self.recent.last((guild_id, user_id), now), Unknown
        ):
            return await self.bot.storage.last_job_at(user_id=user_id, guild_id=guild_id)
        return None

    async def refuse(
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        refused: Refusal,
        server: GuildSettings,
        now: float,
        *,
        count: int = 1,
    ) -> None:
        if refused.left:
            sentence = Message(TOO_MANY_IMAGES, {"asked": count, "left": refused.left})
        else:
            sentence = refusal_message(refused.kind, refused.detail, refused.retry_at, now)
        await tell_privately(interaction, sentence)
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
        logged = {
            "user_id": interaction.user.id,
            "channel_id": interaction.channel_id or 0,
            "kind": refused.kind,
            "detail": refused.detail,
            "prompt": one_line(request.prompt, 300),
        }
        language = public_language(interaction, server.language)
        await post_mod_log(self.bot, server.log_channel_id, language.say(Message(LOGGED, logged)))

    def unavailable_reason(
        self, interaction: discord.Interaction[ImageBot]
    ) -> str | Message | None:
        """Why nothing can be taken here right now, whoever asks."""
        missing = [
            name
            for perm, name in PERMISSION_NAMES.items()
            if not getattr(interaction.app_permissions, perm)
        ]
        if missing:
            named = [Message(name) for name in missing]
            both = Message(TWO_PERMISSIONS, {"first": named[0], "second": named[-1]})
            return Message(NO_PERMISSION, {"missing": named[0] if len(named) == 1 else both})
        if self.bot.scheduler.is_shutting_down:
            return RESTARTING
        return None


async def setup(bot: ImageBot) -> None:
    await bot.add_cog(ImagineCog(bot))
