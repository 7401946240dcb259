"""What the channel sees while a request waits and is made: "Queued — #3, about 40 s",
then "Generating… 12 s" or "2 of 4 ready… 12 s". Each is one edit of the response,
planned by the job's CoalescingUpdater, in the server's language."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from cogs.imagine.cancel_button import cancel_view
from cogs.imagine.words import READY_SO_FAR, STATUS_GENERATING, STATUS_QUEUED
from cogs.utils.sentences import CONTINUES_AFTER_RESTART
from imagecore.i18n import Message
from imagecore.queue import TicketState

if TYPE_CHECKING:
    from cogs.imagine.job import ImagineJob

__all__ = ["render_continues", "render_generating", "render_status"]


async def render_status(job: ImagineJob) -> None:
    if job.generating_since is not None:
        await render_generating(job)
        return
    scheduler = job.tools.scheduler
    queued = [s.ticket for s in job.slots if s.ticket and s.ticket.state is TicketState.QUEUED]
    positions = [p for p in map(scheduler.position, queued) if p is not None]
    if not positions:  # started (or gone) since this edit was planned
        return
    wait = timedelta(seconds=_rounded(scheduler.estimate_wait(queued[0])))
    queued_text = Message(STATUS_QUEUED, {"position": min(positions), "wait": wait})
    await job.response.edit(
        content=job.response.voices.public.say(queued_text),
        view=cancel_view(job.key, job.response.voices.public),
    )


async def render_generating(job: ImagineJob) -> None:
    if job.generating_since is None:
        return
    seconds = round(time.monotonic() - job.generating_since)
    if len(job.slots) == 1:
        content = Message(STATUS_GENERATING, {"seconds": seconds})
    else:
        ready = sum(1 for s in job.slots if s.image is not None)
        params = {"ready": ready, "count": len(job.slots), "seconds": seconds}
        content = Message(READY_SO_FAR, params)
    await job.response.edit(content=job.response.voices.public.say(content), view=None)


async def render_continues(job: ImagineJob) -> None:
    """The bot is stopping and the job waits for the next start; Cancel still works then."""
    continues = job.response.voices.public.say(CONTINUES_AFTER_RESTART)
    await job.response.edit(
        content=continues, view=cancel_view(job.key, job.response.voices.public)
    )


def _rounded(seconds: float) -> float:
    """An estimate, said as one: to 5 s under a minute, to the minute above."""
    if seconds < 60:
        return max(5, round(seconds / 5) * 5)
    return round(seconds / 60) * 60
