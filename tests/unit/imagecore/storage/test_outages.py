"""The storage when the database is locked, killed or unreachable: callers get
StorageUnavailable (or, for finished jobs, the outbox), no counter is lost or counted twice,
the storage recovers by itself, and the URL's password shows up nowhere."""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from imagecore.storage import Storage, StorageUnavailable, Usage
from imagecore.storage.days import utc_day
from tests.support.clock import FakeClock
from tests.support.storage import START, job

GUILD = 100
ALICE, BOB = 7, 8
DAY = utc_day(START)
PASSWORD = "Wh1sper-Pa55word"


def assert_no_password(text: str) -> None:
    assert PASSWORD not in text
    assert PASSWORD.lower() not in text.lower()


# -- SQLite -------------------------------------------------------------------------------


async def test_a_locked_sqlite_database_keeps_deliveries_and_counts_them_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "data" / "bot.db"
    clock = FakeClock(START)
    storage = await Storage.open(f"sqlite:///{path}", busy_timeout_ms=150, clock=clock)
    try:
        await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=10)
        lock = sqlite3.connect(path, isolation_level=None)
        try:
            # Another process holds the write lock: writers wait busy_timeout, then give up.
            lock.execute("BEGIN EXCLUSIVE")
            started = time.monotonic()
            with pytest.raises(StorageUnavailable, match="locked"):
                await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=30)
            assert time.monotonic() - started < 3
            with caplog.at_level(logging.WARNING, logger="imagecore.storage"):
                await storage.save_job(
                    job(ALICE, status="delivered", finished_at=clock.now, latency_seconds=3.0)
                )
            assert "keeping a delivered job of user 7" in caplog.text
            await storage.save_job(job(BOB, status="delivered", finished_at=clock.now))
            assert storage.outbox_size == 2

            # Reads go on (WAL) and count what waits in the outbox.
            assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
            assert await storage.last_job_at(user_id=BOB, guild_id=GUILD) == START
            assert (await storage.guild_settings(GUILD)).cooldown_seconds == 10
            assert await storage.flush_outbox() == 2  # still locked: nothing lost
        finally:
            lock.execute("ROLLBACK")
            lock.close()

        assert await storage.flush_outbox() == 0
        assert storage.outbox_size == 0
        assert await storage.flush_outbox() == 0
        assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
        assert await storage.usage(user_id=BOB, guild_id=GUILD, day=DAY) == Usage(1, 2)
        [finished] = await storage.recent_jobs(user_id=ALICE)
        assert (finished.status, finished.latency_seconds) == ("delivered", 3.0)
        # The refused change left nothing behind; a new one works.
        assert len(await storage.setting_changes(GUILD)) == 1
        await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=30)
        assert (await storage.guild_settings(GUILD)).cooldown_seconds == 30
    finally:
        await storage.close()
    # And the counters were written, not just remembered: a restart still sees them.
    reopened = await Storage.open(f"sqlite:///{path}", clock=clock)
    try:
        assert await reopened.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
    finally:
        await reopened.close()


async def test_a_forgotten_user_kept_job_keeps_only_its_count(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    storage = await Storage.open(f"sqlite:///{path}", busy_timeout_ms=100, clock=FakeClock(START))
    try:
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            await storage.save_job(job(ALICE, status="delivered", finished_at=START))
            await storage.save_job(job(ALICE, status="failed", finished_at=START))
            assert storage.outbox_size == 2
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert await storage.forget_user(ALICE) == 0
        assert await storage.flush_outbox() == 0
        assert await storage.recent_jobs(user_id=ALICE) == []
        assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
    finally:
        await storage.close()


# -- passwords ----------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("where", ["netloc", "query"])
async def test_an_unreachable_server_is_reported_without_the_password(
    caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.DEBUG)
    port = closed_port()
    url = (
        f"postgresql://bot:{PASSWORD}@127.0.0.1:{port}/bot"
        if where == "netloc"
        else f"postgresql://bot@127.0.0.1:{port}/bot?password={PASSWORD}"
    )
    with pytest.raises(StorageUnavailable) as raised:
        await Storage.open(url, io_timeout=2)
    message = str(raised.value)
    assert "can't open the database postgresql://bot" in message and "***" in message
    assert "Connect call failed" in message or "refused" in message.lower()
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert_no_password(message)
    assert_no_password(caplog.text)
