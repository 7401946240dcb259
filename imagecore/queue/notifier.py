"""Delivers ``on_update`` callbacks off the scheduler's path: one background task per
ticket at a time, changes coalesced, each call bounded by a timeout.

A slow callback is re-run once with the latest state when it returns, not once per change
that happened meanwhile, so a stuck Discord edit never piles up work or holds a worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from imagecore.background import BackgroundTasks
from imagecore.queue.tickets import Ticket

__all__ = ["UpdateNotifier"]

log = logging.getLogger(__name__)

Callback = Callable[[Ticket], Awaitable[None]]


class UpdateNotifier:
    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout
        self._tasks = BackgroundTasks("scheduler on_update")
        self._delivering: set[str] = set()  # ticket ids with a delivery task
        self._stale: set[str] = set()  # ticket ids changed since their callback last began

    def notify(self, ticket: Ticket, callback: Callback) -> None:
        """Have ``callback(ticket)`` run soon; needs a running loop."""
        self._stale.add(ticket.id)
        if ticket.id not in self._delivering:
            self._delivering.add(ticket.id)
            self._tasks.spawn(
                self._deliver(ticket, callback), name=f"imagecore-ticket-{ticket.id}-update"
            )

    async def close(self) -> None:
        """Give running callbacks up to the timeout, then cancel what is left."""
        if await self._tasks.drain(self._timeout):
            await self._tasks.cancel()

    async def _deliver(self, ticket: Ticket, callback: Callback) -> None:
        try:
            while ticket.id in self._stale:
                self._stale.discard(ticket.id)
                try:
                    async with asyncio.timeout(self._timeout):
                        await callback(ticket)
                except TimeoutError:
                    log.warning("on_update for ticket %s timed out", ticket.id)
                except Exception:
                    log.exception("on_update for ticket %s failed", ticket.id)
        finally:
            self._delivering.discard(ticket.id)
            self._stale.discard(ticket.id)  # only left over when cancelled mid-call
