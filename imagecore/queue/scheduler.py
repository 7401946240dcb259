"""The one entry point of the queue: ``FairScheduler`` takes jobs, runs them in fair order
on a few workers, and answers where a ticket stands; with per-user limits, cancel,
deadlines and shutdown.

It wires the parts together: ``QueueBook`` (order and bookkeeping), ``Workers`` (running
jobs) and ``UpdateNotifier`` (on_update callbacks). Nothing here knows about Discord;
callers get state changes through ``Ticket.done`` and ``on_update``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from imagecore.queue.book import Job, QueueBook
from imagecore.queue.notifier import UpdateNotifier
from imagecore.queue.tickets import (
    CancelOutcome,
    QueueFull,
    QueueSnapshot,
    ShuttingDown,
    Ticket,
    TicketState,
    TicketView,
)
from imagecore.queue.workers import Workers

__all__ = ["FairScheduler"]

log = logging.getLogger(__name__)

# How many groups group_ticket() remembers (the newest; as many as finished tickets kept).
_GROUP_MEMORY = 1000


class FairScheduler:
    """Runs submitted jobs on ``workers`` worker tasks in fair order.

    ``workers`` is how many jobs the provider serves at once. A job that got its answer
    calls ``release()``: its worker takes the next job while it downloads and posts, so the
    provider's slot is used again at once.

    Order: round-robin across guilds (DMs count as one guild), within a guild across users,
    each user's jobs FIFO. A job whose deadline cannot be met by the time a worker reaches
    it is expired instead of run. ``on_update`` callbacks run as separate tasks, coalesced
    per ticket (a slow callback is re-run once with the latest state, not once per change),
    each call bounded by ``callback_timeout``.

    ``pace``, when given, is awaited before each pick (the rate gate's ``reserve``): the next
    job is chosen when the provider can take it, so one that arrived meanwhile is weighed.

    All methods must be called from the event loop thread; submit() and start() need a
    running loop.
    """

    def __init__(
        self,
        *,
        workers: int,
        max_pending_per_user: int,
        clock: Callable[[], float] = time.monotonic,
        typical_job_seconds: float = 10.0,
        callback_timeout: float = 10.0,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_pending_per_user < 1:
            raise ValueError("max_pending_per_user must be at least 1")
        if typical_job_seconds < 0:
            raise ValueError("typical_job_seconds must not be negative")
        self._max_pending = max_pending_per_user
        self._clock = clock
        self._notifier = UpdateNotifier(timeout=callback_timeout)
        self._book = QueueBook(clock=clock, on_change=self._notify)
        self._workers = Workers(
            self._book,
            count=workers,
            clock=clock,
            typical_job_seconds=typical_job_seconds,
            pace=pace,
        )
        self._ids = itertools.count(1)
        # Ticket ids end up in button custom_ids that outlive the process; a per-run prefix
        # keeps a button from before a restart from naming a new job.
        self._id_prefix = secrets.token_hex(3)
        # A group's first ticket, for a caller that knows the group (a job's key) only.
        self._groups: OrderedDict[str, str] = OrderedDict()
        self._closing = False
        self._stopped = asyncio.Event()

    @property
    def average_job_seconds(self) -> float:
        """Moving average of successful job durations (starts at typical_job_seconds)."""
        return self._workers.average_job_seconds

    @property
    def queued_count(self) -> int:
        return self._book.queued_count

    @property
    def running_count(self) -> int:
        """Jobs holding a worker (at the provider, or not yet released)."""
        return self._book.running_count

    @property
    def is_shutting_down(self) -> bool:
        return self._closing

    def submit(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        run: Callable[[], Awaitable[None]],
        deadline: float,
        on_update: Callable[[Ticket], Awaitable[None]] | None = None,
        group: str | None = None,
    ) -> Ticket:
        """Queue a job. ``deadline`` is the clock time by which its result must be delivered.
        Each image of a several-image request is a job of its own (fairness counts
        images), all submitted with the same ``group``.

        Raises ShuttingDown once shutdown began, QueueFull if the user already has
        ``max_pending_per_user`` jobs queued or running (nothing is queued then).
        """
        if self._closing:
            raise ShuttingDown
        if self._book.pending_count(user_id) >= self._max_pending:
            raise QueueFull(self._max_pending)
        ticket = Ticket(
            id=f"{self._id_prefix}-{next(self._ids)}",
            user_id=user_id,
            guild_id=guild_id,
            deadline=deadline,
            submitted_at=self._clock(),
            done=asyncio.get_running_loop().create_future(),
            group=group,
        )
        self._book.add(Job(ticket=ticket, run=run, on_update=on_update))
        if group is not None and group not in self._groups:
            self._groups[group] = ticket.id
            while len(self._groups) > _GROUP_MEMORY:
                self._groups.popitem(last=False)
        self._workers.wake()
        log.debug(
            "queued ticket %s (user %s, guild %s) at position %s",
            ticket.id,
            user_id,
            guild_id,
            self._book.position(ticket.id),
        )
        return ticket

    def start(self) -> None:
        """Start the worker tasks. Calling it again while they run does nothing."""
        if self._closing:
            raise ShuttingDown
        self._workers.start()

    async def shutdown(self, grace: float) -> list[Ticket]:
        """Stop taking jobs and return the queued ones, now DROPPED, in fair order.

        Running jobs get up to ``grace`` seconds to finish, then are cancelled (state
        CANCELLED). Pending on_update callbacks then get up to ``callback_timeout`` seconds.
        A second call waits for the first one and returns an empty list.
        """
        if self._closing:
            await self._stopped.wait()
            return []
        self._closing = True
        dropped: list[Ticket] = []
        try:
            dropped = [job.ticket for job in self._book.drop_queued()]
            await self._workers.stop(grace)
            await self._notifier.close()
        finally:
            # Only does anything if shutdown() itself was cancelled half-way.
            self._workers.abort()
            self._stopped.set()
        log.info("scheduler stopped; %d queued job(s) dropped", len(dropped))
        return dropped

    def release(self, ticket: Ticket) -> None:
        """The job of ``ticket`` no longer needs the provider: its worker may move on.

        The job stays RUNNING (and pending for its member) until its ``run`` returns."""
        job = self._book.pending(ticket.id)
        if job is not None:
            job.released.set()

    def get(self, ticket_id: str) -> Ticket | None:
        """A pending or recently finished ticket by id."""
        job = self._book.pending(ticket_id)
        return job.ticket if job is not None else self._book.finished(ticket_id)

    def group_ticket(self, group: str) -> Ticket | None:
        """The first ticket submitted with ``group``, pending or recently finished; None
        when this scheduler has not seen the group (or no longer remembers it)."""
        ticket_id = self._groups.get(group)
        return None if ticket_id is None else self.get(ticket_id)

    def position(self, ticket: Ticket) -> int | None:
        """1-based place among queued jobs in the order they will start; None if not queued."""
        return self._book.position(ticket.id)

    def estimate_wait(self, ticket: Ticket) -> float:
        """Seconds until the ticket likely starts (0 if it is not queued)."""
        return self._book.estimate_wait(
            ticket, average=self._workers.average_job_seconds, workers=self._workers.count
        )

    def snapshot(self, user_id: int) -> QueueSnapshot:
        views = [
            TicketView(
                ticket=job.ticket,
                position=self._book.position(job.ticket.id),
                estimated_wait=self.estimate_wait(job.ticket),
            )
            for job in self._book.pending_of(user_id)
        ]
        views.sort(key=lambda view: (view.position is not None, view.position or 0))
        return QueueSnapshot(
            queued=self._book.queued_count, running=self._book.running_count, tickets=tuple(views)
        )

    def cancel(self, ticket_id: str, by_user_id: int) -> CancelOutcome:
        """Cancel a queued job of ``by_user_id``. Running and finished jobs are left alone."""
        ticket_id = str(ticket_id).strip().lstrip("#")
        job = self._book.pending(ticket_id)
        if job is None:
            finished = self._book.finished(ticket_id)
            if finished is None:
                return CancelOutcome.UNKNOWN
            if finished.user_id != by_user_id:
                return CancelOutcome.NOT_OWNER
            return CancelOutcome.ALREADY_FINISHED
        if job.ticket.user_id != by_user_id:
            return CancelOutcome.NOT_OWNER
        if job.ticket.state is TicketState.RUNNING:
            return CancelOutcome.ALREADY_STARTED
        self._book.cancel_queued(job)
        group = job.ticket.group
        if group is not None:
            # The rest of the request goes with it, except images already being made.
            for other in self._book.pending_of(by_user_id):
                if other.ticket.group == group and other.ticket.state is TicketState.QUEUED:
                    self._book.cancel_queued(other)
        log.debug("ticket %s cancelled by its owner", ticket_id)
        return CancelOutcome.CANCELLED

    def _notify(self, job: Job) -> None:
        if job.on_update is not None:
            self._notifier.notify(job.ticket, job.on_update)
