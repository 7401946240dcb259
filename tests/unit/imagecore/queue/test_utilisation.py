"""Keeping the provider busy under a backlog: a job that has its answer releases its worker,
the next job reaches the RateGate while the first one still downloads, the gate hands the
slot straight over (FIFO, nobody barges in), and jobs reach the gate in fair order. Nobody
starts ahead of a free slot, so a queued job stays queued (and cancellable) until one frees.
On a real event loop; the gate's clock is frozen, so nothing here waits for time to pass."""

from __future__ import annotations

import asyncio

from imagecore.api.rate_gate import RateGate
from imagecore.queue import FairScheduler, Ticket, TicketState
from tests.support.clock import FakeClock
from tests.support.waiting import until
from tests.unit.imagecore.queue.helpers import far, settle


def frozen_gate(concurrency: int) -> RateGate:
    # Enough tokens for every test: only the concurrency limit binds.
    return RateGate(concurrency, 1.0, burst=100, clock=FakeClock())


async def test_next_job_takes_the_slot_while_the_last_one_still_downloads(
    make_scheduler,
) -> None:
    gate = frozen_gate(2)
    scheduler: FairScheduler = make_scheduler(workers=2)
    events: list[str] = []
    answered = {name: asyncio.Event() for name in "ABCD"}
    downloaded = {name: asyncio.Event() for name in "ABCD"}
    tickets: dict[str, Ticket] = {}

    def image_job(name: str):
        async def run() -> None:
            async with gate.slot():
                events.append(f"slot {name}")
                await answered[name].wait()
            scheduler.release(tickets[name])  # what the client's on_answered does
            events.append(f"download {name}")
            await downloaded[name].wait()
            events.append(f"end {name}")

        return run

    for user, name in enumerate("ABCD", 1):
        tickets[name] = scheduler.submit(
            user_id=user, guild_id=1, run=image_job(name), deadline=far()
        )
    scheduler.start()
    await settle()
    assert events == ["slot A", "slot B"]
    assert gate.waiting == 0  # nobody started ahead of a free slot
    assert tickets["C"].state is TicketState.QUEUED
    assert scheduler.position(tickets["C"]) == 1

    answered["A"].set()
    await settle()
    # A's worker took C while A still downloads: the provider is busy again at once.
    assert events == ["slot A", "slot B", "download A", "slot C"]
    assert gate.in_flight == 2
    assert tickets["A"].state is TicketState.RUNNING  # still its member's until posted
    assert scheduler.position(tickets["D"]) == 1

    downloaded["A"].set()
    await settle()
    assert tickets["A"].state is TicketState.DONE
    assert tickets["D"].state is TicketState.QUEUED  # A's end frees no provider slot

    answered["B"].set()
    await settle()
    assert events[-2:] == ["download B", "slot D"]
    for name in "BCD":
        answered[name].set()
        downloaded[name].set()
    await asyncio.wait_for(asyncio.gather(*(t.done for t in tickets.values())), 1)
    assert [tickets[name].state for name in "ABCD"] == [TicketState.DONE] * 4
    assert gate.in_flight == 0
    assert gate.waiting == 0


async def test_a_released_job_that_fails_later_is_still_retired_as_failed(
    make_scheduler,
) -> None:
    scheduler: FairScheduler = make_scheduler(workers=1)
    tickets: dict[str, Ticket] = {}
    broken = asyncio.Event()

    async def fails_after_release() -> None:
        scheduler.release(tickets["A"])
        await broken.wait()
        raise RuntimeError("upload broke")

    async def quick() -> None:
        return None

    tickets["A"] = scheduler.submit(user_id=1, guild_id=1, run=fails_after_release, deadline=far())
    tickets["B"] = scheduler.submit(user_id=2, guild_id=1, run=quick, deadline=far())
    scheduler.start()
    await asyncio.wait_for(tickets["B"].done, 1)  # B ran on A's worker
    assert tickets["A"].state is TicketState.RUNNING
    broken.set()
    await asyncio.wait_for(tickets["A"].done, 1)
    assert tickets["A"].state is TicketState.FAILED


async def test_shutdown_waits_for_released_jobs_within_the_grace(make_scheduler) -> None:
    scheduler: FairScheduler = make_scheduler(workers=1)
    tickets: dict[str, Ticket] = {}
    posted: list[str] = []

    async def posts_after_release() -> None:
        scheduler.release(tickets["A"])
        await asyncio.sleep(0.01)
        posted.append("A")

    tickets["A"] = scheduler.submit(user_id=1, guild_id=1, run=posts_after_release, deadline=far())
    scheduler.start()
    await settle()
    await scheduler.shutdown(5)
    assert posted == ["A"]
    assert tickets["A"].state is TicketState.DONE


async def test_jobs_reach_the_gate_in_fair_order(make_scheduler) -> None:
    gate = frozen_gate(1)
    scheduler: FairScheduler = make_scheduler(workers=1)
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


async def test_a_paced_worker_picks_when_the_gate_opens_so_a_later_arrival_is_weighed(
    make_scheduler,
) -> None:
    # 5 attempts a second: the second slot's token comes 0.2 s after the first.
    gate = RateGate(2, 5.0)
    scheduler: FairScheduler = make_scheduler(workers=2, pace=gate.reserve)
    started: list[str] = []
    hold = asyncio.Event()

    def image_job(name: str):
        async def run() -> None:
            async with gate.slot():
                started.append(name)
                await hold.wait()

        return run

    tickets = [
        scheduler.submit(user_id=1, guild_id=1, run=image_job(f"A{n}"), deadline=far())
        for n in range(1, 5)
    ]
    scheduler.start()
    await asyncio.sleep(0.02)
    assert started == ["A1"]  # the second worker waits for the gate, holding no job
    tickets.append(scheduler.submit(user_id=2, guild_id=1, run=image_job("B1"), deadline=far()))
    await until(lambda: len(started) == 2, 2, what="the second image starting")
    # Without pacing the second worker would have taken A2 at once, before B1 came.
    assert started == ["A1", "B1"]
    assert scheduler.position(tickets[1]) == 1
    hold.set()
    await asyncio.wait_for(asyncio.gather(*(t.done for t in tickets)), 5)
    assert sorted(started) == ["A1", "A2", "A3", "A4", "B1"]


async def test_stopping_does_not_wait_for_a_paced_pick(make_scheduler) -> None:
    gate = RateGate(1, 1.0)
    gate.throttled(30.0)  # the provider asked for half a minute's pause
    scheduler: FairScheduler = make_scheduler(workers=1, pace=gate.reserve)
    ticket = scheduler.submit(user_id=1, guild_id=1, run=_nothing, deadline=far())
    scheduler.start()
    await settle()
    dropped = await asyncio.wait_for(scheduler.shutdown(5.0), 1)
    assert dropped == [ticket]


async def _nothing() -> None:
    return None
