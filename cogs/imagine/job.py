"""One /imagine request on its way through the queue, shown to Discord as it goes:
"Queued — #3, about 40 s", then "Generating… 12 s", then the image."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import discord

from cogs.imagine.cancel_button import cancel_view
from cogs.imagine.embed import result_embed
from cogs.imagine.history import job_record
from cogs.utils.replies import NO_MENTIONS, tell_privately
from cogs.utils.sentences import (
    DROPPED,
    EXPIRED,
    INTERRUPTED,
    UNEXPECTED,
    UPLOAD_FAILED,
    UPLOAD_REFUSED,
    sentence_for,
)
from imagecore.api.errors import ImageAPIError
from imagecore.background import BackgroundTasks
from imagecore.delivery.status_updates import CoalescingUpdater
from imagecore.delivery.upload_fit import fit_for_upload
from imagecore.queue import Ticket, TicketState
from imagecore.storage import AttemptRecord

if TYPE_CHECKING:
    from imagecore.api.client import GeneratedImage, ImageClient
    from imagecore.api.request import ImageRequest
    from imagecore.policy.pending import Hold
    from imagecore.queue import FairScheduler
    from imagecore.storage.ledger import JobLedger

__all__ = ["ImagineJob", "JobTools"]

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0  # at most one status edit per message per 2 s
TICK_INTERVAL = 5.0  # how often "Generating… N s" counts up


@dataclass(frozen=True, slots=True)
class JobTools:
    """What a job uses of the bot, and nothing more."""

    client: ImageClient
    scheduler: FairScheduler
    ledger: JobLedger
    clock: Callable[[], float]  # wall clock, for history
    tasks: BackgroundTasks  # posting runs off the worker, so do status tickers


class JobFailed(Exception):
    """Raised from run() after the member was told: the queue counts the job as failed,
    so quick failures don't make its wait estimates optimistic."""


class ImagineJob:
    ticket: Ticket

    def __init__(
        self,
        tools: JobTools,
        interaction: discord.Interaction,
        request: ImageRequest,
        *,
        deadline: float,
        hold: Hold,
    ) -> None:
        self.tools = tools
        # Counts toward the member's limits until the job's end is recorded.
        self.hold = hold
        self.interaction = interaction
        self.request = request
        self.deadline = deadline
        self.submitted = time.monotonic()
        self.submitted_at = tools.clock()
        self.generating_since: float | None = None
        self.updates = CoalescingUpdater(EDIT_INTERVAL)
        self.recorded = False  # its end is in history (exactly once)
        # Every request sent to the provider for this job: what a moderator may be billed for.
        self.attempts: tuple[AttemptRecord, ...] = ()
        # Set once Discord has the acknowledgement; nothing may edit the response before.
        self.acknowledged = asyncio.Event()

    # -- called by the scheduler ----------------------------------------------------------

    async def run(self) -> None:
        # The provider is asked at once, while Discord's acknowledgement may still be on
        # its way; nothing touches the response before it is there.
        self.generating_since = time.monotonic()
        ticker = self.tools.tasks.spawn(self._tick(), name="status ticker")
        try:
            image = await self.tools.client.generate(
                self.request,
                deadline=self.deadline,
                # The provider's slot is free: the next job starts while this one downloads.
                on_answered=lambda: self.tools.scheduler.release(self.ticket),
            )
        except ImageAPIError as exc:
            self.attempts = tuple(exc.attempts)
            log.warning(
                "image for user %s in guild %s failed: %s",
                self.interaction.user.id,
                self.interaction.guild_id,
                exc.log_line(),
            )
            self.record("failed", error_class=type(exc).__name__)
            await self.fail(sentence_for(exc))
            raise JobFailed(type(exc).__name__) from None
        except Exception:
            log.exception("image job failed unexpectedly")
            self.record("failed", error_class="Unexpected")
            await self.fail(UNEXPECTED)
            raise JobFailed("unexpected") from None
        finally:
            ticker.cancel()
        self.attempts = tuple(image.attempts)
        await self.acknowledged.wait()
        if self.updates.finished:  # the acknowledgement failed: nobody can be shown it
            self.record("failed", error_class="NotAcknowledged")
            raise JobFailed("not acknowledged")
        # Posting happens off the worker: the provider's slot goes to the next job at once.
        self.tools.tasks.spawn(self._deliver_or_fail(image), name="deliver")

    async def _deliver_or_fail(self, image: GeneratedImage) -> None:
        # Whatever breaks, the job ends in a record (which frees its place in the limits)
        # and a sentence to the member.
        try:
            await self.deliver(image)
        except Exception:
            log.exception("delivering an image failed unexpectedly")
            if not self.recorded:
                await self._delivery_failed("Unexpected", UNEXPECTED)

    async def on_update(self, ticket: Ticket) -> None:
        # Nothing may touch the response before Discord has the acknowledgement.
        await self.acknowledged.wait()
        match ticket.state:
            case TicketState.QUEUED:
                await self.show_queued()
            case TicketState.CANCELLED if ticket.started_at is not None:
                # Only shutdown cancels a job that already started (past its grace).
                self.record("dropped", error_class="Shutdown")
                await self.fail(INTERRUPTED)
            case TicketState.CANCELLED:
                self.record("cancelled")
                await self.updates.final(self._remove_placeholder)
            case TicketState.EXPIRED:
                self.record("expired", error_class="Expired")
                await self.fail(EXPIRED)
            case TicketState.DROPPED:
                self.record("dropped")
                await self.fail(DROPPED)

    # -- what the channel sees ------------------------------------------------------------

    async def show_queued(self) -> None:
        await self.updates.update(self._render_queued)

    async def _render_queued(self) -> None:
        scheduler = self.tools.scheduler
        position = scheduler.position(self.ticket)
        if position is None:  # started (or gone) since this edit was planned
            return
        wait = scheduler.estimate_wait(self.ticket)
        await self.interaction.edit_original_response(
            content=f"Queued — #{position}, about {_duration(wait)}",
            view=cancel_view(self.ticket.id),
            allowed_mentions=NO_MENTIONS,
        )

    async def _tick(self) -> None:
        await self.acknowledged.wait()
        while True:
            await self.updates.update(self._render_generating)
            await asyncio.sleep(TICK_INTERVAL)

    async def _render_generating(self) -> None:
        if self.generating_since is None:
            return
        seconds = time.monotonic() - self.generating_since
        await self.interaction.edit_original_response(
            content=f"Generating… {seconds:.0f} s", view=None, allowed_mentions=NO_MENTIONS
        )

    async def deliver(self, image: GeneratedImage) -> None:
        limit = self.interaction.filesize_limit
        try:
            fitted = await asyncio.to_thread(fit_for_upload, image.data, limit)
        except (ValueError, OSError):
            log.exception("could not fit the image under %d bytes", limit)
            self.record("failed", error_class="TooLarge")
            await self.fail("The image is too large to post on this server.")
            return
        filename = f"image.{fitted.extension}"
        embed = result_embed(
            self.request,
            image,
            requester=self.interaction.user.display_name,
            seconds=time.monotonic() - self.submitted,
            note=fitted.note,
            filename=filename,
        )

        # Closed by us: discord.py leaves a buffer it did not open alone, and aiohttp's copy
        # of the image in it would otherwise wait for a full garbage collection.
        buffer = io.BytesIO(fitted.data)

        async def post() -> None:
            await self.interaction.edit_original_response(
                content=None,
                embed=embed,
                attachments=[discord.File(buffer, filename=filename)],
                view=None,
                allowed_mentions=NO_MENTIONS,
            )

        try:
            await self.updates.final(post)
        except discord.HTTPException as exc:
            log.warning("posting the image failed: HTTP %s code %s", exc.status, exc.code)
            await self._delivery_failed("UploadRefused", UPLOAD_REFUSED)
            return
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            # The connection to Discord broke mid-upload: the member still hears of it.
            log.warning("posting the image failed: %s: %s", type(exc).__name__, exc)
            await self._delivery_failed("UploadFailed", UPLOAD_FAILED)
            return
        except Exception:
            log.exception("posting the image failed unexpectedly")
            await self._delivery_failed("Unexpected", UNEXPECTED)
            return
        finally:
            buffer.close()
        # Counted only now: a member's budget pays for images they actually received.
        self.record("delivered", revised_prompt=image.revised_prompt)

    async def _delivery_failed(self, error_class: str, sentence: str) -> None:
        self.record("failed", error_class=error_class)
        await self._remove_placeholder()
        await self._tell_requester(sentence)

    def record(
        self, status: str, *, error_class: str | None = None, revised_prompt: str | None = None
    ) -> None:
        if self.recorded:
            log.warning("job already recorded; not recording %s as well", status)
            return
        self.recorded = True
        self.tools.ledger.save(
            job_record(
                self.interaction,
                self.request,
                created_at=self.submitted_at,
                finished_at=self.tools.clock(),
                status=status,
                error_class=error_class,
                revised_prompt=revised_prompt,
                latency_seconds=time.monotonic() - self.submitted,
                attempts=self.attempts,
            )
        )
        # In the same step as the save: the ledger counts a delivery from now on.
        self.hold.release()

    async def fail(self, sentence: str) -> None:
        """Tell only the requester, and leave no public placeholder behind."""
        await self.acknowledged.wait()

        async def remove_and_tell() -> None:
            await self._remove_placeholder()
            await self._tell_requester(sentence)

        await self.updates.final(remove_and_tell)

    async def _remove_placeholder(self) -> None:
        try:
            await self.interaction.delete_original_response()
        except (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("could not delete the placeholder: %s", exc)

    async def _tell_requester(self, sentence: str) -> None:
        await tell_privately(self.interaction, sentence)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    return f"{seconds / 60:.0f} min"
