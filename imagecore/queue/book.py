"""The scheduler's books: every job it holds, queued (in fair order, with positions) or
running, and the tickets that finished recently.

Fair order is round-robin across guilds (DMs count as one guild), within a guild across
users, each user's jobs FIFO; both rotations are a ``FairShare``. Nothing here awaits:
every change is made at once, and ``on_change`` is told which job a caller should hear of.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from imagecore.queue.fair_share import FairShare
from imagecore.queue.tickets import Ticket, TicketState

__all__ = ["Job", "QueueBook"]

# Finished tickets remembered so cancel() can say ALREADY_FINISHED rather than UNKNOWN.
_FINISHED_MEMORY = 1000

_GuildKey = int | None  # None: direct messages, scheduled as a guild of their own
_Lane = tuple[_GuildKey, int]


@dataclass(eq=False, slots=True)
class Job:
    ticket: Ticket
    run: Callable[[], Awaitable[None]]
    on_update: Callable[[Ticket], Awaitable[None]] | None
    # Set by the job once it no longer needs the provider (its answer came; what is left
    # is download and posting): its worker may take the next job meanwhile.
    released: asyncio.Event = field(default_factory=asyncio.Event)


class QueueBook:
    def __init__(self, *, clock: Callable[[], float], on_change: Callable[[Job], None]) -> None:
        self._clock = clock
        self._on_change = on_change
        self._guilds: FairShare[_GuildKey] = FairShare()
        self._users: dict[_GuildKey, FairShare[int]] = {}
        self._lanes: dict[_Lane, deque[Job]] = {}
        self._jobs: dict[str, Job] = {}  # queued and running
        self._running: dict[str, Job] = {}
        self._positions: dict[str, int] = {}  # queued ticket id -> 1-based fair position
        self._pending_by_user: Counter[int] = Counter()
        self._finished: OrderedDict[str, Ticket] = OrderedDict()

    # -- reading -----------------------------------------------------------------------

    @property
    def queued_count(self) -> int:
        return len(self._positions)

    @property
    def running_count(self) -> int:
        return len(self._running)

    def pending(self, ticket_id: str) -> Job | None:
        """The queued or running job with this ticket id."""
        return self._jobs.get(ticket_id)

    def finished(self, ticket_id: str) -> Ticket | None:
        return self._finished.get(ticket_id)

    def pending_count(self, user_id: int) -> int:
        return self._pending_by_user[user_id]

    def pending_of(self, user_id: int) -> list[Job]:
        return [job for job in self._jobs.values() if job.ticket.user_id == user_id]

    def position(self, ticket_id: str) -> int | None:
        return self._positions.get(ticket_id)

    def estimate_wait(self, ticket: Ticket, *, average: float, workers: int) -> float:
        """Seconds until the ticket likely starts (0 if it is not queued)."""
        position = self._positions.get(ticket.id)
        if position is None:
            return 0.0
        now = self._clock()
        # When each worker becomes free: running jobs are assumed to take the average;
        # a released job no longer holds one.
        free_at = [
            max(0.0, started + average - now)
            for job in self._running.values()
            if (started := job.ticket.started_at) is not None and not job.released.is_set()
        ]
        free_at.extend([0.0] * max(0, workers - len(free_at)))
        heapq.heapify(free_at)
        for _ in range(position - 1):
            heapq.heappush(free_at, heapq.heappop(free_at) + average)
        return free_at[0]

    # -- changing ----------------------------------------------------------------------

    def add(self, job: Job) -> None:
        ticket = job.ticket
        self._lanes.setdefault((ticket.guild_id, ticket.user_id), deque()).append(job)
        self._users.setdefault(ticket.guild_id, FairShare()).push(ticket.user_id)
        self._guilds.push(ticket.guild_id)
        self._jobs[ticket.id] = job
        self._pending_by_user[ticket.user_id] += 1
        # The submitter renders the first position itself; others may have been overtaken.
        self._reposition(quiet=job)

    def pop_next(self) -> Job | None:
        """Take the first job in fair order off the queue (it is still pending)."""
        if not self._lanes:
            return None
        guild = self._guilds.pop()
        user = self._users[guild].pop()
        lane = self._lanes[(guild, user)]
        job = lane.popleft()
        if not lane:
            del self._lanes[(guild, user)]
        self._reposition()
        return job

    def mark_running(self, job: Job, now: float) -> None:
        job.ticket.state = TicketState.RUNNING
        job.ticket.started_at = now
        self._running[job.ticket.id] = job
        self._on_change(job)

    def cancel_queued(self, job: Job) -> None:
        self._remove_queued(job)
        self.retire(job, TicketState.CANCELLED)
        self._reposition()

    def drop_queued(self) -> list[Job]:
        """Retire every queued job as DROPPED; returns them in fair order."""
        dropped = self._fair_order()
        for job in dropped:
            self._remove_queued(job)
            self.retire(job, TicketState.DROPPED)
        self._positions = {}
        return dropped

    def retire(self, job: Job, state: TicketState, error: BaseException | None = None) -> None:
        """Give a queued-off or running job its final state and resolve its ``done``."""
        ticket = job.ticket
        ticket.state = state
        ticket.finished_at = self._clock()
        ticket.error = error
        self._jobs.pop(ticket.id, None)
        self._running.pop(ticket.id, None)
        self._pending_by_user[ticket.user_id] -= 1
        if self._pending_by_user[ticket.user_id] <= 0:
            del self._pending_by_user[ticket.user_id]
        self._finished[ticket.id] = ticket
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)
        if not ticket.done.done():
            ticket.done.set_result(ticket)
        self._on_change(job)

    # -- order -------------------------------------------------------------------------

    def _fair_order(self) -> list[Job]:
        user_orders: dict[_GuildKey, Iterator[int]] = {}
        lanes: dict[_Lane, Iterator[Job]] = {}
        order: list[Job] = []
        for guild in self._guilds.schedule():
            users = user_orders.get(guild)
            if users is None:
                users = user_orders[guild] = iter(self._users[guild].schedule())
            lane_key = (guild, next(users))
            lane = lanes.get(lane_key)
            if lane is None:
                lane = lanes[lane_key] = iter(self._lanes[lane_key])
            order.append(next(lane))
        return order

    def _reposition(self, quiet: Job | None = None) -> None:
        """Recompute positions and report every queued job whose position changed."""
        order = self._fair_order()
        previous = self._positions
        self._positions = {job.ticket.id: place for place, job in enumerate(order, 1)}
        for place, job in enumerate(order, 1):
            if job is not quiet and previous.get(job.ticket.id) != place:
                self._on_change(job)

    def _remove_queued(self, job: Job) -> None:
        ticket = job.ticket
        lane_key = (ticket.guild_id, ticket.user_id)
        lane = self._lanes[lane_key]
        lane.remove(job)
        if not lane:
            del self._lanes[lane_key]
        self._users[ticket.guild_id].discard(ticket.user_id)
        self._guilds.discard(ticket.guild_id)
