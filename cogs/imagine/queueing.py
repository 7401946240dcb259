"""An admitted request taken into the fair queue, and Discord's acknowledgement of it.

From the admission to taking a place in the queue (or, for a request whose last step
waits for the acknowledgement, a hold on the member's limits) nothing yields, so a burst
can't slip past a limit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
import discord

from cogs.imagine.history import job_record
from cogs.imagine.job import ImagineJob, JobTools
from cogs.imagine.live_row import LiveRow
from cogs.imagine.response import InteractionResponse
from cogs.utils.replies import tell_privately
from cogs.utils.sentences import RESTARTING, UNEXPECTED, queue_full_message
from cogs.utils.voices import Voices
from imagecore.api.request import ImageRequest
from imagecore.i18n import Message
from imagecore.policy.seeds import new_job_key, with_seeds
from imagecore.queue import QueueFull, ShuttingDown
from imagecore.storage.live_jobs import TOKEN_SECONDS, InteractionToken, LiveJob

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.planned import Finish
    from imagecore.policy.pending import Hold, PendingJobs
    from imagecore.policy.recent_requests import RecentRequests

__all__ = ["Queueing", "deadline_for", "withdraw_placeholder"]

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60
# Time kept back after the image arrives to re-encode and upload it before the token dies.
DELIVERY_MARGIN = 30.0
# A free worker's chance to take the job first, so an empty queue shows no "Queued".
SETTLE = 0.05


@dataclass(frozen=True, slots=True)
class Queueing:
    tools: JobTools
    pending: PendingJobs
    recent: RecentRequests
    acknowledged: Callable[[float], None]  # seconds from the interaction to its ack

    async def enqueue(
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        count: int = 1,
        *,
        now: float,
        voices: Voices,
    ) -> None:
        user_id = interaction.user.id
        hold = self.pending.hold(user_id, interaction.guild_id, images=count)
        job = self._job(interaction, request, count, hold, voices)
        try:
            job.submit()
        except (QueueFull, ShuttingDown) as exc:
            hold.release()
            await tell_privately(interaction, _not_queued(exc))
            return
        self.recent.note((interaction.guild_id, user_id), now)
        try:
            # A button's request is a new public message: its result stays as it was.
            acknowledged = await self._acknowledge(interaction)
        finally:
            job.acknowledged.set()
        if not acknowledged:
            job.withdraw()
            return
        self._store(job, interaction)
        await asyncio.sleep(SETTLE)
        await job.show_queued()

    async def enqueue_after(
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        count: int,
        *,
        now: float,
        then: Finish,
        voices: Voices,
    ) -> None:
        """A request whose last step must wait for the acknowledgement (an edit's pictures
        are fetched then: a large file takes longer than Discord's 3 seconds). The hold
        keeps its place in the member's limits from the admission on, so nothing slips past
        them meanwhile; the queue sees it only once it is complete, so a slow download holds
        no place in the provider's concurrency."""
        hold = self.pending.hold(interaction.user.id, interaction.guild_id, images=count)
        self.recent.note((interaction.guild_id, interaction.user.id), now)
        if not await self._acknowledge(interaction):
            hold.release()
            return
        status, error_class = "refused", "InputRefused"
        try:
            finished = await then(request)
        except asyncio.CancelledError:
            hold.release()
            raise
        except Exception:
            log.exception("preparing a request failed unexpectedly")
            finished, status, error_class = UNEXPECTED, "failed", "Unexpected"
        if not isinstance(finished, ImageRequest):
            # Nothing was asked of the provider; the row says why (history, not budgets).
            self.tools.ledger.save(
                job_record(
                    interaction,
                    request,
                    created_at=now,
                    finished_at=self.tools.clock(),
                    status=status,
                    error_class=error_class,
                )
            )
            hold.release()
            await withdraw_placeholder(interaction, finished)
            return
        job = self._job(interaction, finished, count, hold, voices)
        job.acknowledged.set()
        try:
            job.submit()
        except (QueueFull, ShuttingDown) as exc:
            hold.release()
            await withdraw_placeholder(interaction, _not_queued(exc))
            return
        self._store(job, interaction)
        await asyncio.sleep(SETTLE)
        await job.show_queued()

    def _job(
        self,
        interaction: discord.Interaction[ImageBot],
        request: ImageRequest,
        count: int,
        hold: Hold,
        voices: Voices,
    ) -> ImagineJob:
        key = new_job_key()
        return ImagineJob(
            self.tools,
            InteractionResponse(interaction, voices),
            with_seeds(request, count),
            key=key,
            deadline=deadline_for(interaction),
            hold=hold,
            live=LiveRow(self.tools.live_jobs, self.tools.tasks, key),
        )

    def _store(self, job: ImagineJob, interaction: discord.Interaction[ImageBot]) -> None:
        """The acknowledged job into the jobs in flight, in the background: everything
        another process needs to finish it. Nothing here may fail the member's request."""
        try:
            stored = LiveJob(
                job_key=job.key,
                user_id=interaction.user.id,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                application_id=interaction.application_id,
                token=InteractionToken(interaction.token),
                token_deadline=interaction.created_at.timestamp() + TOKEN_SECONDS,
                accepted_at=self.tools.clock(),
                requests=tuple(slot.request for slot in job.slots),
                user_locale=str(interaction.locale),
                guild_locale=None
                if interaction.guild_locale is None
                else str(interaction.guild_locale),
            )
        except ValueError as exc:
            log.error("job %s can't be kept for a restart: %s", job.key, exc)
            return
        job.live.accept(stored)

    async def _acknowledge(self, interaction: discord.Interaction[ImageBot]) -> bool:
        """Defer publicly; False when Discord refused it (nobody can be shown anything)."""
        try:
            # Discord drops the interaction if nothing answers within 3 s.
            await interaction.response.defer(thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not acknowledge a request (HTTP %s); dropping it", exc.status)
            return False
        # From the interaction's own timestamp (its snowflake), so time spent before the
        # bot saw the event counts too.
        self.acknowledged((discord.utils.utcnow() - interaction.created_at).total_seconds())
        return True


def _not_queued(exc: QueueFull | ShuttingDown) -> str | Message:
    return queue_full_message(exc.limit) if isinstance(exc, QueueFull) else RESTARTING


async def withdraw_placeholder(
    interaction: discord.Interaction[ImageBot], sentence: str | Message
) -> None:
    """After a public acknowledgement: remove the "thinking…" message and tell only the
    member why nothing follows."""
    try:
        await interaction.delete_original_response()
    except (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError) as exc:
        log.debug("could not delete the placeholder: %s", exc)
    await tell_privately(interaction, sentence)


def deadline_for(interaction: discord.Interaction[ImageBot]) -> float:
    """When (on the monotonic clock) the result must be ready to still be posted."""
    age = (datetime.now(UTC) - interaction.created_at).total_seconds()
    return time.monotonic() + TOKEN_LIFETIME - max(age, 0.0) - DELIVERY_MARGIN
