"""Job scheduling for the image provider: a rate/concurrency gate and a fair job queue.

`RateGate` is passed through by every API attempt (first tries and retries alike) so the
provider's per-account limits (about 2 requests/s, 2 concurrent) hold at all times and 429s
slow us down instead of piling up. `FairScheduler` decides which queued job runs next:
round-robin across guilds, then across users within a guild, each user's jobs FIFO.

Nothing here knows about Discord; callers get state changes through `Ticket.done` and the
`on_update` callback and render them however they like.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
import logging
import math
import random
import time
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

__all__ = [
    "CancelOutcome",
    "FairScheduler",
    "QueueFull",
    "QueueSnapshot",
    "RateGate",
    "SchedulerError",
    "ShuttingDown",
    "Ticket",
    "TicketState",
    "TicketView",
]

# Float token arithmetic drifts; a token this close to whole counts as whole, which avoids
# a tail of micro-sleeps and is far below anything the provider could notice.
_TOKEN_EPSILON = 1e-9
# Finished tickets remembered so cancel() can say ALREADY_FINISHED rather than UNKNOWN.
_FINISHED_MEMORY = 1000
# Weight of the newest job in the moving average of job durations.
_DURATION_SMOOTHING = 0.2


# --------------------------------------------------------------------------------------
# Rate gate
# --------------------------------------------------------------------------------------


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class RateGate:
    """Admits API attempts within a concurrency limit and an adaptive request rate.

    ``async with gate.slot():`` waits for a free concurrency slot and then a rate token
    (token bucket, ``burst`` tokens deep), and holds the slot for the attempt. Waiters are
    served FIFO. A waiter cancelled at any point gives back whatever it had taken.

    After a 429 call ``throttled(retry_after)``: new attempts pause and the effective rate is
    cut multiplicatively (AIMD). Each success calls ``succeeded()``, which raises the rate
    additively back towards the configured one.
    """

    def __init__(
        self,
        concurrency: int,
        rate: float,
        *,
        burst: int = 1,
        min_rate: float = 0.1,
        decrease_factor: float = 0.5,
        recovery_step: float | None = None,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError("rate must be a positive finite number")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if not 0 < decrease_factor < 1:
            raise ValueError("decrease_factor must be between 0 and 1")
        if min_rate <= 0:
            raise ValueError("min_rate must be positive")
        self._concurrency = concurrency
        self._max_rate = float(rate)
        self._min_rate = min(float(min_rate), self._max_rate)
        self._rate = self._max_rate
        self._burst = float(burst)
        self._decrease = decrease_factor
        self._step = recovery_step if recovery_step is not None else self._max_rate / 10
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()

        self._slots = asyncio.Semaphore(concurrency)
        # Only the lock holder waits for tokens, so tokens are handed out FIFO.
        self._token_lock = asyncio.Lock()
        self._tokens = self._burst
        self._refilled_at = clock()
        self._paused_until = -math.inf
        self._strikes = 0  # throttle episodes since the last success, for the backoff
        # A 429 only counts as new evidence if some attempt was admitted after the last cut;
        # otherwise it comes from an attempt that was already in flight.
        self._admitted_since_throttle = True
        self._in_flight = 0
        self._waker: asyncio.Future[None] | None = None

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def max_rate(self) -> float:
        """The configured rate the gate recovers to."""
        return self._max_rate

    @property
    def current_rate(self) -> float:
        """The effective rate (attempts/s) after throttling."""
        return self._rate

    @property
    def in_flight(self) -> int:
        """Attempts currently holding a slot."""
        return self._in_flight

    @property
    def paused_for(self) -> float:
        """Seconds left of the pause ordered by the last 429 (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a concurrency slot and a rate token, then hold the slot for the body."""
        await self._slots.acquire()
        try:
            await self._take_token()
        except BaseException:
            self._slots.release()
            raise
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._slots.release()

    def throttled(self, retry_after: float | None) -> None:
        """The provider answered 429: pause new attempts and cut the effective rate."""
        now = self._clock()
        self._refill(now)
        new_episode = self._admitted_since_throttle
        self._admitted_since_throttle = False
        if new_episode:
            self._strikes += 1
            self._rate = max(self._min_rate, self._rate * self._decrease)
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            pause = float(retry_after)
        else:
            pause = self._backoff()
        self._paused_until = max(self._paused_until, now + pause)
        # Drain the bucket so the pause is not followed by a burst.
        self._tokens = 0.0
        self._refilled_at = max(self._refilled_at, self._paused_until)
        if new_episode:
            log.info(
                "rate limited by provider: pausing %.1fs, rate now %.2f/s",
                pause,
                self._rate,
            )
        self._wake_waiter()

    def succeeded(self) -> None:
        """An attempt got through: recover the rate by one additive step."""
        self._strikes = 0
        if self._rate < self._max_rate:
            self._refill(self._clock())
            self._rate = min(self._max_rate, self._rate + self._step)
            self._wake_waiter()  # a faster rate may let the waiting attempt go sooner

    def _backoff(self) -> float:
        exponent = min(self._strikes - 1, 32)  # keeps 2**n finite; the cap applies anyway
        ceiling = min(self._max_backoff, self._base_backoff * 2.0**exponent)
        # "Equal jitter": never zero, and concurrent clients spread out.
        return ceiling * (0.5 + 0.5 * self._rng.random())

    def _refill(self, now: float) -> None:
        if now > self._refilled_at:
            gained = (now - self._refilled_at) * self._rate
            self._tokens = min(self._burst, self._tokens + gained)
            self._refilled_at = now

    async def _take_token(self) -> None:
        async with self._token_lock:
            while True:
                now = self._clock()
                self._refill(now)
                if now >= self._paused_until and self._tokens >= 1.0 - _TOKEN_EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self._admitted_since_throttle = True
                    return
                if now < self._paused_until:
                    delay = self._paused_until - now
                else:
                    delay = (1.0 - self._tokens) / self._rate
                await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Sleep for ``delay`` or until the rate or pause changes, whichever comes first."""
        loop = asyncio.get_running_loop()
        waker: asyncio.Future[None] = loop.create_future()
        self._waker = waker
        handle = loop.call_later(delay, _wake, waker)
        try:
            await waker
        finally:
            handle.cancel()
            if self._waker is waker:
                self._waker = None

    def _wake_waiter(self) -> None:
        if self._waker is not None:
            _wake(self._waker)


# --------------------------------------------------------------------------------------
# Tickets and results
# --------------------------------------------------------------------------------------


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
            id=str(next(self._ids)),
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
