"""What a result's buttons read back: the job by its key, with its message, its images'
seeds, revised prompts and request ids; several images counted as several (on real
databases, see conftest.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from imagecore.storage import ImageResult, JobRecord, Storage, Usage
from imagecore.storage.days import utc_day
from imagecore.storage.ledger import JobLedger
from tests.support.clock import FakeClock
from tests.support.storage import START, job

GUILD = 100
ALICE = 7
DAY = utc_day(START)
RESULTS = (
    ImageResult(11, "a tall lighthouse", "req-1"),
    ImageResult(12, None, "req-2"),
    ImageResult(13, "a squat lighthouse", None),
)


def result_job(key: str = "00ab12cd34ef5678", **fields: object) -> JobRecord:
    values: dict[str, object] = {
        "status": "delivered",
        "finished_at": START + 5,
        "job_key": key,
        "message_id": 2**62 + 5,
        "image_count": 4,
        "results": RESULTS,
        "seed": 11,
    }
    values.update(fields)
    return job(ALICE, GUILD, **values)


class SlowStorage(Storage):
    """A real Storage whose job writes wait for the test."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.write_gate = asyncio.Event()

    async def save_job(self, job: JobRecord) -> None:
        await self.write_gate.wait()
        await super().save_job(job)


@pytest.fixture
async def slow(url: str) -> AsyncIterator[SlowStorage]:
    opened = await SlowStorage.open(url, clock=FakeClock(START))
    assert isinstance(opened, SlowStorage)
    try:
        yield opened
    finally:
        opened.write_gate.set()
        await opened.close()


async def test_a_job_is_found_by_its_key_with_everything_details_shows(storage: Storage) -> None:
    saved = result_job()
    await storage.save_job(saved)
    await storage.save_job(result_job("ffffffffffffffff", prompt="another"))
    found = await storage.find_job("00ab12cd34ef5678")
    assert found is not None and found.id is not None
    assert found == JobRecord(**{**_fields(saved), "id": found.id})
    assert found.results == RESULTS
    assert await storage.find_job("0000000000000000") is None


def _fields(record: JobRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in JobRecord.__dataclass_fields__}


async def test_several_delivered_images_count_as_that_many(storage: Storage) -> None:
    await storage.save_job(result_job())
    # A job of an older revision, delivered with no results recorded, counts as one.
    await storage.save_job(job(ALICE, GUILD, status="delivered", finished_at=START + 6))
    await storage.save_job(result_job("1111111111111111", status="failed"))
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(4, 4)


async def test_a_key_is_unique(storage: Storage) -> None:
    await storage.save_job(result_job())
    with pytest.raises(IntegrityError):
        await storage.save_job(result_job())


async def test_results_of_the_wrong_shape_read_as_missing() -> None:
    assert ImageResult.from_dict({"seed": True, "revised_prompt": 5}) == ImageResult(None)
    assert ImageResult.from_dict(RESULTS[0].as_dict()) == RESULTS[0]


async def test_the_ledger_finds_a_job_whose_write_is_on_its_way(slow: SlowStorage) -> None:
    ledger = JobLedger(slow)
    saved = result_job()
    ledger.save(saved)
    assert await ledger.find_job("00ab12cd34ef5678") == saved
    # Its three images count at once, and once.
    usage = await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY)
    assert usage == Usage(user_today=3, guild_today=3)
    slow.write_gate.set()
    await ledger.drain(5)
    landed = await ledger.find_job("00ab12cd34ef5678")
    assert landed is not None and landed.id is not None  # read from the database now
    assert await ledger.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(3, 3)


async def test_a_kept_job_is_found_while_the_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    storage = await Storage.open(f"sqlite:///{path}", busy_timeout_ms=150, clock=FakeClock(START))
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        await storage.save_job(result_job())
        assert storage.outbox_size == 1
        kept = await storage.find_job("00ab12cd34ef5678")
        assert kept is not None and kept.results == RESULTS
        assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(3, 3)
        lock.execute("ROLLBACK")
        assert await storage.flush_outbox() == 0
        assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(3, 3)
        stored = await storage.find_job("00ab12cd34ef5678")
        assert stored is not None and stored.id is not None
    finally:
        lock.close()
        await storage.close()
