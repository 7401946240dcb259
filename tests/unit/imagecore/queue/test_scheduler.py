"""Tests for imagecore.scheduler, on a real event loop with short durations."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from imagecore.api.rate_gate import RateGate
from imagecore.queue import (
    CancelOutcome,
    FairScheduler,
    QueueFull,
    ShuttingDown,
    Ticket,
    TicketState,
)

Job = Callable[[], Awaitable[None]]


def far() -> float:
    return time.monotonic() + 60.0


def job(events: list[str], name: str, duration: float = 0.0) -> Job:
    async def run() -> None:
        events.append(f"start {name}")
        await asyncio.sleep(duration)
        events.append(f"end {name}")

    return run


def starts(events: list[str]) -> list[str]:
    return [event.removeprefix("start ") for event in events if event.startswith("start ")]


async def settle() -> None:
    """Let callback tasks and woken workers run."""
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
async def make_scheduler() -> AsyncIterator[Callable[..., FairScheduler]]:
    created: list[FairScheduler] = []

    def factory(**kwargs: object) -> FairScheduler:
        kwargs.setdefault("workers", 2)
        kwargs.setdefault("max_pending_per_user", 50)
        kwargs.setdefault("typical_job_seconds", 0.01)
        scheduler = FairScheduler(**kwargs)  # type: ignore[arg-type]
        created.append(scheduler)
        return scheduler

    yield factory
    for scheduler in created:
        await scheduler.shutdown(0)


# -- RateGate -----------------------------------------------------------------------------


async def test_gate_never_exceeds_concurrency_or_rate() -> None:
    gate = RateGate(2, 10)
    stamps: list[float] = []
    peak = 0

    async def attempt(duration: float) -> None:
        nonlocal peak
        async with gate.slot():
            stamps.append(time.monotonic())
            peak = max(peak, gate.in_flight)
            await asyncio.sleep(duration)

    # Mixed durations so both limits bind at different times.
    await asyncio.gather(*(attempt(0.25 if i % 3 == 0 else 0.01) for i in range(15)))

    assert peak == 2
    assert gate.in_flight == 0
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.1 - 1e-6  # burst 1: never closer than 1/rate
    for i, first in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < first + 1.0)
        assert in_window <= 10 + 1


async def test_gate_burst_lets_a_few_through_at_once() -> None:
    gate = RateGate(5, 2, burst=3)
    stamps: list[float] = []

    async def attempt() -> None:
        async with gate.slot():
            stamps.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(attempt() for _ in range(4)))
    offsets = sorted(t - began for t in stamps)
    assert offsets[2] < 0.05  # three at once
    assert offsets[3] >= 0.5 - 1e-6  # the fourth waits for a token at 2/s


async def test_throttled_pauses_then_rate_recovers() -> None:
    gate = RateGate(2, 10)
    async with gate.slot():
        pass

    gate.throttled(0.3)
    assert gate.current_rate == pytest.approx(5.0)
    assert 0.25 < gate.paused_for <= 0.3

    began = time.monotonic()
    async with gate.slot():
        first = time.monotonic() - began
    async with gate.slot():
        second = time.monotonic() - began
    assert first >= 0.3 - 1e-6
    assert second - first >= 0.2 - 1e-6  # spacing follows the cut rate, 5/s

    for _ in range(4):
        gate.succeeded()
    assert gate.current_rate == pytest.approx(9.0)
    for _ in range(10):
        gate.succeeded()
    assert gate.current_rate == pytest.approx(10.0)  # never above the configured rate


async def test_throttled_cuts_once_per_episode_with_a_floor() -> None:
    now = [0.0]
    gate = RateGate(2, 2, min_rate=0.1, clock=lambda: now[0])
    gate.throttled(0)
    gate.throttled(0)  # same episode: no attempt admitted since the first 429
    assert gate.current_rate == pytest.approx(1.0)

    for _ in range(20):
        now[0] += 100.0  # jump the gate's clock instead of waiting out the slow rates
        async with asyncio.timeout(0.5), gate.slot():
            pass
        gate.throttled(0)
    assert gate.current_rate == pytest.approx(0.1)


async def test_throttled_without_retry_after_backs_off_exponentially_with_cap() -> None:
    now = [0.0]
    gate = RateGate(
        1, 100, base_backoff=1.0, max_backoff=3.0, clock=lambda: now[0], rng=random.Random(7)
    )
    pauses: list[float] = []
    for _ in range(4):
        now[0] += 100.0  # past any pause, without waiting for it
        async with asyncio.timeout(0.5), gate.slot():
            pass
        gate.throttled(None)
        pauses.append(gate.paused_for)
    assert 0.5 <= pauses[0] <= 1.0  # equal jitter: between half and all of the step
    assert 1.0 <= pauses[1] <= 2.0
    assert 1.5 <= pauses[2] <= 3.0
    assert 1.5 <= pauses[3] <= 3.0  # capped

    gate.succeeded()
    now[0] += 100.0
    async with asyncio.timeout(0.5), gate.slot():
        pass
    gate.throttled(None)
    assert gate.paused_for <= 1.0  # a success resets the backoff


async def test_cancelled_slot_waiters_leak_nothing() -> None:
    gate = RateGate(1, 1000)
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await release.wait()

    async def waiter() -> None:
        async with gate.slot():
            pytest.fail("cancelled waiter got a slot")

    holding = asyncio.create_task(holder())
    await settle()
    waiters = [asyncio.create_task(waiter()) for _ in range(5)]
    await settle()
    for task in waiters:
        task.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    release.set()
    await holding

    assert gate.in_flight == 0
    for _ in range(3):  # the one slot is still there
        async with asyncio.timeout(0.5), gate.slot():
            assert gate.in_flight == 1


async def test_waiter_cancelled_as_slot_is_released_passes_it_on() -> None:
    gate = RateGate(1, 1000)
    release = asyncio.Event()
    got: list[str] = []

    async def holder() -> None:
        async with gate.slot():
            await release.wait()

    async def waiter(name: str) -> None:
        async with gate.slot():
            got.append(name)

    holding = asyncio.create_task(holder())
    await settle()
    first = asyncio.create_task(waiter("first"))
    second = asyncio.create_task(waiter("second"))
    await settle()
    release.set()
    await asyncio.sleep(0)  # holder releases and wakes `first` ...
    first.cancel()  # ... which is cancelled before it runs
    await asyncio.gather(holding, first, return_exceptions=True)
    async with asyncio.timeout(0.5):
        await second
    assert got == ["second"]
    assert gate.in_flight == 0


async def test_cancelled_token_waiter_does_not_use_up_a_token() -> None:
    gate = RateGate(2, 5)  # one token per 0.2 s
    began = time.monotonic()
    async with gate.slot():
        pass

    async def waiter() -> None:
        async with gate.slot():
            pytest.fail("cancelled waiter was admitted")

    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)

    async with gate.slot():
        admitted = time.monotonic() - began
    # Gets the token the cancelled waiter was after, no sooner and not a period later.
    assert 0.2 - 1e-6 <= admitted < 0.3
    assert gate.in_flight == 0


async def test_cancelled_attempt_releases_its_slot() -> None:
    gate = RateGate(1, 1000)

    async def attempt() -> None:
        async with gate.slot():
            await asyncio.sleep(10)

    task = asyncio.create_task(attempt())
    await asyncio.sleep(0.01)
    assert gate.in_flight == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert gate.in_flight == 0
    async with asyncio.timeout(0.5), gate.slot():
        pass


# -- FairScheduler: order -----------------------------------------------------------------


async def test_light_user_is_not_stuck_behind_heavy_user(make_scheduler) -> None:
    scheduler = make_scheduler(workers=2)
    finished: list[str] = []
    b_done = asyncio.Event()

    def tracked(name: str) -> Job:
        async def run() -> None:
            await asyncio.sleep(0.05)
            finished.append(name)
            if name == "B":
                b_done.set()

        return run

    scheduler.start()
    for i in range(20):
        scheduler.submit(user_id=1, guild_id=10, run=tracked(f"A{i}"), deadline=far())
    await asyncio.sleep(0.01)  # both workers are now busy with A's first two jobs
    scheduler.submit(user_id=2, guild_id=10, run=tracked("B"), deadline=far())

    async with asyncio.timeout(2):
        await b_done.wait()
    a_before_b = finished.index("B")
    assert a_before_b <= 2


async def test_round_robin_across_guilds_then_users(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    tickets: dict[str, Ticket] = {}

    def add(name: str, user: int, guild: int | None) -> None:
        tickets[name] = scheduler.submit(
            user_id=user, guild_id=guild, run=job(events, name), deadline=far()
        )

    for i in range(4):
        add(f"a{i}", 1, 100)  # guild 100: one user
    for i in range(2):
        add(f"b{i}", 2, 200)  # guild 200: two users
    for i in range(2):
        add(f"c{i}", 3, 200)
    add("d0", 4, None)  # a DM is a guild of its own
    add("d1", 4, None)

    predicted = sorted(tickets, key=lambda name: scheduler.position(tickets[name]))
    scheduler.start()
    async with asyncio.timeout(2):
        await asyncio.gather(*(t.done for t in tickets.values()))

    expected = ["a0", "b0", "d0", "a1", "c0", "d1", "a2", "b1", "a3", "c1"]
    assert starts(events) == expected
    assert predicted == expected  # positions describe the real order


async def test_user_just_served_does_not_jump_ahead_of_newcomer(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    gate = asyncio.Event()

    async def first() -> None:
        events.append("start a0")
        await gate.wait()

    done = [scheduler.submit(user_id=1, guild_id=1, run=first, deadline=far()).done]
    scheduler.start()
    await settle()
    # While a0 runs, A submits again and then C arrives: C has had nothing this round.
    done.append(scheduler.submit(user_id=1, guild_id=1, run=job(events, "a1"), deadline=far()).done)
    done.append(scheduler.submit(user_id=3, guild_id=1, run=job(events, "c0"), deadline=far()).done)
    gate.set()
    async with asyncio.timeout(1):
        await asyncio.gather(*done)
    assert starts(events) == ["a0", "c0", "a1"]


# -- FairScheduler: limits, cancel, positions ---------------------------------------------


async def test_queue_full_at_limit_queues_nothing(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1, max_pending_per_user=2)
    gate = asyncio.Event()

    async def blocked() -> None:
        await gate.wait()

    first = scheduler.submit(user_id=1, guild_id=1, run=blocked, deadline=far())
    scheduler.submit(user_id=1, guild_id=1, run=blocked, deadline=far())
    with pytest.raises(QueueFull) as raised:
        scheduler.submit(user_id=1, guild_id=1, run=blocked, deadline=far())
    assert raised.value.limit == 2
    assert scheduler.snapshot(1).queued == 2
    assert len(scheduler.snapshot(1).tickets) == 2

    scheduler.submit(user_id=2, guild_id=1, run=blocked, deadline=far())  # others unaffected

    scheduler.start()
    await settle()
    assert first.state is TicketState.RUNNING
    with pytest.raises(QueueFull):  # running jobs count too
        scheduler.submit(user_id=1, guild_id=2, run=blocked, deadline=far())

    gate.set()
    await asyncio.wait_for(first.done, 1)
    scheduler.submit(user_id=1, guild_id=1, run=blocked, deadline=far())


async def test_cancel_outcomes(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    gate = asyncio.Event()
    updates: list[TicketState] = []

    async def blocked() -> None:
        events.append("start running")
        await gate.wait()

    async def on_update(ticket: Ticket) -> None:
        updates.append(ticket.state)

    running = scheduler.submit(user_id=1, guild_id=1, run=blocked, deadline=far())
    queued = scheduler.submit(
        user_id=1, guild_id=1, run=job(events, "queued"), deadline=far(), on_update=on_update
    )
    scheduler.start()
    await settle()

    assert scheduler.cancel(queued.id, by_user_id=2) is CancelOutcome.NOT_OWNER
    assert queued.state is TicketState.QUEUED
    assert scheduler.cancel(queued.id, by_user_id=1) is CancelOutcome.CANCELLED
    assert queued.state is TicketState.CANCELLED
    assert queued.done.done()
    assert scheduler.position(queued) is None
    assert scheduler.cancel(queued.id, by_user_id=1) is CancelOutcome.ALREADY_FINISHED

    assert scheduler.cancel(running.id, by_user_id=1) is CancelOutcome.ALREADY_STARTED
    assert running.state is TicketState.RUNNING
    gate.set()
    await asyncio.wait_for(running.done, 1)
    assert running.state is TicketState.DONE
    assert scheduler.cancel(running.id, by_user_id=1) is CancelOutcome.ALREADY_FINISHED
    assert scheduler.cancel(running.id, by_user_id=5) is CancelOutcome.NOT_OWNER
    assert scheduler.cancel("no-such-ticket", by_user_id=1) is CancelOutcome.UNKNOWN

    await settle()
    assert starts(events) == ["running"]  # the cancelled job never ran
    assert updates[-1] is TicketState.CANCELLED


async def test_positions_and_estimates_decrease_as_jobs_run(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1, typical_job_seconds=0.05)
    events: list[str] = []
    seen: list[tuple[TicketState, int | None]] = []

    async def on_update(ticket: Ticket) -> None:
        seen.append((ticket.state, scheduler.position(ticket)))

    tickets = [
        scheduler.submit(user_id=1, guild_id=1, run=job(events, str(i), 0.05), deadline=far())
        for i in range(3)
    ]
    last = scheduler.submit(
        user_id=1, guild_id=1, run=job(events, "last", 0.05), deadline=far(), on_update=on_update
    )
    assert [scheduler.position(t) for t in [*tickets, last]] == [1, 2, 3, 4]
    assert scheduler.estimate_wait(last) == pytest.approx(0.15)  # three jobs ahead, 1 worker
    assert scheduler.estimate_wait(tickets[0]) == 0.0

    scheduler.start()
    await asyncio.sleep(0.07)  # first job done, second running
    assert scheduler.position(last) == 2
    mid_estimate = scheduler.estimate_wait(last)
    assert 0.0 < mid_estimate < 0.15

    snapshot = scheduler.snapshot(1)
    assert snapshot.running == 1
    assert snapshot.queued == 2
    assert snapshot.tickets[0].position is None  # running first
    assert [view.position for view in snapshot.tickets[1:]] == [1, 2]

    async with asyncio.timeout(2):
        await last.done
    await settle()
    positions = [position for state, position in seen if state is TicketState.QUEUED]
    assert positions
    assert positions == sorted(positions, reverse=True)
    assert len(set(positions)) == len(positions)
    assert [state for state, _ in seen][-2:] == [TicketState.RUNNING, TicketState.DONE]


async def test_new_arrival_that_overtakes_notifies_the_overtaken(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    seen: list[int | None] = []

    async def on_update(ticket: Ticket) -> None:
        seen.append(scheduler.position(ticket))

    events: list[str] = []
    scheduler.submit(user_id=1, guild_id=1, run=job(events, "a0"), deadline=far())
    a1 = scheduler.submit(
        user_id=1, guild_id=1, run=job(events, "a1"), deadline=far(), on_update=on_update
    )
    assert scheduler.position(a1) == 2
    scheduler.submit(user_id=2, guild_id=2, run=job(events, "b0"), deadline=far())
    assert scheduler.position(a1) == 3
    await settle()
    assert seen == [3]


# -- FairScheduler: deadlines, failures, callbacks ----------------------------------------


async def test_job_that_cannot_meet_its_deadline_is_expired_not_run(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1, typical_job_seconds=0.2)
    ran: list[str] = []
    updates: list[TicketState] = []

    async def run() -> None:
        ran.append("late")

    async def on_update(ticket: Ticket) -> None:
        updates.append(ticket.state)

    late = scheduler.submit(
        user_id=1, guild_id=1, run=run, deadline=time.monotonic() + 0.1, on_update=on_update
    )
    fine = scheduler.submit(user_id=1, guild_id=1, run=job(ran, "fine"), deadline=far())
    scheduler.start()
    async with asyncio.timeout(1):
        await asyncio.gather(late.done, fine.done)
    await settle()

    assert late.state is TicketState.EXPIRED
    assert late.started_at is None
    assert fine.state is TicketState.DONE
    assert ran == ["start fine", "end fine"]
    assert updates == [TicketState.EXPIRED]


async def test_failing_job_does_not_stop_the_others(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    boom = RuntimeError("provider exploded")

    async def failing() -> None:
        raise boom

    tickets = [
        scheduler.submit(user_id=1, guild_id=1, run=job(events, "one"), deadline=far()),
        scheduler.submit(user_id=1, guild_id=1, run=failing, deadline=far()),
        scheduler.submit(user_id=1, guild_id=1, run=job(events, "three"), deadline=far()),
    ]
    scheduler.start()
    async with asyncio.timeout(1):
        await asyncio.gather(*(t.done for t in tickets))
    assert [t.state for t in tickets] == [TicketState.DONE, TicketState.FAILED, TicketState.DONE]
    assert tickets[1].error is boom
    assert tickets[0].error is None


async def test_broken_or_slow_callbacks_do_not_block_workers(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1, callback_timeout=0.2)
    events: list[str] = []

    async def explodes(ticket: Ticket) -> None:
        raise ValueError("bad message edit")

    async def hangs(ticket: Ticket) -> None:
        await asyncio.sleep(30)

    tickets = [
        scheduler.submit(
            user_id=1,
            guild_id=1,
            run=job(events, str(i)),
            deadline=far(),
            on_update=explodes if i % 2 else hangs,
        )
        for i in range(6)
    ]
    scheduler.start()
    async with asyncio.timeout(0.5):
        await asyncio.gather(*(t.done for t in tickets))
    assert all(t.state is TicketState.DONE for t in tickets)


# -- FairScheduler: shutdown --------------------------------------------------------------


async def test_shutdown_drops_queued_waits_for_running_then_cancels(make_scheduler) -> None:
    scheduler = make_scheduler(workers=2)
    events: list[str] = []
    dropped_updates: list[str] = []

    async def on_update(ticket: Ticket) -> None:
        if ticket.state is TicketState.DROPPED:
            dropped_updates.append(ticket.id)

    short = scheduler.submit(user_id=1, guild_id=1, run=job(events, "short", 0.1), deadline=far())
    long = scheduler.submit(user_id=2, guild_id=1, run=job(events, "long", 5), deadline=far())
    queued = [
        scheduler.submit(
            user_id=3, guild_id=1, run=job(events, f"q{i}"), deadline=far(), on_update=on_update
        )
        for i in range(3)
    ]
    scheduler.start()
    await settle()
    assert short.state is TicketState.RUNNING
    assert long.state is TicketState.RUNNING

    began = time.monotonic()
    dropped = await scheduler.shutdown(grace=0.3)
    elapsed = time.monotonic() - began

    assert dropped == queued
    assert all(t.state is TicketState.DROPPED and t.done.done() for t in queued)
    assert sorted(dropped_updates) == sorted(t.id for t in queued)
    assert short.state is TicketState.DONE
    assert long.state is TicketState.CANCELLED
    assert long.done.done()
    assert 0.3 - 0.02 <= elapsed < 0.6
    assert starts(events) == ["short", "long"]

    with pytest.raises(ShuttingDown):
        scheduler.submit(user_id=1, guild_id=1, run=job(events, "late"), deadline=far())
    assert await scheduler.shutdown(grace=1) == []


async def test_shutdown_before_start_drops_everything(make_scheduler) -> None:
    scheduler = make_scheduler()
    events: list[str] = []
    tickets = [
        scheduler.submit(user_id=i, guild_id=None, run=job(events, str(i)), deadline=far())
        for i in range(3)
    ]
    assert await scheduler.shutdown(grace=1) == tickets
    assert events == []


# -- Together -----------------------------------------------------------------------------


async def test_jobs_use_the_whole_quota(make_scheduler) -> None:
    # 2 workers x 0.1 s jobs need 20 attempts/s; the gate allows exactly that, so the
    # run takes ~40 * 0.1 / 2 = 2 s if neither the scheduler nor the gate wastes capacity.
    gate = RateGate(2, 20)
    scheduler = make_scheduler(workers=2, max_pending_per_user=40, typical_job_seconds=0.1)
    peak = 0

    async def run() -> None:
        nonlocal peak
        async with gate.slot():
            peak = max(peak, gate.in_flight)
            await asyncio.sleep(0.1)
        gate.succeeded()

    tickets = [
        scheduler.submit(user_id=i % 4, guild_id=i % 3, run=run, deadline=far()) for i in range(40)
    ]
    began = time.monotonic()
    scheduler.start()
    async with asyncio.timeout(5):
        await asyncio.gather(*(t.done for t in tickets))
    elapsed = time.monotonic() - began

    assert all(t.state is TicketState.DONE for t in tickets)
    assert peak <= 2
    assert elapsed < 2.4
    assert scheduler.average_job_seconds == pytest.approx(0.1, abs=0.03)
