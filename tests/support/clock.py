"""The one fake clock every test uses.

Production code takes ``clock: Callable[[], float]`` (seconds since the epoch, e.g.
``time.time``); tests pass a ``FakeClock`` instead and move it by hand, so nothing has to
sleep to make a deadline pass, a token expire or a day roll over.

    clock = FakeClock(START)      # frozen at START until told otherwise
    clock()                       # -> START (also clock.now, clock.time(), clock.monotonic())
    clock.advance(60)             # a minute later, instantly
    clock.now = START - 86400     # jump anywhere (e.g. to write yesterday's rows)

``FakeClock.real_time()`` is for stand-ins that face a real process (the Discord stand-in
and a running bot): it reads ``time.monotonic()`` plus whatever ``advance`` added, so its
stamps line up with ``time.monotonic`` taken elsewhere (the API stand-in, the benchmarks'
traces), and ``utcnow()`` is the matching wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from collections.abc import Callable

__all__ = ["FakeClock"]


class FakeClock:
    """Seconds (Unix time unless told otherwise) that move only when the test says so."""

    def __init__(
        self,
        start: float = 0.0,
        *,
        ticking: Callable[[], float] | None = None,
        epoch: float | None = None,
    ) -> None:
        # ``ticking`` (e.g. time.monotonic) lets real time flow as well; only its
        # differences count, so any monotonic source works.
        self._start = start
        self._ticking = ticking
        self._origin = ticking() if ticking is not None else 0.0
        # The Unix time ``start`` stands for (by default: ``start`` is Unix time).
        self._to_unix = (start if epoch is None else epoch) - start

    @classmethod
    def real_time(cls) -> FakeClock:
        """``time.monotonic()`` until advanced; ``utcnow()`` is the wall clock's."""
        return cls(_time.monotonic(), ticking=_time.monotonic, epoch=_time.time())

    @property
    def now(self) -> float:
        if self._ticking is None:
            return self._start
        return self._start + (self._ticking() - self._origin)

    @now.setter
    def now(self, value: float) -> None:
        self._start += value - self.now

    def __call__(self) -> float:
        return self.now

    # Flavours, for code that wants a ``time.time``- or ``time.monotonic``-shaped callable.
    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move forward and return the new time. Backwards only by setting ``now``:
        an accidental negative advance would silently make "late" things early again."""
        if seconds < 0:
            raise ValueError(f"advance() only moves forward, got {seconds}")
        self._start += seconds
        return self.now

    def utcnow(self) -> dt.datetime:
        """The same instant as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.now + self._to_unix, dt.UTC)

    def __repr__(self) -> str:
        flowing = ", real time" if self._ticking is not None else ""
        return f"FakeClock({self.utcnow().isoformat()}{flowing})"
