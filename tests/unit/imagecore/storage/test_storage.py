"""The storage layer on real databases: usage counters, jobs history, restarts. Settings
are in test_guild_settings.py and test_guild_lists.py, outages in test_outages.py and
test_outbox.py, the schema in test_schema.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from imagecore.storage import AttemptRecord, GuildStats, Storage, Usage
from imagecore.storage.days import utc_day
from tests.support.clock import FakeClock
from tests.support.storage import START, job

GUILD = 100
ALICE, BOB, CAROL = 7, 8, 9
DAY = utc_day(START)  # 2026-03-01; the clock starts at 23:59 UTC


async def deliver(
    storage: Storage, user_id: int = ALICE, guild_id: int | None = GUILD, *, at: float = START
) -> None:
    await storage.save_job(
        job(user_id, guild_id, created_at=at, status="delivered", finished_at=at + 4.2)
    )


async def finish(storage: Storage, status: str, user_id: int = ALICE, **fields: Any) -> None:
    await storage.save_job(job(user_id, status=status, finished_at=START, **fields))


async def test_a_restart_keeps_settings_audit_counters_and_jobs(url: str, clock: FakeClock) -> None:
    first = await Storage.open(url, clock=clock)
    try:
        await first.change_guild_settings(GUILD, ALICE, cooldown_seconds=30, blocked_words=["x"])
        await deliver(first)
        before = (
            await first.guild_settings(GUILD),
            await first.setting_changes(GUILD),
            await first.usage(user_id=ALICE, guild_id=GUILD, day=DAY),
            await first.recent_jobs(user_id=ALICE),
        )
    finally:
        await first.close()

    again = await Storage.open(url, clock=clock)  # the upgrade finds the schema at head
    try:
        after = (
            await again.guild_settings(GUILD),
            await again.setting_changes(GUILD),
            await again.usage(user_id=ALICE, guild_id=GUILD, day=DAY),
            await again.recent_jobs(user_id=ALICE),
        )
    finally:
        await again.close()
    assert after == before
    settings, changes, usage, jobs = after
    assert settings.cooldown_seconds == 30 and settings.blocked_words == ("x",)
    assert len(changes) == 2
    assert usage == Usage(user_today=1, guild_today=1)
    assert len(jobs) == 1 and jobs[0].status == "delivered" and jobs[0].id is not None


async def test_usage_counts_delivered_images_by_utc_day(storage: Storage, clock: FakeClock) -> None:
    await deliver(storage, ALICE)
    await deliver(storage, BOB)
    for status in ("failed", "cancelled", "expired", "dropped"):
        await finish(storage, status, error_class="ServerError")
    await finish(storage, "refused", error_class="cooldown")
    await storage.save_job(job(ALICE))  # still queued
    # Asked for before midnight, delivered after: counts for the day it finished.
    await storage.save_job(job(ALICE, status="delivered", finished_at=START + 120))
    # Without a finishing time: the storage's clock says when.
    clock.advance(120)  # 00:01 UTC: the next day
    await storage.save_job(job(ALICE, guild_id=None, status="delivered"))  # a DM: guild 0
    await deliver(storage, CAROL, guild_id=GUILD + 1, at=clock.now)

    next_day = DAY + timedelta(days=1)
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 2)
    assert await storage.usage(user_id=BOB, guild_id=GUILD, day=DAY) == Usage(1, 2)
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=next_day) == Usage(1, 1)
    assert await storage.usage(user_id=ALICE, guild_id=None, day=next_day) == Usage(1, 0)
    assert await storage.usage(user_id=ALICE, guild_id=None, day=DAY) == Usage(0, 0)
    assert await storage.usage(user_id=CAROL, guild_id=GUILD + 1, day=next_day) == Usage(1, 1)
    assert await storage.usage(user_id=CAROL, guild_id=GUILD, day=next_day) == Usage(0, 1)


async def test_save_job_stores_every_field_and_the_attempts(storage: Storage) -> None:
    attempts = (
        AttemptRecord(1, "throttled", 429, "req-1", 0.25),
        AttemptRecord(2, "server_error", 500, None, 1.5),
        AttemptRecord(3, "timeout", None, None, 30.0),
        AttemptRecord(4, "ok", 200, "req-4", 4),  # an int is taken as the float it means
    )
    saved = job(
        seed=2**40,
        status="delivered",
        revised_prompt="a tall lighthouse",
        latency_seconds=4.5,
        finished_at=START + 36,
        attempts=attempts,
    )
    await storage.save_job(saved)
    await finish(storage, "refused", error_class="cooldown", created_at=START - 1)
    delivered, refused = await storage.recent_jobs(user_id=ALICE)
    assert delivered.id is not None
    assert delivered == replace(saved, id=delivered.id)
    assert [a.as_dict() for a in delivered.attempts] == [a.as_dict() for a in attempts]
    assert delivered.attempts[3].seconds == 4.0 and isinstance(delivered.attempts[3].seconds, float)
    assert refused.attempts == ()
    with pytest.raises(ValueError):
        await storage.save_job(job(status="exploded"))


def test_attempts_come_from_the_api_clients_dicts() -> None:
    given = {"number": 2, "outcome": "ok", "status": 200, "request_id": "r", "seconds": 1.5}
    attempt = AttemptRecord.from_dict({**given, "extra": "ignored"})
    assert attempt == AttemptRecord(2, "ok", 200, "r", 1.5)
    assert attempt.as_dict() == given
    for bad in (
        {k: v for k, v in given.items() if k != "outcome"},
        {**given, "number": "2"},
        {**given, "number": True},
        {**given, "status": 200.0},
        {**given, "seconds": None},
        {**given, "request_id": 5},
    ):
        with pytest.raises(ValueError):
            AttemptRecord.from_dict(bad)


async def test_save_job_records_a_finished_job_and_counts_a_delivered_one(
    storage: Storage,
) -> None:
    await storage.save_job(job(status="delivered", finished_at=START + 3, latency_seconds=3.0))
    await storage.save_job(job(status="refused", error_class="cooldown", finished_at=START))
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(1, 1)
    # Same created_at: the later one first.
    assert [j.status for j in await storage.recent_jobs(user_id=ALICE)] == [
        "refused",
        "delivered",
    ]
    with pytest.raises(ValueError):
        await storage.save_job(job(status="lost"))
    assert len(await storage.recent_jobs(user_id=ALICE)) == 2


async def test_last_job_at_ignores_refused_requests_and_other_places(storage: Storage) -> None:
    assert await storage.last_job_at(user_id=ALICE, guild_id=GUILD) is None
    await storage.save_job(job(created_at=START - 300, status="failed"))
    await storage.save_job(job(created_at=START - 100, status="delivered"))
    await storage.save_job(job(created_at=START - 10, status="refused"))
    await storage.save_job(job(created_at=START - 5, guild_id=GUILD + 1))
    await storage.save_job(job(created_at=START - 4, guild_id=None))
    await storage.save_job(job(BOB, created_at=START - 1))
    assert await storage.last_job_at(user_id=ALICE, guild_id=GUILD) == START - 100
    assert await storage.last_job_at(user_id=ALICE, guild_id=None) == START - 4
    assert await storage.last_job_at(user_id=BOB, guild_id=GUILD) == START - 1


async def test_recent_jobs_newest_first_across_guilds_with_a_limit(storage: Storage) -> None:
    for n, guild_id in enumerate([GUILD, None, GUILD + 1, GUILD, None]):
        await storage.save_job(job(guild_id=guild_id, created_at=START + n, prompt=f"p{n}"))
    await storage.save_job(job(BOB, created_at=START + 10))
    recent = await storage.recent_jobs(user_id=ALICE, limit=3)
    assert [j.prompt for j in recent] == ["p4", "p3", "p2"]
    assert [j.guild_id for j in recent] == [None, GUILD, GUILD + 1]
    assert len(await storage.recent_jobs(user_id=ALICE)) == 5


async def test_forget_user_deletes_their_jobs_but_keeps_their_counts(storage: Storage) -> None:
    await deliver(storage, ALICE)
    await deliver(storage, ALICE)
    await deliver(storage, ALICE, guild_id=None)
    await finish(storage, "refused")
    await deliver(storage, BOB)

    assert await storage.forget_user(ALICE) == 4
    assert await storage.recent_jobs(user_id=ALICE) == []
    assert len(await storage.recent_jobs(user_id=BOB)) == 1
    assert await storage.usage(user_id=ALICE, guild_id=GUILD, day=DAY) == Usage(2, 3)
    assert await storage.usage(user_id=ALICE, guild_id=None, day=DAY) == Usage(1, 0)
    assert await storage.forget_user(ALICE) == 0


async def test_guild_stats(storage: Storage, clock: FakeClock) -> None:
    # Over the 7 days ending today: users 1..7 deliver 1..7 images, some days ago.
    for user_id in range(1, 8):
        for n in range(user_id):
            clock.now = START - (n % 7) * 86400
            await deliver(storage, user_id, at=clock.now)
    clock.now = START - 7 * 86400  # 8 days ago: outside the week
    await deliver(storage, 7, at=clock.now)
    await deliver(storage, 7, at=clock.now)
    clock.now = START
    await deliver(storage, 1, guild_id=GUILD + 1)  # another guild
    for error_class, status in [
        ("ServerError", "failed"),
        ("ServerError", "failed"),
        ("ContentRejected", "failed"),
        (None, "expired"),
        ("Throttled", "cancelled"),  # cancelled is no failure
    ]:
        await finish(storage, status, 2, error_class=error_class)
    await storage.save_job(job(3, created_at=START - 8 * 86400, status="failed"))

    stats = await storage.guild_stats(GUILD, today=DAY)
    images_today = sum(1 for u in range(1, 8) for n in range(u) if n % 7 == 0)
    assert stats == GuildStats(
        images_today=images_today,
        images_7d=28,
        top_users_7d=[(7, 7), (6, 6), (5, 5), (4, 4), (3, 3)],
        failures_by_class_7d={"ServerError": 2, "ContentRejected": 1, "expired": 1},
        jobs_7d=28 + 5,
    )
    quiet = await storage.guild_stats(GUILD + 2, today=DAY)
    assert quiet == GuildStats(0, 0, [], {}, 0)


async def test_purge_history_deletes_old_jobs_and_very_old_counters(
    storage: Storage, clock: FakeClock
) -> None:
    clock.now = START - 401 * 86400
    await deliver(storage, at=clock.now)  # a job and a counter 401 days old
    clock.now = START - 30 * 86400
    await deliver(storage, at=clock.now)
    clock.now = START
    await deliver(storage)
    assert await storage.purge_history(START - 7 * 86400) == 2
    assert [j.created_at for j in await storage.recent_jobs(user_id=ALICE)] == [START]
    old_day = utc_day(START - 401 * 86400)
    assert (await storage.usage(user_id=ALICE, guild_id=GUILD, day=old_day)).user_today == 0
    month_ago = utc_day(START - 30 * 86400)
    assert (await storage.usage(user_id=ALICE, guild_id=GUILD, day=month_ago)).user_today == 1
    assert await storage.purge_history(START - 7 * 86400) == 0


async def test_dialect_names_the_backend(storage: Storage, url: str) -> None:
    assert storage.dialect == ("sqlite" if url.startswith("sqlite") else "postgresql")


def test_days_are_utc() -> None:
    assert utc_day(START) == date(2026, 3, 1)
    assert utc_day(START + 60) == date(2026, 3, 2)
