"""The Cancel button stores the cancel before it tells the member: a restart right after
the click (the job's own end mark is written later, in the background) must not take the
job up again. A database that can't be used doesn't keep the member from hearing it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cogs.imagine.cancel_button import CancelButton
from imagecore.queue import FairScheduler
from imagecore.storage import Storage, StorageUnavailable
from tests.support.clock import FakeClock
from tests.support.storage import START
from tests.unit.imagecore.storage.test_live_jobs import live

KEY = "00000000000000c1"
OWNER = 7  # live()'s user


class Reply:
    """The interaction's response: notes the row's state at the moment the member is told."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.told: list[tuple[str, str | None]] = []

    def is_done(self) -> bool:
        return bool(self.told)

    async def send_message(self, content: str, *, ephemeral: bool, **_: Any) -> None:
        assert ephemeral
        stored = await self.storage.live_jobs.find(KEY)
        self.told.append((content, None if stored is None else stored.state))


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}", clock=FakeClock(START))
    try:
        yield opened
    finally:
        await opened.close()


async def click(storage: Storage, scheduler: FairScheduler, live_jobs: Any) -> Reply:
    reply = Reply(storage)
    interaction = SimpleNamespace(
        client=SimpleNamespace(scheduler=scheduler, storage=SimpleNamespace(live_jobs=live_jobs)),
        user=SimpleNamespace(id=OWNER),
        locale="en-US",  # the member's Discord language: the answer is in English
        response=reply,
    )
    await CancelButton(KEY).callback(interaction)  # type: ignore[arg-type]
    return reply


async def queued_job(storage: Storage) -> FairScheduler:
    await storage.live_jobs.accept(live(KEY))
    # Not started: nothing runs it, so it stays queued until the click.
    scheduler = FairScheduler(workers=1, max_pending_per_user=5)

    async def run() -> None:
        raise AssertionError("a cancelled job must not run")

    scheduler.submit(user_id=OWNER, guild_id=100, run=run, deadline=1e12, group=KEY)
    return scheduler


async def test_the_row_says_cancelled_before_the_member_is_told(storage: Storage) -> None:
    scheduler = await queued_job(storage)
    reply = await click(storage, scheduler, storage.live_jobs)
    assert reply.told == [("Cancelled. Nothing was sent to the image service.", "cancelled")]
    assert await storage.live_jobs.resumable() == []


class DownLiveJobs:
    async def mark_state(self, job_key: str, state: str) -> bool:
        raise StorageUnavailable("changing a job's state: database unavailable")


class StuckLiveJobs:
    async def mark_state(self, job_key: str, state: str) -> bool:
        await asyncio.sleep(3600)
        return True


@pytest.mark.parametrize("live_jobs", [DownLiveJobs(), StuckLiveJobs()], ids=["down", "stuck"])
async def test_a_database_that_cant_be_used_still_lets_the_member_hear_it(
    storage: Storage, live_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cogs.imagine.cancel_button.STORE_BUDGET", 0.05)
    scheduler = await queued_job(storage)
    reply = await click(storage, scheduler, live_jobs)
    # Told within the budget; the row is left to the job's own end mark.
    assert reply.told == [("Cancelled. Nothing was sent to the image service.", "queued")]
