"""Small helpers shared by the queue tests: jobs that record events, and loop settling.
(The hand-moved clock is tests.support.clock.FakeClock.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Job = Callable[[], Awaitable[None]]


def far() -> float:
    """A deadline no test reaches, on the real monotonic clock."""
    return time.monotonic() + 60.0


def job(events: list[str], name: str, duration: float = 0.0) -> Job:
    async def run() -> None:
        events.append(f"start {name}")
        await asyncio.sleep(duration)
        events.append(f"end {name}")

    return run


def gated(events: list[str], name: str, gate: asyncio.Event) -> Job:
    """A job that runs until the test sets ``gate``."""

    async def run() -> None:
        events.append(f"start {name}")
        await gate.wait()
        events.append(f"end {name}")

    return run


def starts(events: list[str]) -> list[str]:
    return [event.removeprefix("start ") for event in events if event.startswith("start ")]


async def settle() -> None:
    """Let callback tasks and woken workers run (a few loop turns, no wall time)."""
    for _ in range(5):
        await asyncio.sleep(0)
