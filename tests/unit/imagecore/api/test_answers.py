"""imagecore.api.answers.parse_retry_after: a Retry-After header, in either of its forms, into
the seconds the client waits before trying again (bounded, so one header can't stall it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imagecore.api.answers import parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),  # never a negative wait
        ("99999", 900.0),  # capped at a quarter of an hour
        ("nan", None),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_delta_seconds(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_an_http_date_counts_from_now() -> None:
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=NOW) == 30.0
    # A date without a zone ("-0000") is UTC too.
    assert parse_retry_after("Sun, 01 Mar 2026 12:01:00 -0000", now=NOW) == 60.0
    assert parse_retry_after("Sun, 01 Mar 2026 14:00:00 GMT", now=NOW) == 900.0


def test_an_http_date_in_the_past_means_at_once() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=NOW) == 0.0


def test_without_now_a_date_counts_from_the_real_clock() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    soon = datetime.now(UTC) + timedelta(seconds=120)
    seconds = parse_retry_after(soon.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert seconds is not None
    assert 110.0 <= seconds <= 120.0
