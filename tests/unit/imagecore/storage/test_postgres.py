"""PostgreSQL outages: connections killed (idle and mid-transaction), a row lock held too
long, the server refusing or ignoring connections. The storage reports StorageUnavailable
(finished jobs wait in the outbox), recovers by itself, and never shows the password.

Only collected when TEST_POSTGRES_URL names a server (CI starts one with
.ci/start-postgres): without one there is nothing here to run, and nothing to skip.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import pytest

from imagecore.storage import Storage, StorageUnavailable, Usage
from imagecore.storage.days import utc_day
from tests.support.clock import FakeClock
from tests.support.storage import POSTGRES_URL, START, job, postgres_schema, with_query
from tests.support.tcp_proxy import TCPProxy

GUILD = 100
ALICE, BOB = 7, 8
DAY = utc_day(START)
PASSWORD = "Wh1sper-Pa55word"


@dataclass(frozen=True)
class Database:
    schema_url: str  # the test's own schema
    name: str  # the bot's application_name: finds only this test's bot connections

    @property
    def bot_url(self) -> str:
        return with_query(self.schema_url, application_name=self.name)


async def terminate_bot_connections(database: Database) -> int:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        killed = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND pid <> pg_backend_pid()",
            database.name,
        )
        return len(killed)
    finally:
        await admin.close()


async def wait_until_waiting_for_a_lock(admin: asyncpg.Connection, name: str) -> None:
    for _ in range(250):
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = $1 AND wait_event_type = 'Lock'",
            name,
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot's write never waited for the lock")


if POSTGRES_URL:

    @pytest.fixture
    async def database() -> AsyncIterator[Database]:
        async with postgres_schema() as url:
            yield Database(url, f"storage-test-{uuid.uuid4().hex[:8]}")

    async def test_killed_idle_connections_are_replaced_without_a_restart(
        database: Database,
    ) -> None:
        storage = await Storage.open(database.bot_url, clock=FakeClock(START))
        try:
            await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=10)
            assert await terminate_bot_connections(database) >= 1

            # The pool's pre-ping notices the dead connection and reconnects; failing that,
            # the call is "unavailable" and the next one works.
            try:
                settings = await storage.guild_settings(GUILD)
            except StorageUnavailable:
                settings = await storage.guild_settings(GUILD)
            assert settings.cooldown_seconds == 10

            await terminate_bot_connections(database)
            await storage.save_job(job(ALICE, status="delivered"))  # never raises
            assert await storage.flush_outbox() == 0
            assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
        finally:
            await storage.close()

    async def test_a_connection_killed_mid_transaction_is_unavailable_then_recovers(
        database: Database,
    ) -> None:
        storage = await Storage.open(
            database.bot_url, busy_timeout_ms=10_000, clock=FakeClock(START)
        )
        admin = await asyncpg.connect(database.schema_url)
        try:
            await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=10)
            # Hold the guild's row, so the bot's change waits inside its transaction...
            holding = admin.transaction()
            await holding.start()
            await admin.execute("SELECT * FROM guild_settings FOR UPDATE")
            change = asyncio.create_task(
                storage.change_guild_settings(GUILD, BOB, cooldown_seconds=20)
            )
            await wait_until_waiting_for_a_lock(admin, database.name)
            # ...and kill its connection there.
            assert await terminate_bot_connections(database) == 1
            with pytest.raises(StorageUnavailable, match="unavailable"):
                await change
            await holding.rollback()

            assert (await storage.guild_settings(GUILD)).cooldown_seconds == 10
            await storage.change_guild_settings(GUILD, BOB, cooldown_seconds=20)
            assert (await storage.guild_settings(GUILD)).cooldown_seconds == 20
            assert len(await storage.setting_changes(GUILD)) == 2
        finally:
            await admin.close()
            await storage.close()

    async def test_a_row_lock_held_too_long_is_unavailable_and_loses_no_counter(
        database: Database,
    ) -> None:
        storage = await Storage.open(database.bot_url, busy_timeout_ms=200, clock=FakeClock(START))
        admin = await asyncpg.connect(database.schema_url)
        try:
            await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=10)
            async with admin.transaction():
                await admin.execute("SELECT * FROM guild_settings FOR UPDATE")
                started = time.monotonic()
                with pytest.raises(StorageUnavailable, match="lock timeout"):
                    await storage.change_guild_settings(GUILD, ALICE, cooldown_seconds=30)
                assert time.monotonic() - started < 3
                # Inserts wait for no row lock: a table lock holds this one back.
                await admin.execute("LOCK TABLE jobs IN EXCLUSIVE MODE")
                await storage.save_job(job(ALICE, status="delivered"))
                assert storage.outbox_size == 1
                # Reads aren't blocked by row locks, and count what waits in the outbox.
                assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
            assert await storage.flush_outbox() == 0
            assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
            assert (await storage.guild_settings(GUILD)).cooldown_seconds == 10
        finally:
            await admin.close()
            await storage.close()

    @pytest.mark.parametrize("mode", ["refuse", "blackhole"])
    async def test_an_unreachable_server_is_unavailable_then_recovers(
        database: Database, mode: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        target = urlsplit(database.bot_url)
        async with TCPProxy(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
            user = target.username or "postgres"
            # The test server trusts local logins, so any password does; it must not leak.
            netloc = f"{user}:{PASSWORD}@127.0.0.1:{proxy.port}"
            storage = await Storage.open(
                target._replace(netloc=netloc).geturl(), io_timeout=0.5, clock=FakeClock(START)
            )
            try:
                proxy.cut(mode)
                started = time.monotonic()
                with pytest.raises(StorageUnavailable) as raised:
                    await storage.guild_settings(GUILD)
                assert time.monotonic() - started < 5
                assert f"postgresql://{user}:***@127.0.0.1" in str(raised.value)
                assert PASSWORD not in str(raised.value)
                await storage.save_job(job(ALICE, status="delivered"))
                assert await storage.flush_outbox() == 1
                with pytest.raises(StorageUnavailable):  # reads need the server
                    await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY)

                proxy.restore()
                assert await storage.flush_outbox() == 0
                assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
                assert (await storage.recent_jobs(user_id=ALICE))[0].status == "delivered"
            finally:
                await storage.close()
        assert "keeping a delivered job of user 7" in caplog.text
        assert PASSWORD not in caplog.text
