"""UpdateNotifier: on_update calls are coalesced per ticket, bounded by a timeout, and
cleared away on close()."""

from __future__ import annotations

import asyncio

from imagecore.queue import Ticket, TicketState
from imagecore.queue.notifier import UpdateNotifier
from tests.unit.imagecore.queue.helpers import settle


def ticket(number: int = 1) -> Ticket:
    return Ticket(
        id=f"t-{number}",
        user_id=number,
        guild_id=None,
        deadline=100.0,
        submitted_at=0.0,
        done=asyncio.get_running_loop().create_future(),
    )


async def test_changes_during_a_slow_call_are_delivered_once_with_the_latest_state() -> None:
    notifier = UpdateNotifier(timeout=5.0)
    subject = ticket()
    release = asyncio.Event()
    seen: list[TicketState] = []

    async def on_update(t: Ticket) -> None:
        seen.append(t.state)
        if len(seen) == 1:
            await release.wait()

    notifier.notify(subject, on_update)
    await settle()
    for state in (TicketState.RUNNING, TicketState.DONE):
        subject.state = state
        notifier.notify(subject, on_update)
    await settle()
    assert seen == [TicketState.QUEUED]  # the first call is still running

    release.set()
    await settle()
    assert seen == [TicketState.QUEUED, TicketState.DONE]

    subject.state = TicketState.FAILED  # a later change starts a new delivery
    notifier.notify(subject, on_update)
    await settle()
    assert seen[-1] is TicketState.FAILED
    await notifier.close()


async def test_tickets_are_delivered_independently() -> None:
    notifier = UpdateNotifier(timeout=5.0)
    release = asyncio.Event()
    seen: list[str] = []

    async def hangs(t: Ticket) -> None:
        await release.wait()

    async def records(t: Ticket) -> None:
        seen.append(t.id)

    notifier.notify(ticket(1), hangs)
    notifier.notify(ticket(2), records)
    await settle()
    assert seen == ["t-2"]
    release.set()
    await notifier.close()


async def test_failing_and_hung_callbacks_are_contained() -> None:
    notifier = UpdateNotifier(timeout=0.05)
    subject = ticket()
    calls: list[str] = []
    second_call = asyncio.Event()

    async def flaky(t: Ticket) -> None:
        calls.append(t.state)
        if t.state is TicketState.QUEUED:
            await asyncio.Event().wait()  # never returns: the timeout ends it
        if t.state is TicketState.RUNNING:
            second_call.set()
            raise ValueError("bad message edit")

    notifier.notify(subject, flaky)
    await settle()
    subject.state = TicketState.RUNNING
    notifier.notify(subject, flaky)  # queued behind the hung call
    async with asyncio.timeout(1):
        await second_call.wait()
    await settle()
    subject.state = TicketState.DONE
    notifier.notify(subject, flaky)  # the delivery task survived the error
    await settle()
    assert calls == [TicketState.QUEUED, TicketState.RUNNING, TicketState.DONE]
    await notifier.close()


async def test_close_waits_for_callbacks_then_cancels_the_hung_ones() -> None:
    notifier = UpdateNotifier(timeout=0.05)
    finished: list[str] = []
    cancellations: list[str] = []
    outlived_timeout = asyncio.Event()

    async def quick(t: Ticket) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        finished.append(t.id)

    async def stubborn(t: Ticket) -> None:
        # Swallows the per-call timeout, so only close() can end it.
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancellations.append("timeout")
            outlived_timeout.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancellations.append("close")
            raise

    notifier.notify(ticket(2), stubborn)
    async with asyncio.timeout(1):
        await outlived_timeout.wait()
        notifier.notify(ticket(1), quick)  # not started yet: close() must wait for it
        await notifier.close()
    assert finished == ["t-1"]
    assert cancellations == ["timeout", "close"]
