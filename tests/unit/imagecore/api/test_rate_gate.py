"""Tests for imagecore.api.rate_gate: concurrency, rate, burst, AIMD after 429s, and that
cancelled waiters give back what they took. On a real event loop with short durations."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

import pytest

from imagecore.api.rate_gate import RateGate
from tests.support.clock import FakeClock


async def settle() -> None:
    """Let woken tasks run (a few loop turns, no wall time)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_gate_never_exceeds_concurrency_or_rate() -> None:
    gate = RateGate(2, 10)
    stamps: list[float] = []
    peak = 0

    async def attempt(duration: float) -> None:
        nonlocal peak
        async with gate.slot():
            stamps.append(time.monotonic())
            peak = max(peak, gate.in_flight)
            await asyncio.sleep(duration)

    # Mixed durations so both limits bind at different times.
    await asyncio.gather(*(attempt(0.25 if i % 3 == 0 else 0.01) for i in range(15)))

    assert peak == 2
    assert gate.in_flight == 0
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.1 - 1e-6  # burst 1: never closer than 1/rate
    for i, first in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < first + 1.0)
        assert in_window <= 10 + 1


async def test_gate_burst_lets_a_few_through_at_once() -> None:
    gate = RateGate(5, 2, burst=3)
    stamps: list[float] = []

    async def attempt() -> None:
        async with gate.slot():
            stamps.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(attempt() for _ in range(4)))
    offsets = sorted(t - began for t in stamps)
    assert offsets[2] < 0.05  # three at once
    assert offsets[3] >= 0.5 - 1e-6  # the fourth waits for a token at 2/s


async def test_throttled_pauses_then_rate_recovers() -> None:
    gate = RateGate(2, 10)
    async with gate.slot():
        pass

    gate.throttled(0.3)
    assert gate.current_rate == pytest.approx(5.0)
    assert 0.25 < gate.paused_for <= 0.3

    began = time.monotonic()
    async with gate.slot():
        first = time.monotonic() - began
    async with gate.slot():
        second = time.monotonic() - began
    assert first >= 0.3 - 1e-6
    assert second - first >= 0.2 - 1e-6  # spacing follows the cut rate, 5/s

    for _ in range(4):
        gate.succeeded()
    assert gate.current_rate == pytest.approx(9.0)
    for _ in range(10):
        gate.succeeded()
    assert gate.current_rate == pytest.approx(10.0)  # never above the configured rate


async def test_throttled_cuts_once_per_episode_with_a_floor() -> None:
    clock = FakeClock()
    gate = RateGate(2, 2, min_rate=0.1, clock=clock)
    gate.throttled(0)
    gate.throttled(0)  # same episode: no attempt admitted since the first 429
    assert gate.current_rate == pytest.approx(1.0)

    for _ in range(20):
        clock.advance(100.0)  # jump the gate's clock instead of waiting out the slow rates
        async with asyncio.timeout(0.5), gate.slot():
            pass
        gate.throttled(0)
    assert gate.current_rate == pytest.approx(0.1)


async def test_throttled_without_retry_after_backs_off_exponentially_with_cap() -> None:
    clock = FakeClock()
    gate = RateGate(1, 100, base_backoff=1.0, max_backoff=3.0, clock=clock, rng=random.Random(7))
    pauses: list[float] = []
    for _ in range(4):
        clock.advance(100.0)  # past any pause, without waiting for it
        async with asyncio.timeout(0.5), gate.slot():
            pass
        gate.throttled(None)
        pauses.append(gate.paused_for)
    assert 0.5 <= pauses[0] <= 1.0  # equal jitter: between half and all of the step
    assert 1.0 <= pauses[1] <= 2.0
    assert 1.5 <= pauses[2] <= 3.0
    assert 1.5 <= pauses[3] <= 3.0  # capped

    gate.succeeded()
    clock.advance(100.0)
    async with asyncio.timeout(0.5), gate.slot():
        pass
    gate.throttled(None)
    assert gate.paused_for <= 1.0  # a success resets the backoff


async def test_cancelled_slot_waiters_leak_nothing() -> None:
    gate = RateGate(1, 1000)
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await release.wait()

    async def waiter() -> None:
        async with gate.slot():
            pytest.fail("cancelled waiter got a slot")

    holding = asyncio.create_task(holder())
    await settle()
    waiters = [asyncio.create_task(waiter()) for _ in range(5)]
    await settle()
    for task in waiters:
        task.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    release.set()
    await holding

    assert gate.in_flight == 0
    for _ in range(3):  # the one slot is still there
        async with asyncio.timeout(0.5), gate.slot():
            assert gate.in_flight == 1


async def test_waiter_cancelled_as_slot_is_released_passes_it_on() -> None:
    gate = RateGate(1, 1000)
    release = asyncio.Event()
    got: list[str] = []

    async def holder() -> None:
        async with gate.slot():
            await release.wait()

    async def waiter(name: str) -> None:
        async with gate.slot():
            got.append(name)

    holding = asyncio.create_task(holder())
    await settle()
    first = asyncio.create_task(waiter("first"))
    second = asyncio.create_task(waiter("second"))
    await settle()
    release.set()
    await asyncio.sleep(0)  # holder releases and wakes `first` ...
    first.cancel()  # ... which is cancelled before it runs
    await asyncio.gather(holding, first, return_exceptions=True)
    async with asyncio.timeout(0.5):
        await second
    assert got == ["second"]
    assert gate.in_flight == 0


async def test_cancelled_token_waiter_does_not_use_up_a_token() -> None:
    gate = RateGate(2, 5)  # one token per 0.2 s
    began = time.monotonic()
    async with gate.slot():
        pass

    async def waiter() -> None:
        async with gate.slot():
            pytest.fail("cancelled waiter was admitted")

    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)

    async with gate.slot():
        admitted = time.monotonic() - began
    # Gets the token the cancelled waiter was after, no sooner and not a period later.
    assert 0.2 - 1e-6 <= admitted < 0.3
    assert gate.in_flight == 0


async def test_cancelled_attempt_releases_its_slot() -> None:
    gate = RateGate(1, 1000)

    async def attempt() -> None:
        async with gate.slot():
            await asyncio.sleep(10)

    task = asyncio.create_task(attempt())
    await asyncio.sleep(0.01)
    assert gate.in_flight == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert gate.in_flight == 0
    async with asyncio.timeout(0.5), gate.slot():
        pass


async def test_reserved_tokens_keep_the_rate_and_a_429_voids_them() -> None:
    clock = FakeClock(100.0)
    gate = RateGate(3, 1.0, clock=clock)
    await gate.reserve()  # the one token there is, put aside
    # The reserved token goes to the next attempt at once; the one after has none.
    async with gate.slot():
        pass
    second = asyncio.ensure_future(_one_attempt(gate))
    await settle()
    assert not second.done()
    clock.advance(1.0)  # its wait (1 s of real time) ends on a clock that has moved
    await asyncio.wait_for(second, 2)
    # A reservation made before a 429 is void: the pause holds for every attempt.
    clock.advance(1.0)
    await gate.reserve()
    gate.throttled(10.0)
    third = asyncio.ensure_future(_one_attempt(gate))
    await settle()
    assert not third.done()
    third.cancel()


async def _one_attempt(gate: RateGate) -> None:
    async with gate.slot():
        pass
