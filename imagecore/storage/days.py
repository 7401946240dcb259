"""UTC days: daily budgets reset at 00:00 UTC whatever the server's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

__all__ = ["day_start", "utc_day", "week_ending"]


def utc_day(unix_seconds: float) -> date:
    return datetime.fromtimestamp(unix_seconds, UTC).date()


def day_start(day: date) -> float:
    """00:00 UTC of ``day`` in Unix seconds."""
    return datetime.combine(day, time(), UTC).timestamp()


def week_ending(day: date) -> tuple[date, date]:
    """The first and last day of the 7 days ending with ``day``."""
    return day - timedelta(days=6), day
