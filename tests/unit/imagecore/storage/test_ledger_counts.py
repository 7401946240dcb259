"""JobLedger's counts in memory: read once (all of today's at start), then kept exact by
this process's deliveries, with no read per request; other processes' rows are picked up
by background reads. On a real database (see conftest.py)."""

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

GUILD, OTHER_GUILD = 100, 200
ALICE, BOB = 7, 8
DAY = utc_day(START)


class CountingStorage(Storage):
    """A real Storage that counts the day's-usage reads and can hold writes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.reads = 0
        self.write_gate = asyncio.Event()
        self.write_gate.set()

    async def day_usage(self, day: date, guild_key: int | None = None) -> dict[UsageKey, int]:
        self.reads += 1
        return await super().day_usage(day, guild_key)

    async def save_job(self, job: JobRecord) -> None:
        await self.write_gate.wait()
        await super().save_job(job)


@pytest.fixture
async def storage(url: str) -> AsyncIterator[CountingStorage]:
    opened = await CountingStorage.open(url, clock=FakeClock(START))
    assert isinstance(opened, CountingStorage)
    try:
        yield opened
    finally:
        await opened.close()


def delivered(user_id: int = ALICE, guild_id: int | None = GUILD) -> JobRecord:
    return job(user_id, guild_id, status="delivered", finished_at=START + 4.0)


async def test_after_the_preload_no_request_reads_the_database(storage: CountingStorage) -> None:
    await storage.save_job(delivered())
    await storage.save_job(delivered(BOB))
    ledger = JobLedger(storage, ttl=10, clock=FakeClock())
    await ledger.preload(DAY)
    assert storage.reads == 1
    for _ in range(20):
        await ledger.prepare(guild_id=GUILD, day=DAY)
        await ledger.prepare(guild_id=OTHER_GUILD, day=DAY)  # had none: known without a read
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
    assert ledger.usage_now(user_id=ALICE, guild_id=OTHER_GUILD, day=DAY) == Usage(0, 0)
    assert storage.reads == 1


async def test_deliveries_count_from_the_save_and_stay_counted_once(
    storage: CountingStorage,
) -> None:
    ledger = JobLedger(storage, ttl=10, clock=FakeClock())
    await ledger.preload(DAY)
    storage.write_gate.clear()  # the database is slow
    ledger.save(delivered())
    ledger.save(delivered())
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(2, 2)
    storage.write_gate.set()
    await ledger.drain(5)
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(2, 2)
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(2, 2)
    assert storage.reads == 1


async def test_another_process_rows_are_picked_up_in_the_background(
    storage: CountingStorage,
) -> None:
    clock = FakeClock()
    ledger = JobLedger(storage, ttl=10, clock=clock)
    await ledger.preload(DAY)
    await storage.save_job(delivered(BOB))  # written by another bot process
    await ledger.prepare(guild_id=GUILD, day=DAY)
    assert ledger.usage_now(user_id=BOB, guild_id=GUILD, day=DAY) == Usage(0, 0)
    clock.advance(11)
    await ledger.prepare(guild_id=GUILD, day=DAY)  # answers at once, reads in the background
    assert ledger.usage_now(user_id=BOB, guild_id=GUILD, day=DAY) == Usage(0, 0)
    await ledger.usage(user_id=BOB, guild_id=GUILD, day=DAY)  # joins the read under way
    assert ledger.usage_now(user_id=BOB, guild_id=GUILD, day=DAY) == Usage(1, 1)


async def test_a_read_while_writes_are_on_their_way_never_counts_too_few(
    storage: CountingStorage,
) -> None:
    ledger = JobLedger(storage, ttl=10, clock=FakeClock())
    await storage.save_job(delivered(BOB))
    storage.write_gate.clear()
    ledger.save(delivered())
    # Not preloaded: this server is read while Alice's write is on its way.
    assert await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
    storage.write_gate.set()
    await ledger.drain(5)
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
    # Once quiet, the next request starts a read that settles any doubt.
    await ledger.prepare(guild_id=GUILD, day=DAY)
    await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY)
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)


async def test_counts_of_past_days_are_let_go(storage: CountingStorage) -> None:
    ledger = JobLedger(storage, ttl=10, clock=FakeClock())
    await ledger.preload(DAY)
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(0, 0)
    ledger.save(job(ALICE, GUILD, status="delivered", finished_at=START + 120))  # next day
    await ledger.drain(5)
    assert ledger.usage_now(user_id=ALICE, guild_id=GUILD, day=DAY) is None
