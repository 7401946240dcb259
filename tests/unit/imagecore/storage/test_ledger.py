"""JobLedger: finished jobs written off the hot path, and daily counts that are exact even
while those writes are on their way (on a real database, see conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest

from imagecore.storage import JobRecord, Storage, Usage
from imagecore.storage.days import utc_day
from imagecore.storage.ledger import JobLedger
from imagecore.storage.snapshots import UsageKey
from tests.support.clock import FakeClock
from tests.support.storage import START, job

GUILD = 100
ALICE, BOB = 7, 8
DAY = utc_day(START)


class SteeredStorage(Storage):
    """A real Storage whose reads and writes the test can hold at one point.

    Only *when* things happen is steered; every count comes from the database.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.reads = 0
        self.write_gate = asyncio.Event()
        self.write_gate.set()
        # Runs at the start of a read, before its SQL: where a racing write can land.
        self.before_read: asyncio.Event | None = None
        self.read_started = asyncio.Event()

    async def save_job(self, job: JobRecord) -> None:
        await self.write_gate.wait()
        await super().save_job(job)

    async def day_usage(self, day: date, guild_key: int | None = None) -> dict[UsageKey, int]:
        self.reads += 1
        self.read_started.set()
        if self.before_read is not None:
            gate, self.before_read = self.before_read, None
            await gate.wait()
        return await super().day_usage(day, guild_key)


@pytest.fixture
async def storage(url: str) -> AsyncIterator[SteeredStorage]:
    opened = await SteeredStorage.open(url, clock=FakeClock(START))
    assert isinstance(opened, SteeredStorage)
    try:
        yield opened
    finally:
        await opened.close()


def delivered(user_id: int = ALICE, guild_id: int | None = GUILD) -> JobRecord:
    return job(user_id, guild_id, status="delivered", finished_at=START + 4.0)


async def test_a_delivery_counts_once_before_and_after_its_write_lands(
    storage: SteeredStorage,
) -> None:
    ledger = JobLedger(storage)
    storage.write_gate.clear()  # the database is slow today
    ledger.save(delivered())
    on_its_way = await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY)
    assert on_its_way == Usage(user_today=1, guild_today=1)
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(0, 0)

    storage.write_gate.set()
    await ledger.drain(5)
    assert await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
    assert ledger.unsaved_deliveries(user_id=ALICE, guild_id=GUILD, day=DAY) == 0


async def test_a_write_landing_during_the_read_is_not_counted_twice(
    storage: SteeredStorage,
) -> None:
    ledger = JobLedger(storage)
    storage.write_gate.clear()
    ledger.save(delivered())
    ledger.save(delivered(BOB))
    # The ledger counts both as still on their way, then reads; the writes land while
    # that read is under way, so the stored counts already hold them.
    hold_read = storage.before_read = asyncio.Event()
    reading = asyncio.create_task(ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY))
    await asyncio.wait_for(storage.read_started.wait(), 5)
    storage.write_gate.set()
    await ledger.drain(5)
    hold_read.set()
    usage = await asyncio.wait_for(reading, 5)
    assert usage == Usage(user_today=1, guild_today=2)  # not 2 and 4
    assert storage.reads == 2  # the raced read was done again


async def test_a_quiet_read_is_done_once(storage: SteeredStorage) -> None:
    ledger = JobLedger(storage)
    ledger.save(delivered())
    await ledger.drain(5)
    assert await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
    assert storage.reads == 1


async def test_only_deliveries_count_and_dms_have_no_server_count(
    storage: SteeredStorage,
) -> None:
    ledger = JobLedger(storage)
    storage.write_gate.clear()
    ledger.save(job(ALICE, GUILD, status="failed", finished_at=START + 4.0))
    ledger.save(delivered(guild_id=None))
    assert await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(0, 0)
    assert await ledger.usage(user_id=ALICE, guild_id=None, day=DAY) == Usage(1, 0)
    storage.write_gate.set()
    await ledger.drain(5)
    assert await ledger.usage(user_id=ALICE, guild_id=None, day=DAY) == Usage(1, 0)
    assert sorted(j.status for j in await storage.recent_jobs(user_id=ALICE)) == [
        "delivered",
        "failed",
    ]
