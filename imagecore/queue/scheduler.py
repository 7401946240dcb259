"""Which queued image job runs next: round-robin across guilds, then across users within
a guild, each user's jobs FIFO; with per-user limits, cancel, deadlines and shutdown.

Nothing here knows about Discord; callers get state changes through `Ticket.done` and the
`on_update` callback and render them however they like.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import logging
import secrets
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

__all__ = [
    "CancelOutcome",
    "FairScheduler",
    "QueueFull",
    "QueueSnapshot",
    "SchedulerError",
    "ShuttingDown",
    "Ticket",
    "TicketState",
    "TicketView",
]

# Finished tickets remembered so cancel() can say ALREADY_FINISHED rather than UNKNOWN.
_FINISHED_MEMORY = 1000
# Weight of the newest job in the moving average of job durations.
_DURATION_SMOOTHING = 0.2


class TicketState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DROPPED = "dropped"

    @property
    def is_final(self) -> bool:
        return self not in (TicketState.QUEUED, TicketState.RUNNING)


class CancelOutcome(enum.StrEnum):
    CANCELLED = "cancelled"
    NOT_OWNER = "not_owner"
    ALREADY_STARTED = "already_started"
    ALREADY_FINISHED = "already_finished"
    UNKNOWN = "unknown"


class SchedulerError(Exception):
    """Base class for errors raised by FairScheduler.submit()."""


class QueueFull(SchedulerError):
    """The user already has ``limit`` jobs queued or running."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"user already has {limit} pending jobs")
        self.limit = limit


class ShuttingDown(SchedulerError):
    """The scheduler no longer accepts jobs."""

    def __init__(self) -> None:
        super().__init__("scheduler is shutting down")


@dataclass(eq=False)
class Ticket:
    """A submitted job as seen by its submitter. Only the scheduler mutates it.

    ``done`` resolves (with the ticket itself, never an exception) when the ticket reaches a
    final state. Await it through ``asyncio.shield`` if the waiter may be cancelled, since
    cancelling a task that awaits a future directly cancels the future too.
    """

    id: str
    user_id: int
    guild_id: int | None
    deadline: float
    submitted_at: float
    done: asyncio.Future[Ticket] = field(repr=False)
    state: TicketState = TicketState.QUEUED
    started_at: float | None = None
    finished_at: float | None = None
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: Ticket
    position: int | None  # None once running
    estimated_wait: float


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    queued: int  # all users
    running: int  # all users
    tickets: tuple[TicketView, ...]  # the asking user's pending tickets, running first


# --------------------------------------------------------------------------------------
# Fair share bookkeeping
# --------------------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class _Flow:
    size: int = 0  # queued items
    head_tag: int = 0  # start tag of the first queued item; item i has head_tag + i
    head_seq: int = 0  # breaks ties between equal tags in activation order
    finish: int = 0  # tag after this flow's last dispatched item


class _FairShare(Generic[K]):
    """Start-time fair queueing over flows, each item costing one unit.

    Plain "append newcomers to the rotation" round-robin lets a heavy user who was just
    served go again before a newcomer. Tags fix that: a flow that becomes busy starts at the
    current virtual time, so it goes before flows that were already served this round, and
    a flow just served cannot jump ahead by going idle and coming back (``finish`` is kept
    until virtual time passes it).

    Only counts are stored; the caller keeps the items.
    """

    def __init__(self) -> None:
        self._flows: dict[K, _Flow] = {}
        self._vtime = 0
        self._next_seq = 0

    def push(self, key: K) -> None:
        flow = self._flows.get(key)
        if flow is None:
            flow = self._flows[key] = _Flow(finish=self._vtime)
        if flow.size == 0:
            flow.head_tag = max(self._vtime, flow.finish)
            flow.head_seq = self._take_seq()
        flow.size += 1

    def pop(self) -> K:
        """Dispatch the next item; returns its flow's key."""
        key, flow = min(
            ((k, f) for k, f in self._flows.items() if f.size),
            key=lambda kf: (kf[1].head_tag, kf[1].head_seq),
        )
        self._vtime = flow.head_tag
        flow.finish = flow.head_tag + 1
        flow.size -= 1
        if flow.size:
            flow.head_tag = flow.finish
            flow.head_seq = self._take_seq()
        for stale in [k for k, f in self._flows.items() if not f.size and f.finish <= self._vtime]:
            del self._flows[stale]
        return key

    def discard(self, key: K) -> None:
        """Forget one undispatched item of ``key``; its successors move up a tag."""
        flow = self._flows[key]
        flow.size -= 1
        if not flow.size and flow.finish <= self._vtime:
            del self._flows[key]

    def schedule(self) -> list[K]:
        """Flow keys in the order pop() would return them if nothing else changed."""
        busy = [(key, flow) for key, flow in self._flows.items() if flow.size]
        left = [flow.size for _, flow in busy]
        heap = [(flow.head_tag, flow.head_seq, i) for i, (_, flow) in enumerate(busy)]
        heapq.heapify(heap)
        seq = itertools.count(self._next_seq)  # later than every real tie-breaker, in order
        order: list[K] = []
        while heap:
            tag, _, i = heapq.heappop(heap)
            order.append(busy[i][0])
            left[i] -= 1
            if left[i]:
                heapq.heappush(heap, (tag + 1, next(seq), i))
        return order

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq


# --------------------------------------------------------------------------------------
# Fair scheduler
# --------------------------------------------------------------------------------------

_GuildKey = int | None  # None: direct messages, scheduled as a guild of their own
_Lane = tuple[_GuildKey, int]


@dataclass(eq=False, slots=True)
class _Entry:
    ticket: Ticket
    run: Callable[[], Awaitable[None]]
    on_update: Callable[[Ticket], Awaitable[None]] | None
    notify_again: bool = False
    notifier: asyncio.Task[None] | None = None


class FairScheduler:
    """Runs submitted jobs on ``workers`` worker tasks in fair order.

    Order: round-robin across guilds (DMs count as one guild), within a guild across users,
    each user's jobs FIFO. A job whose deadline cannot be met by the time a worker reaches
    it is expired instead of run. ``on_update`` callbacks run as separate tasks, coalesced
    per ticket (a slow callback is re-run once with the latest state, not once per change),
    each call bounded by ``callback_timeout``.

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
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_pending_per_user < 1:
            raise ValueError("max_pending_per_user must be at least 1")
        if typical_job_seconds < 0:
            raise ValueError("typical_job_seconds must not be negative")
        self._worker_count = workers
        self._max_pending = max_pending_per_user
        self._clock = clock
        self._average = float(typical_job_seconds)
        self._callback_timeout = callback_timeout

        self._guilds: _FairShare[_GuildKey] = _FairShare()
        self._users: dict[_GuildKey, _FairShare[int]] = {}
        self._lanes: dict[_Lane, deque[_Entry]] = {}
        self._entries: dict[str, _Entry] = {}  # queued and running
        self._running: dict[str, _Entry] = {}
        self._positions: dict[str, int] = {}  # queued ticket id -> 1-based fair position
        self._pending_by_user: Counter[int] = Counter()
        self._finished: OrderedDict[str, Ticket] = OrderedDict()
        self._ids = itertools.count(1)
        # Ticket ids end up in button custom_ids that outlive the process; a per-run prefix
        # keeps a button from before a restart from naming a new job.
        self._id_prefix = secrets.token_hex(3)

        self._work_ready = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._callbacks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._stopped = asyncio.Event()

    # -- public API --------------------------------------------------------------------

    @property
    def average_job_seconds(self) -> float:
        """Moving average of successful job durations (starts at typical_job_seconds)."""
        return self._average

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
    ) -> Ticket:
        """Queue a job. ``deadline`` is the clock time by which its result must be delivered.

        Raises ShuttingDown once shutdown began, QueueFull if the user already has
        ``max_pending_per_user`` jobs queued or running (nothing is queued then).
        """
        if self._closing:
            raise ShuttingDown()
        if self._pending_by_user[user_id] >= self._max_pending:
            raise QueueFull(self._max_pending)
        ticket = Ticket(
            id=f"{self._id_prefix}-{next(self._ids)}",
            user_id=user_id,
            guild_id=guild_id,
            deadline=deadline,
            submitted_at=self._clock(),
            done=asyncio.get_running_loop().create_future(),
        )
        entry = _Entry(ticket=ticket, run=run, on_update=on_update)
        self._lanes.setdefault((guild_id, user_id), deque()).append(entry)
        self._users.setdefault(guild_id, _FairShare()).push(user_id)
        self._guilds.push(guild_id)
        self._entries[ticket.id] = entry
        self._pending_by_user[user_id] += 1
        # The submitter renders the first position itself; others may have been overtaken.
        self._reposition(quiet=entry)
        self._work_ready.set()
        log.debug(
            "queued ticket %s (user %s, guild %s) at position %s",
            ticket.id,
            user_id,
            guild_id,
            self._positions.get(ticket.id),
        )
        return ticket

    def start(self) -> None:
        """Start the worker tasks. Calling it again while they run does nothing."""
        if self._closing:
            raise ShuttingDown()
        if self._workers:
            return
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._work(number), name=f"imagecore-worker-{number}")
            for number in range(self._worker_count)
        ]

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
            for entry in self._fair_order():
                self._remove_queued(entry)
                self._retire(entry, TicketState.DROPPED)
                dropped.append(entry.ticket)
            self._positions = {}
            self._work_ready.set()  # idle workers wake up, see _closing and exit

            workers = [task for task in self._workers if not task.done()]
            if workers:
                _, late = await asyncio.wait(workers, timeout=max(0.0, grace))
                for task in late:
                    task.cancel()
                if late:
                    log.info("cancelling %d job(s) still running after %.1fs", len(late), grace)
                    await asyncio.gather(*late, return_exceptions=True)

            if self._callbacks:
                _, hung = await asyncio.wait(set(self._callbacks), timeout=self._callback_timeout)
                for task in hung:
                    task.cancel()
                if hung:
                    await asyncio.gather(*hung, return_exceptions=True)
        finally:
            # Only does anything if shutdown() itself was cancelled half-way.
            for task in self._workers:
                task.cancel()
            self._stopped.set()
        log.info("scheduler stopped; %d queued job(s) dropped", len(dropped))
        return dropped

    def get(self, ticket_id: str) -> Ticket | None:
        """A pending or recently finished ticket by id."""
        entry = self._entries.get(ticket_id)
        return entry.ticket if entry is not None else self._finished.get(ticket_id)

    def position(self, ticket: Ticket) -> int | None:
        """1-based place among queued jobs in the order they will start; None if not queued."""
        return self._positions.get(ticket.id)

    def estimate_wait(self, ticket: Ticket) -> float:
        """Seconds until the ticket likely starts (0 if it is not queued)."""
        position = self._positions.get(ticket.id)
        if position is None:
            return 0.0
        now = self._clock()
        average = self._average
        # When each worker becomes free: running jobs are assumed to take the average.
        free_at = [
            max(0.0, started + average - now)
            for entry in self._running.values()
            if (started := entry.ticket.started_at) is not None
        ]
        free_at.extend([0.0] * max(0, self._worker_count - len(free_at)))
        heapq.heapify(free_at)
        for _ in range(position - 1):
            heapq.heappush(free_at, heapq.heappop(free_at) + average)
        return free_at[0]

    def snapshot(self, user_id: int) -> QueueSnapshot:
        views = [
            TicketView(
                ticket=entry.ticket,
                position=self._positions.get(entry.ticket.id),
                estimated_wait=self.estimate_wait(entry.ticket),
            )
            for entry in self._entries.values()
            if entry.ticket.user_id == user_id
        ]
        views.sort(key=lambda view: (view.position is not None, view.position or 0))
        return QueueSnapshot(
            queued=len(self._positions), running=len(self._running), tickets=tuple(views)
        )

    def cancel(self, ticket_id: str, by_user_id: int) -> CancelOutcome:
        """Cancel a queued job of ``by_user_id``. Running and finished jobs are left alone."""
        ticket_id = str(ticket_id).strip().lstrip("#")
        entry = self._entries.get(ticket_id)
        if entry is None:
            finished = self._finished.get(ticket_id)
            if finished is None:
                return CancelOutcome.UNKNOWN
            if finished.user_id != by_user_id:
                return CancelOutcome.NOT_OWNER
            return CancelOutcome.ALREADY_FINISHED
        if entry.ticket.user_id != by_user_id:
            return CancelOutcome.NOT_OWNER
        if entry.ticket.state is TicketState.RUNNING:
            return CancelOutcome.ALREADY_STARTED
        self._remove_queued(entry)
        self._retire(entry, TicketState.CANCELLED)
        self._reposition()
        log.debug("ticket %s cancelled by its owner", ticket_id)
        return CancelOutcome.CANCELLED

    # -- queue internals ---------------------------------------------------------------

    def _fair_order(self) -> list[_Entry]:
        user_orders: dict[_GuildKey, Iterator[int]] = {}
        lanes: dict[_Lane, Iterator[_Entry]] = {}
        order: list[_Entry] = []
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

    def _reposition(self, quiet: _Entry | None = None) -> None:
        """Recompute positions and notify every queued ticket whose position changed."""
        order = self._fair_order()
        previous = self._positions
        self._positions = {entry.ticket.id: place for place, entry in enumerate(order, 1)}
        for place, entry in enumerate(order, 1):
            if entry is not quiet and previous.get(entry.ticket.id) != place:
                self._notify(entry)

    def _pop_next(self) -> _Entry | None:
        if not self._lanes:
            return None
        guild = self._guilds.pop()
        user = self._users[guild].pop()
        lane = self._lanes[(guild, user)]
        entry = lane.popleft()
        if not lane:
            del self._lanes[(guild, user)]
        self._reposition()
        return entry

    def _remove_queued(self, entry: _Entry) -> None:
        ticket = entry.ticket
        lane_key = (ticket.guild_id, ticket.user_id)
        lane = self._lanes[lane_key]
        lane.remove(entry)
        if not lane:
            del self._lanes[lane_key]
        self._users[ticket.guild_id].discard(ticket.user_id)
        self._guilds.discard(ticket.guild_id)

    def _retire(
        self, entry: _Entry, state: TicketState, error: BaseException | None = None
    ) -> None:
        ticket = entry.ticket
        ticket.state = state
        ticket.finished_at = self._clock()
        ticket.error = error
        self._entries.pop(ticket.id, None)
        self._running.pop(ticket.id, None)
        self._pending_by_user[ticket.user_id] -= 1
        if self._pending_by_user[ticket.user_id] <= 0:
            del self._pending_by_user[ticket.user_id]
        self._finished[ticket.id] = ticket
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)
        if not ticket.done.done():
            ticket.done.set_result(ticket)
        self._notify(entry)

    # -- workers -----------------------------------------------------------------------

    async def _work(self, number: int) -> None:
        while True:
            entry = await self._next_job()
            if entry is None:
                return
            try:
                await self._execute(entry)
            except Exception:
                # A bookkeeping bug must not silently cost us a worker.
                log.exception("scheduler worker %d hit an internal error", number)

    async def _next_job(self) -> _Entry | None:
        while not self._closing:
            entry = self._pop_next()
            if entry is None:
                self._work_ready.clear()
                await self._work_ready.wait()
                continue
            ticket = entry.ticket
            now = self._clock()
            if now + self._average > ticket.deadline:
                # Nobody could receive the image in time; don't pay for it.
                log.debug(
                    "ticket %s expired: %.1fs expected, %.1fs left",
                    ticket.id,
                    self._average,
                    ticket.deadline - now,
                )
                self._retire(entry, TicketState.EXPIRED)
                continue
            ticket.state = TicketState.RUNNING
            ticket.started_at = now
            self._running[ticket.id] = entry
            self._notify(entry)
            return entry
        return None

    async def _execute(self, entry: _Entry) -> None:
        ticket = entry.ticket
        try:
            await entry.run()
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                self._retire(entry, TicketState.CANCELLED)  # shutdown ran out of grace
                raise
            # The job cancelled something of its own and let it escape: that job failed.
            log.debug("ticket %s failed", ticket.id, exc_info=True)
            self._retire(entry, TicketState.FAILED, exc)
        except Exception as exc:
            log.debug("ticket %s failed", ticket.id, exc_info=True)
            self._retire(entry, TicketState.FAILED, exc)
        else:
            started = ticket.started_at if ticket.started_at is not None else self._clock()
            elapsed = self._clock() - started
            # Only successes: a quick rejection says nothing about how long images take.
            self._average += _DURATION_SMOOTHING * (elapsed - self._average)
            self._retire(entry, TicketState.DONE)

    # -- callbacks ---------------------------------------------------------------------

    def _notify(self, entry: _Entry) -> None:
        if entry.on_update is None:
            return
        entry.notify_again = True
        if entry.notifier is None:
            task = asyncio.get_running_loop().create_task(
                self._deliver(entry), name=f"imagecore-ticket-{entry.ticket.id}-update"
            )
            entry.notifier = task
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)

    async def _deliver(self, entry: _Entry) -> None:
        callback = entry.on_update
        if callback is None:
            return
        try:
            while entry.notify_again:
                entry.notify_again = False
                try:
                    async with asyncio.timeout(self._callback_timeout):
                        await callback(entry.ticket)
                except TimeoutError:
                    log.warning("on_update for ticket %s timed out", entry.ticket.id)
                except Exception:
                    log.exception("on_update for ticket %s failed", entry.ticket.id)
        finally:
            entry.notifier = None
