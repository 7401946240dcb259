"""Keeping the provider busy under a backlog: with ``standby`` workers a job already waits at
the RateGate when a slot frees, the gate hands the slot straight to it (FIFO, nobody barges
in), and jobs still reach the gate in fair order. On a real event loop; the gate's clock is
frozen, so nothing here waits for time to pass."""

from __future__ import annotations

import asyncio

import pytest

from imagecore.api.rate_gate import RateGate
from imagecore.queue import FairScheduler, TicketState
from tests.support.clock import FakeClock
from tests.unit.imagecore.queue.helpers import far, settle


def frozen_gate(concurrency: int) -> RateGate:
    # Enough tokens for every test: only the concurrency limit binds.
    return RateGate(concurrency, 1.0, burst=100, clock=FakeClock())


async def test_next_attempt_takes_the_slot_while_the_last_job_still_downloads(
    make_scheduler,
) -> None:
    gate = frozen_gate(2)
    scheduler: FairScheduler = make_scheduler(workers=2, standby=1)
    events: list[str] = []
    answered = {name: asyncio.Event() for name in "ABCD"}
    downloaded = {name: asyncio.Event() for name in "ABCD"}
    after_release: list[int] = []

    def image_job(name: str):
        async def run() -> None:
            async with gate.slot():
                events.append(f"slot {name}")
                await answered[name].wait()
            after_release.append(gate.waiting)  # synchronously after the slot went back
            events.append(f"download {name}")
            await downloaded[name].wait()  # the worker is still busy; the slot is not
            events.append(f"end {name}")

        return run

    tickets = {
        name: scheduler.submit(user_id=user, guild_id=1, run=image_job(name), deadline=far())
        for user, name in enumerate("ABCD", 1)
    }
    scheduler.start()
    await settle()
    assert events == ["slot A", "slot B"]
    assert gate.waiting == 1  # C started ahead of its turn and waits at the gate
    assert tickets["C"].state is TicketState.RUNNING
    assert scheduler.position(tickets["D"]) == 1

    answered["A"].set()
    await settle()
    # The slot went from A straight to C: nobody was left waiting at the moment of release,
    # and C is sending while A is still downloading (its worker has not moved on yet).
    assert after_release == [0]
    assert events == ["slot A", "slot B", "download A", "slot C"]
    assert gate.in_flight == 2
    assert scheduler.position(tickets["D"]) == 1  # standby=1: one job ahead, no more

    downloaded["A"].set()
    await settle()
    assert tickets["A"].state is TicketState.DONE
    assert gate.waiting == 1  # A's worker took D, which now waits for the next free slot
    assert tickets["D"].state is TicketState.RUNNING

    answered["B"].set()
    await settle()
    assert events[-2:] == ["download B", "slot D"]
    for name in "BCD":
        answered[name].set()
        downloaded[name].set()
    await asyncio.wait_for(asyncio.gather(*(t.done for t in tickets.values())), 1)
    assert gate.in_flight == 0
    assert gate.waiting == 0


async def test_standby_jobs_reach_the_gate_in_fair_order(make_scheduler) -> None:
    gate = frozen_gate(1)
    scheduler: FairScheduler = make_scheduler(workers=1, standby=2)
    admitted: list[str] = []

    def attempt(name: str):
        async def run() -> None:
            async with gate.slot():
                admitted.append(name)
                await asyncio.sleep(0)

        return run

    # A heavy member in server 1, a light one in the same server, one in server 2.
    submitted = [
        (1, 1, "h1"),
        (1, 1, "h2"),
        (1, 1, "h3"),
        (1, 1, "h4"),
        (2, 1, "l1"),
        (2, 1, "l2"),
        (3, 2, "o1"),
    ]
    tickets = {
        name: scheduler.submit(user_id=user, guild_id=guild, run=attempt(name), deadline=far())
        for user, guild, name in submitted
    }
    fair = sorted(tickets, key=lambda name: scheduler.position(tickets[name]) or 0)
    assert fair != [name for _, _, name in submitted]  # the test means something

    scheduler.start()
    await asyncio.wait_for(asyncio.gather(*(t.done for t in tickets.values())), 1)
    assert admitted == fair


async def test_a_released_slot_goes_to_the_oldest_waiter_not_to_a_newcomer() -> None:
    gate = frozen_gate(1)
    release = asyncio.Event()
    order: list[str] = []

    async def holder() -> None:
        async with gate.slot():
            await release.wait()
        # Asks again in the same step as its release, before the waiter could run.
        async with gate.slot():
            order.append("newcomer")

    async def waiter() -> None:
        async with gate.slot():
            order.append("waiter")

    holding = asyncio.create_task(holder())
    await settle()
    waiting = asyncio.create_task(waiter())
    await settle()
    assert gate.waiting == 1
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, waiting), 1)
    assert order == ["waiter", "newcomer"]
    assert gate.in_flight == 0


async def test_waiter_cancelled_after_the_handover_passes_the_slot_on() -> None:
    gate = frozen_gate(1)
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
    await asyncio.sleep(0)  # the holder hands its slot to `first` ...
    assert gate.waiting == 1
    first.cancel()  # ... which is cancelled before it runs
    await asyncio.wait_for(asyncio.gather(holding, first, second, return_exceptions=True), 1)
    assert got == ["second"]
    assert gate.in_flight == 0
    assert gate.waiting == 0


def test_standby_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="standby"):
        FairScheduler(workers=2, standby=-1, max_pending_per_user=5)
