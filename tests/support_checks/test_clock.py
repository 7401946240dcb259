"""The shared fake clock: it moves only when told, and real-time mode flows as well."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.support.clock import FakeClock


def test_a_fake_clock_stands_still_until_advanced() -> None:
    clock = FakeClock(1000.0)
    assert clock() == clock.now == clock.time() == clock.monotonic() == 1000.0
    assert clock.advance(60) == 1060.0
    assert clock() == 1060.0
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    assert clock() == 1060.0
    clock.now = 10.0  # an explicit jump may go anywhere
    assert clock() == 10.0


def test_utcnow_is_the_same_instant() -> None:
    start = dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.UTC)
    clock = FakeClock(start.timestamp())
    clock.advance(120)
    assert clock.utcnow() == dt.datetime(2026, 3, 2, 0, 1, tzinfo=dt.UTC)


def test_a_ticking_clock_flows_with_its_source_and_jumps_on_advance() -> None:
    source = FakeClock(500.0)  # stands in for time.monotonic: only differences count
    clock = FakeClock(2000.0, ticking=source)
    assert clock() == 2000.0
    source.advance(1.5)
    assert clock() == 2001.5
    clock.advance(900)
    source.advance(0.5)
    assert clock() == 2902.0
    clock.now = 3000.0
    source.advance(1)
    assert clock() == 3001.0


def test_a_clock_may_count_from_any_origin_and_still_know_the_date() -> None:
    noon = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    clock = FakeClock(50.0, epoch=noon.timestamp())  # e.g. a monotonic reading
    clock.advance(3600)
    assert clock() == 3650.0
    assert clock.utcnow() == noon + dt.timedelta(hours=1)


def test_real_time_reads_like_time_monotonic_with_the_wall_clocks_date() -> None:
    before = time.monotonic()
    clock = FakeClock.real_time()
    assert before <= clock() <= time.monotonic()  # lines up with other monotonic stamps
    slack = dt.timedelta(seconds=1)
    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC)) < slack
    clock.advance(901)
    assert clock() > time.monotonic() + 900
    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC) - dt.timedelta(seconds=901)) < slack
