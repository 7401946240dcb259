"""FairScheduler: per-user limits, cancel, deadlines, failing jobs and callbacks, shutdown;
on a real event loop with short durations."""

from __future__ import annotations

import asyncio
import time

import pytest

from imagecore.api.rate_gate import RateGate
from imagecore.queue import CancelOutcome, QueueFull, ShuttingDown, Ticket, TicketState
from tests.support.clock import FakeClock
from tests.unit.imagecore.queue.helpers import far, gated, job, settle, starts

# -- limits and cancel ---------------------------------------------


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

    async def on_update(ticket: Ticket) -> None:
        updates.append(ticket.state)

    running = scheduler.submit(
        user_id=1, guild_id=1, run=gated(events, "running", gate), deadline=far()
    )
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


# -- deadlines, failures, callbacks ----------------------------------------


async def test_job_that_cannot_meet_its_deadline_is_expired_not_run(make_scheduler) -> None:
    clock = FakeClock()
    scheduler = make_scheduler(workers=1, typical_job_seconds=2.0, clock=clock)
    ran: list[str] = []
    updates: list[TicketState] = []

    async def run() -> None:
        ran.append("late")

    async def on_update(ticket: Ticket) -> None:
        updates.append(ticket.state)

    # Typical jobs take 2 s: 1 s left can't be met, 3 s can.
    late = scheduler.submit(
        user_id=1, guild_id=1, run=run, deadline=clock.now + 1.0, on_update=on_update
    )
    fine = scheduler.submit(user_id=1, guild_id=1, run=job(ran, "fine"), deadline=clock.now + 3.0)
    scheduler.start()
    async with asyncio.timeout(1):
        await asyncio.gather(late.done, fine.done)
    await settle()

    assert late.state is TicketState.EXPIRED
    assert late.started_at is None
    assert fine.state is TicketState.DONE
    assert ran == ["start fine", "end fine"]
    assert updates == [TicketState.EXPIRED]


async def test_deadline_is_judged_when_a_worker_reaches_the_job(make_scheduler) -> None:
    clock = FakeClock()
    scheduler = make_scheduler(workers=1, typical_job_seconds=2.0, clock=clock)
    events: list[str] = []
    gate = asyncio.Event()

    first = scheduler.submit(
        user_id=1, guild_id=1, run=gated(events, "first", gate), deadline=clock.now + 100.0
    )
    # 3 s is enough at submit time, but not after waiting 2 s behind `first`.
    second = scheduler.submit(
        user_id=1, guild_id=1, run=job(events, "second"), deadline=clock.now + 3.0
    )
    scheduler.start()
    await settle()
    clock.advance(2.0)
    gate.set()
    async with asyncio.timeout(1):
        await asyncio.gather(first.done, second.done)

    assert first.state is TicketState.DONE
    assert second.state is TicketState.EXPIRED
    assert second.finished_at == 2.0
    assert starts(events) == ["first"]


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


# -- shutdown --------------------------------------------------------------


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


# -- with the rate gate -----------------------------------------------------------------------------


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
