"""What a caller of the scheduler holds and gets back: tickets, their states, the views
rendered from them, and the errors submit() raises.

Only the scheduler mutates a ``Ticket``; callers read it, await ``Ticket.done`` and render
state changes however they like.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field

__all__ = [
    "CancelOutcome",
    "QueueFull",
    "QueueSnapshot",
    "SchedulerError",
    "ShuttingDown",
    "Ticket",
    "TicketState",
    "TicketView",
]


class TicketState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DROPPED = "dropped"

    @property
    def is_final(self) -> bool:
        return self not in (TicketState.QUEUED, TicketState.RUNNING)


class CancelOutcome(enum.StrEnum):
    CANCELLED = "cancelled"
    NOT_OWNER = "not_owner"
    ALREADY_STARTED = "already_started"
    ALREADY_FINISHED = "already_finished"
    UNKNOWN = "unknown"


class SchedulerError(Exception):
    """Base class for errors raised by FairScheduler.submit()."""


class QueueFull(SchedulerError):
    """The user already has ``limit`` jobs queued or running."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"user already has {limit} pending jobs")
        self.limit = limit


class ShuttingDown(SchedulerError):
    """The scheduler no longer accepts jobs."""

    def __init__(self) -> None:
        super().__init__("scheduler is shutting down")


@dataclass(eq=False)
class Ticket:
    """A submitted job as seen by its submitter. Only the scheduler mutates it.

    ``done`` resolves (with the ticket itself, never an exception) when the ticket reaches a
    final state. Await it through ``asyncio.shield`` if the waiter may be cancelled, since
    cancelling a task that awaits a future directly cancels the future too.
    """

    id: str
    user_id: int
    guild_id: int | None
    deadline: float
    submitted_at: float
    done: asyncio.Future[Ticket] = field(repr=False)
    state: TicketState = TicketState.QUEUED
    started_at: float | None = None
    finished_at: float | None = None
    error: BaseException | None = None
    # Tickets submitted with the same group are one request of several images: cancelling
    # one cancels the group's other queued tickets too.
    group: str | None = None


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: Ticket
    position: int | None  # None once running
    estimated_wait: float


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    queued: int  # all users
    running: int  # all users
    tickets: tuple[TicketView, ...]  # the asking user's pending tickets, running first
