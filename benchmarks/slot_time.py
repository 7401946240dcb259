"""Where the provider's slot-time goes under a backlog, read off the API stand-in's records.

Each generation request is busy at the provider from its arrival (body read) to its answer.
With ``cap`` slots, the slot-time of the run is ``cap × (last answer − first arrival)``; what
the requests did not fill is idle. A *gap* is one slot's idle stretch between an answer and
the next request to arrive: the bot's time to hand the slot to the next attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.support.api_standin import Recorded

__all__ = ["SlotTime", "slot_time"]


@dataclass(frozen=True, slots=True)
class SlotTime:
    busy: float  # seconds of requests at the provider, summed
    idle: float  # slot-seconds nobody used between the first arrival and the last answer
    gaps: tuple[float, ...]  # answer → next arrival, per hand-over, in seconds

    @property
    def idle_share(self) -> float:
        total = self.busy + self.idle
        return self.idle / total if total else float("nan")


def slot_time(requests: Sequence[Recorded], cap: int) -> SlotTime:
    """Idle slot-time and hand-over gaps of the answered requests (429s excluded)."""
    spans = sorted(
        (r.started, r.finished) for r in requests if r.finished is not None and r.status == 200
    )
    if not spans:
        return SlotTime(0.0, 0.0, ())
    busy = sum(end - start for start, end in spans)
    first = spans[0][0]
    last = max(end for _, end in spans)
    idle = max(0.0, cap * (last - first) - busy)
    # The k-th arrival after the first ``cap`` takes the slot freed by the k-th answer.
    answers = sorted(end for _, end in spans)
    gaps = tuple(
        max(0.0, start - answers[k]) for k, (start, _) in enumerate(spans[cap:]) if k < len(answers)
    )
    return SlotTime(busy, idle, gaps)
