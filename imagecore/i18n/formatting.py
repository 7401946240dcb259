"""Numbers, durations and UTC times as each language writes them, from CLDR (Babel).

No hand-made plurals or unit words: "1 sec" / "40 sec", "40秒", "40 秒" all come from
Babel's data for the locale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from babel import Locale
from babel.dates import format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit

__all__ = ["format_duration", "format_number", "format_utc_time"]


def format_number(value: int | float | Decimal, locale: Locale) -> str:
    """``1234567.5`` → ``"1,234,567.5"`` with the locale's grouping and decimal signs."""
    return format_decimal(value, locale=locale)


def format_duration(value: float | timedelta, locale: Locale) -> str:
    """A wait or a run time in the largest sensible units: ``40 sec``, ``5 min``,
    ``3 hr, 5 min`` (``40秒``, ``3小时5分钟``). Never less than one second, so a wait that
    is already over never reads as zero or negative."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    whole = max(1, round(seconds))
    if whole < 60:
        parts = [(whole, "duration-second")]
    else:
        minutes = round(whole / 60)
        if minutes < 60:
            parts = [(minutes, "duration-minute")]
        else:
            hours, minutes = divmod(minutes, 60)
            parts = [(hours, "duration-hour")]
            if minutes:
                parts.append((minutes, "duration-minute"))
    # "short": the one length CLDR gives every one of our locales for these units.
    texts = [format_unit(n, unit, length="short", locale=locale) for n, unit in parts]
    return format_list(texts, style="unit-short", locale=locale)


def format_utc_time(value: datetime | float, locale: Locale) -> str:
    """A time of day in UTC, as the locale writes a short time (``00:00``, ``12:00 AM``).
    ``value`` is an aware datetime or a Unix timestamp; a naive datetime is taken as UTC."""
    if isinstance(value, datetime):
        when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    else:
        when = datetime.fromtimestamp(value, UTC)
    return format_time(when, format="short", tzinfo=UTC, locale=locale)
