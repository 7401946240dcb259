"""What the channel sees while a request waits and is made: "Queued — #3, about 40 s",
then "Generating… 12 s" or "2 of 4 ready… 12 s". Each is one edit of the response,
planned by the job's CoalescingUpdater."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cogs.imagine.cancel_button import cancel_view
from cogs.imagine.words import READY_SO_FAR
from cogs.utils.sentences import CONTINUES_AFTER_RESTART
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
    wait = scheduler.estimate_wait(queued[0])
    await job.response.edit(
        content=f"Queued — #{min(positions)}, about {_duration(wait)}",
        view=cancel_view(job.key),
    )


async def render_generating(job: ImagineJob) -> None:
    if job.generating_since is None:
        return
    seconds = time.monotonic() - job.generating_since
    if len(job.slots) == 1:
        content = f"Generating… {seconds:.0f} s"
    else:
        ready = sum(1 for s in job.slots if s.image is not None)
        content = READY_SO_FAR.format(ready=ready, count=len(job.slots), seconds=f"{seconds:.0f}")
    await job.response.edit(content=content, view=None)


async def render_continues(job: ImagineJob) -> None:
    """The bot is stopping and the job waits for the next start; Cancel still works then."""
    await job.response.edit(content=CONTINUES_AFTER_RESTART, view=cancel_view(job.key))


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    return f"{seconds / 60:.0f} min"
