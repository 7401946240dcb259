"""Waiting for a condition that has no event of its own (state inside a stand-in, a row
a background task writes), with a deadline: never a bare sleep that hopes it was enough."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

__all__ = ["until"]

POLL = 0.02


async def until(
    condition: Callable[[], object | Awaitable[object]],
    limit: float = 10.0,
    *,
    what: str = "the condition",
) -> None:
    """Return as soon as ``condition()`` (sync or async) is true; TimeoutError after
    ``limit`` seconds, naming ``what`` was awaited."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() >= deadline:
            raise TimeoutError(f"{what} did not hold within {limit} s")
        await asyncio.sleep(POLL)
