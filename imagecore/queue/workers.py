"""The worker tasks: each takes the next job in fair order from the books and runs it,
expiring jobs whose deadline can no longer be met, and keeps the moving average of job
durations that deadlines and wait estimates rest on.

A worker stands for one of the provider's slots. A job that has its answer releases its
worker (``Job.released``) and finishes on its own (download, posting): the next job starts
the moment the provider can take it, with no worker started ahead of its turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from imagecore.background import BackgroundTasks
from imagecore.queue.book import Job, QueueBook
from imagecore.queue.tickets import TicketState

__all__ = ["Workers"]

log = logging.getLogger(__name__)

# Weight of the newest job in the moving average of job durations.
_DURATION_SMOOTHING = 0.2


class Workers:
    def __init__(
        self,
        book: QueueBook,
        *,
        count: int,
        clock: Callable[[], float],
        typical_job_seconds: float,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._book = book
        # Waited for before each pick: the job is chosen when the provider can take it.
        self._pace = pace
        self.count = count
        self._clock = clock
        self._average = float(typical_job_seconds)
        self._work_ready = asyncio.Event()
        self._tasks = BackgroundTasks("scheduler workers")
        self._started: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stopped = asyncio.Event()  # set with _stopping, for waits that aren't for work

    @property
    def average_job_seconds(self) -> float:
        """Moving average of successful job durations (starts at typical_job_seconds)."""
        return self._average

    def start(self) -> None:
        """Start the worker tasks once; later calls do nothing. Needs a running loop."""
        if self._started:
            return
        self._started = [
            self._tasks.spawn(self._work(number), name=f"imagecore-worker-{number}")
            for number in range(self.count)
        ]

    def wake(self) -> None:
        """There is new work (or a reason to look again)."""
        self._work_ready.set()

    async def stop(self, grace: float) -> None:
        """Take no more jobs; running ones get ``grace`` seconds, then are cancelled."""
        self._stopping = True
        self._stopped.set()
        self._work_ready.set()  # idle workers wake up, see _stopping and exit
        late = await self._tasks.drain(max(0.0, grace))
        if late:
            log.info("cancelling %d job(s) still running after %.1fs", late, grace)
            await self._tasks.cancel()

    def abort(self) -> None:
        """Cancel every worker and job without waiting (a no-op once stop() has finished)."""
        for task in self._started:
            task.cancel()
        for task in self._tasks.running():
            task.cancel()

    async def _work(self, number: int) -> None:
        while True:
            job = await self._next_job()
            if job is None:
                return
            try:
                await self._execute(job)
            except Exception:
                # A bookkeeping bug must not silently cost us a worker.
                log.exception("scheduler worker %d hit an internal error", number)

    async def _next_job(self) -> Job | None:
        while not self._stopping:
            if self._pace is not None and self._book.queued_count:
                await self._paced(self._pace)
                if self._stopping:
                    break
            job = self._book.pop_next()
            if job is None:
                self._work_ready.clear()
                await self._work_ready.wait()
                continue
            ticket = job.ticket
            now = self._clock()
            if now + self._average > ticket.deadline:
                # Nobody could receive the image in time; don't pay for it.
                log.debug(
                    "ticket %s expired: %.1fs expected, %.1fs left",
                    ticket.id,
                    self._average,
                    ticket.deadline - now,
                )
                self._book.retire(job, TicketState.EXPIRED)
                continue
            self._book.mark_running(job, now)
            return job
        return None

    async def _paced(self, pace: Callable[[], Awaitable[None]]) -> None:
        """Wait for ``pace``, or less when the workers are stopped meanwhile (a provider's
        pause may last a minute; a stop must not wait for it)."""
        paced = asyncio.ensure_future(pace())
        stopped = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({paced, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            paced.cancel()
            stopped.cancel()

    async def _execute(self, job: Job) -> None:
        """Run the job in a task of its own; come back when it ends or releases the worker."""
        finish = self._tasks.spawn(self._run_to_end(job), name=f"job {job.ticket.id}")
        released = asyncio.ensure_future(job.released.wait())
        try:
            await asyncio.wait({finish, released}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()

    async def _run_to_end(self, job: Job) -> None:
        ticket = job.ticket
        try:
            await job.run()
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                self._book.retire(job, TicketState.CANCELLED)  # stop() ran out of grace
                raise
            # The job cancelled something of its own and let it escape: that job failed.
            log.debug("ticket %s failed", ticket.id, exc_info=True)
            self._book.retire(job, TicketState.FAILED, exc)
        except Exception as exc:
            log.debug("ticket %s failed", ticket.id, exc_info=True)
            self._book.retire(job, TicketState.FAILED, exc)
        else:
            started = ticket.started_at if ticket.started_at is not None else self._clock()
            elapsed = self._clock() - started
            # Only successes: a quick rejection says nothing about how long images take.
            self._average += _DURATION_SMOOTHING * (elapsed - self._average)
            self._book.retire(job, TicketState.DONE)
