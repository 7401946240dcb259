"""One job's row in the jobs in flight (``Storage.live_jobs``), written off the member's
path: each write is a background task that waits for the one before it, so the accept
lands before any mark and the marks land in the order they were made. A write that fails
is logged (never with the token) and the job goes on: it is then not durable. A job's end
is the exception: while the database is down it is tried again, with growing pauses, for
as long as the token could let a restart take the job up (a "done" lost there would have
the next start make and post its image once more)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from imagecore.storage import StorageUnavailable
from imagecore.storage.live_jobs import ENDED_STATES, TOKEN_SECONDS, LiveJob, LiveJobError

if TYPE_CHECKING:
    from imagecore.background import BackgroundTasks
    from imagecore.storage.live_jobs import LiveJobs

__all__ = ["LiveRow", "live_state"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# A request's history status → the state its row ends in.
_ENDS = {"delivered": "done", "cancelled": "cancelled", "expired": "expired"}
# Pauses between tries of an end mark while the database is down: doubling up to the most.
END_RETRY_FIRST = 1.0
END_RETRY_MOST = 30.0


def live_state(history_status: str) -> str:
    return _ENDS.get(history_status, "failed")


class LiveRow:
    def __init__(
        self, live_jobs: LiveJobs, tasks: BackgroundTasks, key: str, *, stored: bool = False
    ) -> None:
        self._live_jobs = live_jobs
        self._tasks = tasks
        self.key = key
        # The row is in the database (accepted, or read back at start-up).
        self.stored = stored
        self._accepting = stored  # accept() was called (or the row is there already)
        # A live job's first image may start before its acknowledgement, so before its
        # accept is written: the accept then counts that start.
        self._runs_before_accept = 0
        self.failed = False  # a write could not be made: the row may be behind the job
        self._last: asyncio.Task[object] | None = None

    def accept(self, job: LiveJob) -> None:
        self._accepting = True
        if self._runs_before_accept:
            job = replace(job, state="running", runs=self._runs_before_accept)

        async def accept() -> None:
            await self._live_jobs.accept(job)
            self.stored = True

        self._write(accept, "accepting")

    def start_run(self) -> asyncio.Future[int | None]:
        """Count a start; the future gives the runs so far, None when the row could not
        be written (or is not written yet) or the job may not run again."""
        if not self._accepting:
            self._runs_before_accept += 1
            done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        return self._write(lambda: self._live_jobs.start_run(self.key), "starting")

    def mark(self, state: str) -> None:
        if state in ENDED_STATES:
            self._write(lambda: self._mark_end(state), f"marking {state}")
        else:
            self._write(lambda: self._live_jobs.mark_state(self.key, state), f"marking {state}")

    async def _mark_end(self, state: str) -> bool:
        """The end mark, tried until it lands; StorageUnavailable once the token is past
        use (the next start then ends the row as expired)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + TOKEN_SECONDS
        pause = END_RETRY_FIRST
        while True:
            try:
                return await self._live_jobs.mark_state(self.key, state)
            except StorageUnavailable as exc:
                if loop.time() + pause > give_up:
                    raise
                log.warning(
                    "job %s in flight: marking %s failed, trying again in %.0f s: %s",
                    self.key,
                    state,
                    pause,
                    exc,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, END_RETRY_MOST)

    async def written(self) -> None:
        """Wait for the writes made so far (they never raise)."""
        if self._last is not None:
            await asyncio.wait([self._last])

    def _write(self, step: Callable[[], Awaitable[T]], doing: str) -> asyncio.Task[T | None]:
        previous = self._last

        async def write() -> T | None:
            if previous is not None:
                await asyncio.wait([previous])
            if not self.stored and doing != "accepting":
                return None  # nothing to change: the accept did not land
            try:
                return await step()
            except (StorageUnavailable, LiveJobError) as exc:
                # Neither message holds the token (the storage layer keeps it out).
                log.warning("job %s in flight: %s failed: %s", self.key, doing, exc)
                self.failed = True
                return None

        task = self._tasks.spawn(write(), name=f"live job {doing}")
        self._last = task
        return task
