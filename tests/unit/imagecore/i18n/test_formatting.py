"""Numbers, durations and UTC times as each language writes them (Babel's CLDR data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from babel import Locale

from imagecore.i18n import format_duration, format_number, format_utc_time

ZH_CN, ZH_TW = Locale.parse("zh_Hans_CN"), Locale.parse("zh_Hant_TW")
EN_US, EN_GB = Locale.parse("en_US"), Locale.parse("en_GB")


def test_numbers_group_alike_but_big_ones_read_differently() -> None:
    assert format_number(1234567.5, EN_US) == "1,234,567.5"
    assert format_number(1234567.5, ZH_CN) == "1,234,567.5"
    assert format_number(100_000, ZH_TW) == "100,000"


@pytest.mark.parametrize(
    ("seconds", "en_us", "zh_cn", "zh_tw"),
    [
        (-5, "1 sec", "1秒", "1 秒"),  # already over: never zero or negative
        (0.2, "1 sec", "1秒", "1 秒"),
        (40, "40 sec", "40秒", "40 秒"),
        (59, "59 sec", "59秒", "59 秒"),
        (60, "1 min", "1分钟", "1 分鐘"),
        (89, "1 min", "1分钟", "1 分鐘"),
        (59 * 60, "59 min", "59分钟", "59 分鐘"),
        (3600, "1 hr", "1小时", "1 小時"),
        (3 * 3600 + 5 * 60, "3 hr, 5 min", "3小时5分钟", "3 小時 5 分鐘"),
        (23 * 3600 + 60, "23 hr, 1 min", "23小时1分钟", "23 小時 1 分鐘"),
        # A full day and more stays in hours: no unit rounds an hour away.
        (25 * 3600, "25 hr", "25小时", "25 小時"),
    ],
)
def test_durations_in_the_largest_sensible_units(
    seconds: float, en_us: str, zh_cn: str, zh_tw: str
) -> None:
    assert format_duration(seconds, EN_US) == en_us
    assert format_duration(seconds, ZH_CN) == zh_cn
    assert format_duration(timedelta(seconds=seconds), ZH_TW) == zh_tw


def test_english_durations_follow_the_region() -> None:
    assert format_duration(2 * 3600 + 600, EN_GB) == "2 hrs, 10 mins"


@pytest.mark.parametrize("locale", [EN_US, EN_GB, ZH_CN, ZH_TW])
def test_durations_never_show_a_raw_unit_name(locale: Locale) -> None:
    for seconds in (1, 30, 61, 7200, 7260):
        assert "duration" not in format_duration(seconds, locale)


def test_utc_times_in_each_languages_own_way() -> None:
    midnight = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert format_utc_time(midnight, EN_US) == "12:00\u202fAM"  # CLDR: a narrow no-break space
    assert format_utc_time(midnight, EN_GB) == "00:00"
    assert format_utc_time(midnight, ZH_CN) == "00:00"
    assert format_utc_time(midnight, ZH_TW) == "午夜12:00"
    # A timestamp, an aware time elsewhere and a naive time (taken as UTC) are all UTC.
    assert format_utc_time(midnight.timestamp(), ZH_CN) == "00:00"
    beijing = midnight.astimezone(timezone(timedelta(hours=8)))
    assert format_utc_time(beijing, ZH_CN) == "00:00"
    assert format_utc_time(datetime(2026, 3, 2, 13, 5), ZH_CN) == "13:05"  # noqa: DTZ001
