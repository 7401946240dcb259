"""The one way the bot starts a task it does not await on the spot.

The event loop keeps only a weak reference to a task, so a task nobody holds can vanish
mid-run, and an exception in a task nobody awaits is reported late or never. Every
background task goes through a ``BackgroundTasks``: it holds the task until it ends and
logs what it raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["BackgroundTasks"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundTasks:
    def __init__(self, owner: str) -> None:
        self._owner = owner  # named in the log line when a task fails
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self,
        coroutine: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        expected: tuple[type[BaseException], ...] = (),
    ) -> asyncio.Task[T]:
        """``expected``: errors its awaiters handle (logged here at DEBUG only)."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, expected))
        return task

    def _finished(self, task: asyncio.Task[Any], expected: tuple[type[BaseException], ...]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, expected):
            log.debug("%s: background task %s: %s", self._owner, task.get_name(), error)
        elif error is not None:
            log.error("%s: background task %s failed", self._owner, task.get_name(), exc_info=error)

    def running(self) -> list[asyncio.Task[Any]]:
        return list(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, limit: float) -> int:
        """Wait up to ``limit`` seconds for the running tasks; returns how many are left."""
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=limit)
        return len(pending)

    async def cancel(self) -> None:
        """Cancel what is still running and wait for it to end."""
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
