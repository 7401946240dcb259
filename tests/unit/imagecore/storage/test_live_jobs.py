"""Jobs in flight (Storage.live_jobs): stored whole, their token cleared whenever they end
and never shown, resumed in fair order while the token works, never started a third
time, expired and purged; and revision 0004 on a database the bot left at 0003."""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from imagecore.api.request import ImageRequest
from imagecore.policy.seeds import with_seeds
from imagecore.storage import InteractionToken, LiveJob, LiveJobError, Storage
from imagecore.storage.engine import create_engine
from imagecore.storage.live_jobs import (
    ACTIVE_STATES,
    ENDED_STATES,
    LIVE_STATES,
    TOKEN_SECONDS,
    decode_requests,
    encode_requests,
)
from imagecore.storage.migrate import alembic_config, head_revision
from imagecore.storage.urls import parse_database_url
from tests.support.clock import FakeClock
from tests.support.storage import START

TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQtdG9rZW4tdmFsdWU"
REQUEST = ImageRequest(
    prompt="a lighthouse in fog",
    model="qwen-image",
    size="1328*1328",
    prompt_extend=True,
    watermark=False,
    negative_prompt="blurry",
    seed=41,
)


def live(key: str = "00000000000000a1", **fields: Any) -> LiveJob:
    values: dict[str, Any] = {
        "job_key": key,
        "user_id": 7,
        "guild_id": 100,
        "channel_id": 555,
        "application_id": 9001,
        "token": InteractionToken(TOKEN),
        "token_deadline": START + TOKEN_SECONDS,
        "accepted_at": START,
        "requests": (REQUEST,),
        "user_locale": "de",
        "guild_locale": "en-US",
    }
    values.update(fields)
    return LiveJob(**values)


async def stored_token(url: str, key: str) -> str | None:
    """The token column as the database holds it, read past the storage."""
    engine = create_engine(parse_database_url(url), busy_timeout_ms=1000, timeout=5)
    try:
        async with engine.connect() as connection:
            query = sa.text("SELECT token FROM live_jobs WHERE job_key = :key")
            return (await connection.execute(query, {"key": key})).scalar_one()
    finally:
        await engine.dispose()


# -- the row ---------------------------------------------------------------------------


async def test_every_field_comes_back_as_accepted(storage: Storage, clock: FakeClock) -> None:
    edit = replace(REQUEST, seed=None, images=("data:image/png;base64,AAAA", "https://x/y.png"))
    jobs = [
        live("00000000000000a1", requests=tuple(with_seeds(REQUEST, 4))),
        # A DM: no server, no server locale; an edit with two pictures; seeds still unset.
        live(
            "00000000000000a2",
            guild_id=None,
            guild_locale=None,
            user_locale=None,
            requests=(edit, edit),
            accepted_at=START + 1.5,
            token_deadline=START + 901.25,
        ),
    ]
    clock.advance(2)
    for job in jobs:
        accepted = await storage.live_jobs.accept(job)
        assert accepted == replace(job, seq=accepted.seq, updated_at=START + 2)
        assert await storage.live_jobs.find(job.job_key) == accepted
    first, second = await storage.live_jobs.resumable()
    assert first.requests == tuple(with_seeds(REQUEST, 4))
    assert [r.seed for r in first.requests] == [41, 42, 43, 44]
    assert first.image_count == 4 and second.image_count == 2
    assert second.requests == (edit, edit) and second.guild_id is None
    assert second.token is not None and second.token.reveal() == TOKEN
    assert await storage.live_jobs.find("ffffffffffffffff") is None


def test_requests_round_trip_through_json() -> None:
    requests = tuple(with_seeds(replace(REQUEST, images=("https://x/1.png",)), 3))
    encoded = encode_requests(requests)
    assert encoded["seeds"] == [41, 42, 43] and encoded["images"] == ["https://x/1.png"]
    assert decode_requests(encoded) == requests
    # A key from newer code is left out; a missing one takes the default.
    del encoded["images"]
    assert decode_requests({**encoded, "style": "x"}) == tuple(
        replace(r, images=()) for r in requests
    )


def test_a_job_is_checked() -> None:
    with pytest.raises(ValueError, match="state"):
        live(state="lost")
    with pytest.raises(ValueError, match="at least one"):
        live(requests=())
    with pytest.raises(ValueError, match="seeds"):
        live(requests=(REQUEST, replace(REQUEST, prompt="another")))
    with pytest.raises(ValueError, match="empty"):
        InteractionToken("")


async def test_only_a_job_in_flight_with_a_token_is_accepted(storage: Storage) -> None:
    with pytest.raises(ValueError, match="in flight"):
        await storage.live_jobs.accept(live(token=None))
    with pytest.raises(ValueError, match="in flight"):
        await storage.live_jobs.accept(live(state="done"))
    assert await storage.live_jobs.resumable() == []


async def test_accepting_a_key_again_changes_nothing(storage: Storage, clock: FakeClock) -> None:
    first = await storage.live_jobs.accept(live())
    clock.advance(5)
    again = await storage.live_jobs.accept(live(user_id=8))
    assert again == first
    assert await storage.live_jobs.resumable() == [first]


def test_the_token_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    job = live()
    token = job.token
    assert token is not None
    for shown in (repr(job), str(job), repr(token), str(token), f"{token}", f"{job!r}"):
        assert TOKEN not in shown
    assert "**********" in repr(job)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("job %s token %s %r", job, token, token)
    assert TOKEN not in caplog.text
    assert token == InteractionToken(TOKEN) and hash(token) == hash(InteractionToken(TOKEN))


async def test_a_failed_accept_never_quotes_the_token(storage: Storage) -> None:
    # A Discord id can't be this big: a bug, whose error must not carry the parameters.
    with pytest.raises(LiveJobError, match="accepting job 00000000000000a1") as raised:
        await storage.live_jobs.accept(live(user_id=2**70))
    assert TOKEN not in "".join(traceback.format_exception(raised.value))
    assert await storage.live_jobs.find("00000000000000a1") is None


# -- states ----------------------------------------------------------------------------


@pytest.mark.parametrize("end", ENDED_STATES)
async def test_every_end_clears_the_token(storage: Storage, url: str, end: str) -> None:
    await storage.live_jobs.accept(live())
    assert await storage.live_jobs.start_run("00000000000000a1") == 1
    assert await storage.live_jobs.mark_state("00000000000000a1", "delivering")
    assert await stored_token(url, "00000000000000a1") == TOKEN
    assert await storage.live_jobs.mark_state("00000000000000a1", end)
    assert await stored_token(url, "00000000000000a1") is None
    found = await storage.live_jobs.find("00000000000000a1")
    assert found is not None and (found.state, found.token, found.ended) == (end, None, True)
    # An end is final: no other state, no other end, no run.
    for state in LIVE_STATES:
        assert not await storage.live_jobs.mark_state("00000000000000a1", state)
    assert await storage.live_jobs.start_run("00000000000000a1") is None
    assert await storage.live_jobs.find("00000000000000a1") == found
    assert await storage.live_jobs.resumable() == []


async def test_states_in_flight_keep_the_token(storage: Storage, clock: FakeClock) -> None:
    await storage.live_jobs.accept(live())
    for state in ACTIVE_STATES:
        clock.advance(1)
        assert await storage.live_jobs.mark_state("00000000000000a1", state)
        found = await storage.live_jobs.find("00000000000000a1")
        assert found is not None
        assert (found.state, found.token, found.updated_at) == (
            state,
            InteractionToken(TOKEN),
            clock(),
        )
    assert not await storage.live_jobs.mark_state("ffffffffffffffff", "done")
    with pytest.raises(ValueError, match="unknown job state"):
        await storage.live_jobs.mark_state("00000000000000a1", "lost")


# -- runs ------------------------------------------------------------------------------


async def test_a_job_is_never_started_a_third_time(storage: Storage) -> None:
    await storage.live_jobs.accept(live())
    assert await storage.live_jobs.start_run("00000000000000a1") == 1
    assert await storage.live_jobs.mark_state("00000000000000a1", "queued")
    assert await storage.live_jobs.start_run("00000000000000a1") == 2
    assert await storage.live_jobs.start_run("00000000000000a1") is None
    found = await storage.live_jobs.find("00000000000000a1")
    assert found is not None and (found.state, found.runs) == ("running", 2)
    assert await storage.live_jobs.start_run("ffffffffffffffff") is None


async def test_two_processes_starting_one_job_get_one_and_two(url: str, clock: FakeClock) -> None:
    # Two storages, two engines: as two bot processes on one database would be.
    first, second = await Storage.open(url, clock=clock), await Storage.open(url, clock=clock)
    try:
        for round_ in range(5):
            key = f"{round_:016x}"
            await first.live_jobs.accept(live(key))
            runs = await asyncio.gather(
                first.live_jobs.start_run(key),
                second.live_jobs.start_run(key),
                first.live_jobs.start_run(key),
                second.live_jobs.start_run(key),
            )
            assert sorted(runs, key=lambda r: r or 0) == [None, None, 1, 2]
            found = await second.live_jobs.find(key)
            assert found is not None and found.runs == 2
    finally:
        await first.close()
        await second.close()


# -- resuming, expiring, purging -------------------------------------------------------


async def test_resumable_jobs_come_in_fair_order_while_their_token_works(
    storage: Storage, clock: FakeClock
) -> None:
    keys = [f"{n:016x}" for n in range(6)]
    # Accepted in this order; deadlines (and accept times) out of order on purpose.
    deadlines = [START + 900, START + 300, START + 600, START + 100, START + 800, START + 700]
    for key, deadline in zip(keys, deadlines, strict=True):
        await storage.live_jobs.accept(live(key, token_deadline=deadline, accepted_at=deadline))
    await storage.live_jobs.start_run(keys[2])
    await storage.live_jobs.mark_state(keys[4], "delivering")
    await storage.live_jobs.mark_state(keys[5], "cancelled")
    resumable = await storage.live_jobs.resumable(START + 300)
    assert [j.job_key for j in resumable] == [keys[0], keys[2], keys[4]]
    assert [j.state for j in resumable] == ["queued", "running", "delivering"]
    assert [j.seq for j in resumable] == sorted(j.seq or 0 for j in resumable)
    # The storage's own clock by default; a deadline is exclusive.
    clock.now = START + 299
    assert [j.job_key for j in await storage.live_jobs.resumable()] == [
        keys[0],
        keys[1],
        keys[2],
        keys[4],
    ]
    assert [j.job_key for j in await storage.live_jobs.resumable(START + 900)] == []


async def test_the_fair_order_only_grows(url: str, clock: FakeClock) -> None:
    first, second = await Storage.open(url, clock=clock), await Storage.open(url, clock=clock)
    try:
        # Accepts from two processes at once: each gets a place of its own.
        accepted = await asyncio.gather(
            *((first if n % 2 else second).live_jobs.accept(live(f"{n:016x}")) for n in range(12))
        )
        seqs = sorted(j.seq or 0 for j in accepted)
        assert len(set(seqs)) == 12 and seqs[0] >= 1
        # Every job ended and purged but the newest: the next is still after all of them.
        for job in accepted:
            await first.live_jobs.mark_state(job.job_key, "done")
        clock.advance(86400)
        assert await first.live_jobs.purge(clock() - 3600) == 11
        late = await second.live_jobs.accept(live("00000000000000ff"))
        assert late.seq == seqs[-1] + 1
    finally:
        await first.close()
        await second.close()


async def test_expire_ends_the_jobs_whose_token_ran_out(
    storage: Storage, url: str, clock: FakeClock
) -> None:
    keys = [f"{n:016x}" for n in range(5)]
    deadlines = [START + 100, START + 900, START + 200, START + 100, START + 50]
    for key, deadline in zip(keys, deadlines, strict=True):
        await storage.live_jobs.accept(live(key, token_deadline=deadline))
    await storage.live_jobs.start_run(keys[2])
    await storage.live_jobs.mark_state(keys[3], "done")
    await storage.live_jobs.mark_state(keys[4], "delivering")
    clock.advance(500)
    expired = await storage.live_jobs.expire()
    assert [j.job_key for j in expired] == [keys[0], keys[2], keys[4]]
    assert all((j.state, j.token, j.updated_at) == ("expired", None, clock()) for j in expired)
    assert [j.runs for j in expired] == [0, 1, 0]  # who had been started, for the log
    for key in (keys[0], keys[2], keys[4]):
        assert await stored_token(url, key) is None
    assert await stored_token(url, keys[1]) == TOKEN
    assert [j.job_key for j in await storage.live_jobs.resumable()] == [keys[1]]
    assert await storage.live_jobs.expire() == []
    done = await storage.live_jobs.find(keys[3])
    assert done is not None and done.state == "done"  # an end stays what it was
    # An explicit time: the last one runs out at its deadline.
    assert [j.job_key for j in await storage.live_jobs.expire(START + 900)] == [keys[1]]


async def test_purge_deletes_only_old_ended_jobs(storage: Storage, clock: FakeClock) -> None:
    keys = [f"{n:016x}" for n in range(5)]
    for key in keys:
        await storage.live_jobs.accept(live(key, token_deadline=START + 10 * 86400))
    await storage.live_jobs.mark_state(keys[0], "done")
    await storage.live_jobs.mark_state(keys[1], "failed")
    clock.advance(3 * 86400)
    await storage.live_jobs.mark_state(keys[2], "cancelled")  # ended lately
    # keys[3] is still queued, however old; keys[4] (the newest) too.
    assert await storage.live_jobs.purge(clock() - 86400) == 2
    assert await storage.live_jobs.find(keys[0]) is None
    assert await storage.live_jobs.find(keys[1]) is None
    remaining = [await storage.live_jobs.find(key) for key in keys[2:]]
    assert [j.state for j in remaining if j is not None] == ["cancelled", "queued", "queued"]
    assert await storage.live_jobs.purge(clock() - 86400) == 0


# -- revision 0004 ---------------------------------------------------------------------


def _migrate_to(revision: str, *, down: bool = False) -> Any:
    def migrate(connection: Connection) -> None:
        with connection.begin():
            config = alembic_config(connection)
            if down:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)

    return migrate


async def _run(url: str, step: Any) -> Any:
    engine = create_engine(parse_database_url(url), busy_timeout_ms=1000, timeout=5)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(step)
    finally:
        await engine.dispose()


def _look(connection: Connection) -> tuple[set[str], list[Any], int]:
    version = list(connection.execute(sa.text("SELECT version_num FROM alembic_version")))
    jobs = connection.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one()
    return set(sa.inspect(connection).get_table_names()), version, int(jobs)


async def test_a_0003_database_gains_live_jobs_and_gives_them_back(
    url: str, clock: FakeClock
) -> None:
    sqlite_file = parse_database_url(url).sqlite_path
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    await _run(url, _migrate_to("0003"))

    def old_job(connection: Connection) -> None:
        with connection.begin():
            connection.execute(
                sa.text(
                    "INSERT INTO jobs (user_id, prompt, negative_prompt, model, size, "
                    "prompt_extend, watermark, status, created_at, job_key) VALUES "
                    "(7, 'old', '', 'qwen-image', '1328*1328', true, false, 'delivered', "
                    "1.0, '00000000000000a1')"
                )
            )

    await _run(url, old_job)
    tables, version, jobs = await _run(url, _look)
    assert "live_jobs" not in tables and version == [("0003",)] and jobs == 1

    storage = await Storage.open(url, clock=clock)  # upgrades to head
    try:
        accepted = await storage.live_jobs.accept(live("00000000000000a2"))
        assert accepted.seq == 1
        assert await storage.live_jobs.resumable() == [accepted]
        assert await storage.find_job("00000000000000a1") is not None
    finally:
        await storage.close()
    tables, version, jobs = await _run(url, _look)
    assert "live_jobs" in tables and version == [(head_revision(),)] and jobs == 1

    # And back: the table goes (tokens and all), the history stays.
    await _run(url, _migrate_to("0003", down=True))
    tables, version, jobs = await _run(url, _look)
    assert "live_jobs" not in tables and version == [("0003",)] and jobs == 1
    # And up again, empty.
    storage = await Storage.open(url, clock=clock)
    try:
        assert await storage.live_jobs.resumable() == []
    finally:
        await storage.close()
