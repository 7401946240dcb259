"""One /imagine request on its way through the queue, shown to Discord as it goes:
"Queued — #3, about 40 s", then "Generating… 12 s" (or "2 of 4 ready…"), then the images.

A request of several images is one job here and one ticket per image in the queue, so
fairness counts images; the images are posted together, in order, in one message."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import discord

from cogs.imagine.history import job_record
from cogs.imagine.job_slots import Failure, JobFailed, Slot
from cogs.imagine.job_status import render_continues, render_generating, render_status
from cogs.imagine.live_row import live_state
from cogs.imagine.result_post import Delivered, PostFailed, post_result
from cogs.imagine.words import PARTLY_FAILED
from cogs.utils.sentences import DROPPED, EXPIRED, INTERRUPTED, UNEXPECTED, sentence_for
from imagecore.api.errors import ImageAPIError
from imagecore.background import BackgroundTasks
from imagecore.delivery.status_updates import CoalescingUpdater
from imagecore.i18n import Message
from imagecore.queue import Ticket, TicketState
from imagecore.storage import ImageResult

if TYPE_CHECKING:
    from cogs.imagine.live_row import LiveRow
    from cogs.imagine.response import JobResponse
    from imagecore.api.client import ImageClient
    from imagecore.api.request import ImageRequest
    from imagecore.policy.pending import Hold
    from imagecore.queue import FairScheduler
    from imagecore.storage.ledger import JobLedger
    from imagecore.storage.live_jobs import LiveJobs

__all__ = ["ImagineJob", "JobTools"]

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 10

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
    live_jobs: LiveJobs  # the jobs in flight, kept for the next start
    editable: bool = True  # results get Edit buttons (the API style can carry edits)


class ImagineJob:
    def __init__(
        self,
        tools: JobTools,
        response: JobResponse,
        requests: list[ImageRequest],
        *,
        key: str,
        deadline: float,
        hold: Hold,
        live: LiveRow,
        resumed: bool = False,
    ) -> None:
        self.tools = tools
        # Counts toward the member's limits until the request's end is recorded.
        self.hold = hold
        self.response = response
        self.key = key
        # Its row in the jobs in flight; ``resumed``: read back from it at start-up.
        self.live = live
        self.resumed = resumed
        # Left queued (or to run once more) for the next start: the bot is stopping.
        self.held = False
        self._started = False  # its first image was started (its run counted)
        self.slots = [Slot(request) for request in requests]
        self.deadline = deadline
        self.submitted = time.monotonic()
        self.submitted_at = tools.clock()
        self.generating_since: float | None = None
        self.updates = CoalescingUpdater(EDIT_INTERVAL)
        self.recorded = False  # its end is in history (exactly once)
        self._finishing = False
        self._ticker: asyncio.Task[None] | None = None
        # Set once Discord has the acknowledgement; nothing may edit the response before.
        self.acknowledged = asyncio.Event()

    @property
    def ticket(self) -> Ticket:
        """The first image's ticket: its Cancel button cancels the whole request."""
        first = self.slots[0].ticket
        if first is None:
            raise RuntimeError("the job was not submitted")
        return first

    def submit(self) -> None:
        """One ticket per image, grouped; raises QueueFull or ShuttingDown with nothing
        left queued."""
        submitted: list[Ticket] = []
        try:
            for slot in self.slots:
                slot.ticket = self.tools.scheduler.submit(
                    user_id=self.response.user_id,
                    guild_id=self.response.guild_id,
                    run=lambda slot=slot: self._run(slot),
                    deadline=self.deadline,
                    on_update=self.on_update,
                    group=self.key,
                )
                submitted.append(slot.ticket)
        except Exception:
            if submitted:
                self.tools.scheduler.cancel(submitted[0].id, self.response.user_id)
            raise

    def withdraw(self) -> None:
        """The acknowledgement failed: nobody can be shown anything."""
        if self.slots[0].ticket is not None:
            self.tools.scheduler.cancel(self.ticket.id, self.response.user_id)
        self.updates.close()

    # -- called by the scheduler ----------------------------------------------------------

    async def _run(self, slot: Slot) -> None:
        # The provider is asked at once, while Discord's acknowledgement may still be on
        # its way; nothing touches the response before it is there.
        if not self._started:
            self._started = True
            runs = self.live.start_run()
            # A resumed job may have been run before: it is never started a third time.
            if self.resumed and await runs is None and not self.live.failed:
                self._settle(slot, Failure("dropped", "Restarted", INTERRUPTED))
                raise JobFailed("run twice already")
        if self.generating_since is None:
            self.generating_since = time.monotonic()
            self._ticker = self.tools.tasks.spawn(self._tick(), name="status ticker")
        ticket = slot.ticket
        try:
            images = await self.tools.client.generate_all(
                slot.request,
                deadline=self.deadline,
                # The provider's slot is free: the next job starts while this one downloads.
                on_answered=lambda: ticket and self.tools.scheduler.release(ticket),
            )
        except ImageAPIError as exc:
            slot.attempts = tuple(exc.attempts)
            log.warning(
                "image for user %s in guild %s failed: %s",
                self.response.user_id,
                self.response.guild_id,
                exc.log_line(),
            )
            self._settle(slot, Failure("failed", type(exc).__name__, sentence_for(exc)))
            raise JobFailed(type(exc).__name__) from None
        except Exception:
            log.exception("image job failed unexpectedly")
            self._settle(slot, Failure("failed", "Unexpected", UNEXPECTED))
            raise JobFailed("unexpected") from None
        slot.attempts = tuple(images[0].attempts)
        slot.image, *more = images
        slot.extra = tuple(more)
        self._settle(slot, None)

    async def on_update(self, ticket: Ticket) -> None:
        # Nothing may touch the response before Discord has the acknowledgement.
        await self.acknowledged.wait()
        slot = next((s for s in self.slots if s.ticket is ticket), None)
        if slot is None:
            return
        match ticket.state:
            case TicketState.QUEUED:
                await self.show_status()
            case TicketState.DROPPED | TicketState.CANCELLED if self._may_hold(ticket):
                # The bot is stopping: the job stays in the database for the next start.
                self.held = True
                self._settle(slot, Failure("held", None, None))
            case TicketState.CANCELLED if ticket.started_at is not None:
                # Only shutdown cancels a job that already started (past its grace).
                self._settle(slot, Failure("dropped", "Shutdown", INTERRUPTED))
            case TicketState.CANCELLED:
                self._settle(slot, Failure("cancelled", None, None))
            case TicketState.EXPIRED:
                self._settle(slot, Failure("expired", "Expired", EXPIRED))
            case TicketState.DROPPED:
                self._settle(slot, Failure("dropped", None, DROPPED))

    def _may_hold(self, ticket: Ticket) -> bool:
        """Only a stop drops a queued ticket or cancels a running one; a stored job with no
        image made yet is then left for the next start, which runs it whole."""
        if ticket.state is TicketState.CANCELLED and ticket.started_at is None:
            return False  # the member cancelled it
        return self.live.stored and not any(s.image is not None for s in self.slots)

    def _settle(self, slot: Slot, failure: Failure | None) -> None:
        if slot.settled and failure is not None:
            return  # the image's end is known already
        slot.failure = failure
        if not all(s.settled for s in self.slots):
            if slot.image is not None and len(self.slots) > 1:
                self.tools.tasks.spawn(self.show_status(), name="status")
            return
        if self._finishing:
            return
        self._finishing = True
        if self._ticker is not None:
            self._ticker.cancel()
        # Posting happens off the worker: the provider's slot goes to the next job at once.
        self.tools.tasks.spawn(self._finish_or_fail(), name="deliver")

    # -- the end ----------------------------------------------------------------------------

    async def _finish_or_fail(self) -> None:
        # Whatever breaks, the request ends in a record (which frees its place in the
        # limits) and a sentence to the member.
        try:
            await self._finish()
        except Exception:
            log.exception("delivering an image failed unexpectedly")
            if not self.recorded:
                self.record("failed", error_class="Unexpected")
                await self.fail(UNEXPECTED)

    async def _finish(self) -> None:
        await self.acknowledged.wait()
        if self.updates.finished:  # the acknowledgement failed: nobody can be shown it
            self.record("failed", error_class="NotAcknowledged")
            return
        if self.held:
            # Not an end: no history, no state change; the next start takes it up.
            self.hold.release()
            await self.updates.final(lambda: render_continues(self))
            return
        made = [s for s in self.slots if s.image is not None]
        failures = [s.failure for s in self.slots if s.failure is not None]
        if not made:
            first = failures[0]
            self.record(first.status, error_class=first.error_class)
            told = next((f.sentence for f in failures if f.sentence), None)
            if told is None:
                await self.updates.final(self._remove_placeholder)
            else:
                await self.fail(told)
            return
        self.live.mark("delivering")
        pairs = [(s.request, image) for s in made for image in s.images]
        if len(pairs) > MAX_ATTACHMENTS:  # what one message can hold
            log.warning(
                "job %s: the provider made %d images; only %d fit in one message",
                self.key,
                len(pairs),
                MAX_ATTACHMENTS,
            )
        delivered = await post_result(self, pairs[:MAX_ATTACHMENTS])
        for slot in made:
            slot.drop_bytes()
        if isinstance(delivered, PostFailed):
            self.record("failed", error_class=delivered.error_class)
            await self._remove_placeholder()
            await self.response.tell(delivered.sentence)
            return
        self._record_delivered(delivered)
        told = [f for f in failures if f.sentence]
        if told:
            reason = Message(told[0].sentence or UNEXPECTED)
            params = {"failed": len(failures), "count": len(self.slots), "reason": reason}
            await self.response.tell(Message(PARTLY_FAILED, params))

    def _record_delivered(self, delivered: Delivered) -> None:
        results = tuple(
            ImageResult(request.seed, image.revised_prompt, image.request_id)
            for request, image in delivered.images
        )
        self.record(
            "delivered",
            revised_prompt=results[0].revised_prompt,
            message_id=delivered.message_id,
            results=results,
        )

    def record(
        self,
        status: str,
        *,
        error_class: str | None = None,
        revised_prompt: str | None = None,
        message_id: int | None = None,
        results: tuple[ImageResult, ...] = (),
    ) -> None:
        if self.recorded:
            log.warning("job already recorded; not recording %s as well", status)
            return
        self.recorded = True
        self.live.mark(live_state(status))
        self.tools.ledger.save(
            job_record(
                self.response.origin,
                self.slots[0].request,
                created_at=self.submitted_at,
                finished_at=self.tools.clock(),
                status=status,
                error_class=error_class,
                revised_prompt=revised_prompt,
                latency_seconds=time.monotonic() - self.submitted,
                attempts=tuple(a for s in self.slots for a in s.attempts),
                job_key=self.key,
                message_id=message_id,
                image_count=len(self.slots),
                results=results,
            )
        )
        # In the same step as the save: the ledger counts the delivery from now on.
        self.hold.release()

    # -- what the channel sees ------------------------------------------------------------

    async def show_status(self) -> None:
        await self.updates.update(lambda: render_status(self))

    async def show_queued(self) -> None:
        await self.show_status()

    async def _tick(self) -> None:
        await self.acknowledged.wait()
        while True:
            await self.updates.update(lambda: render_generating(self))
            await asyncio.sleep(TICK_INTERVAL)

    async def fail(self, sentence: str | Message) -> None:
        """Tell only the requester, and leave no public placeholder behind."""
        await self.acknowledged.wait()

        async def remove_and_tell() -> None:
            await self._remove_placeholder()
            await self.response.tell(sentence)

        await self.updates.final(remove_and_tell)

    async def _remove_placeholder(self) -> None:
        try:
            await self.response.delete()
        except (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError) as exc:
            log.debug("could not delete the placeholder: %s", exc)
