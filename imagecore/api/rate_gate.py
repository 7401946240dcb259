"""The gate every image API attempt passes: the provider's per-account limits (about
2 requests/s and 2 concurrent) hold at all times, and 429s slow us down instead of piling up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

log = logging.getLogger(__name__)

__all__ = ["RateGate"]

# Float token arithmetic drifts; a token this close to whole counts as whole, which avoids
# a tail of micro-sleeps and is far below anything the provider could notice.
_TOKEN_EPSILON = 1e-9


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class RateGate:
    """Admits API attempts within a concurrency limit and an adaptive request rate.

    ``async with gate.slot():`` waits for a free concurrency slot and then a rate token
    (token bucket, ``burst`` tokens deep), and holds the slot for the attempt. Waiters are
    served FIFO: a released slot is handed to the first waiter on the spot (nobody arriving
    later can take it first, and no time passes with the slot free while someone waits). A
    waiter cancelled at any point gives back whatever it had taken.

    After a 429 call ``throttled(retry_after)``: new attempts pause and the effective rate is
    cut multiplicatively (AIMD). Each success calls ``succeeded()``, which raises the rate
    additively back towards the configured one.
    """

    def __init__(
        self,
        concurrency: int,
        rate: float,
        *,
        burst: int = 1,
        min_rate: float = 0.1,
        decrease_factor: float = 0.5,
        recovery_step: float | None = None,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError("rate must be a positive finite number")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if not 0 < decrease_factor < 1:
            raise ValueError("decrease_factor must be between 0 and 1")
        if min_rate <= 0:
            raise ValueError("min_rate must be positive")
        self._concurrency = concurrency
        self._max_rate = float(rate)
        self._min_rate = min(float(min_rate), self._max_rate)
        self._rate = self._max_rate
        self._burst = float(burst)
        self._decrease = decrease_factor
        self._step = recovery_step if recovery_step is not None else self._max_rate / 10
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()

        self._free_slots = concurrency
        # Attempts waiting for a slot, oldest first; a released slot goes to the first one.
        self._slot_waiters: deque[asyncio.Future[None]] = deque()
        # Only the lock holder waits for tokens, so tokens are handed out FIFO.
        self._token_lock = asyncio.Lock()
        self._tokens = self._burst
        self._refilled_at = clock()
        self._reserved = 0  # tokens taken by reserve() for attempts about to start
        self._paused_until = -math.inf
        self._strikes = 0  # throttle episodes since the last success, for the backoff
        # A 429 only counts as new evidence if some attempt was admitted after the last cut;
        # otherwise it comes from an attempt that was already in flight.
        self._admitted_since_throttle = True
        self._in_flight = 0
        self._waker: asyncio.Future[None] | None = None

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def max_rate(self) -> float:
        """The configured rate the gate recovers to."""
        return self._max_rate

    @property
    def current_rate(self) -> float:
        """The effective rate (attempts/s) after throttling."""
        return self._rate

    @property
    def in_flight(self) -> int:
        """Attempts currently holding a slot."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Attempts waiting for a concurrency slot."""
        return sum(1 for waiter in self._slot_waiters if not waiter.done())

    @property
    def paused_for(self) -> float:
        """Seconds left of the pause ordered by the last 429 (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a concurrency slot and a rate token, then hold the slot for the body."""
        await self._acquire_slot()
        try:
            await self._take_token()
        except BaseException:
            self._release_slot()
            raise
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._release_slot()

    async def reserve(self) -> None:
        """Wait for a rate token and put it aside for the next attempt to start. A
        scheduler that waits here picks its next job when the provider can take it, not
        ahead of the gate, so a job that arrives meanwhile is weighed too. Every attempt
        still costs one token (a reserved one or its own); a 429 voids reservations."""
        async with self._token_lock:
            while True:
                now = self._clock()
                self._refill(now)
                if now >= self._paused_until and self._tokens >= 1.0 - _TOKEN_EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self._reserved += 1
                    return
                await self._sleep(self._token_delay(now))

    async def _acquire_slot(self) -> None:
        # A slot is only ever free when nobody waits (a release hands it over), so taking
        # a free one cannot jump the line.
        if self._free_slots:
            self._free_slots -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._slot_waiters.append(waiter)
        try:
            await waiter  # resolved by _release_slot, which hands its slot over
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release_slot()  # handed a slot just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # a release may have skipped it already
                    self._slot_waiters.remove(waiter)
            raise

    def _release_slot(self) -> None:
        """Hand the slot to the oldest waiter if there is one, else mark it free."""
        while self._slot_waiters:
            waiter = self._slot_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free_slots += 1

    def throttled(self, retry_after: float | None) -> None:
        """The provider answered 429: pause new attempts and cut the effective rate."""
        now = self._clock()
        self._refill(now)
        new_episode = self._admitted_since_throttle
        self._admitted_since_throttle = False
        if new_episode:
            self._strikes += 1
            self._rate = max(self._min_rate, self._rate * self._decrease)
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            pause = float(retry_after)
        else:
            pause = self._backoff()
        self._paused_until = max(self._paused_until, now + pause)
        # Drain the bucket so the pause is not followed by a burst.
        self._tokens = 0.0
        self._reserved = 0
        self._refilled_at = max(self._refilled_at, self._paused_until)
        if new_episode:
            log.info(
                "rate limited by provider: pausing %.1fs, rate now %.2f/s",
                pause,
                self._rate,
            )
        self._wake_waiter()

    def succeeded(self) -> None:
        """An attempt got through: recover the rate by one additive step."""
        self._strikes = 0
        if self._rate < self._max_rate:
            self._refill(self._clock())
            self._rate = min(self._max_rate, self._rate + self._step)
            self._wake_waiter()  # a faster rate may let the waiting attempt go sooner

    def _backoff(self) -> float:
        exponent = min(self._strikes - 1, 32)  # keeps 2**n finite; the cap applies anyway
        ceiling = min(self._max_backoff, self._base_backoff * 2.0**exponent)
        # "Equal jitter": never zero, and concurrent clients spread out.
        return ceiling * (0.5 + 0.5 * self._rng.random())

    def _refill(self, now: float) -> None:
        if now > self._refilled_at:
            gained = (now - self._refilled_at) * self._rate
            self._tokens = min(self._burst, self._tokens + gained)
            self._refilled_at = now

    async def _take_token(self) -> None:
        # A reserved token needs no wait, so it does not queue behind the lock (the
        # scheduler may hold it, waiting to reserve the next one).
        if self._reserved and self._clock() >= self._paused_until:
            self._reserved -= 1
            self._admitted_since_throttle = True
            return
        async with self._token_lock:
            while True:
                now = self._clock()
                self._refill(now)
                if now >= self._paused_until and self._reserved:
                    self._reserved -= 1
                    self._admitted_since_throttle = True
                    return
                if now >= self._paused_until and self._tokens >= 1.0 - _TOKEN_EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self._admitted_since_throttle = True
                    return
                await self._sleep(self._token_delay(now))

    def _token_delay(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        return (1.0 - self._tokens) / self._rate

    async def _sleep(self, delay: float) -> None:
        """Sleep for ``delay`` or until the rate or pause changes, whichever comes first."""
        loop = asyncio.get_running_loop()
        waker: asyncio.Future[None] = loop.create_future()
        self._waker = waker
        handle = loop.call_later(delay, _wake, waker)
        try:
            await waker
        finally:
            handle.cancel()
            if self._waker is waker:
                self._waker = None

    def _wake_waiter(self) -> None:
        if self._waker is not None:
            _wake(self._waker)
