"""Which image job runs next, and the workers that run them: fair across servers and
members, inside the provider's concurrency, with cancel, deadlines and shutdown."""

from imagecore.queue.scheduler import (
    CancelOutcome,
    FairScheduler,
    QueueFull,
    QueueSnapshot,
    SchedulerError,
    ShuttingDown,
    Ticket,
    TicketState,
    TicketView,
)

__all__ = [
    "CancelOutcome",
    "FairScheduler",
    "QueueFull",
    "QueueSnapshot",
    "SchedulerError",
    "ShuttingDown",
    "Ticket",
    "TicketState",
    "TicketView",
]
