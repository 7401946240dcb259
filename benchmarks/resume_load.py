"""A restart with 100 jobs in flight: how soon the new process takes them up, and its memory.

A bot process accepts 100 /imagine from 10 members; the provider keeps the first request
unanswered, so with one slot the other 99 stay queued and all 100 are in the database.
The process is killed (SIGKILL) and a new one is started on the same database. Timed on
the stand-ins' shared monotonic clock:

  resume_s        the gateway stand-in sending the new process READY → the first resumed
                  job's request reaching the API stand-in. Resuming starts in setup_hook,
                  before the gateway is connected: a negative figure means the request
                  was there first.
  resume_start_s  the new process launched → that request (what a member waits for,
                  the interpreter's start-up included).
  resume_all_s    the new process launched → its "resumed 100 job(s)" line.
  resume_rss_mb   the new process's peak RSS once it has resumed all 100 and told their
                  members they are queued again.

The resumed first request is kept unanswered too, so nothing is delivered meanwhile.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks.process import BotUnderTest
from benchmarks.world import World, start_world
from imagecore.storage import Storage
from tests.support.api_standin import Reply
from tests.support.discord_standin import InteractionRecord
from tests.support.waiting import until

__all__ = ["scenario_resume"]

JOBS = 100
MEMBERS = 10
STORE_LIMIT = 60.0  # for the 100 rows to be written, and for the new process's steps
SETTINGS = {
    "IMAGE_API_CONCURRENCY": "1",
    # The "resumed N job(s)" line is an INFO one.
    "LOG_LEVEL": "INFO",
}


async def scenario_resume(workdir: Path) -> dict[str, str]:
    async with AsyncExitStack() as stack:
        world = await start_world(stack, workdir, "resume", members=MEMBERS, env=SETTINGS)
        # The first job stays at the provider, so the other 99 stay queued.
        world.api.queue(Reply(kind="hang"))
        records = await world.burst(JOBS, "resume")
        await _until_stored(world.bot.data_dir, JOBS)
        await world.bot.kill()

        # The job that was running runs once more: kept at the provider as well.
        world.api.queue(Reply(kind="hang"))
        asked_before = world.api.generation_calls
        sessions_before = set(world.discord.gateway.sessions)
        again = BotUnderTest(
            "launch_bot.py", world.discord, world.api, world.bot.data_dir, **world.bot.env
        )
        launched = time.monotonic()
        await again.start()
        stack.push_async_callback(again.kill)
        (ready_at,) = [
            session.created_at
            for key, session in world.discord.gateway.sessions.items()
            if key not in sessions_before
        ]
        first_asked = await _first_request(world, asked_before)
        resumed_at = await again.wait_for_line(f"resumed {JOBS} job(s)", STORE_LIMIT)
        await _until_told_queued(records, launched)
        rss = again.peak_rss_mb()
    return {
        "resume_jobs": str(JOBS),
        "resume_s": f"{first_asked - ready_at:.3f}",
        "resume_start_s": f"{first_asked - launched:.3f}",
        "resume_all_s": f"{resumed_at - launched:.3f}",
        "resume_rss_mb": f"{rss:.1f}",
    }


async def _until_stored(data_dir: Path, count: int) -> None:
    """Until the bot's database holds ``count`` jobs in flight (written in the background
    just after each acknowledgement)."""
    storage = await Storage.open(f"sqlite:///{data_dir / 'bot.db'}")

    async def stored() -> bool:
        return len(await storage.live_jobs.resumable()) >= count

    try:
        await until(stored, STORE_LIMIT, what=f"{count} jobs stored")
    finally:
        await storage.close()


async def _first_request(world: World, asked_before: int) -> float:
    """When the new process's first request reached the API stand-in."""
    # The stand-in notes each request's arrival itself: polling costs no precision.
    await until(
        lambda: world.api.generation_calls > asked_before,
        STORE_LIMIT,
        what="a resumed job's request at the API",
    )
    return world.api.requests[asked_before].started


async def _until_told_queued(records: list[InteractionRecord], since: float) -> None:
    """Until every member's message was edited by the new process (its "Queued" status,
    or "Generating…" for the one at the provider)."""
    await until(
        lambda: all(_edited_since(record, since) for record in records),
        STORE_LIMIT,
        what="every member's message edited by the new process",
    )


def _edited_since(record: InteractionRecord, since: float) -> bool:
    return any(r.method == "PATCH" and r.at >= since for r in record.requests)
