"""Which image job runs next, and the workers that run them: fair across servers and
members, inside the provider's concurrency, with cancel, deadlines and shutdown.

``FairScheduler`` is the one entry point; the rest of the package is its parts:
``tickets`` (what callers hold), ``fair_share`` (the fairness algorithm), ``book`` (order
and bookkeeping), ``workers`` (running jobs) and ``notifier`` (on_update callbacks).
"""

from imagecore.queue.scheduler import FairScheduler
from imagecore.queue.tickets import (
    CancelOutcome,
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
