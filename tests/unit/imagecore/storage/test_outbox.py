"""The outbox's cap: past it the oldest kept jobs give up their history, never their count,
and that is said once per episode. Unit tests drive the Outbox with a writer that is down
or stalls on cue; the last test goes through a real, locked SQLite database."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from imagecore.storage import Storage, StorageUnavailable, Usage
from imagecore.storage.days import utc_day
from imagecore.storage.outbox import CountOnly, Delivery, NewJob, Outbox, PendingWrite
from tests.support.clock import FakeClock
from tests.support.storage import START, job

GUILD = 100
ALICE, BOB = 7, 8
DAY = utc_day(START)
LOGGER = "imagecore.storage"


class Database:
    """Takes writes into lists of what a real one would hold; down, or stalled, on cue."""

    def __init__(self) -> None:
        self.down = False
        self.rows: list[NewJob] = []
        self.counts: dict[Delivery, int] = {}
        self.stall: asyncio.Event | None = None
        self.writing = asyncio.Event()

    async def write(self, pending: PendingWrite) -> None:
        self.writing.set()
        if self.stall is not None:
            await self.stall.wait()
        if self.down:
            raise StorageUnavailable("down")
        if isinstance(pending, NewJob):
            self.rows.append(pending)
        if pending.delivery is not None:
            images = pending.images
            self.counts[pending.delivery] = self.counts.get(pending.delivery, 0) + images

    def images(self, delivery: Delivery) -> int:
        return self.counts.get(delivery, 0)


def kept(
    user_id: int = ALICE, *, delivered: bool = True, at: float = START, **fields: Any
) -> NewJob:
    status = "delivered" if delivered else "failed"
    record = job(user_id, status=status, created_at=at, finished_at=at, **fields)
    return NewJob(record, Delivery.at(at, GUILD, user_id) if delivered else None)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_past_the_cap_the_oldest_keep_only_their_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    outbox, database = Outbox(max_jobs=4), Database()
    yesterday = START - 86400
    writes = [kept(ALICE, at=yesterday), kept(BOB, delivered=False), kept(BOB, at=yesterday)]
    writes += [kept(ALICE, prompt=f"p{n}") for n in range(7)]
    for write in writes:
        outbox.add(write)
    # 4 full jobs, plus one merged count per (day, server, member) given up.
    assert len(outbox) == 4 + 3
    assert outbox.images(day=DAY, guild_key=GUILD, user_id=ALICE) == 7
    assert outbox.images(day=utc_day(yesterday), guild_key=GUILD) == 2
    assert outbox.images(day=DAY, guild_key=GUILD, user_id=BOB) == 0
    assert outbox.last_created_at(user_id=ALICE, guild_id=GUILD) == START
    [full] = warnings(caplog)  # once, not once per job given up
    assert "keeping only the counts" in full

    assert await outbox.flush(database.write) == 0
    assert [w.job.prompt for w in database.rows] == ["p3", "p4", "p5", "p6"]
    assert database.images(Delivery.at(START, GUILD, ALICE)) == 7
    assert database.images(Delivery.at(yesterday, GUILD, ALICE)) == 1
    assert database.images(Delivery.at(yesterday, GUILD, BOB)) == 1
    assert sum(database.counts.values()) == 9  # every delivered job, once
    assert "6 job(s) lost their history" in warnings(caplog)[-1]

    # A new episode warns again.
    for n in range(6):
        outbox.add(kept(BOB, prompt=f"q{n}"))
    assert sum("keeping only the counts" in w for w in warnings(caplog)) == 2


async def test_a_flush_that_fails_keeps_everything_and_writes_counts_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox, database = Outbox(max_jobs=2), Database()
    for n in range(5):
        outbox.add(kept(ALICE, prompt=f"p{n}"))
    database.down = True
    assert await outbox.flush(database.write) == 3  # a merged count and two jobs
    assert outbox.images(day=DAY, guild_key=GUILD, user_id=ALICE) == 5
    database.down = False
    assert await outbox.flush(database.write) == 0
    assert database.images(Delivery.at(START, GUILD, ALICE)) == 5
    assert await outbox.flush(database.write) == 0
    assert database.images(Delivery.at(START, GUILD, ALICE)) == 5


async def test_an_overflow_while_a_flush_writes_loses_and_doubles_nothing() -> None:
    outbox, database = Outbox(max_jobs=2), Database()
    outbox.add(kept(ALICE, prompt="first"))
    outbox.add(kept(ALICE, prompt="second"))
    database.stall = asyncio.Event()
    flushing = asyncio.create_task(outbox.flush(database.write))
    await database.writing.wait()  # "first" is being written
    for n in range(3):
        outbox.add(kept(BOB, prompt=f"b{n}"))
    # Nothing is counted twice or missed while the write is under way.
    assert outbox.images(day=DAY, guild_key=GUILD, user_id=ALICE) == 2
    assert outbox.images(day=DAY, guild_key=GUILD) == 5
    database.stall.set()
    assert await flushing == 2  # the counts given up meanwhile: the next flush takes them
    assert await outbox.flush(database.write) == 0
    assert [w.job.prompt for w in database.rows] == ["first", "b1", "b2"]
    assert database.images(Delivery.at(START, GUILD, ALICE)) == 2
    assert database.images(Delivery.at(START, GUILD, BOB)) == 3


async def test_forgetting_a_user_merges_their_deliveries_into_counts() -> None:
    outbox, database = Outbox(max_jobs=10), Database()
    for n in range(3):
        outbox.add(kept(ALICE, prompt=f"secret {n}"))
    outbox.add(kept(ALICE, delivered=False, prompt="secret failed"))
    outbox.add(kept(BOB))
    async with outbox.lock:
        outbox.forget_user(ALICE)
    assert len(outbox) == 2  # one merged count, Bob's job
    assert await outbox.flush(database.write) == 0
    assert [w.job.user_id for w in database.rows] == [BOB]
    assert database.images(Delivery.at(START, GUILD, ALICE)) == 3


def test_more_distinct_counters_than_the_cap_drop_the_oldest_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = Outbox(max_jobs=1)
    days = [START - n * 86400 for n in range(4)]
    for at in days:
        outbox.add(kept(ALICE, at=at))
    outbox.add(kept(ALICE))
    assert sum("not counted" in w for w in warnings(caplog)) == 1  # said once
    # Today's budget is intact: the oldest days went first.
    assert outbox.images(day=DAY, guild_key=GUILD, user_id=ALICE) == 2
    assert len(outbox) == 2
    with pytest.raises(ValueError):
        Outbox(max_jobs=0)


def test_count_only_describes_its_images() -> None:
    count = CountOnly(Delivery.at(START, GUILD, ALICE), images=3)
    assert count.describe() == "3 delivered image(s) of user 7"


async def test_a_long_outage_keeps_the_budgets_exact(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    path = tmp_path / "bot.db"
    clock = FakeClock(START)
    storage = await Storage.open(
        f"sqlite:///{path}", busy_timeout_ms=50, clock=clock, max_kept_jobs=3
    )
    try:
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            for n in range(8):
                await storage.save_job(job(ALICE, status="delivered", prompt=f"a{n}"))
            await storage.save_job(job(BOB, status="failed", prompt="b"))
            # After midnight: the next day's counter.
            await storage.save_job(job(BOB, status="delivered", finished_at=START + 120))
            assert storage.outbox_size == 3 + 1  # three jobs, Alice's merged count
            assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(8, 8)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert await storage.flush_outbox() == 0
        assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(8, 8)
        next_day = DAY + timedelta(days=1)
        assert await storage.usage(user_id=BOB, guild_id=GUILD, day=next_day) == Usage(1, 1)
        assert [j.prompt for j in await storage.recent_jobs(user_id=ALICE)] == ["a7"]
        assert [j.status for j in await storage.recent_jobs(user_id=BOB)] == [
            "delivered",
            "failed",
        ]
    finally:
        await storage.close()
    said = warnings(caplog)
    assert sum("keeping only the counts" in w for w in said) == 1
    assert "7 job(s) lost their history" in said[-1]
