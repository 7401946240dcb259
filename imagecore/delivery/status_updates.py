"""Status updates for one message, at most one per interval, newest wins.

Discord rate-limits message edits; a queue that moves quickly would otherwise send an
edit per position change. The final update (the result) is never delayed or dropped, and
nothing is sent after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from imagecore.background import BackgroundTasks

__all__ = ["CoalescingUpdater"]

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[None]]


class CoalescingUpdater:
    def __init__(self, min_interval: float = 2.0, *, clock: Callable[[], float] = time.monotonic):
        self._interval = min_interval
        self._clock = clock
        self._last_sent = -float("inf")
        self._pending: Send | None = None
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one send at a time, in order
        self._tasks = BackgroundTasks("status updates")
        self._finished = False
        self.sent = 0

    @property
    def finished(self) -> bool:
        return self._finished

    async def update(self, send: Send) -> None:
        """Send now if the interval has passed, else remember it as the next update."""
        if self._finished:
            return
        wait = self._last_sent + self._interval - self._clock()
        if wait <= 0 and self._timer is None:
            await self._send(send)
            return
        self._pending = send
        if self._timer is None:
            self._timer = self._tasks.spawn(self._later(max(wait, 0.0)), name="status update")

    async def final(self, send: Send) -> None:
        """Send the last update right away; later updates are ignored."""
        self._finished = True
        self._pending = None
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        async with self._lock:
            await send()
            self.sent += 1

    def close(self) -> None:
        """Stop without a final update (the message is gone)."""
        self._finished = True
        self._pending = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        send, self._pending = self._pending, None
        self._timer = None
        if send is not None and not self._finished:
            await self._send(send)

    async def _send(self, send: Send) -> None:
        async with self._lock:
            if self._finished:
                return
            self._last_sent = self._clock()
            try:
                await send()
                self.sent += 1
            except Exception:
                # A lost status edit must never take the job down with it.
                log.warning("status update failed", exc_info=True)
