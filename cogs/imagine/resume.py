"""At start-up: the jobs an earlier process accepted and did not finish, taken up again.

Every stored job whose token still works re-enters the fair queue in its stored order and
talks to the member through the interaction's webhook (``WebhookResponse``), so it needs
no gateway event: its status edits continue and its image is posted by editing the
original response, as a live job's is. A job that was running is run once more (the log
says so) unless it was started twice already: its member is told plainly then. A job
whose token can no longer fit a run is ended as expired.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord

from cogs.imagine.history import Origin
from cogs.imagine.job import ImagineJob
from cogs.imagine.live_row import LiveRow
from cogs.imagine.queueing import DELIVERY_MARGIN, SETTLE
from cogs.imagine.response import WebhookResponse
from cogs.utils.sentences import EXPIRED, INTERRUPTED
from cogs.utils.voices import Voices, catalogs_of
from imagecore.queue import QueueFull, ShuttingDown
from imagecore.storage import StorageUnavailable
from imagecore.storage.live_jobs import MAX_RUNS, LiveJob

if TYPE_CHECKING:
    from bot import ImageBot
    from cogs.imagine.job import JobTools
    from imagecore.policy.pending import PendingJobs

__all__ = ["resume_jobs"]

log = logging.getLogger(__name__)


async def resume_jobs(client: ImageBot, tools: JobTools, pending: PendingJobs) -> int:
    """Take up the stored jobs; returns how many re-entered the queue (/metrics counts
    them too)."""
    try:
        for gone in await tools.live_jobs.expire():
            log.info("job %s: its token ran out while the bot was down; expired", gone.job_key)
        stored = await tools.live_jobs.resumable()
    except StorageUnavailable as exc:
        log.warning("could not read the jobs to resume: %s", exc)
        return 0
    languages = await _server_languages(client, {row.guild_id for row in stored})
    catalogs = catalogs_of(client)
    jobs: list[ImagineJob] = []
    for row in stored:
        voices = Voices.stored(
            catalogs,
            user_locale=row.user_locale,
            guild_locale=row.guild_locale,
            setting=None if row.guild_id is None else languages.get(row.guild_id),
        )
        job = _resume(client, tools, pending, row, voices)
        if job is not None:
            jobs.append(job)
    log.info("resumed %d job(s)", len(jobs))
    client.metrics.resumed(len(jobs))
    if jobs:
        await asyncio.sleep(SETTLE)
        for job in jobs:
            tools.tasks.spawn(job.show_queued(), name="status")
    return len(jobs)


async def _server_languages(client: ImageBot, guild_ids: set[int | None]) -> dict[int, str]:
    """Each server's language setting (None: follow its Discord locale); a server whose
    settings can't be read now speaks its stored Discord locale."""
    languages: dict[int, str] = {}
    for guild_id in guild_ids:
        if guild_id is None:
            continue
        try:
            server = await client.settings_cache.get(guild_id)
        except StorageUnavailable as exc:
            log.warning("could not read server %s's language for resumed jobs: %s", guild_id, exc)
            continue
        if server.language is not None:
            languages[guild_id] = server.language
    return languages


def _resume(
    client: discord.Client,
    tools: JobTools,
    pending: PendingJobs,
    row: LiveJob,
    voices: Voices,
) -> ImagineJob | None:
    if row.token is None:
        return None
    origin = Origin(row.user_id, row.guild_id, row.channel_id)
    response = WebhookResponse(
        client, origin, application_id=row.application_id, token=row.token, voices=voices
    )
    left = row.token_deadline - tools.clock()
    job = ImagineJob(
        tools,
        response,
        list(row.requests),
        key=row.job_key,
        deadline=time.monotonic() + left - DELIVERY_MARGIN,
        hold=pending.hold(row.user_id, row.guild_id, images=row.image_count),
        live=LiveRow(tools.live_jobs, tools.tasks, row.job_key, stored=True),
        resumed=True,
    )
    job.submitted_at = row.accepted_at
    job.acknowledged.set()
    if left <= DELIVERY_MARGIN:
        log.info("job %s: its token can no longer fit a run; expired", row.job_key)
        _end(tools, job, "expired", "Expired", EXPIRED)
        return None
    if row.state != "queued" and row.runs >= MAX_RUNS:
        log.info("job %s was started %d times already; not running it again", row.job_key, row.runs)
        _end(tools, job, "dropped", "Restarted", INTERRUPTED)
        return None
    try:
        job.submit()
    except (QueueFull, ShuttingDown) as exc:
        log.warning("job %s could not re-enter the queue: %s", row.job_key, exc)
        job.hold.release()
        return None
    if row.state != "queued":
        log.info("job %s was running when the bot stopped; running it once more", row.job_key)
    return job


def _end(tools: JobTools, job: ImagineJob, status: str, error_class: str, sentence: str) -> None:
    job.record(status, error_class=error_class)
    tools.tasks.spawn(job.fail(sentence), name="telling a resumed job's end")
