"""The stand-in's notion of time.

Discord's interaction rules are all about time (3 s to acknowledge, 15 min of token
life). Tests must be able to jump forward without sleeping, so every deadline is
measured against this clock instead of ``time.monotonic`` directly.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable


class StandInClock:
    """A monotonic clock with an adjustable offset.

    ``advance(seconds)`` moves "now" forward for every deadline the stand-in checks
    and for the timestamps it writes into payloads; real time keeps flowing too.
    """

    def __init__(self, source: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self.offset: float = 0.0

    def now(self) -> float:
        """Monotonic seconds, including the offset."""
        return self._source() + self.offset

    def advance(self, seconds: float) -> None:
        """Jump forward (e.g. ``advance(901)`` to expire interaction tokens)."""
        if seconds < 0:
            # Going backwards would make "late" interactions early again; no test needs it.
            raise ValueError("the stand-in clock only moves forward")
        self.offset += seconds

    def utcnow(self) -> dt.datetime:
        """Wall-clock time shifted by the same offset, for message timestamps."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.offset)

    def iso_now(self) -> str:
        return self.utcnow().isoformat()
