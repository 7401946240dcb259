"""FairScheduler runs jobs in fair order, and the positions and estimates it gives out
describe that order; on a real event loop."""

from __future__ import annotations

import asyncio

import pytest

from imagecore.queue import Ticket, TicketState
from tests.support.clock import FakeClock
from tests.unit.imagecore.queue.helpers import far, gated, job, settle, starts


async def test_light_user_is_not_stuck_behind_heavy_user(make_scheduler) -> None:
    scheduler = make_scheduler(workers=2)
    finished: list[str] = []
    b_done = asyncio.Event()

    def tracked(name: str):
        async def run() -> None:
            await asyncio.sleep(0.05)
            finished.append(name)
            if name == "B":
                b_done.set()

        return run

    scheduler.start()
    for i in range(20):
        scheduler.submit(user_id=1, guild_id=10, run=tracked(f"A{i}"), deadline=far())
    await settle()  # both workers are now busy with A's first two jobs
    assert scheduler.snapshot(1).running == 2
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

    done = [scheduler.submit(user_id=1, guild_id=1, run=gated(events, "a0", gate), deadline=far())]
    scheduler.start()
    await settle()
    # While a0 runs, A submits again and then C arrives: C has had nothing this round.
    done.append(scheduler.submit(user_id=1, guild_id=1, run=job(events, "a1"), deadline=far()))
    done.append(scheduler.submit(user_id=3, guild_id=1, run=job(events, "c0"), deadline=far()))
    gate.set()
    async with asyncio.timeout(1):
        await asyncio.gather(*(t.done for t in done))
    assert starts(events) == ["a0", "c0", "a1"]


async def test_positions_and_estimates_decrease_as_jobs_run(make_scheduler) -> None:
    clock = FakeClock()
    scheduler = make_scheduler(workers=1, typical_job_seconds=5.0, clock=clock)
    events: list[str] = []
    gates = [asyncio.Event() for _ in range(4)]
    seen: list[tuple[TicketState, int | None]] = []

    async def on_update(ticket: Ticket) -> None:
        seen.append((ticket.state, scheduler.position(ticket)))

    deadline = clock.now + 1000.0
    tickets = [
        scheduler.submit(
            user_id=1,
            guild_id=1,
            run=gated(events, str(i), gates[i]),
            deadline=deadline,
            on_update=on_update if i == 3 else None,
        )
        for i in range(4)
    ]
    last = tickets[-1]
    assert [scheduler.position(t) for t in tickets] == [1, 2, 3, 4]
    assert scheduler.estimate_wait(last) == pytest.approx(15.0)  # three jobs ahead, 1 worker
    assert scheduler.estimate_wait(tickets[0]) == 0.0

    scheduler.start()
    await settle()
    assert scheduler.position(last) == 3
    assert scheduler.estimate_wait(last) == pytest.approx(15.0)  # job 0 just started
    clock.advance(2.0)
    assert scheduler.estimate_wait(last) == pytest.approx(13.0)

    gates[0].set()  # job 0 took 2 s: the average moves a fifth of the way from 5 to 2
    await settle()
    assert scheduler.average_job_seconds == pytest.approx(4.4)
    assert scheduler.position(last) == 2
    assert scheduler.estimate_wait(last) == pytest.approx(8.8)
    clock.advance(1.0)
    assert scheduler.estimate_wait(last) == pytest.approx(7.8)

    snapshot = scheduler.snapshot(1)
    assert snapshot.running == 1
    assert snapshot.queued == 2
    assert snapshot.tickets[0].ticket is tickets[1]  # running first
    assert snapshot.tickets[0].position is None
    assert [view.position for view in snapshot.tickets[1:]] == [1, 2]
    assert [view.estimated_wait for view in snapshot.tickets[1:]] == pytest.approx([3.4, 7.8])

    for gate in gates[1:]:
        gate.set()
        await settle()  # one step at a time, so no change is coalesced with the next
    async with asyncio.timeout(1):
        await last.done
    await settle()
    positions = [position for state, position in seen if state is TicketState.QUEUED]
    assert positions == [3, 2, 1]  # every move reported once, never the first (the submitter's)
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
