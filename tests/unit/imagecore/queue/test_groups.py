"""Several images in one request: each image is a job of its own in the fair order, and
cancelling the request cancels its queued images together."""

from __future__ import annotations

import asyncio

from imagecore.queue import CancelOutcome, TicketState
from tests.unit.imagecore.queue.helpers import far, gated, settle, starts


async def test_a_four_image_request_interleaves_like_four_jobs(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    gates = {name: asyncio.Event() for name in ("a1", "a2", "a3", "a4", "b1")}
    for name in ("a1", "a2", "a3", "a4"):
        scheduler.submit(
            user_id=1, guild_id=1, run=gated(events, name, gates[name]), deadline=far(), group="A"
        )
    scheduler.submit(user_id=2, guild_id=1, run=gated(events, "b1", gates["b1"]), deadline=far())
    scheduler.start()
    for name in ("a1", "b1", "a2", "a3", "a4"):
        await settle()
        gates[name].set()
    await settle()
    # The other member's one image waits for one image of the four, not all of them.
    assert starts(events) == ["a1", "b1", "a2", "a3", "a4"]


async def test_cancelling_a_request_cancels_its_queued_images_only(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    events: list[str] = []
    gate = asyncio.Event()
    running = scheduler.submit(user_id=1, guild_id=1, run=gated(events, "x", gate), deadline=far())
    mine = [
        scheduler.submit(
            user_id=1, guild_id=1, run=gated(events, f"g{i}", gate), deadline=far(), group="G"
        )
        for i in range(3)
    ]
    other = scheduler.submit(
        user_id=1, guild_id=1, run=gated(events, "h", gate), deadline=far(), group="H"
    )
    scheduler.start()
    await settle()
    assert scheduler.cancel(mine[0].id, by_user_id=2) is CancelOutcome.NOT_OWNER
    assert all(t.state is TicketState.QUEUED for t in mine)
    assert scheduler.cancel(mine[0].id, by_user_id=1) is CancelOutcome.CANCELLED
    assert [t.state for t in mine] == [TicketState.CANCELLED] * 3
    assert other.state is TicketState.QUEUED
    assert running.state is TicketState.RUNNING
    assert scheduler.position(other) == 1
    gate.set()
    await settle()
    await settle()
    assert starts(events) == ["x", "h"]


async def test_a_request_whose_first_image_runs_is_too_late_to_cancel(make_scheduler) -> None:
    scheduler = make_scheduler(workers=1)
    gate = asyncio.Event()
    events: list[str] = []
    first, second = (
        scheduler.submit(
            user_id=1, guild_id=1, run=gated(events, f"g{i}", gate), deadline=far(), group="G"
        )
        for i in range(2)
    )
    scheduler.start()
    await settle()
    assert scheduler.cancel(first.id, by_user_id=1) is CancelOutcome.ALREADY_STARTED
    assert second.state is TicketState.QUEUED
    gate.set()
