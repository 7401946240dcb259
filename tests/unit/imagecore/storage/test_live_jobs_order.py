"""The fair order the jobs in flight are stored in is the order one process accepted them
in, even when the accepts are written at once (the bot writes each in the background, a
few milliseconds apart, and SQLite opens a connection per transaction: whichever got the
write lock first used to take the earlier place, and a restart then resumed them
swapped)."""

from __future__ import annotations

import asyncio

from imagecore.storage import Storage
from tests.unit.imagecore.storage.test_live_jobs import live


async def test_accepts_made_at_once_keep_the_order_they_were_made_in(storage: Storage) -> None:
    keys = [f"{n:016x}" for n in range(1, 25)]
    # Each accept its own task, started in this order, all in flight together.
    tasks = [asyncio.create_task(storage.live_jobs.accept(live(key))) for key in keys]
    accepted = await asyncio.gather(*tasks)
    assert [job.seq for job in accepted] == list(range(1, len(keys) + 1))
    resumable = await storage.live_jobs.resumable()
    assert [job.job_key for job in resumable] == keys


async def test_an_accept_of_a_stored_key_waits_its_turn_and_changes_nothing(
    storage: Storage,
) -> None:
    first = await storage.live_jobs.accept(live("00000000000000a1"))
    again, other = await asyncio.gather(
        storage.live_jobs.accept(live("00000000000000a1")),
        storage.live_jobs.accept(live("00000000000000b2")),
    )
    assert again == first
    assert other.seq == (first.seq or 0) + 1
